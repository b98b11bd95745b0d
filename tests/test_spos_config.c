/* clnas — the SPOS strategy section: defaults, REA's keys handed to REA, and errors naming the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "search_config.h"
#include "spos_config.h"
#include "strategy.h"

static clnas_status parse(const char *json, clnas_spos_config *p, cJSON **resolved, clnas_error *err)
{
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    *resolved = cJSON_CreateObject();
    void *rea = NULL;
    clnas_status st = clnas_spos_config_parse(root, 0, *resolved, p, &rea, err);
    if (rea) {
        assert_int_equal(st, CLNAS_OK);
        clnas_strategy_rea.destroy(rea);
    }
    cJSON_Delete(root);
    return st;
}

static void test_defaults_and_rea(void **state)
{
    (void)state;
    clnas_spos_config p;
    cJSON *res;
    clnas_error err;
    assert_int_equal(parse("{\"name\": \"spos\", \"cycles\": 7}", &p, &res, &err), CLNAS_OK);
    assert_int_equal(p.bn_batches, 20);
    assert_int_equal(p.max_paths, 32);
    assert_int_equal(p.top_k, 5);
    assert_int_equal(p.warm_up, 0);
    assert_int_equal(p.sample_classes, 0);
    assert_true(p.grad_clip == 0.0); /* off by default */
    assert_string_equal(cJSON_GetObjectItem(res, "sampling")->valuestring, "cells");
    assert_int_equal(cJSON_GetObjectItem(res, "cycles")->valueint, 7);
    assert_int_equal(cJSON_GetObjectItem(res, "population")->valueint, 10);
    assert_string_equal(cJSON_GetObjectItem(res, "name")->valuestring, "spos");
    cJSON_Delete(res);
}

static void test_sampling_classes(void **state)
{
    (void)state;
    clnas_spos_config p;
    cJSON *res;
    clnas_error err;
    assert_int_equal(parse("{\"name\": \"spos\", \"sampling\": \"classes\"}", &p, &res, &err), CLNAS_OK);
    assert_int_equal(p.sample_classes, 1);
    assert_string_equal(cJSON_GetObjectItem(res, "sampling")->valuestring, "classes");
    cJSON_Delete(res);
    assert_int_equal(parse("{\"name\": \"spos\", \"grad_clip\": 5}", &p, &res, &err), CLNAS_OK);
    assert_true(p.grad_clip == 5.0);
    assert_true(cJSON_GetObjectItem(res, "grad_clip")->valuedouble == 5.0);
    cJSON_Delete(res);
}

static void test_errors_name_the_field(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{\"bn_batch\": 3}", "strategy.bn_batch: unknown key"},
        {"{\"bn_batches\": 0}", "strategy.bn_batches: expected an integer from 1 to 10000, got 0"},
        {"{\"warm_up\": 1}", "strategy.warm_up: expected true or false, got 1"},
        {"{\"grad_clip\": -1}", "strategy.grad_clip"},
        {"{\"sampling\": \"class\"}", "strategy.sampling: expected one of \"cells\", \"classes\", got \"class\""},
        {"{\"population\": 4, \"sample_size\": 5}", "strategy.sample_size: expected an integer from 1 to population"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clnas_spos_config p;
        cJSON *res;
        clnas_error err;
        clnas_error_clear(&err);
        assert_int_not_equal(parse(cases[i][0], &p, &res, &err), CLNAS_OK);
        if (!strstr(err.message, cases[i][1]))
            fail_msg("%s: got \"%s\", wanted \"%s\"", cases[i][0], err.message, cases[i][1]);
        cJSON_Delete(res);
    }
}

static void test_shipped_config(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/../../configs/spos.json", CLNAS_TEST_DATA);
    cJSON *root;
    clnas_error err = {0};
    if (clnas_search_config_read(path, &root, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    cJSON *strategy = cJSON_GetObjectItem(root, "strategy");
    clnas_spos_config p;
    cJSON *res = cJSON_CreateObject();
    void *rea = NULL;
    if (clnas_spos_config_parse(strategy, 0, res, &p, &rea, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(p.bn_batches, 20);
    assert_int_equal(clnas_strategy_rea.budget(rea), 40);
    clnas_strategy_rea.destroy(rea);
    cJSON_Delete(res);
    cJSON_Delete(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_rea),
        cmocka_unit_test(test_sampling_classes),
        cmocka_unit_test(test_errors_name_the_field),
        cmocka_unit_test(test_shipped_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
