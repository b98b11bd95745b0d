/* clnas — the ground-truth table builder: a sample of distinct classes, rows from two trainers, resume that skips
 * the rows already written and refuses a file of another sample (issue 14). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "space_nb201.h"
#include "groundtruth.h"
#include "scratch_dir.h"

typedef struct fake {
    int calls, seed;
} fake;

/* accuracy from the cell's index and the trainer's seed; params = index */
static clnas_status fake_evaluate(void *state, const clnas_space_genotype *g_s, clnas_evaluator_result *out,
                                  clnas_error *err)
{
    const clnas_genotype g_nb201 = clnas_nb201_of(g_s), *g = &g_nb201;
    (void)err;
    fake *f = state;
    f->calls++;
    memset(out, 0, sizeof *out);
    const uint32_t i = clnas_genotype_to_index(g);
    out->status = CLNAS_TRIAL_OK;
    out->fitness = 0.1 + 0.8 * (double)(i % 1000) / 1000.0 + 0.001 * f->seed;
    out->params = (long)i;
    out->flops = 2.0 * i;
    return CLNAS_OK;
}

static void fake_destroy(void *state)
{
    (void)state;
}

static const clnas_evaluator_iface fake_iface = {"fake", fake_evaluate, fake_destroy, NULL, NULL};

static void test_sample_is_distinct_and_seeded(void **unused)
{
    (void)unused;
    clnas_genotype a[60], b[60], c[60];
    clnas_error err = {0};
    assert_int_equal(clnas_groundtruth_sample(60, 1, a, &err), CLNAS_OK);
    assert_int_equal(clnas_groundtruth_sample(60, 1, b, &err), CLNAS_OK);
    assert_int_equal(clnas_groundtruth_sample(60, 2, c, &err), CLNAS_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    for (int i = 0; i < 60; i++) {
        uint64_t hi, hj;
        clnas_genotype_canonical(&a[i], NULL, 0, &hi, NULL);
        for (int j = 0; j < i; j++) {
            clnas_genotype_canonical(&a[j], NULL, 0, &hj, NULL);
            assert_true(hi != hj);
        }
    }
    assert_int_equal(clnas_groundtruth_sample(5391, 1, a, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "from 1 to 5390"));
}

static void run(const char *out, int archs, uint64_t seed, fake *f0, fake *f1, volatile int *stop, clnas_status want)
{
    clnas_evaluator e0 = {&fake_iface, f0}, e1 = {&fake_iface, f1};
    clnas_groundtruth_config cfg = {archs, seed, {&e0, &e1}, out, stop, NULL, NULL};
    clnas_error err = {0};
    const clnas_status st = clnas_groundtruth_run(&cfg, &err);
    if (st != want)
        fail_msg("groundtruth_run: %d (%s), expected %d", st, err.message, want);
}

static void test_rows_and_resume(void **state)
{
    const char *dir = *state;
    char out[600];
    snprintf(out, sizeof out, "%s/gt.csv", dir);
    fake f0 = {0, 0}, f1 = {0, 1};
    run(out, 6, 4, &f0, &f1, NULL, CLNAS_OK);
    assert_int_equal(f0.calls, 6);
    assert_int_equal(f1.calls, 6);
    clnas_reference ref;
    clnas_error err = {0};
    assert_int_equal(clnas_reference_read(out, &ref, &err), CLNAS_OK);
    assert_int_equal(ref.n, 6);
    clnas_genotype sample[6];
    assert_int_equal(clnas_groundtruth_sample(6, 4, sample, &err), CLNAS_OK);
    for (int i = 0; i < 6; i++) {
        const clnas_reference_row *r = &ref.rows[i];
        assert_memory_equal(&r->arch, &sample[i], sizeof r->arch);
        assert_true(fabs(r->accuracy[1] - r->accuracy[0] - 0.001) < 1e-12);
        assert_true(r->mean == 0.5 * (r->accuracy[0] + r->accuracy[1]));
        assert_true(r->params == (double)clnas_genotype_to_index(&sample[i]));
    }
    clnas_reference_free(&ref);
    char *full = test_read_file(out, NULL);

    /* stopped after 2 rows, then resumed: the same file, each row trained once */
    char part[600];
    snprintf(part, sizeof part, "%s/part.csv", dir);
    fake g0 = {0, 0}, g1 = {0, 1};
    volatile int stop = 0;
    run(part, 2, 4, &g0, &g1, &stop, CLNAS_OK); /* the first 2 of the same sample (a prefix of K = 6's) */
    run(part, 6, 4, &g0, &g1, &stop, CLNAS_OK);
    assert_int_equal(g0.calls, 6);
    char *resumed = test_read_file(part, NULL);
    assert_string_equal(resumed, full);
    free(resumed);

    /* a file of another sample is refused */
    fake h0 = {0, 0}, h1 = {0, 1};
    run(out, 6, 5, &h0, &h1, NULL, CLNAS_ERR_MISMATCH);
    assert_int_equal(h0.calls, 0);
    free(full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_is_distinct_and_seeded),
        scratch_dir_unit_test(test_rows_and_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
