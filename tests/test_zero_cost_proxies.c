/* clnas — synflow, NASWOT and jacob_cov of float64 clnas networks against PyTorch's float64 computation with the
 * same weights and input (tests/data/zero_cost/proxies.json, written by make_proxies.py), and their invariants: a
 * batch of equal images has a singular NASWOT kernel, synflow is linear in the stem's weights and blind to their
 * signs, jacob_cov does not see the scale of the classifier. Tolerances: 1e-9 relative (both sides are float64; the
 * sums run in other orders). */
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
#include "plan.h"
#include "ref_case.h"
#include "scratch_dir.h"
#include "zero_cost.h"
#include "zero_cost_linalg.h"

#define REL_TOL 1e-9
#define NEW_PROXIES (CLNAS_ZC_BIT(CLNAS_ZC_SYNFLOW) | CLNAS_ZC_BIT(CLNAS_ZC_NASWOT) | CLNAS_ZC_BIT(CLNAS_ZC_JACOB_COV))

static void expect_close(const char *what, const char *name, double got, double want)
{
    printf("%s %-9s clnas %.15g  PyTorch %.15g  relative difference %.1e\n", what, name, got, want,
           fabs(got - want) / fabs(want));
    if (!(fabs(got - want) <= REL_TOL * fabs(want)))
        fail_msg("%s: %s is %.17g, expected %.17g", what, name, got, want);
}

/* A float64 model of the case with its weights and batch, computing the input gradient. */
static clnas_model *case_model(device_fixture *fx, ref_case *rc, const char *name)
{
    assert_int_equal(ref_case_load(rc, name, 1), 0);
    rc->cfg.want_input_grad = 1;
    clnas_model *model = NULL;
    clnas_error err = {0};
    char path[700];
    snprintf(path, sizeof path, "%s/weights.safetensors", rc->dir);
    if (clnas_model_build(fx->dev, fx->cache, &rc->cfg, &model, &err) != CLNAS_OK
        || clnas_model_load(model, path, &err) != CLNAS_OK)
        fail_msg("%s: %s", name, err.message);
    assert_int_equal(ref_case_set_batch(rc, model), 0);
    return model;
}

static void scores_of(clnas_model *model, unsigned which, double *s)
{
    clnas_error err = {0};
    if (clnas_zero_cost_scores_of(model, which, s, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
}

static void check_case(void **state, const char *name)
{
    device_fixture *fx = *state;
    char path[700];
    snprintf(path, sizeof path, "%s/zero_cost/proxies.json", CLNAS_TEST_DATA);
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *want = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "cases"), name);
    assert_non_null(want);
    ref_case rc;
    clnas_model *model = case_model(fx, &rc, name);
    clnas_error err = {0};
    size_t units = 0;
    assert_int_equal(clnas_model_relu_units(model, &units, &err), CLNAS_OK);
    assert_int_equal((double)units, cJSON_GetObjectItem(want, "naswot_units")->valuedouble);

    double s[CLNAS_ZC_COUNT];
    scores_of(model, NEW_PROXIES, s);
    for (int p = CLNAS_ZC_SYNFLOW; p <= CLNAS_ZC_JACOB_COV; p++) {
        const char *proxy = clnas_zero_cost_name(p);
        expect_close(name, proxy, s[p], cJSON_GetObjectItem(want, proxy)->valuedouble);
    }
    assert_true(isnan(s[CLNAS_ZC_SNIP]) && isnan(s[CLNAS_ZC_PARAMS])); /* not asked for */

    /* synflow: the stem's weights times 3 (every path crosses the stem once) with the classifier's signs flipped */
    const clnas_plan *plan = clnas_model_plan(model);
    const clnas_param_info *stem = &plan->params[clnas_plan_find_param(plan, "stem.conv.weight")];
    const clnas_param_info *cls = &plan->params[clnas_plan_find_param(plan, "classifier.weight")];
    double *w = malloc(stem->count * sizeof *w), *c = malloc(cls->count * sizeof *c);
    assert_int_equal(clnas_model_get(model, stem->name, w, stem->count, &err), CLNAS_OK);
    assert_int_equal(clnas_model_get(model, cls->name, c, cls->count, &err), CLNAS_OK);
    for (size_t i = 0; i < stem->count; i++)
        w[i] *= 3.0;
    for (size_t i = 0; i < cls->count; i++)
        c[i] = -c[i];
    assert_int_equal(clnas_model_set(model, stem->name, w, stem->count, &err), CLNAS_OK);
    assert_int_equal(clnas_model_set(model, cls->name, c, cls->count, &err), CLNAS_OK);
    double t[CLNAS_ZC_COUNT];
    scores_of(model, CLNAS_ZC_BIT(CLNAS_ZC_SYNFLOW), t);
    expect_close(name, "synflow x3", t[CLNAS_ZC_SYNFLOW], 3.0 * s[CLNAS_ZC_SYNFLOW]);

    /* jacob_cov: the stem as it was, the classifier scaled by -2 scales J; the correlations stay */
    assert_int_equal(clnas_model_get(model, stem->name, w, stem->count, &err), CLNAS_OK);
    for (size_t i = 0; i < stem->count; i++)
        w[i] /= 3.0;
    assert_int_equal(clnas_model_set(model, stem->name, w, stem->count, &err), CLNAS_OK);
    for (size_t i = 0; i < cls->count; i++)
        c[i] *= 2.0;
    assert_int_equal(clnas_model_set(model, cls->name, c, cls->count, &err), CLNAS_OK);
    scores_of(model, CLNAS_ZC_BIT(CLNAS_ZC_JACOB_COV) | CLNAS_ZC_BIT(CLNAS_ZC_NASWOT), t);
    expect_close(name, "jacob_cov scaled", t[CLNAS_ZC_JACOB_COV], s[CLNAS_ZC_JACOB_COV]);
    expect_close(name, "naswot again", t[CLNAS_ZC_NASWOT], s[CLNAS_ZC_NASWOT]);

    /* NASWOT: a batch of equal images (image 0 everywhere) has equal codes, a kernel of rank 1: log|det| -inf */
    size_t n = 0;
    double *x = ref_case_tensor(&rc, "input", &n);
    const size_t per = n / (size_t)rc.cfg.batch;
    for (size_t i = per; i < n; i++)
        x[i] = x[i % per];
    assert_int_equal(clnas_model_set_batch(model, x, NULL, &err), CLNAS_OK);
    scores_of(model, CLNAS_ZC_BIT(CLNAS_ZC_NASWOT), t);
    assert_true(isinf(t[CLNAS_ZC_NASWOT]) && t[CLNAS_ZC_NASWOT] < 0);
    free(x);
    free(w);
    free(c);
    clnas_model_free(model);
    ref_case_free(&rc);
    cJSON_Delete(root);
}

static void test_best(void **state)
{
    check_case(state, "nb201-best-c4n1");
}

static void test_rgb(void **state)
{
    check_case(state, "nb201-light-c3n1-rgb");
}

static void test_two_cells(void **state)
{
    check_case(state, "nb201-mix-c4n2");
}

/* A cell of zeros: the logits do not depend on the input, the plan has no input gradient; jacob_cov is NAN (J = 0,
 * as numpy's corrcoef gives), not a failure, on the model and through the copy compiled with want_input_grad. */
static void test_zero_cell(void **state)
{
    device_fixture *fx = *state;
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    clnas_error err = {0};
    assert_int_equal(clnas_genotype_parse("|none~0|+|none~0|none~1|+|none~0|skip_connect~1|nor_conv_3x3~2|",
                                          &cfg.genotype, &err), CLNAS_OK);
    cfg.channels = 2;
    cfg.cells = 1;
    cfg.height = cfg.width = 8;
    cfg.batch = 3;
    float images[3 * 8 * 8];
    for (int i = 0; i < 3 * 8 * 8; i++)
        images[i] = (float)((i * 37) % 17) / 8.0f - 1.0f;
    for (int want = 0; want <= 1; want++) {
        cfg.want_input_grad = want;
        clnas_model *model = NULL;
        if (clnas_model_build(fx->dev, fx->cache, &cfg, &model, &err) != CLNAS_OK
            || clnas_model_init(model, 1, &err) != CLNAS_OK || clnas_model_set_batch(model, images, NULL, &err))
            fail_msg("%s", err.message);
        double s[CLNAS_ZC_COUNT];
        scores_of(model, CLNAS_ZC_BIT(CLNAS_ZC_JACOB_COV) | CLNAS_ZC_BIT(CLNAS_ZC_SNIP) | CLNAS_ZC_BIT(CLNAS_ZC_SYNFLOW),
                  s);
        assert_true(isnan(s[CLNAS_ZC_JACOB_COV]) && isfinite(s[CLNAS_ZC_SNIP]));
        assert_true(s[CLNAS_ZC_SYNFLOW] == 0.0); /* R is the classifier's bias alone */
        clnas_model_free(model);
    }
}

/* The host linear algebra against values known in closed form. */
static void test_linalg(void **unused)
{
    (void)unused;
    double a[9] = {4, 1, 0, 1, 3, 1, 0, 1, 2}; /* det 18 */
    assert_true(fabs(clnas_zc_log_abs_det(a, 3) - log(18.0)) < 1e-13);
    double b[4] = {5, 5, 5, 5};
    assert_true(isinf(clnas_zc_log_abs_det(b, 2)));
    double e[9] = {2, 1, 0, 1, 2, 0, 0, 0, 7}, eig[3]; /* eigenvalues 1, 3, 7 */
    clnas_zc_sym_eigenvalues(e, 3, eig);
    assert_true(fabs(eig[0] - 1) < 1e-13 && fabs(eig[1] - 3) < 1e-13 && fabs(eig[2] - 7) < 1e-13);
    double x[6] = {1, 2, 3, 2, 4, 6.5}, corr[4];
    clnas_zc_correlation(x, 2, 3, corr);
    assert_true(fabs(corr[0] - 1.0) < 1e-15 && fabs(corr[3] - 1.0) < 1e-15 && corr[1] == corr[2]);
    assert_true(fabs(corr[1] - 0.9979487157886733) < 1e-13); /* numpy.corrcoef */
    const double y[6] = {1, 1, 1, 1, 2, 3};
    clnas_zc_correlation(y, 2, 3, corr);
    assert_true(isnan(corr[0]) && isnan(corr[1]) && fabs(corr[3] - 1.0) < 1e-15);
}

/* no_batchnorm: the plan of an NB201 network without BatchNorm has its convolutions and classifier only; other
 * spaces are refused by name. */
static void test_no_batchnorm_plan(void **unused)
{
    (void)unused;
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    clnas_error err = {0};
    assert_int_equal(clnas_genotype_parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|"
                                          "none~1|nor_conv_3x3~2|", &cfg.genotype, &err), CLNAS_OK);
    cfg.channels = 2;
    cfg.cells = 1;
    cfg.height = cfg.width = 8;
    cfg.batch = 2;
    clnas_plan *with = NULL, *without = NULL;
    assert_int_equal(clnas_plan_compile_descs(&cfg, &with, &err), CLNAS_OK);
    cfg.no_batchnorm = 1;
    assert_int_equal(clnas_plan_compile_descs(&cfg, &without, &err), CLNAS_OK);
    int bn = 0, convs = 0;
    for (int i = 0; i < with->nparams; i++)
        bn += strstr(with->params[i].name, "bn.") != NULL;
    for (int i = 0; i < without->nparams; i++) {
        assert_null(strstr(without->params[i].name, "bn."));
        convs += without->params[i].ndim >= 2;
    }
    assert_true(bn > 0);
    assert_int_equal(without->nparams, with->nparams - bn);
    assert_int_equal(convs, 1 + 3 * 3 + 2 * 3 + 1); /* stem, 3 cells of 3 conv edges, 2 reductions of 3, classifier */
    assert_true(without->ntrain < with->ntrain);
    clnas_plan_free(with);
    clnas_plan_free(without);
    /* a cell whose output is zeros without BatchNorm's shift: refused by name, not an internal shape error */
    assert_int_equal(clnas_genotype_parse("|none~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|",
                                          &cfg.genotype, &err), CLNAS_OK);
    cfg.no_batchnorm = 0;
    assert_int_equal(clnas_plan_compile_descs(&cfg, &with, &err), CLNAS_OK); /* BatchNorm's shift: not zero */
    clnas_plan_free(with);
    cfg.no_batchnorm = 1;
    assert_int_equal(clnas_plan_compile_descs(&cfg, &without, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "all zeros"));
    cfg.space = CLNAS_NET_CHAIN;
    assert_int_equal(clnas_net_config_check(&cfg, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "no_batchnorm"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best), cmocka_unit_test(test_rgb), cmocka_unit_test(test_two_cells),
        cmocka_unit_test(test_zero_cell),
    };
    const struct CMUnitTest plain[] = {cmocka_unit_test(test_linalg), cmocka_unit_test(test_no_batchnorm_plan)};
    /* CLNAS_TEST_FILTER (ctest runs one test per case, tests/CMakeLists.txt): "plain", or a case of the device */
    const char *filter = getenv("CLNAS_TEST_FILTER");
    int failed = 0;
    if (!filter || strcmp(filter, "plain") == 0)
        failed += cmocka_run_group_tests(plain, NULL, NULL);
    if (!filter || strcmp(filter, "plain") != 0) {
        if (filter)
            cmocka_set_test_filter(filter);
        failed += cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
    }
    return failed;
}
