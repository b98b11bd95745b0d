/* clnas — tests of the spaces' categorical decisions (space_iface.h) and of the strategies that model any space
 * through them: REINFORCE's per-decision policy and its LSTM over decisions, BO, on darts and chain. */
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

#include "clnas/chain_genotype.h"
#include "clnas/darts_genotype.h"
#include "clnas/space.h"
#include "decision_controller.h"
#include "space_iface.h"
#include "strategy.h"

static const clnas_space_iface *const spaces[] = {&clnas_space_nb201, &clnas_space_darts, &clnas_space_chain};

static uint64_t hash_of(const clnas_space_iface *space, const clnas_space_genotype *g)
{
    uint64_t h = 0;
    clnas_error err;
    if (space->canonical(g, NULL, 0, &h, &err) != CLNAS_OK)
        fail_msg("%s: %s", space->name, err.message);
    return h;
}

/* format -> parse gives g back. */
static void formats_and_parses(const clnas_space_iface *space, const clnas_space_genotype *g)
{
    char text[CLNAS_SPACE_STR_MAX];
    clnas_space_genotype back;
    clnas_error err;
    if (space->format(g, text, sizeof text, &err) != CLNAS_OK || space->parse(text, &back, &err) != CLNAS_OK)
        fail_msg("%s: %s", space->name, err.message);
    assert_true(clnas_space_genotype_equal(&back, g));
}

/* Counts, options and names: at most CLNAS_SPACE_DECISIONS_MAX, at least 1 option each (DARTS' node 2 has one
 * pair of inputs), names distinct. */
static void test_decision_tables(void **unused)
{
    (void)unused;
    static const int expected[3] = {6, 24, 310};
    for (int s = 0; s < 3; s++) {
        const clnas_space_iface *space = spaces[s];
        assert_int_equal(space->decisions, expected[s]);
        assert_true(space->decisions <= CLNAS_SPACE_DECISIONS_MAX);
        char(*names)[48] = calloc((size_t)space->decisions, sizeof *names);
        assert_non_null(names);
        for (int i = 0; i < space->decisions; i++) {
            assert_true(space->decision_options(i) >= (space == &clnas_space_darts && i % 12 == 0 ? 1 : 2));
            space->decision_name(i, names[i], sizeof names[i]);
            assert_true(strlen(names[i]) > 0);
            for (int j = 0; j < i; j++)
                if (strcmp(names[i], names[j]) == 0)
                    fail_msg("%s: decisions %d and %d are both named %s", space->name, j, i, names[i]);
        }
        free(names);
    }
    char name[48];
    clnas_space_nb201.decision_name(2, name, sizeof name);
    assert_string_equal(name, "edge 2<-1");
    clnas_space_darts.decision_name(12 + 3 * 3, name, sizeof name);
    assert_string_equal(name, "reduce.node5.inputs");
    assert_int_equal(clnas_space_darts.decision_options(12 + 3 * 3), 10); /* C(5, 2) pairs of states 0..4 */
    assert_int_equal(clnas_space_darts.decision_options(1), 7);
    assert_int_equal(clnas_space_darts.decision_options(0), 1); /* node 2 reads states 0 and 1 */
    clnas_space_chain.decision_name(0, name, sizeof name);
    assert_string_equal(name, "depth");
    assert_int_equal(clnas_space_chain.decision_options(0), 20);
    clnas_space_chain.decision_name(309, name, sizeof name);
    assert_string_equal(name, "layer20.skip18");
    clnas_space_chain.decision_name(6, name, sizeof name);
    assert_string_equal(name, "layer2.op");
}

/* Sampled genotypes: to_decisions writes choices in range (or -1), and from_decisions gives them back: exactly on
 * nb201 and chain; on darts exactly when to_decisions says so, else a genotype of the same class (a node's edges
 * in the other order), both cases seen. */
static void test_sampled_genotypes_round_trip(void **unused)
{
    (void)unused;
    for (int s = 0; s < 3; s++) {
        const clnas_space_iface *space = spaces[s];
        clnas_rng rng;
        clnas_rng_seed(&rng, 11 + (uint64_t)s);
        int exact = 0, inexact = 0;
        for (int t = 0; t < 400; t++) {
            clnas_space_genotype g, back;
            int choice[CLNAS_SPACE_DECISIONS_MAX];
            space->sample(space, &rng, &g);
            const int r = space->to_decisions(&g, choice);
            for (int i = 0; i < space->decisions; i++)
                assert_true(choice[i] >= -1 && choice[i] < space->decision_options(i));
            assert_true(choice[0] >= 0);
            space->from_decisions(choice, &back);
            formats_and_parses(space, &back);
            if (r) {
                exact++;
                assert_true(clnas_space_genotype_equal(&back, &g));
            } else {
                inexact++;
                assert_int_equal(hash_of(space, &back), hash_of(space, &g));
                int again[CLNAS_SPACE_DECISIONS_MAX];
                assert_int_equal(space->to_decisions(&back, again), 1);
                assert_memory_equal(again, choice, sizeof(int) * (size_t)space->decisions);
            }
        }
        if (space == &clnas_space_darts)
            assert_true(exact > 0 && inexact > 0); /* with 8 nodes, about 1 in 256 is in order */
        else
            assert_int_equal(inexact, 0);
    }
}

/* Random decision vectors: each gives a genotype that formats and parses; to_decisions of it is exact, and equals
 * the vector on nb201 and darts; on chain it gives the same genotype back (skips that do not fit are dropped). */
static void test_random_decisions_give_genotypes(void **unused)
{
    (void)unused;
    for (int s = 0; s < 3; s++) {
        const clnas_space_iface *space = spaces[s];
        clnas_rng rng;
        clnas_rng_seed(&rng, 5 + (uint64_t)s);
        int ignored = 0;
        for (int t = 0; t < 400; t++) {
            int choice[CLNAS_SPACE_DECISIONS_MAX], back[CLNAS_SPACE_DECISIONS_MAX];
            for (int i = 0; i < space->decisions; i++)
                choice[i] = (int)clnas_rng_below(&rng, (uint32_t)space->decision_options(i));
            clnas_space_genotype g, g2;
            space->from_decisions(choice, &g);
            formats_and_parses(space, &g);
            assert_int_equal(space->to_decisions(&g, back), 1);
            space->from_decisions(back, &g2);
            assert_true(clnas_space_genotype_equal(&g2, &g));
            for (int i = 0; i < space->decisions; i++) {
                if (space != &clnas_space_chain)
                    assert_int_equal(back[i], choice[i]);
                ignored += back[i] < 0;
            }
        }
        assert_true(space == &clnas_space_chain ? ignored > 0 : ignored == 0);
    }
}

/* A chain network's statistics under sample and under uniform decisions agree (the same distribution): mean
 * depth, skips, concatenations, strided layers, convolutions, over 3000 draws each (fixed seeds). */
static void chain_stats(const clnas_chain_genotype *c, double *acc)
{
    acc[0] += c->nlayers;
    for (int i = 0; i < c->nlayers; i++) {
        acc[1] += c->layer[i].nskips;
        acc[2] += c->layer[i].nskips && c->layer[i].join == CLNAS_CHAIN_CAT;
        acc[3] += c->layer[i].stride == 2;
        acc[4] += c->layer[i].op == CLNAS_CHAIN_CONV;
    }
}

static void test_chain_uniform_decisions_match_sample(void **unused)
{
    (void)unused;
    const clnas_space_iface *space = &clnas_space_chain;
    double by_sample[5] = {0}, by_decisions[5] = {0};
    clnas_rng rng;
    clnas_rng_seed(&rng, 21);
    for (int t = 0; t < 3000; t++) {
        clnas_space_genotype g;
        clnas_chain_genotype c;
        int choice[CLNAS_SPACE_DECISIONS_MAX];
        space->sample(space, &rng, &g);
        memcpy(&c, g.u.bytes, sizeof c);
        chain_stats(&c, by_sample);
        for (int i = 0; i < space->decisions; i++)
            choice[i] = (int)clnas_rng_below(&rng, (uint32_t)space->decision_options(i));
        space->from_decisions(choice, &g);
        memcpy(&c, g.u.bytes, sizeof c);
        chain_stats(&c, by_decisions);
    }
    for (int k = 0; k < 5; k++) {
        const double a = by_sample[k] / 3000, b = by_decisions[k] / 3000;
        if (fabs(a - b) > 0.06 * a)
            fail_msg("statistic %d: %.3f by sample, %.3f by decisions", k, a, b);
    }
}

/* A search of `trials` proposals, each observed with a fitness from its canonical hash; the arch strings joined. */
static char *trajectory(const clnas_strategy_iface *ops, const char *params_json, const clnas_space_iface *space,
                        uint64_t seed, int trials)
{
    cJSON *params = cJSON_Parse(params_json);
    void *st = NULL;
    clnas_error err;
    if (ops->create(params, seed, space, NULL, &st, &err) != CLNAS_OK)
        fail_msg("%s on %s: %s", ops->name, space->name, err.message);
    cJSON_Delete(params);
    char *out = calloc((size_t)trials, CLNAS_SPACE_STR_MAX + 1);
    assert_non_null(out);
    for (int t = 0; t < trials; t++) {
        clnas_space_genotype g;
        char text[CLNAS_SPACE_STR_MAX];
        if (ops->propose(st, &g, &err) != CLNAS_OK)
            fail_msg("%s on %s, trial %d: %s", ops->name, space->name, t, err.message);
        assert_int_equal(space->format(&g, text, sizeof text, &err), CLNAS_OK);
        strcat(out, text);
        strcat(out, "\n");
        const double fitness = t == 3 ? NAN : (double)(hash_of(space, &g) % 1000) / 1000.0;
        assert_int_equal(ops->observe(st, &g, fitness, &err), CLNAS_OK);
        cJSON *d = ops->describe(st);
        assert_non_null(d);
        cJSON_Delete(d);
    }
    ops->destroy(st);
    return out;
}

/* BO and REINFORCE per_edge on darts and chain: the same seed the same proposals, another seed others; BO's are of
 * distinct classes. */
static void test_strategies_deterministic_per_seed(void **unused)
{
    (void)unused;
    static const struct {
        const clnas_strategy_iface *ops;
        const char *params;
    } cases[] = {
        {&clnas_strategy_bo, "{\"trials\": 10, \"initial\": 4, \"candidates\": 30, \"parents\": 2}"},
        {&clnas_strategy_reinforce, "{\"trials\": 10, \"controller\": \"per_edge\"}"},
        {&clnas_strategy_reinforce, "{\"trials\": 10, \"controller\": \"lstm\", \"hidden\": 8}"},
        {&clnas_strategy_hyperband, "{\"trials\": 12, \"min_fraction\": 1}"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int s = 1; s < 3; s++) {
            const int trials = cases[c].ops == &clnas_strategy_hyperband ? 12 : 10;
            char *a = trajectory(cases[c].ops, cases[c].params, spaces[s], 7, trials);
            char *b = trajectory(cases[c].ops, cases[c].params, spaces[s], 7, trials);
            char *other = trajectory(cases[c].ops, cases[c].params, spaces[s], 8, trials);
            assert_string_equal(a, b);
            assert_string_not_equal(a, other);
            if (cases[c].ops == &clnas_strategy_bo) { /* distinct lines: distinct genotypes */
                char *line[16];
                int lines = 0;
                for (char *p = a, *q; lines < 16 && (q = strchr(p, '\n')) != NULL; p = q + 1) {
                    *q = 0;
                    line[lines++] = p;
                }
                assert_int_equal(lines, trials);
                for (int i = 0; i < lines; i++)
                    for (int j = 0; j < i; j++)
                        assert_string_not_equal(line[i], line[j]);
            }
            free(a), free(b), free(other);
        }
}

/* BO on darts, after its initial samples, proposes by the model: describe says so and reports the fitted GP. */
static void test_bo_models_darts(void **unused)
{
    (void)unused;
    cJSON *params = cJSON_Parse("{\"trials\": 8, \"initial\": 3, \"candidates\": 20, \"parents\": 1}");
    void *st = NULL;
    clnas_error err;
    assert_int_equal(clnas_strategy_bo.create(params, 3, &clnas_space_darts, NULL, &st, &err), CLNAS_OK);
    cJSON_Delete(params);
    for (int t = 0; t < 8; t++) {
        clnas_space_genotype g;
        assert_int_equal(clnas_strategy_bo.propose(st, &g, &err), CLNAS_OK);
        cJSON *d = clnas_strategy_bo.describe(st);
        const char *kind = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "last_proposal"), "kind")->valuestring;
        assert_string_equal(kind, t < 3 ? "initial" : "model");
        if (t >= 3)
            assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "last_proposal"), "gp"),
                                            "points")->valueint == t);
        cJSON_Delete(d);
        assert_int_equal(clnas_strategy_bo.observe(st, &g, 0.1 + 0.01 * t, &err), CLNAS_OK);
    }
    clnas_strategy_bo.destroy(st);
}

/* REINFORCE on darts, per_edge and lstm, learns a rewarded decision: the reward is 1 when the normal cell's node 2
 * reads states 0 and 1 through two sep_conv_3x3, else 0; after 150 trials the policy's mode is such a cell. */
static void reinforce_learns(const char *params_json)
{
    cJSON *params = cJSON_Parse(params_json);
    void *st = NULL;
    clnas_error err;
    assert_int_equal(clnas_strategy_reinforce.create(params, 4, &clnas_space_darts, NULL, &st, &err), CLNAS_OK);
    cJSON_Delete(params);
    int late = 0;
    for (int t = 0; t < 150; t++) {
        clnas_space_genotype g;
        clnas_darts_genotype d;
        assert_int_equal(clnas_strategy_reinforce.propose(st, &g, &err), CLNAS_OK);
        memcpy(&d, g.u.bytes, sizeof d);
        const int hit = d.normal.op[0] == CLNAS_DARTS_SEP_CONV_3X3 && d.normal.op[1] == CLNAS_DARTS_SEP_CONV_3X3;
        late += t >= 120 && hit;
        assert_int_equal(clnas_strategy_reinforce.observe(st, &g, hit ? 1.0 : 0.0, &err), CLNAS_OK);
    }
    cJSON *d = clnas_strategy_reinforce.describe(st);
    const char *mode = cJSON_GetObjectItem(d, "mode_arch")->valuestring;
    assert_non_null(strstr(mode, "normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)"));
    assert_true(cJSON_GetObjectItem(d, "mode_probability")->valuedouble > 0.0);
    cJSON_Delete(d);
    clnas_strategy_reinforce.destroy(st);
    if (late < 10) /* 1 in 49 by chance */
        fail_msg("%s: %d of the last 30 proposals rewarded", params_json, late);
}

static void test_reinforce_per_decision_learns(void **unused)
{
    (void)unused;
    reinforce_learns("{\"trials\": 150, \"lr\": 0.1}");
    reinforce_learns("{\"trials\": 150, \"lr\": 0.02, \"controller\": \"lstm\", \"hidden\": 16}");
}

/* A small space of 3 decisions (2, 3 and 4 options) for the controller alone. */
static int tiny_options(int i)
{
    return 2 + i;
}

/* Over every vector of a small space, the controller's probabilities sum to 1; sampling gives vectors in range. */
static void test_decision_lstm_probabilities_sum_to_one(void **unused)
{
    (void)unused;
    clnas_space_iface tiny = {.name = "tiny", .decisions = 3, .decision_options = tiny_options};
    clnas_rng rng;
    clnas_rng_seed(&rng, 2);
    clnas_decision_controller *c = NULL;
    clnas_error err;
    assert_int_equal(clnas_decision_controller_create(&tiny, 5, 0.5, &rng, &c, &err), CLNAS_OK);
    double sum = 0.0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 3; b++)
            for (int d = 0; d < 4; d++) {
                const int choice[3] = {a, b, d};
                double lp;
                assert_int_equal(clnas_decision_controller_log_prob(c, choice, &lp, NULL, &err), CLNAS_OK);
                assert_true(lp < 0.0);
                sum += exp(lp);
            }
    assert_true(fabs(sum - 1.0) < 1e-12);
    int choice[3];
    for (int t = 0; t < 20; t++) {
        assert_int_equal(clnas_decision_controller_sample(c, &rng, choice, &err), CLNAS_OK);
        for (int i = 0; i < 3; i++)
            assert_true(choice[i] >= 0 && choice[i] < 2 + i);
    }
    const int bad[3] = {0, 3, 0};
    double lp;
    assert_int_equal(clnas_decision_controller_log_prob(c, bad, &lp, NULL, &err), CLNAS_ERR_INVALID_ARG);
    assert_string_equal(err.message, "decision controller: decision 1 is 3, expected -1 or 0 .. 2");
    clnas_decision_controller_free(c);
}

/* d log P / d params by backpropagation through time against central differences, on darts' decisions and on a
 * chain's (with decisions at -1). */
static void test_decision_lstm_gradient(void **unused)
{
    (void)unused;
    for (int s = 1; s < 3; s++) {
        const clnas_space_iface *space = spaces[s];
        clnas_rng rng;
        clnas_rng_seed(&rng, 9);
        clnas_decision_controller *c = NULL;
        clnas_error err;
        assert_int_equal(clnas_decision_controller_create(space, 3, 0.3, &rng, &c, &err), CLNAS_OK);
        clnas_space_genotype g;
        int choice[CLNAS_SPACE_DECISIONS_MAX];
        space->sample(space, &rng, &g);
        space->to_decisions(&g, choice);
        const size_t n = clnas_decision_controller_n_params(c);
        double *params = clnas_decision_controller_params(c), *grad = calloc(n, sizeof *grad), lp;
        assert_non_null(grad);
        assert_int_equal(clnas_decision_controller_log_prob(c, choice, &lp, grad, &err), CLNAS_OK);
        int checked = 0;
        for (size_t i = 0; i < n; i += 1 + n / 300) {
            const double keep = params[i], h = 1e-5;
            double up, down;
            params[i] = keep + h;
            clnas_decision_controller_log_prob(c, choice, &up, NULL, &err);
            params[i] = keep - h;
            clnas_decision_controller_log_prob(c, choice, &down, NULL, &err);
            params[i] = keep;
            const double fd = (up - down) / (2 * h);
            if (fabs(fd - grad[i]) > 1e-6 + 1e-4 * fabs(fd))
                fail_msg("%s: parameter %zu: backprop %g, differences %g", space->name, i, grad[i], fd);
            checked += fabs(fd) > 1e-6;
        }
        assert_true(checked > 20);
        free(grad);
        clnas_decision_controller_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision_tables),
        cmocka_unit_test(test_sampled_genotypes_round_trip),
        cmocka_unit_test(test_random_decisions_give_genotypes),
        cmocka_unit_test(test_chain_uniform_decisions_match_sample),
        cmocka_unit_test(test_strategies_deterministic_per_seed),
        cmocka_unit_test(test_bo_models_darts),
        cmocka_unit_test(test_reinforce_per_decision_learns),
        cmocka_unit_test(test_decision_lstm_probabilities_sum_to_one),
        cmocka_unit_test(test_decision_lstm_gradient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
