/* clnas — the DARTS strategy section: defaults, beta-Decay and the derivation rule, errors naming the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "darts_config.h"

static clnas_status parse(const char *json, clnas_darts_config *p, cJSON **resolved, clnas_error *err)
{
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    *resolved = cJSON_CreateObject();
    clnas_status st = clnas_darts_config_parse(root, *resolved, p, err);
    cJSON_Delete(root);
    return st;
}

static void test_defaults(void **state)
{
    (void)state;
    clnas_darts_config p;
    cJSON *res;
    clnas_error err = {0};
    assert_int_equal(parse("{\"name\": \"darts\"}", &p, &res, &err), CLNAS_OK);
    assert_int_equal(p.epochs, 1);
    assert_true(p.beta_decay == 0.0);
    assert_int_equal(p.beta_decay_linear, 0);
    assert_int_equal(p.derive, -1); /* absent: the space's own rule */
    assert_string_equal(cJSON_GetObjectItem(res, "beta_decay_schedule")->valuestring, "constant");
    assert_null(cJSON_GetObjectItem(res, "derive"));
    cJSON_Delete(res);
}

static void test_beta_decay_and_derive(void **state)
{
    (void)state;
    clnas_darts_config p;
    cJSON *res;
    clnas_error err = {0};
    assert_int_equal(parse("{\"name\": \"darts\", \"epochs\": 20, \"beta_decay\": 0.5, \"beta_decay_schedule\": "
                           "\"linear\", \"derive\": \"without_none\"}", &p, &res, &err), CLNAS_OK);
    assert_true(p.beta_decay == 0.5);
    assert_int_equal(p.beta_decay_linear, 1);
    assert_int_equal(p.derive, 1);
    assert_string_equal(cJSON_GetObjectItem(res, "derive")->valuestring, "without_none");
    cJSON_Delete(res);
    assert_int_equal(parse("{\"derive\": \"with_none\"}", &p, &res, &err), CLNAS_OK);
    assert_int_equal(p.derive, 0);
    cJSON_Delete(res);
}

static void test_errors_name_the_field(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{\"beta_decay\": -1}", "strategy.beta_decay"},
        {"{\"beta_decay\": \"big\"}", "strategy.beta_decay"},
        {"{\"beta_decay_schedule\": \"cosine\"}",
         "strategy.beta_decay_schedule: expected one of \"constant\", \"linear\", got \"cosine\""},
        {"{\"derive\": \"none\"}", "strategy.derive: expected one of \"with_none\", \"without_none\", got \"none\""},
        {"{\"beta\": 1}", "strategy.beta: unknown key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clnas_darts_config p;
        cJSON *res;
        clnas_error err;
        clnas_error_clear(&err);
        assert_int_not_equal(parse(cases[i][0], &p, &res, &err), CLNAS_OK);
        if (!strstr(err.message, cases[i][1]))
            fail_msg("%s: got \"%s\", wanted \"%s\"", cases[i][0], err.message, cases[i][1]);
        cJSON_Delete(res);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_beta_decay_and_derive),
        cmocka_unit_test(test_errors_name_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
