/* clnas — the search objective: objective.max_params as a constraint around any evaluator (issue 14). */
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
#include "evaluator.h"

/* A fake evaluator: params = 1000 x (number of conv edges), fitness 0.5; with a fraction, fitness 0.5 x fraction. */
typedef struct fake {
    int calls, fraction_calls, destroyed;
} fake;

static long conv_params(const clnas_genotype *g)
{
    long n = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        n += g->ops[e] == CLNAS_OP_NOR_CONV_1X1 || g->ops[e] == CLNAS_OP_NOR_CONV_3X3;
    return 1000 * n;
}

static clnas_status fake_evaluate(void *state, const clnas_space_genotype *g_s, clnas_evaluator_result *out,
                                  clnas_error *err)
{
    const clnas_genotype g_nb201 = clnas_nb201_of(g_s), *g = &g_nb201;
    (void)err;
    ((fake *)state)->calls++;
    memset(out, 0, sizeof *out);
    out->status = CLNAS_TRIAL_OK;
    out->fitness = 0.5;
    out->params = conv_params(g);
    return CLNAS_OK;
}

static clnas_status fake_fraction(void *state, const clnas_space_genotype *g_s, double fraction,
                                  clnas_evaluator_result *out, clnas_error *err)
{
    ((fake *)state)->fraction_calls++;
    clnas_status st = fake_evaluate(state, g_s, out, err);
    out->fitness *= fraction;
    return st;
}

static void fake_destroy(void *state)
{
    ((fake *)state)->destroyed++;
}

static const clnas_evaluator_iface fake_iface = {"fake", fake_evaluate, fake_destroy, fake_fraction, NULL};
static const clnas_evaluator_iface fake_single_iface = {"fake", fake_evaluate, fake_destroy, NULL, NULL};

static clnas_space_genotype arch(const char *text)
{
    clnas_space_genotype g;
    clnas_error err = {0};
    if (clnas_space_nb201.parse(text, &g, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return g;
}

static void test_max_params_fails_the_trials_over_it(void **unused)
{
    (void)unused;
    fake f = {0};
    clnas_evaluator ev = {&fake_iface, &f};
    clnas_error err = {0};
    assert_int_equal(clnas_objective_evaluator_wrap(&ev, 2000, &err), CLNAS_OK);
    assert_ptr_not_equal(ev.state, &f);
    const clnas_space_genotype small = arch("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|");
    const clnas_space_genotype big =
        arch("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|none~0|none~1|skip_connect~2|");
    clnas_evaluator_result r;
    assert_int_equal(ev.iface->evaluate(ev.state, &small, &r, &err), CLNAS_OK); /* 2000: at the budget */
    assert_int_equal(r.status, CLNAS_TRIAL_OK);
    assert_true(r.fitness == 0.5);
    clnas_evaluator_result_clear(&r);
    assert_int_equal(ev.iface->evaluate(ev.state, &big, &r, &err), CLNAS_OK); /* 3000: over it */
    assert_int_equal(r.status, CLNAS_TRIAL_FAILED);
    assert_true(isnan(r.fitness));
    assert_int_equal(r.params, 3000);
    assert_string_equal(r.error, "3000 parameters exceed objective.max_params (2000)");
    assert_true(cJSON_GetObjectItem(r.extra, "unconstrained_fitness")->valuedouble == 0.5);
    clnas_evaluator_result_clear(&r);
    /* at a training fraction the same rule, through the inner evaluator's fraction entry */
    assert_int_equal(clnas_evaluator_evaluate(&ev, &small, 0.25, &r, &err), CLNAS_OK);
    assert_int_equal(r.status, CLNAS_TRIAL_OK);
    assert_true(r.fitness == 0.125);
    clnas_evaluator_result_clear(&r);
    assert_int_equal(clnas_evaluator_evaluate(&ev, &big, 0.25, &r, &err), CLNAS_OK);
    assert_int_equal(r.status, CLNAS_TRIAL_FAILED);
    clnas_evaluator_result_clear(&r);
    assert_int_equal(f.calls, 4);
    assert_int_equal(f.fraction_calls, 2);
    ev.iface->destroy(ev.state);
    assert_int_equal(f.destroyed, 1);
}

static void test_no_budget_and_single_fidelity(void **unused)
{
    (void)unused;
    fake f = {0};
    clnas_evaluator ev = {&fake_single_iface, &f};
    clnas_error err = {0};
    assert_int_equal(clnas_objective_evaluator_wrap(&ev, 0, &err), CLNAS_OK); /* no budget: unchanged */
    assert_ptr_equal(ev.state, &f);
    assert_int_equal(clnas_objective_evaluator_wrap(&ev, 5000, &err), CLNAS_OK);
    const clnas_space_genotype g = arch("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|");
    clnas_evaluator_result r;
    /* the wrapper keeps the inner evaluator's single fidelity: a fraction is refused by name */
    assert_int_equal(clnas_evaluator_evaluate(&ev, &g, 0.5, &r, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "the objective evaluator has a single fidelity"));
    assert_int_equal(clnas_evaluator_evaluate(&ev, &g, 1.0, &r, &err), CLNAS_OK);
    assert_int_equal(r.status, CLNAS_TRIAL_OK);
    clnas_evaluator_result_clear(&r);
    assert_int_equal(clnas_evaluator_evaluate(&ev, &g, 0.0, &r, &err), CLNAS_ERR_INVALID_ARG);
    ev.iface->destroy(ev.state);
    assert_int_equal(f.destroyed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_params_fails_the_trials_over_it),
        cmocka_unit_test(test_no_budget_and_single_fidelity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
