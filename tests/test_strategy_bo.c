/* clnas — tests of Bayesian optimisation and Hyperband: the Gaussian process, the bracket schedule, determinism, and
 * both against random search on the synthetic table (issue 14). */
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
#include "clnas/space.h"
#include "evaluator.h"
#include "gp.h"
#include "scratch_dir.h"
#include "strategy.h"
#include "strategy_ops.h"
#include "table_gen.h"

static double fraction_of(const clnas_strategy_iface *ops, const void *state)
{
    return ops->training_fraction ? ops->training_fraction(state) : 1.0;
}

/* A fitness that depends on the cell (its index) and, below the full budget, is lower and noisy like the table's. */
static double toy_fitness(const clnas_genotype *g, double fraction)
{
    const uint32_t i = clnas_genotype_to_index(g);
    const double base = (double)((i * 2654435761u) % 10007u) / 10007.0;
    return fraction < 1.0 ? base * (0.5 + 0.5 * fraction) : base;
}

/* ---- the Gaussian process ---- */

/* On y = sin over a line, the fit interpolates the data (noise ratio small), is uncertain away from it, and its
 * log marginal likelihood is the grid's maximum (refitting on each single pair never beats it). */
static void test_gp_fits_and_predicts(void **unused)
{
    (void)unused;
    enum { N = 12 };
    double x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = 0.5 * i;
        y[i] = sin(x[i]);
    }
    static const double lengths[] = CLNAS_GP_LENGTHS, ratios[] = CLNAS_GP_NOISE_RATIOS;
    clnas_gp gp;
    clnas_error err = {0};
    assert_int_equal(clnas_gp_fit(&gp, x, y, N, 1, lengths, 7, ratios, 5, &err), CLNAS_OK);
    for (int i = 0; i < N; i++) {
        double m, sd;
        clnas_gp_predict(&gp, &x[i], &m, &sd);
        assert_true(fabs(m - y[i]) < 0.02);
        assert_true(sd < 0.05);
    }
    double mid = 1.25, m, sd, far = 40.0, mf, sdf;
    clnas_gp_predict(&gp, &mid, &m, &sd);
    assert_true(fabs(m - sin(mid)) < 0.05);
    clnas_gp_predict(&gp, &far, &mf, &sdf);
    assert_true(sdf > 5 * sd); /* far from the data the prior returns */
    for (int li = 0; li < 7; li++)
        for (int ni = 0; ni < 5; ni++) {
            clnas_gp one;
            assert_int_equal(clnas_gp_fit(&one, x, y, N, 1, &lengths[li], 1, &ratios[ni], 1, &err), CLNAS_OK);
            assert_true(one.log_marginal <= gp.log_marginal);
            clnas_gp_free(&one);
        }
    clnas_gp_free(&gp);
}

/* Expected improvement against its closed form at hand-computed points. */
static void test_expected_improvement(void **unused)
{
    (void)unused;
    /* mean = best: sd * phi(0) */
    assert_true(fabs(clnas_gp_expected_improvement(0.5, 0.1, 0.5) - 0.1 * 0.3989422804014327) < 1e-12);
    /* sd 0: the plain gain, or 0 */
    assert_true(fabs(clnas_gp_expected_improvement(0.7, 0.0, 0.5) - 0.2) < 1e-15);
    assert_true(clnas_gp_expected_improvement(0.4, 0.0, 0.5) == 0.0);
    /* z = 1: gain Phi(1) + sd phi(1) with gain 0.1, sd 0.1 */
    const double want = 0.1 * 0.8413447460685429 + 0.1 * 0.24197072451914337;
    assert_true(fabs(clnas_gp_expected_improvement(0.6, 0.1, 0.5) - want) < 1e-12);
}

/* ---- Hyperband's schedule ---- */

/* eta 3, min_fraction 1/9: brackets s = 2 (9 cells at 1/9, the best 3 at 1/3, the best 1 at 1), s = 1 (5 at 1/3,
 * 1 at 1), s = 0 (3 at 1), then s = 2 again; every promoted rung is the best of the rung before, best first. */
static void test_hyperband_brackets(void **unused)
{
    (void)unused;
    static const struct {
        int n;
        double fraction;
    } rungs[] = {{9, 1.0 / 9}, {3, 1.0 / 3}, {1, 1.0}, {5, 1.0 / 3}, {1, 1.0}, {3, 1.0}, {9, 1.0 / 9}};
    const clnas_strategy_iface *ops = &clnas_strategy_hyperband;
    void *s = create_ok(ops, "{\"trials\": 31}", 5);
    assert_int_equal(ops->budget(s), 31);
    clnas_genotype prev[9];
    double prev_fit[9];
    int prev_n = 0;
    for (size_t r = 0; r < sizeof rungs / sizeof rungs[0]; r++) {
        clnas_genotype cur[9];
        double fit[9];
        for (int k = 0; k < rungs[r].n; k++) {
            cur[k] = propose_ok(ops, s);
            assert_true(fabs(fraction_of(ops, s) - rungs[r].fraction) < 1e-15);
            fit[k] = toy_fitness(&cur[k], rungs[r].fraction);
            observe_ok(ops, s, &cur[k], fit[k]);
        }
        if (rungs[r].fraction > rungs[r > 0 ? r - 1 : 0].fraction && r > 0) { /* a promotion: the best, in order */
            double best_prev[9];
            memcpy(best_prev, prev_fit, sizeof best_prev);
            for (int k = 0; k < rungs[r].n; k++) {
                int arg = 0;
                for (int j = 1; j < prev_n; j++)
                    arg = best_prev[j] > best_prev[arg] ? j : arg;
                assert_memory_equal(&cur[k], &prev[arg], sizeof cur[k]);
                best_prev[arg] = -INFINITY;
            }
        }
        memcpy(prev, cur, sizeof cur);
        memcpy(prev_fit, fit, sizeof fit);
        prev_n = rungs[r].n;
    }
    clnas_space_genotype g;
    clnas_error err = {0};
    assert_int_equal(ops->propose(s, &g, &err), CLNAS_ERR_INVALID_ARG); /* 31 trials spent */
    ops->destroy(s);
}

/* successive_halving: every bracket is the most aggressive one. */
static void test_successive_halving_repeats_the_first_bracket(void **unused)
{
    (void)unused;
    const clnas_strategy_iface *ops = &clnas_strategy_hyperband;
    void *s = create_ok(ops, "{\"trials\": 26, \"eta\": 3, \"min_fraction\": 0.1111111111111111, "
                             "\"successive_halving\": true}", 1);
    int at_full = 0, at_ninth = 0;
    for (int t = 0; t < 26; t++) {
        const clnas_genotype g = propose_ok(ops, s);
        const double f = fraction_of(ops, s);
        at_full += f == 1.0;
        at_ninth += fabs(f - 1.0 / 9) < 1e-15;
        observe_ok(ops, s, &g, toy_fitness(&g, f));
    }
    assert_int_equal(at_full, 2);
    assert_int_equal(at_ninth, 18);
    ops->destroy(s);
}

/* ---- determinism ---- */

static void run_proposals(const clnas_strategy_iface *ops, const char *params, uint64_t seed, clnas_genotype *out,
                          double *fractions, int n)
{
    void *s = create_ok(ops, params, seed);
    for (int t = 0; t < n; t++) {
        out[t] = propose_ok(ops, s);
        fractions[t] = fraction_of(ops, s);
        observe_ok(ops, s, &out[t], t % 11 == 5 ? NAN : toy_fitness(&out[t], fractions[t]));
    }
    ops->destroy(s);
}

static void test_same_seed_same_proposals(void **unused)
{
    (void)unused;
    static const struct {
        const clnas_strategy_iface *ops;
        const char *params;
    } cases[] = {
        {&clnas_strategy_bo, "{\"trials\": 40, \"initial\": 8}"},
        {&clnas_strategy_hyperband, "{\"trials\": 40}"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        clnas_genotype a[40], b[40], other[40];
        double fa[40], fb[40], fo[40];
        run_proposals(cases[c].ops, cases[c].params, 42, a, fa, 40);
        run_proposals(cases[c].ops, cases[c].params, 42, b, fb, 40);
        run_proposals(cases[c].ops, cases[c].params, 43, other, fo, 40);
        int differ = 0;
        for (int t = 0; t < 40; t++) {
            assert_memory_equal(&a[t], &b[t], sizeof a[t]);
            assert_true(fa[t] == fb[t]);
            differ += memcmp(&a[t], &other[t], sizeof a[t]) != 0;
        }
        assert_true(differ > 20);
    }
}

/* BO never proposes a canonical class twice (the candidates exclude what was proposed). */
static void test_bo_proposes_new_classes(void **unused)
{
    (void)unused;
    clnas_genotype g[60];
    double f[60];
    run_proposals(&clnas_strategy_bo, "{\"trials\": 60, \"initial\": 5}", 3, g, f, 60);
    uint64_t h[60];
    for (int t = 0; t < 60; t++) {
        clnas_genotype_canonical(&g[t], NULL, 0, &h[t], NULL);
        for (int u = 0; u < t; u++)
            assert_true(h[u] != h[t]);
    }
}

static void test_bad_params(void **unused)
{
    (void)unused;
    static const struct {
        const clnas_strategy_iface *ops;
        const char *params, *message;
    } cases[] = {
        {&clnas_strategy_bo, "{\"trials\": 0}", "strategy.trials: expected an integer from 1 to 1000, got 0"},
        {&clnas_strategy_bo, "{\"trials\": 20, \"initial\": 30}",
         "strategy.initial: expected an integer from 1 to trials (20), got 30"},
        {&clnas_strategy_bo, "{\"acquisition\": \"ucb\"}", "strategy.acquisition: unknown key"},
        {&clnas_strategy_hyperband, "{\"eta\": 1}", "strategy.eta: expected an integer from 2 to 10, got 1"},
        {&clnas_strategy_hyperband, "{\"min_fraction\": 0}",
         "strategy.min_fraction: expected a number from 0.001 to 1, got 0"},
        {&clnas_strategy_hyperband, "{\"successive_halving\": 1}",
         "strategy.successive_halving: expected true or false, got 1"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        cJSON *params = cJSON_Parse(cases[c].params);
        void *state = NULL;
        clnas_error err = {0};
        assert_int_equal(cases[c].ops->create(params, 0, NULL, NULL, &state, &err), CLNAS_ERR_INVALID_ARG);
        if (!strstr(err.message, cases[c].message))
            fail_msg("%s %s: got \"%s\", expected it to contain \"%s\"", cases[c].ops->name, cases[c].params,
                     err.message, cases[c].message);
        assert_null(state);
        cJSON_Delete(params);
    }
}

/* ---- against random search on the synthetic table ---- */

/* One search with the table evaluator at each proposal's training fraction: the best full-budget fitness, and the
 * cost in full trainings (the sum of the fractions). */
static double search_best(const clnas_strategy_iface *ops, const char *params, uint64_t seed, clnas_evaluator *ev,
                          double *cost)
{
    void *s = create_ok(ops, params, seed);
    double best = -INFINITY;
    *cost = 0.0;
    const int budget = ops->budget(s);
    for (int t = 0; t < budget; t++) {
        const clnas_genotype g = propose_ok(ops, s);
        const double fraction = fraction_of(ops, s);
        clnas_evaluator_result r = {0};
        clnas_error err = {0};
        clnas_space_genotype sg;
        clnas_nb201_to(&g, &sg);
        if (clnas_evaluator_evaluate(ev, &sg, fraction, &r, &err) != CLNAS_OK)
            fail_msg("table evaluate failed: %s", err.message);
        assert_int_equal(r.status, CLNAS_TRIAL_OK);
        if (fraction == 1.0 && r.fitness > best)
            best = r.fitness;
        *cost += fraction;
        observe_ok(ops, s, &g, r.fitness);
        clnas_evaluator_result_clear(&r);
    }
    ops->destroy(s);
    return best;
}

static void mean_std(const double *v, int n, double *mean, double *std)
{
    double sum = 0.0, sq = 0.0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    *mean = sum / n;
    for (int i = 0; i < n; i++)
        sq += (v[i] - *mean) * (v[i] - *mean);
    *std = sqrt(sq / (n - 1));
}

enum { SEEDS = 20 };

typedef struct table_fixture {
    char *dir;
    clnas_evaluator ev;
    double random[SEEDS], random_mean, random_std;
} table_fixture;

static int table_setup(void **state)
{
    static table_fixture fx;
    fx.dir = scratch_dir_new("clnas-strategy-bo");
    char path[4096];
    scratch_dir_path(path, sizeof path, fx.dir, "table.csv");
    clnas_table_model model;
    clnas_error err = {0};
    if (clnas_table_model_init(&model, 0, CLNAS_TABLE_GEN_DEFAULT_NOISE, &err) != CLNAS_OK
        || clnas_table_model_write_csv(&model, path, &err) != CLNAS_OK
        || clnas_table_evaluator_new(path, &fx.ev, &err) != CLNAS_OK)
        return -1;
    double cost;
    for (int seed = 0; seed < SEEDS; seed++)
        fx.random[seed] = search_best(&clnas_strategy_random, "{\"trials\": 100}", (uint64_t)seed, &fx.ev, &cost);
    mean_std(fx.random, SEEDS, &fx.random_mean, &fx.random_std);
    *state = &fx;
    return 0;
}

static int table_teardown(void **state)
{
    table_fixture *fx = *state;
    fx->ev.iface->destroy(fx->ev.state);
    scratch_dir_remove(fx->dir);
    free(fx->dir);
    return 0;
}

/* The margin that cannot be luck: the means differ by more than 4 standard errors of their difference. */
static void assert_beats_random(const table_fixture *fx, const char *what, const double *v)
{
    double mean, std;
    mean_std(v, SEEDS, &mean, &std);
    const double se = sqrt((std * std + fx->random_std * fx->random_std) / SEEDS);
    print_message("best fitness over %d seeds: %s %.4f +- %.4f, random search (100 trials) %.4f +- %.4f "
                  "(mean +- std); difference %.4f = %.1f standard errors\n", SEEDS, what, mean, std, fx->random_mean,
                  fx->random_std, mean - fx->random_mean, (mean - fx->random_mean) / se);
    assert_true(mean - fx->random_mean > 4.0 * se);
}

static void test_bo_beats_random_on_a_table(void **state)
{
    table_fixture *fx = *state;
    double bo[SEEDS], cost;
    for (int seed = 0; seed < SEEDS; seed++)
        bo[seed] = search_best(&clnas_strategy_bo, "{\"trials\": 100}", (uint64_t)seed, &fx->ev, &cost);
    assert_beats_random(fx, "BO (100 trials)", bo);
}

/* Hyperband (its default sampler "bo") at 100 trials, whatever their training fraction, against random search at
 * 100 full trainings; and, for the record, plain Hyperband (sampler "random") at 100 trials and at the cost of 100
 * full trainings (the sum of its training fractions; 22 trials cost 8 2/3 per round of the three brackets of eta 3,
 * min_fraction 1/9): successive halving alone finds better cells for the cost but not significantly so. */
static void test_hyperband_beats_random_on_a_table(void **state)
{
    table_fixture *fx = *state;
    double hb[SEEDS], plain[SEEDS], plain_cost[SEEDS], cost = 0.0, mean, std;
    for (int seed = 0; seed < SEEDS; seed++) {
        hb[seed] = search_best(&clnas_strategy_hyperband, "{\"trials\": 100}", (uint64_t)seed, &fx->ev, &cost);
        plain[seed] = search_best(&clnas_strategy_hyperband, "{\"trials\": 100, \"sampler\": \"random\"}",
                                  (uint64_t)seed, &fx->ev, &cost);
        plain_cost[seed] = search_best(&clnas_strategy_hyperband, "{\"trials\": 253, \"sampler\": \"random\"}",
                                       (uint64_t)seed, &fx->ev, &cost);
        assert_true(cost <= 100.0 + 1e-9);
    }
    mean_std(plain, SEEDS, &mean, &std);
    print_message("best fitness over %d seeds: plain Hyperband (sampler random, 100 trials, cost 36.7 full "
                  "trainings) %.4f +- %.4f\n", SEEDS, mean, std);
    mean_std(plain_cost, SEEDS, &mean, &std);
    print_message("best fitness over %d seeds: plain Hyperband (sampler random, 253 trials, cost %.1f full "
                  "trainings) %.4f +- %.4f\n", SEEDS, cost, mean, std);
    assert_beats_random(fx, "Hyperband (sampler bo, 100 trials, cost 36.7 full trainings)", hb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gp_fits_and_predicts),
        cmocka_unit_test(test_expected_improvement),
        cmocka_unit_test(test_hyperband_brackets),
        cmocka_unit_test(test_successive_halving_repeats_the_first_bracket),
        cmocka_unit_test(test_same_seed_same_proposals),
        cmocka_unit_test(test_bo_proposes_new_classes),
        cmocka_unit_test(test_bad_params),
    };
    const struct CMUnitTest table_tests[] = {
        cmocka_unit_test(test_bo_beats_random_on_a_table),
        cmocka_unit_test(test_hyperband_beats_random_on_a_table),
    };
    const int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests_name("on the synthetic table", table_tests, table_setup, table_teardown);
}
