/* clnas — the double references of the DARTS cell space's pools and subsample against PyTorch (issue 13): the
 * vectors of tests/data/darts_ops/make_vectors.py (max and average pools at strides 1 and 2, the ReLU-subsample at
 * offsets 0 and 1, forward and backward, on inputs full of ties). The kernel rows check the kernels against these
 * references; this checks the references' semantics (-inf padding, ceil(H/2), the divisor without padding, the
 * first maximum taking the gradient, the x <= 0 mask). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"
#include "op_maxpool.h"
#include "op_subsample.h"

#define VECTORS CLNAS_TEST_DATA "/darts_ops/vectors.txt"
enum { N = 3, C = 2, H = 7, W = 5, COUNT = N * C * H * W };

/* The values of the line named `name` into out (at most COUNT); returns their count, failing when it is missing. */
static size_t vector_of(const char *text, const char *name, double *out)
{
    size_t len = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, len) != 0 || p[len] != ' ')
            continue;
        char *end;
        long n = strtol(p + len, &end, 10);
        assert_true(n > 0 && n <= COUNT);
        for (long i = 0; i < n; i++)
            out[i] = strtod(end, &end);
        return (size_t)n;
    }
    fail_msg("%s: no line named %s", VECTORS, name);
    return 0;
}

static void expect(const char *text, const char *name, const double *got, size_t count)
{
    double want[COUNT];
    assert_int_equal(vector_of(text, name, want), count);
    for (size_t i = 0; i < count; i++)
        if (fabs(got[i] - want[i]) > 1e-12 * fmax(1.0, fabs(want[i])))
            fail_msg("%s[%zu]: clnas %.17g, PyTorch %.17g", name, i, got[i], want[i]);
}

static void test_references_match_pytorch(void **state)
{
    (void)state;
    char *text = NULL;
    size_t size = 0;
    clnas_error err = {0};
    if (clnas_file_read_all(VECTORS, &text, &size, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    double x[COUNT], dy[COUNT], y[COUNT], dx[COUNT];
    assert_int_equal(vector_of(text, "x", x), COUNT);
    assert_int_equal(vector_of(text, "dy", dy), COUNT);
    for (int s = 1; s <= 2; s++) {
        clnas_pool_params p = {N, C, H, W, 0, s, NULL};
        size_t out = (size_t)N * C * clnas_op_pool3_out_dim(H, s) * clnas_op_pool3_out_dim(W, s);
        char name[32];
        clnas_ref_maxpool3_fwd(&p, x, y);
        snprintf(name, sizeof name, "max_s%d_y", s);
        expect(text, name, y, out);
        clnas_ref_maxpool3_bwd(&p, dy, x, dx);
        snprintf(name, sizeof name, "max_s%d_dx", s);
        expect(text, name, dx, COUNT);
        clnas_ref_avgpool3_fwd(&p, x, y);
        snprintf(name, sizeof name, "avg_s%d_y", s);
        expect(text, name, y, out);
        clnas_ref_avgpool3_bwd(&p, dy, dx);
        snprintf(name, sizeof name, "avg_s%d_dx", s);
        expect(text, name, dx, COUNT);
    }
    for (int o = 0; o <= 1; o++) {
        clnas_subsample_params p = {N, C, H, W, o, 1, 0};
        size_t out = (size_t)N * C * clnas_op_subsample2_out_dim(H, o) * clnas_op_subsample2_out_dim(W, o);
        char name[32];
        clnas_ref_subsample2_fwd(&p, x, y);
        snprintf(name, sizeof name, "sub_o%d_y", o);
        expect(text, name, y, out);
        clnas_ref_subsample2_bwd(&p, dy, x, dx);
        snprintf(name, sizeof name, "sub_o%d_dx", o);
        expect(text, name, dx, COUNT);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_references_match_pytorch)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
