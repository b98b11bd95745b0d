/* clnas — REA's zero-cost warm start: the initial population is the P best of the scored candidates, best first;
 * and the run refuses a warm start without training data (issue 14). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strategy.h"
#include "warm_start.h"

static void *create(const char *json)
{
    cJSON *params = cJSON_Parse(json);
    void *s = NULL;
    clnas_error err = {0};
    if (clnas_strategy_rea.create(params, 11, NULL, NULL, &s, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    cJSON_Delete(params);
    return s;
}

static void test_population_is_the_best_scored(void **unused)
{
    (void)unused;
    const clnas_strategy_iface *ops = &clnas_strategy_rea;
    void *s = create("{\"population\": 5, \"cycles\": 3, \"warm_start_proxy\": \"snip\", \"warm_start_samples\": 30}");
    const char *proxy = NULL;
    const clnas_space_genotype *cand = NULL;
    int n = 0;
    assert_int_equal(ops->warm_start_request(s, &proxy, &cand, &n), 1);
    assert_string_equal(proxy, "snip");
    assert_int_equal(n, 30);
    clnas_space_genotype copy[30];
    memcpy(copy, cand, sizeof copy);
    clnas_space_genotype g;
    clnas_error err = {0};
    assert_int_equal(ops->propose(s, &g, &err), CLNAS_ERR_INVALID_ARG); /* not scored yet */
    /* scores: candidate i scores (i * 7) % 30, except candidate 3 failed (NAN) and 9 ties with the best */
    double scores[30];
    for (int i = 0; i < 30; i++)
        scores[i] = (double)((i * 7) % 30);
    scores[3] = NAN;
    int best = 0;
    for (int i = 0; i < 30; i++)
        best = scores[i] > scores[best] ? i : best;
    scores[29] = scores[best]; /* a tie: the earlier drawn first */
    assert_int_equal(ops->warm_start(s, scores, &err), CLNAS_OK);
    double prev = INFINITY;
    int used[30] = {0};
    for (int t = 0; t < 5; t++) {
        assert_int_equal(ops->propose(s, &g, &err), CLNAS_OK);
        int k = -1;
        for (int i = 0; i < 30 && k < 0; i++)
            if (!used[i] && memcmp(&copy[i], &g, sizeof g) == 0)
                k = i;
        assert_true(k >= 0);
        used[k] = 1;
        assert_true(scores[k] <= prev);
        if (t == 0)
            assert_int_equal(k, best);
        if (t == 1)
            assert_int_equal(k, 29);
        prev = scores[k];
        assert_int_equal(ops->observe(s, &g, 0.5, &err), CLNAS_OK);
    }
    /* the 5 proposed are the 5 highest scores */
    for (int i = 0; i < 30; i++)
        if (!used[i] && !isnan(scores[i]))
            assert_true(scores[i] <= prev);
    ops->destroy(s);

    /* without the option: no request */
    s = create("{\"population\": 5}");
    assert_int_equal(ops->warm_start_request(s, &proxy, &cand, &n), 0);
    ops->destroy(s);
}

static void test_run_needs_training_data(void **unused)
{
    (void)unused;
    void *s = create("{\"population\": 5, \"warm_start_proxy\": \"grad_norm\"}");
    clnas_run_setup setup;
    memset(&setup, 0, sizeof setup); /* a table search: no device, no training split */
    clnas_error err = {0};
    assert_int_equal(clnas_warm_start_run(&clnas_strategy_rea, s, &setup, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "strategy.warm_start_proxy: a zero-cost warm start needs training data"));
    clnas_strategy_rea.destroy(s);
    s = create("{\"population\": 5}");
    assert_int_equal(clnas_warm_start_run(&clnas_strategy_rea, s, &setup, &err), CLNAS_OK);
    clnas_strategy_rea.destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_population_is_the_best_scored),
        cmocka_unit_test(test_run_needs_training_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
