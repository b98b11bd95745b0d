/* clnas — every generated kernel, forward and backward, against its double-precision C reference.
 * Set CLNAS_KERNEL_TEST_SMALL=1 to run the smallest shapes of each row only (for oclgrind), and
 * CLNAS_KERNEL_TEST_ROWS=TEXT to run only the rows whose name contains TEXT (e.g. "gpu": the GPU family). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel_cases.h"

static void run_table(void **state, const kh_case *table)
{
    kh_ctx *k = *state;
    int small = getenv("CLNAS_KERNEL_TEST_SMALL") != NULL;
    const char *rows = getenv("CLNAS_KERNEL_TEST_ROWS");
    int failures = 0;
    for (const kh_case *c = table; c->name; c++) {
        if (rows && *rows && !strstr(c->name, rows))
            continue;
        for (int fp64 = 0; fp64 <= (k->has_fp64 ? 1 : 0); fp64++)
            for (int s = 0; s < (small ? (c->nsmall > 0 ? c->nsmall : 1) : c->nshapes); s++) {
                printf("%s [%s, shape %d]\n", c->name, fp64 ? "float64" : "float32", s);
                if (!c->run(k, fp64, s)) {
                    printf("  FAILED: %s %s shape %d\n", c->name, fp64 ? "float64" : "float32", s);
                    failures++;
                }
            }
    }
    assert_int_equal(failures, 0);
}

static void test_conv_kernels(void **state)
{
    run_table(state, kh_cases_conv);
}

static void test_dwconv_kernels(void **state)
{
    run_table(state, kh_cases_dwconv);
}

static void test_misc_kernels(void **state)
{
    run_table(state, kh_cases_misc);
}

static void test_mixed_edge_kernels(void **state)
{
    run_table(state, kh_cases_mixed);
}

static void test_darts_op_kernels(void **state)
{
    run_table(state, kh_cases_darts);
}

static void test_slice_kernels(void **state)
{
    run_table(state, kh_cases_slices);
}

static int setup(void **state)
{
    static kh_ctx k;
    if (kh_open(&k) != 0)
        return -1;
    *state = &k;
    return 0;
}

static int teardown(void **state)
{
    kh_close(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_kernels),
        cmocka_unit_test(test_dwconv_kernels),
        cmocka_unit_test(test_misc_kernels),
        cmocka_unit_test(test_mixed_edge_kernels),
        cmocka_unit_test(test_darts_op_kernels),
        cmocka_unit_test(test_slice_kernels),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
