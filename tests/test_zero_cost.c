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
    if (clnas_zero_cost_scores(model, got, &err) != CLNAS_OK)
        fail_msg("%s: %s", name, err.message);
    for (int p = 0; p < CLNAS_ZC_FLOPS; p++) {
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

static void test_names(void **unused)
{
    (void)unused;
    for (int p = 0; p < CLNAS_ZC_COUNT; p++)
        assert_int_equal(clnas_zero_cost_find(clnas_zero_cost_name(p)), p);
    assert_int_equal(clnas_zero_cost_find("synflow"), -1);
    assert_int_equal(clnas_zero_cost_find(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best),  cmocka_unit_test(test_dead_edges), cmocka_unit_test(test_mix_two_cells),
        cmocka_unit_test(test_zero_node), cmocka_unit_test(test_rgb),
    };
    const struct CMUnitTest plain[] = {cmocka_unit_test(test_names)};
    return cmocka_run_group_tests(plain, NULL, NULL)
           + cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
