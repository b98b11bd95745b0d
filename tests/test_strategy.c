/* clnas — tests of the search strategies: REA's Algorithm 1, random search, REINFORCE, parameters, replay order. */
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
#include "clnas/rng.h"
#include "clnas/space.h"
#include "evaluator.h"
#include "scratch_dir.h"
#include "strategy.h"
#include "strategy_ops.h"
#include "table_gen.h"

/* A fixed pseudo-random fitness per cell (FNV-1a of its index), NAN (failed) for about one cell in `fail_every`
 * (0: never). */
static double toy_fitness(const clnas_genotype *g, int fail_every)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    uint32_t index = clnas_genotype_to_index(g);
    for (int i = 0; i < 4; i++) {
        h ^= (index >> (8 * i)) & 0xff;
        h *= 0x100000001b3ULL;
    }
    if (fail_every && h % (uint64_t)fail_every == 0)
        return NAN;
    return (double)(h >> 11) * 0x1.0p-53;
}

static cJSON *parse_json(const char *text)
{
    cJSON *json = cJSON_Parse(text);
    if (!json)
        fail_msg("test JSON does not parse: %s", text);
    return json;
}

static clnas_genotype parse_arch(const char *text)
{
    clnas_genotype g;
    clnas_error err = {0};
    if (clnas_genotype_parse(text, &g, &err) != CLNAS_OK)
        fail_msg("describe gave an arch that does not parse: %s (%s)", text, err.message);
    return g;
}

static int same_arch(const clnas_genotype *a, const clnas_genotype *b)
{
    return memcmp(a->ops, b->ops, sizeof a->ops) == 0;
}

static int edges_changed(const clnas_genotype *a, const clnas_genotype *b)
{
    int n = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        n += a->ops[e] != b->ops[e];
    return n;
}

static double ranked(double fitness)
{
    return isnan(fitness) ? -INFINITY : fitness;
}

static void test_find(void **state)
{
    (void)state;
    assert_ptr_equal(clnas_strategy_find("rea"), &clnas_strategy_rea);
    assert_ptr_equal(clnas_strategy_find("random"), &clnas_strategy_random);
    assert_ptr_equal(clnas_strategy_find("reinforce"), &clnas_strategy_reinforce);
    assert_null(clnas_strategy_find("evolution"));
    assert_null(clnas_strategy_find(NULL));
}

/* Runs REA with the toy fitness (failures included) and checks, from describe(), at every trial: the population
 * is the last P observed members, oldest first (the oldest dies); a cycle's parent is the fittest of its drawn
 * sample and never a failed member; the child differs from the parent in exactly one edge, by a different op. */
static void test_rea_aging_population_and_parent_choice(void **unused)
{
    (void)unused;
    enum { P = 10, S = 3, C = 400 };
    const clnas_strategy_iface *ops = &clnas_strategy_rea;
    void *rea = create_ok(ops, "{\"population\": 10, \"sample_size\": 3, \"cycles\": 400}", 7);
    assert_int_equal(ops->budget(rea), P + C);

    clnas_genotype observed[P + C];
    double fitness[P + C];
    int mutations = 0, repeated_draws = 0, random_after_failures = 0;
    for (int t = 0; t < P + C; t++) {
        const clnas_genotype child = propose_ok(ops, rea);
        cJSON *d = ops->describe(rea);
        assert_non_null(d);
        const cJSON *population = cJSON_GetObjectItemCaseSensitive(d, "population");
        const cJSON *last = cJSON_GetObjectItemCaseSensitive(d, "last_proposal");
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(last, "trial")->valueint, t);
        const char *kind = cJSON_GetObjectItemCaseSensitive(last, "kind")->valuestring;
        const int size = cJSON_GetArraySize(population);
        assert_int_equal(size, t < P ? t : P);

        /* The population before this proposal: the last min(t, P) observed members, oldest first. */
        for (int i = 0; i < size; i++) {
            const cJSON *member = cJSON_GetArrayItem(population, i);
            const int trial = t - size + i;
            clnas_genotype g = parse_arch(cJSON_GetObjectItemCaseSensitive(member, "arch")->valuestring);
            assert_true(same_arch(&g, &observed[trial]));
            const cJSON *f = cJSON_GetObjectItemCaseSensitive(member, "fitness");
            if (isnan(fitness[trial]))
                assert_true(cJSON_IsNull(f));
            else
                assert_true(f->valuedouble == fitness[trial]);
        }

        if (t < P) {
            assert_string_equal(kind, "initial");
        } else {
            const cJSON *sample = cJSON_GetObjectItemCaseSensitive(last, "sample");
            const cJSON *parent = cJSON_GetObjectItemCaseSensitive(last, "parent");
            assert_int_equal(cJSON_GetArraySize(sample), S);
            double best = -INFINITY;
            int seen[P] = {0}, repeated = 0;
            for (int k = 0; k < S; k++) {
                const int pos = cJSON_GetArrayItem(sample, k)->valueint;
                assert_in_range(pos, 0, P - 1);
                repeated |= seen[pos]++;
                const double f = ranked(fitness[t - P + pos]);
                best = f > best ? f : best;
            }
            repeated_draws += repeated;
            if (best == -INFINITY) {
                assert_string_equal(kind, "random_all_failed");
                assert_true(cJSON_IsNull(parent));
                random_after_failures++;
            } else {
                assert_string_equal(kind, "mutation");
                const int p = parent->valueint;
                int in_sample = 0;
                for (int k = 0; k < S; k++)
                    in_sample |= cJSON_GetArrayItem(sample, k)->valueint == p;
                assert_true(in_sample);
                assert_true(fitness[t - P + p] == best); /* the fittest of the sample, never a failed one */
                assert_int_equal(edges_changed(&observed[t - P + p], &child), 1);
                mutations++;
            }
        }
        cJSON_Delete(d);
        observed[t] = child;
        fitness[t] = toy_fitness(&child, 4);
        observe_ok(ops, rea, &child, fitness[t]);
    }
    /* Drawn with replacement: with P = 10 and S = 3 about 28% of cycles draw a member twice. */
    assert_true(repeated_draws > C / 10);
    assert_true(mutations > C / 2);
    print_message("REA: %d mutations, %d cycles drew a member twice, %d all-failed samples\n", mutations,
                  repeated_draws, random_after_failures);
    ops->destroy(rea);
}

/* When every member of a sample failed, the cycle proposes a random cell instead of mutating a failed one. */
static void test_rea_never_mutates_failed_members(void **unused)
{
    (void)unused;
    const clnas_strategy_iface *ops = &clnas_strategy_rea;
    void *rea = create_ok(ops, "{\"population\": 3, \"sample_size\": 2, \"cycles\": 20}", 1);
    for (int t = 0; t < 23; t++) {
        const clnas_genotype g = propose_ok(ops, rea);
        cJSON *d = ops->describe(rea);
        const cJSON *last = cJSON_GetObjectItemCaseSensitive(d, "last_proposal");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(last, "kind")->valuestring,
                            t < 3 ? "initial" : "random_all_failed");
        cJSON_Delete(d);
        observe_ok(ops, rea, &g, NAN);
    }
    ops->destroy(rea);
}

/* Algorithm 1 written out plainly on the same generator: the strategy must propose exactly these cells. */
static void test_rea_matches_algorithm_1(void **unused)
{
    (void)unused;
    enum { P = 8, S = 4, C = 200 };
    const uint64_t seed = 12345;
    const clnas_strategy_iface *ops = &clnas_strategy_rea;
    void *rea = create_ok(ops, "{\"population\": 8, \"sample_size\": 4, \"cycles\": 200}", seed);

    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    clnas_genotype population[P];
    double population_fitness[P];
    int size = 0;
    for (int t = 0; t < P + C; t++) {
        clnas_genotype expected;
        if (t < P) {
            clnas_genotype_sample(&rng, &expected);
        } else {
            int parent = -1;
            for (int k = 0; k < S; k++) {
                const int candidate = (int)clnas_rng_below(&rng, P); /* stays in the population */
                if (parent < 0 || population_fitness[candidate] > population_fitness[parent])
                    parent = candidate;
            }
            clnas_genotype_mutate(&population[parent], &rng, &expected);
        }
        const clnas_genotype got = propose_ok(ops, rea);
        assert_true(same_arch(&got, &expected));
        const double f = toy_fitness(&got, 0);
        observe_ok(ops, rea, &got, f);
        if (size == P) { /* remove dead from left of population */
            memmove(population, population + 1, (P - 1) * sizeof population[0]);
            memmove(population_fitness, population_fitness + 1, (P - 1) * sizeof population_fitness[0]);
            size--;
        }
        population[size] = got;
        population_fitness[size++] = f;
    }
    ops->destroy(rea);
}

/* The proposals of a whole run, fitness from the toy function. */
static void run_proposals(const clnas_strategy_iface *ops, const char *params, uint64_t seed, clnas_genotype *out,
                          int n)
{
    void *s = create_ok(ops, params, seed);
    assert_int_equal(ops->budget(s), n);
    for (int t = 0; t < n; t++) {
        out[t] = propose_ok(ops, s);
        observe_ok(ops, s, &out[t], toy_fitness(&out[t], 5));
    }
    clnas_space_genotype extra;
    clnas_error err = {0};
    assert_int_equal(ops->propose(s, &extra, &err), CLNAS_ERR_INVALID_ARG); /* the budget is spent */
    assert_non_null(strstr(err.message, "budget"));
    ops->destroy(s);
}

static void test_same_seed_same_proposals(void **unused)
{
    (void)unused;
    static const struct {
        const clnas_strategy_iface *ops;
        const char *params;
    } cases[] = {
        {&clnas_strategy_rea, "{\"population\": 10, \"sample_size\": 3, \"cycles\": 50}"},
        {&clnas_strategy_random, "{\"trials\": 60}"},
        {&clnas_strategy_reinforce, "{\"trials\": 60, \"lr\": 0.1}"},
        {&clnas_strategy_reinforce, "{\"trials\": 60, \"lr\": 0.1, \"controller\": \"lstm\", \"hidden\": 8}"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        clnas_genotype a[60], b[60], other[60];
        run_proposals(cases[c].ops, cases[c].params, 42, a, 60);
        run_proposals(cases[c].ops, cases[c].params, 42, b, 60);
        run_proposals(cases[c].ops, cases[c].params, 43, other, 60);
        int differ = 0;
        for (int t = 0; t < 60; t++) {
            assert_true(same_arch(&a[t], &b[t]));
            differ += !same_arch(&a[t], &other[t]);
        }
        assert_true(differ > 30);
    }
}

/* Resume replays the journal: an observation of another arch than the proposal is refused and changes nothing. */
static void test_observe_checks_proposal_order(void **unused)
{
    (void)unused;
    const clnas_strategy_iface *all[] = {&clnas_strategy_rea, &clnas_strategy_random, &clnas_strategy_reinforce};
    for (size_t i = 0; i < 3; i++) {
        const clnas_strategy_iface *ops = all[i];
        void *s = create_ok(ops, NULL, 3);
        clnas_error err = {0};
        clnas_space_genotype g;
        memset(&g, 0, sizeof g);
        assert_int_equal(ops->observe(s, &g, 0.5, &err), CLNAS_ERR_MISMATCH); /* nothing proposed yet */

        g = propose_space_ok(ops, s);
        clnas_genotype wrong_nb201 = clnas_nb201_of(&g);
        wrong_nb201.ops[2] = (uint8_t)((wrong_nb201.ops[2] + 1) % CLNAS_NB201_OPS);
        clnas_space_genotype wrong;
        clnas_nb201_to(&wrong_nb201, &wrong);
        char proposed[CLNAS_GENOTYPE_STR_MAX], observed[CLNAS_GENOTYPE_STR_MAX];
        clnas_space_nb201.format(&g, proposed, sizeof proposed, NULL);
        clnas_space_nb201.format(&wrong, observed, sizeof observed, NULL);
        assert_int_equal(ops->observe(s, &wrong, 0.5, &err), CLNAS_ERR_MISMATCH);
        assert_non_null(strstr(err.message, "trial 0"));
        assert_non_null(strstr(err.message, proposed));
        assert_non_null(strstr(err.message, observed));

        clnas_space_genotype again;
        assert_int_equal(ops->propose(s, &again, &err), CLNAS_ERR_INVALID_ARG); /* trial 0 still waits */
        assert_int_equal(ops->observe(s, &g, 1.5, &err), CLNAS_ERR_INVALID_ARG); /* not a fraction */
        observe_space_ok(ops, s, &g, 0.5);
        assert_int_equal(ops->observe(s, &g, 0.5, &err), CLNAS_ERR_MISMATCH); /* observed twice */
        ops->destroy(s);
    }
}

static void test_bad_params_each_name_their_field(void **unused)
{
    (void)unused;
    static const struct {
        const clnas_strategy_iface *ops;
        const char *params;
        const char *message;
    } cases[] = {
        {&clnas_strategy_rea, "{\"sample_size\": \"ten\"}",
         "strategy.sample_size: expected an integer from 1 to population (10), got \"ten\""},
        {&clnas_strategy_rea, "{\"sample_size\": 11}",
         "strategy.sample_size: expected an integer from 1 to population (10), got 11"},
        {&clnas_strategy_rea, "{\"population\": 5, \"sample_size\": 6}",
         "strategy.sample_size: expected an integer from 1 to population (5), got 6"},
        {&clnas_strategy_rea, "{\"sample_size\": 2.5}",
         "strategy.sample_size: expected an integer from 1 to population (10), got 2.5"},
        {&clnas_strategy_rea, "{\"population\": 0}",
         "strategy.population: expected an integer from 1 to 100000, got 0"},
        {&clnas_strategy_rea, "{\"population\": null}",
         "strategy.population: expected an integer from 1 to 100000, got null"},
        {&clnas_strategy_rea, "{\"cycles\": -1}", "strategy.cycles: expected an integer from 0 to 10000000, got -1"},
        {&clnas_strategy_rea, "{\"popluation\": 10}",
         "strategy.popluation: unknown key (known: population, sample_size, cycles, pareto, warm_start_proxy, "
         "warm_start_samples)"},
        {&clnas_strategy_rea, "[1, 2]", "strategy: expected an object, got [1,2]"},
        {&clnas_strategy_random, "{\"trials\": true}",
         "strategy.trials: expected an integer from 1 to 10000000, got true"},
        {&clnas_strategy_random, "{\"trials\": 0}", "strategy.trials: expected an integer from 1 to 10000000, got 0"},
        {&clnas_strategy_random, "{\"population\": 10}", "strategy.population: unknown key (known: trials)"},
        {&clnas_strategy_reinforce, "{\"lr\": 0}",
         "strategy.lr: expected a number greater than 0 and at most 10, got 0"},
        {&clnas_strategy_reinforce, "{\"lr\": \"fast\"}",
         "strategy.lr: expected a number greater than 0 and at most 10, got \"fast\""},
        {&clnas_strategy_reinforce, "{\"ema_momentum\": 1}",
         "strategy.ema_momentum: expected a number at least 0 and below 1, got 1"},
        {&clnas_strategy_reinforce, "{\"optimizer\": \"sgd\"}",
         "strategy.optimizer: unknown key (known: trials, lr, ema_momentum, controller, hidden, layers)"},
        {&clnas_strategy_reinforce, "{\"controller\": \"gru\"}",
         "strategy.controller: expected one of \"per_edge\", \"lstm\", got \"gru\""},
        {&clnas_strategy_reinforce, "{\"hidden\": 16}", "strategy.hidden: only used with strategy.controller \"lstm\""},
        {&clnas_strategy_reinforce, "{\"controller\": \"lstm\", \"hidden\": 0}",
         "strategy.hidden: expected an integer from 1 to 256, got 0"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        cJSON *params = parse_json(cases[c].params);
        cJSON *resolved = cJSON_CreateObject();
        void *s = (void *)&s; /* create must reset it */
        clnas_error err = {0};
        assert_int_equal(cases[c].ops->create(params, 0, NULL, resolved, &s, &err), CLNAS_ERR_INVALID_ARG);
        assert_null(s);
        assert_string_equal(err.message, cases[c].message);
        cJSON_Delete(params);
        cJSON_Delete(resolved);
    }
}

static void test_resolved_lists_every_parameter(void **unused)
{
    (void)unused;
    static const struct {
        const clnas_strategy_iface *ops;
        const char *params;
        const char *resolved;
    } cases[] = {
        {&clnas_strategy_rea, NULL,
         "{\"name\":\"rea\",\"population\":10,\"sample_size\":3,\"cycles\":30,\"pareto\":\"off\","
         "\"warm_start_proxy\":\"none\",\"warm_start_samples\":100}"},
        {&clnas_strategy_rea, "{\"name\": \"rea\", \"cycles\": 5, \"population\": 2, \"pareto\": \"params\"}",
         "{\"name\":\"rea\",\"population\":2,\"sample_size\":2,\"cycles\":5,\"pareto\":\"params\","
         "\"warm_start_proxy\":\"none\",\"warm_start_samples\":100}"},
        {&clnas_strategy_random, "{}", "{\"name\":\"random\",\"trials\":40}"},
        {&clnas_strategy_reinforce, "{\"lr\": 0.05}",
         "{\"name\":\"reinforce\",\"trials\":40,\"lr\":0.05,\"ema_momentum\":0.9,\"controller\":\"per_edge\"}"},
        {&clnas_strategy_reinforce, "{\"controller\": \"lstm\"}",
         "{\"name\":\"reinforce\",\"trials\":40,\"lr\":0.01,\"ema_momentum\":0.9,\"controller\":\"lstm\","
         "\"hidden\":32}"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        cJSON *params = cases[c].params ? parse_json(cases[c].params) : NULL;
        cJSON *resolved = cJSON_CreateObject();
        void *s = NULL;
        clnas_error err = {0};
        assert_int_equal(cases[c].ops->create(params, 0, NULL, resolved, &s, &err), CLNAS_OK);
        char *text = cJSON_PrintUnformatted(resolved);
        assert_string_equal(text, cases[c].resolved);
        free(text);
        cases[c].ops->destroy(s);
        cJSON_Delete(params);
        cJSON_Delete(resolved);
    }
}

static void reinforce_probabilities(const void *s, double p[CLNAS_NB201_EDGES][CLNAS_NB201_OPS])
{
    cJSON *d = clnas_strategy_reinforce.describe(s);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(d, "probabilities");
    assert_int_equal(cJSON_GetArraySize(rows), CLNAS_NB201_EDGES);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        const cJSON *row = cJSON_GetArrayItem(rows, e);
        assert_int_equal(cJSON_GetArraySize(row), CLNAS_NB201_OPS);
        double sum = 0.0;
        for (int k = 0; k < CLNAS_NB201_OPS; k++)
            sum += p[e][k] = cJSON_GetArrayItem(row, k)->valuedouble;
        assert_true(fabs(sum - 1.0) < 1e-5);
    }
    cJSON_Delete(d);
}

/* The policy starts uniform; the first advantage is 0 (the baseline starts at the first reward); after a second,
 * better reward every edge's sampled op gains probability and every other op loses it. */
static void test_reinforce_policy_gradient_step(void **unused)
{
    (void)unused;
    const clnas_strategy_iface *ops = &clnas_strategy_reinforce;
    void *s = create_ok(ops, "{\"lr\": 0.1}", 9);
    double p[CLNAS_NB201_EDGES][CLNAS_NB201_OPS];
    reinforce_probabilities(s, p);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int k = 0; k < CLNAS_NB201_OPS; k++)
            assert_true(fabs(p[e][k] - 0.2) < 1e-12);

    clnas_genotype g = propose_ok(ops, s);
    observe_ok(ops, s, &g, 0.5);
    reinforce_probabilities(s, p);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int k = 0; k < CLNAS_NB201_OPS; k++)
            assert_true(fabs(p[e][k] - 0.2) < 1e-6);

    g = propose_ok(ops, s);
    observe_ok(ops, s, &g, 0.9);
    reinforce_probabilities(s, p);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int k = 0; k < CLNAS_NB201_OPS; k++)
            assert_true(k == g.ops[e] ? p[e][k] > 0.21 : p[e][k] < 0.2);
    ops->destroy(s);
}

/* A toy reward that pays for nor_conv_3x3 on edge 0 and avg_pool_3x3 elsewhere: the policy learns both. */
static void test_reinforce_learns_rewarded_ops(void **unused)
{
    (void)unused;
    const clnas_strategy_iface *ops = &clnas_strategy_reinforce;
    void *s = create_ok(ops, "{\"trials\": 400, \"lr\": 0.05}", 5);
    for (int t = 0; t < 400; t++) {
        const clnas_genotype g = propose_ok(ops, s);
        int good = g.ops[0] == CLNAS_OP_NOR_CONV_3X3;
        for (int e = 1; e < CLNAS_NB201_EDGES; e++)
            good += g.ops[e] == CLNAS_OP_AVG_POOL_3X3;
        observe_ok(ops, s, &g, t % 7 == 3 ? NAN : good / 6.0); /* failed trials are reward 0 */
    }
    double p[CLNAS_NB201_EDGES][CLNAS_NB201_OPS];
    reinforce_probabilities(s, p);
    print_message("REINFORCE after 400 trials: p(edge 0 = nor_conv_3x3) = %.3f, p(edge 5 = avg_pool_3x3) = %.3f\n",
                  p[0][CLNAS_OP_NOR_CONV_3X3], p[5][CLNAS_OP_AVG_POOL_3X3]);
    assert_true(p[0][CLNAS_OP_NOR_CONV_3X3] > 0.5);
    for (int e = 1; e < CLNAS_NB201_EDGES; e++)
        assert_true(p[e][CLNAS_OP_AVG_POOL_3X3] > 0.5);
    ops->destroy(s);
}

/* The LSTM controller learns from reward too: paid for each edge that matches a target cell (a uniform policy
 * earns 0.2 on average), its last 50 of 400 trials earn more than 0.5 on average over 4 seeds. Like any policy
 * gradient it can settle on a local optimum (one op everywhere), so single seeds vary. */
static void test_reinforce_lstm_learns_from_reward(void **unused)
{
    (void)unused;
    const clnas_strategy_iface *ops = &clnas_strategy_reinforce;
    clnas_genotype target;
    assert_int_equal(clnas_genotype_parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|"
                                          "nor_conv_3x3~1|skip_connect~2|", &target, NULL), CLNAS_OK);
    double mean_late = 0.0;
    for (uint64_t seed = 0; seed < 4; seed++) {
        void *s = create_ok(ops, "{\"trials\": 400, \"lr\": 0.01, \"controller\": \"lstm\", \"hidden\": 16}", seed);
        double late = 0.0;
        for (int t = 0; t < 400; t++) {
            const clnas_genotype g = propose_ok(ops, s);
            int match = 0;
            for (int e = 0; e < CLNAS_NB201_EDGES; e++)
                match += g.ops[e] == target.ops[e];
            late += t >= 350 ? match / 6.0 / 50 : 0.0;
            observe_ok(ops, s, &g, match / 6.0);
        }
        cJSON *d = ops->describe(s);
        print_message("REINFORCE (lstm), seed %d: mean reward of the last 50 trials %.3f, likeliest cell %s (p %.3f)\n",
                      (int)seed, late, cJSON_GetObjectItemCaseSensitive(d, "mode_arch")->valuestring,
                      cJSON_GetObjectItemCaseSensitive(d, "mode_probability")->valuedouble);
        cJSON_Delete(d);
        ops->destroy(s);
        mean_late += late / 4;
    }
    assert_true(mean_late > 0.5);
}

/* The best fitness of one search driven by the table evaluator. */
static double search_best(const clnas_strategy_iface *ops, const char *params, uint64_t seed, clnas_evaluator *ev)
{
    void *s = create_ok(ops, params, seed);
    double best = -INFINITY;
    const int budget = ops->budget(s);
    for (int t = 0; t < budget; t++) {
        const clnas_genotype g = propose_ok(ops, s);
        clnas_space_genotype sg;
        clnas_nb201_to(&g, &sg);
        clnas_evaluator_result r = {0};
        clnas_error err = {0};
        if (ev->iface->evaluate(ev->state, &sg, &r, &err) != CLNAS_OK)
            fail_msg("table evaluate failed: %s", err.message);
        assert_int_equal(r.status, CLNAS_TRIAL_OK);
        best = r.fitness > best ? r.fitness : best;
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

/* 100 trials each on the synthetic table (tests build it with the generator): REA with P = 20, S = 5, C = 80
 * against random search, 20 seeds; the mean best fitness of REA must be higher. */
static void test_rea_beats_random_on_a_table(void **unused)
{
    (void)unused;
    enum { SEEDS = 20 };
    char *dir = scratch_dir_new("clnas-strategy");
    assert_non_null(dir);
    char path[4096];
    scratch_dir_path(path, sizeof path, dir, "table.csv");
    clnas_table_model model;
    clnas_error err = {0};
    assert_int_equal(clnas_table_model_init(&model, 0, CLNAS_TABLE_GEN_DEFAULT_NOISE, &err), CLNAS_OK);
    assert_int_equal(clnas_table_model_write_csv(&model, path, &err), CLNAS_OK);
    clnas_evaluator ev;
    if (clnas_table_evaluator_new(path, &ev, &err) != CLNAS_OK)
        fail_msg("%s", err.message);

    double rea[SEEDS], random[SEEDS];
    for (int seed = 0; seed < SEEDS; seed++) {
        rea[seed] = search_best(&clnas_strategy_rea, "{\"population\": 20, \"sample_size\": 5, \"cycles\": 80}",
                                (uint64_t)seed, &ev);
        random[seed] = search_best(&clnas_strategy_random, "{\"trials\": 100}", (uint64_t)seed, &ev);
    }
    double rea_mean, rea_std, random_mean, random_std;
    mean_std(rea, SEEDS, &rea_mean, &rea_std);
    mean_std(random, SEEDS, &random_mean, &random_std);
    print_message("best fitness after 100 trials over %d seeds: REA (P=20, S=5, C=80) %.4f +- %.4f, "
                  "random search %.4f +- %.4f (mean +- std)\n", SEEDS, rea_mean, rea_std, random_mean, random_std);
    assert_true(rea_mean > random_mean);

    ev.iface->destroy(ev.state);
    scratch_dir_remove(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_rea_aging_population_and_parent_choice),
        cmocka_unit_test(test_rea_never_mutates_failed_members),
        cmocka_unit_test(test_rea_matches_algorithm_1),
        cmocka_unit_test(test_same_seed_same_proposals),
        cmocka_unit_test(test_observe_checks_proposal_order),
        cmocka_unit_test(test_bad_params_each_name_their_field),
        cmocka_unit_test(test_resolved_lists_every_parameter),
        cmocka_unit_test(test_reinforce_policy_gradient_step),
        cmocka_unit_test(test_reinforce_learns_rewarded_ops),
        cmocka_unit_test(test_reinforce_lstm_learns_from_reward),
        cmocka_unit_test(test_rea_beats_random_on_a_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
