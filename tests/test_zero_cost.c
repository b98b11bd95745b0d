/* clnas — zero-cost proxies of clnas's float32 network against PyTorch's float64 computation on the reference
 * networks (tests/data/zero_cost/, written by make_zero_cost.py; issue 14). A float64 clnas model agrees to the last
 * digit but compiles for minutes on PoCL, so the test runs the float32 plans test_reference already compiles. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "device_fixture.h"
#include "model_build.h"
#include "ref_case.h"
#include "scratch_dir.h"
#include "zero_cost.h"
#include "zero_cost_evaluator.h"

static void check_case(void **state, const char *name)
{
    device_fixture *fx = *state;
    char path[700];
    snprintf(path, sizeof path, "%s/zero_cost/reference.json", CLNAS_TEST_DATA);
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *want = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "cases"), name);
    assert_non_null(want);

    ref_case rc;
    assert_int_equal(ref_case_load(&rc, name, 0), 0); /* float32: the kernels test_reference compiles, cached */
    clnas_model *model = NULL;
    clnas_error err = {0};
    snprintf(path, sizeof path, "%s/weights.safetensors", rc.dir);
    if (clnas_model_build(fx->dev, fx->cache, &rc.cfg, &model, &err) != CLNAS_OK
        || clnas_model_load(model, path, &err) != CLNAS_OK)
        fail_msg("%s: %s", name, err.message);
    assert_int_equal(ref_case_set_batch(&rc, model), 0);
    double got[CLNAS_ZC_COUNT];
    if (clnas_zero_cost_scores_of(model, CLNAS_ZC_ONE_PASS, got, &err) != CLNAS_OK)
        fail_msg("%s: %s", name, err.message);
    for (int p = 0; p < CLNAS_ZC_FLOPS; p++) { /* test_zero_cost_proxies checks the others in float64 */
        const double w = cJSON_GetObjectItem(want, clnas_zero_cost_name(p))->valuedouble;
        printf("%s %-9s clnas %.15g  PyTorch %.15g  relative difference %.1e\n", name, clnas_zero_cost_name(p),
               got[p], w, fabs(got[p] - w) / fabs(w));
        if (!(fabs(got[p] - w) <= 2e-5 * fabs(w)))
            fail_msg("%s: %s is %.17g, PyTorch (float64) %.17g", name, clnas_zero_cost_name(p), got[p], w);
    }
    assert_true(got[CLNAS_ZC_FLOPS] == clnas_model_forward_flops(model));
    clnas_model_free(model);
    ref_case_free(&rc);
    cJSON_Delete(root);
}

static void test_best(void **state)
{
    check_case(state, "nb201-best-c4n1");
}

static void test_dead_edges(void **state)
{
    check_case(state, "nb201-dead-c4n1");
}

static void test_mix_two_cells(void **state)
{
    check_case(state, "nb201-mix-c4n2");
}

static void test_zero_node(void **state)
{
    check_case(state, "nb201-zero-c4n1");
}

static void test_rgb(void **state)
{
    check_case(state, "nb201-light-c3n1-rgb");
}

/* The evaluator on a synthetic 12 x 12 dataset with the sizes of nb201-best-c4n1 (its kernels are cached): the fitness
 * is s / (1 + s) of the chosen proxy, the extra keys hold every raw score, and the same trial scores the same. */
static void test_evaluator(void **state)
{
    device_fixture *fx = *state;
    enum { COUNT = 16, SIDE = 12 };
    static uint8_t pixels[COUNT * SIDE * SIDE], labels[COUNT];
    for (int i = 0; i < COUNT * SIDE * SIDE; i++)
        pixels[i] = (uint8_t)((i * 37) % 256);
    for (int i = 0; i < COUNT; i++)
        labels[i] = (uint8_t)(i % 10);
    const clnas_dataset ds = {COUNT, 1, SIDE, SIDE, 10, pixels, labels};
    clnas_train_evaluator_config tc;
    memset(&tc, 0, sizeof tc);
    tc.channels = 4;
    tc.cells = 1;
    tc.batch = 4;
    tc.seed = 3;
    tc.train = &ds;
    tc.mean[0] = 0.5;
    tc.std[0] = 0.25;
    clnas_space_genotype g;
    clnas_error err = {0};
    assert_int_equal(clnas_space_nb201.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
                                          "nor_conv_3x3~1|nor_conv_3x3~2|", &g, &err), CLNAS_OK);
    for (int p = 0; p < CLNAS_ZC_COUNT; p++) {
        if (!(CLNAS_ZC_ONE_PASS & CLNAS_ZC_BIT(p)))
            continue; /* synflow and jacob_cov compile networks of their own: test_zero_cost_proxies */
        clnas_evaluator ev;
        if (clnas_zero_cost_evaluator_new(fx->dev, fx->cache, &tc, p, &ev, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        clnas_evaluator_result a, b;
        assert_int_equal(ev.iface->evaluate(ev.state, &g, &a, &err), CLNAS_OK);
        assert_int_equal(ev.iface->evaluate(ev.state, &g, &b, &err), CLNAS_OK);
        assert_int_equal(a.status, CLNAS_TRIAL_OK);
        char key[32];
        snprintf(key, sizeof key, "zc_%s", clnas_zero_cost_name(p));
        const double s = cJSON_GetObjectItem(a.extra, key)->valuedouble;
        assert_true(p == CLNAS_ZC_NASWOT || s > 0.0);
        assert_true(fabs(a.fitness - clnas_zero_cost_fitness(p, s)) < 1e-15);
        if (p < CLNAS_ZC_SYNFLOW)
            assert_true(fabs(a.fitness - s / (1.0 + s)) < 1e-15);
        assert_true(a.fitness == b.fitness);
        assert_true(cJSON_GetObjectItem(a.extra, "zc_params")->valuedouble == (double)a.params);
        assert_true(a.params == 20222);
        /* the one-pass proxies are all there whichever is the fitness; the others only when chosen */
        assert_true(isfinite(cJSON_GetObjectItem(a.extra, "zc_naswot")->valuedouble));
        assert_true(isnan(cJSON_GetObjectItem(a.extra, "zc_synflow")->valuedouble));
        clnas_evaluator_result_clear(&a);
        clnas_evaluator_result_clear(&b);
        ev.iface->destroy(ev.state);
    }
    /* a split smaller than a batch is refused by name */
    const clnas_dataset tiny = {3, 1, SIDE, SIDE, 10, pixels, labels};
    tc.train = &tiny;
    clnas_evaluator ev;
    assert_int_equal(clnas_zero_cost_evaluator_new(fx->dev, fx->cache, &tc, CLNAS_ZC_SNIP, &ev, &err),
                     CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "needs a whole batch"));
}

static void test_names(void **unused)
{
    (void)unused;
    for (int p = 0; p < CLNAS_ZC_COUNT; p++)
        assert_int_equal(clnas_zero_cost_find(clnas_zero_cost_name(p)), p);
    assert_int_equal(clnas_zero_cost_find("synflow"), CLNAS_ZC_SYNFLOW);
    assert_int_equal(clnas_zero_cost_find("naswot"), CLNAS_ZC_NASWOT);
    assert_int_equal(clnas_zero_cost_find("jacob_cov"), CLNAS_ZC_JACOB_COV);
    assert_int_equal(clnas_zero_cost_find("snip"), 0); /* the first four keep their values */
    assert_int_equal(clnas_zero_cost_find("flops"), 3);
    assert_int_equal(clnas_zero_cost_find("synflow_bn"), -1);
    assert_int_equal(clnas_zero_cost_find(NULL), -1);
}

/* Every proxy's fitness lies in 0..1 and keeps the order of the scores, over the ranges the proxies reach (synflow
 * up to 1e11, jacob_cov and NASWOT negative): distinct scores stay distinct. */
static void test_fitness_keeps_order(void **unused)
{
    (void)unused;
    static const double scores[] = {-1e6, -300, -2.5, -1e-3, 0, 1e-3, 0.5, 7, 1e3, 1e6, 3e6, 1e9, 1e11};
    const int n = (int)(sizeof scores / sizeof scores[0]);
    for (int p = CLNAS_ZC_SYNFLOW; p < CLNAS_ZC_COUNT; p++)
        for (int i = 0; i < n; i++) {
            const double f = clnas_zero_cost_fitness((clnas_zero_cost_proxy)p, scores[i]);
            assert_true(f > 0 && f < 1);
            if (i > 0)
                assert_true(f > clnas_zero_cost_fitness((clnas_zero_cost_proxy)p, scores[i - 1]));
        }
    /* the first four keep s / (1 + s), as journals written before the new proxies have it */
    assert_true(clnas_zero_cost_fitness(CLNAS_ZC_SNIP, 3.0) == 0.75);
    assert_true(clnas_zero_cost_fitness(CLNAS_ZC_FLOPS, 0.0) == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best),  cmocka_unit_test(test_dead_edges), cmocka_unit_test(test_mix_two_cells),
        cmocka_unit_test(test_zero_node), cmocka_unit_test(test_rgb),         cmocka_unit_test(test_evaluator),
    };
    const struct CMUnitTest plain[] = {cmocka_unit_test(test_names), cmocka_unit_test(test_fitness_keeps_order)};
    return cmocka_run_group_tests(plain, NULL, NULL)
           + cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
