/* clnas — tests of the LSTM controller: a distribution over all cells, sampling that follows it, exact gradients. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/rng.h"
#include "clnas/space.h"
#include "rnn_controller.h"

/* Chi-square critical value at p = 0.001 with 4 degrees of freedom; the seeds are fixed. */
#define CHI2_P001_DF4 18.467

static clnas_rnn_controller controller_ok(int hidden, double init_range, uint64_t seed)
{
    clnas_rnn_controller c;
    clnas_rng rng;
    clnas_error err = {0};
    clnas_rng_seed(&rng, seed);
    if (clnas_rnn_controller_init(&c, hidden, init_range, &rng, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return c;
}

static double log_prob_ok(const clnas_rnn_controller *c, const clnas_genotype *g, double *grad)
{
    double lp;
    clnas_error err = {0};
    if (clnas_rnn_controller_log_prob(c, g, &lp, grad, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return lp;
}

/* The probabilities of the 15,625 cells sum to 1: every cell is exactly one sequence of decisions. */
static void test_probabilities_sum_to_one(void **unused)
{
    (void)unused;
    clnas_rnn_controller c = controller_ok(8, 1.0, 1);
    double total = 0.0, largest = 0.0;
    for (uint32_t index = 0; index < CLNAS_NB201_CELLS; index++) {
        clnas_genotype g;
        clnas_genotype_from_index(index, &g);
        const double p = exp(log_prob_ok(&c, &g, NULL));
        total += p;
        largest = p > largest ? p : largest;
    }
    print_message("sum of P(cell) over all cells: %.15f (largest %.4f)\n", total, largest);
    assert_true(fabs(total - 1.0) < 1e-9);
    assert_true(largest > 3.0 / CLNAS_NB201_CELLS); /* weights of this size make it far from uniform */
    clnas_rnn_controller_free(&c);
}

/* Sampled cells follow P: the op on edge 2 (1->2) and on edge 5 (2->3), against the exact marginals. */
static void test_sampling_follows_probabilities(void **unused)
{
    (void)unused;
    enum { DRAWS = 20000 };
    clnas_rnn_controller c = controller_ok(8, 1.0, 2);
    double marginal[2][CLNAS_NB201_OPS] = {{0}};
    for (uint32_t index = 0; index < CLNAS_NB201_CELLS; index++) {
        clnas_genotype g;
        clnas_genotype_from_index(index, &g);
        const double p = exp(log_prob_ok(&c, &g, NULL));
        marginal[0][g.ops[2]] += p;
        marginal[1][g.ops[5]] += p;
    }
    unsigned counts[2][CLNAS_NB201_OPS] = {{0}};
    clnas_rng rng;
    clnas_rng_seed(&rng, 77);
    for (int n = 0; n < DRAWS; n++) {
        clnas_genotype g;
        assert_int_equal(clnas_rnn_controller_sample(&c, &rng, &g, NULL), CLNAS_OK);
        counts[0][g.ops[2]]++;
        counts[1][g.ops[5]]++;
    }
    for (int which = 0; which < 2; which++) {
        double chi2 = 0.0;
        for (int k = 0; k < CLNAS_NB201_OPS; k++) {
            const double expected = marginal[which][k] * DRAWS;
            chi2 += (counts[which][k] - expected) * (counts[which][k] - expected) / expected;
        }
        print_message("edge %d: P(op) %.3f %.3f %.3f %.3f %.3f, chi-square %.2f\n", which ? 5 : 2, marginal[which][0],
                      marginal[which][1], marginal[which][2], marginal[which][3], marginal[which][4], chi2);
        assert_true(chi2 < CHI2_P001_DF4);
    }
    clnas_rnn_controller_free(&c);
}

/* d log P(cell) / d params by backpropagation through time against central differences, on every parameter. */
static void test_gradient_matches_finite_differences(void **unused)
{
    (void)unused;
    static const char *const cells[] = {
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
        "|none~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    };
    clnas_rnn_controller c = controller_ok(5, 0.7, 3);
    double *grad = calloc(c.n_params, sizeof *grad);
    assert_non_null(grad);
    const double h = 1e-5;
    for (size_t k = 0; k < sizeof cells / sizeof cells[0]; k++) {
        clnas_genotype g;
        assert_int_equal(clnas_genotype_parse(cells[k], &g, NULL), CLNAS_OK);
        memset(grad, 0, c.n_params * sizeof *grad);
        log_prob_ok(&c, &g, grad);
        double worst = 0.0, norm = 0.0;
        for (size_t i = 0; i < c.n_params; i++) {
            const double saved = c.params[i];
            c.params[i] = saved + h;
            const double up = log_prob_ok(&c, &g, NULL);
            c.params[i] = saved - h;
            const double down = log_prob_ok(&c, &g, NULL);
            c.params[i] = saved;
            const double numeric = (up - down) / (2 * h);
            const double diff = fabs(numeric - grad[i]);
            worst = diff > worst ? diff : worst;
            norm += grad[i] * grad[i];
        }
        print_message("cell %zu: %zu parameters, largest |analytic - numeric| %.2e, gradient norm %.3f\n", k,
                      c.n_params, worst, sqrt(norm));
        assert_true(worst < 1e-7);
        assert_true(sqrt(norm) > 0.1);
    }
    free(grad);
    clnas_rnn_controller_free(&c);
}

/* Greedy decoding gives a valid cell, the same every time, and likelier than the average sampled cell. */
static void test_mode(void **unused)
{
    (void)unused;
    clnas_rnn_controller c = controller_ok(8, 1.0, 4);
    clnas_genotype a, b;
    assert_int_equal(clnas_rnn_controller_mode(&c, &a, NULL), CLNAS_OK);
    assert_int_equal(clnas_rnn_controller_mode(&c, &b, NULL), CLNAS_OK);
    assert_memory_equal(a.ops, b.ops, sizeof a.ops);
    assert_true(clnas_genotype_to_index(&a) != UINT32_MAX);
    clnas_rng rng;
    clnas_rng_seed(&rng, 5);
    double mean = 0.0;
    for (int n = 0; n < 200; n++) {
        clnas_genotype g;
        clnas_rnn_controller_sample(&c, &rng, &g, NULL);
        mean += log_prob_ok(&c, &g, NULL) / 200;
    }
    assert_true(log_prob_ok(&c, &a, NULL) > mean);
    clnas_rnn_controller_free(&c);
}

static void test_bad_arguments(void **unused)
{
    (void)unused;
    clnas_rnn_controller c;
    clnas_rng rng;
    clnas_error err = {0};
    clnas_rng_seed(&rng, 0);
    assert_int_equal(clnas_rnn_controller_init(&c, 0, 0.1, &rng, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_rnn_controller_init(&c, CLNAS_RNN_MAX_HIDDEN + 1, 0.1, &rng, &err), CLNAS_ERR_INVALID_ARG);
    c = controller_ok(4, 0.1, 0);
    clnas_genotype bad = {{0, 1, 2, 3, 4, 5}};
    double lp;
    assert_int_equal(clnas_rnn_controller_log_prob(&c, &bad, &lp, NULL, &err), CLNAS_ERR_INVALID_ARG);
    clnas_rnn_controller_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probabilities_sum_to_one),
        cmocka_unit_test(test_sampling_follows_probabilities),
        cmocka_unit_test(test_gradient_matches_finite_differences),
        cmocka_unit_test(test_mode),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
