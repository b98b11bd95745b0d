/* clnas — tests of the chain space's LSTM controller: valid samples that round-trip, an exact distribution, exact
 * gradients against float64 finite differences, REINFORCE that learns a synthetic reward, determinism. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_controller.h"
#include "clnas/chain_genotype.h"
#include "clnas/rng.h"

static clnas_chain_controller *controller_ok(int hidden, int layers, uint64_t seed, double scale)
{
    clnas_chain_controller *c = NULL;
    clnas_error err = {0};
    if (clnas_chain_controller_create(hidden, layers, seed, &c, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    double *p = clnas_chain_controller_params(c);
    for (size_t i = 0; i < clnas_chain_controller_n_params(c); i++)
        p[i] *= scale; /* scale > 1: far from uniform, so masks and rare branches are exercised */
    return c;
}

static double log_prob_ok(const clnas_chain_controller *c, const clnas_chain_genotype *g, double *grad)
{
    double lp;
    clnas_error err = {0};
    if (clnas_chain_controller_log_prob(c, g, &lp, grad, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return lp;
}

static void sample_ok(const clnas_chain_controller *c, clnas_rng *rng, clnas_chain_genotype *g,
                      clnas_chain_record *rec, double *lp)
{
    clnas_error err = {0};
    if (clnas_chain_controller_sample(c, rng, g, rec, lp, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
}

/* Every sample is valid, has the controller's length and increasing skip lists, formats and parses back to
 * itself, and scores the log-probability it was sampled with; over all samples every op, kernel size, filter
 * count, stride 2, both joins and a layer with the most skips appear. */
static void test_samples_valid_and_round_trip(void **unused)
{
    (void)unused;
    static const int layers[] = {1, 3, 8, 20};
    static const double scales[] = {1.0, 20.0};
    int ops[CLNAS_CHAIN_OPS] = {0}, kernels[8] = {0}, filters[129] = {0}, s2 = 0, joins[2] = {0}, full = 0;
    int n = 0;
    for (size_t li = 0; li < sizeof layers / sizeof layers[0]; li++) {
        for (size_t si = 0; si < sizeof scales / sizeof scales[0]; si++) {
            for (uint64_t seed = 1; seed <= 3; seed++) {
                clnas_chain_controller *c = controller_ok(12, layers[li], seed, scales[si]);
                clnas_rng rng;
                clnas_rng_seed(&rng, 100 + seed);
                for (int k = 0; k < 150; k++, n++) {
                    clnas_chain_genotype g, back;
                    clnas_chain_record rec;
                    double lp;
                    clnas_error err = {0};
                    char text[CLNAS_CHAIN_GENOTYPE_STR_MAX];
                    sample_ok(c, &rng, &g, &rec, &lp);
                    assert_int_equal(g.nlayers, layers[li]);
                    if (clnas_chain_genotype_validate(&g, NULL, &err) != CLNAS_OK ||
                        clnas_chain_genotype_format(&g, text, sizeof text, &err) != CLNAS_OK ||
                        clnas_chain_genotype_parse(text, &back, &err) != CLNAS_OK)
                        fail_msg("sample %d: %s", n, err.message);
                    assert_true(clnas_chain_genotype_equal(&g, &back));
                    assert_true(clnas_chain_genotype_equal(&g, &rec.genotype));
                    assert_true(lp <= 0.0 && isfinite(lp));
                    assert_true(fabs(rec.log_prob - lp) == 0.0);
                    assert_true(fabs(log_prob_ok(c, &g, NULL) - lp) < 1e-9);
                    for (int i = 0; i < g.nlayers; i++) {
                        const clnas_chain_layer *l = &g.layer[i];
                        for (int s = 1; s < l->nskips; s++)
                            assert_true(l->skip[s - 1] < l->skip[s]);
                        ops[l->op]++;
                        kernels[l->ksize]++;
                        filters[l->filters]++;
                        s2 += l->stride == 2;
                        if (l->nskips)
                            joins[l->join]++;
                        full += l->nskips == CLNAS_CHAIN_MAX_SKIPS;
                    }
                }
                clnas_chain_controller_free(c);
            }
        }
    }
    print_message("%d samples: ops %d %d %d %d %d, stride 2 %d, sum %d, cat %d, 7 skips %d\n", n, ops[0], ops[1],
                  ops[2], ops[3], ops[4], s2, joins[0], joins[1], full);
    for (int k = 0; k < CLNAS_CHAIN_OPS; k++)
        assert_true(ops[k] > 0);
    assert_true(kernels[1] > 0 && kernels[3] > 0 && kernels[5] > 0 && kernels[7] > 0);
    assert_true(filters[16] > 0 && filters[32] > 0 && filters[64] > 0 && filters[128] > 0);
    assert_true(s2 > 0 && joins[0] > 0 && joins[1] > 0 && full > 0);
}

/* The 53 layers without skips: every op with every kernel size, filter count and stride it allows. */
static int all_layers(clnas_chain_layer *out)
{
    int n = 0;
    for (int op = 0; op < CLNAS_CHAIN_OPS; op++) {
        const int conv = op == CLNAS_CHAIN_CONV || op == CLNAS_CHAIN_SEPCONV;
        for (int k = conv ? 1 : 0; k <= (conv ? 7 : 0); k += 2) {
            if (op == CLNAS_CHAIN_SEPCONV && (k == 1 || k == 7))
                continue;
            for (int f = 0; f < (conv ? CLNAS_CHAIN_FILTER_CHOICES : 1); f++)
                for (int s = 1; s <= (op == CLNAS_CHAIN_IDENTITY ? 1 : 2); s++)
                    out[n++] = (clnas_chain_layer){.op = (uint8_t)op, .ksize = (uint8_t)k, .stride = (uint8_t)s,
                                                   .filters = (uint16_t)(conv ? clnas_chain_filters[f] : 0)};
        }
    }
    return n;
}

/* The probabilities of every two-layer genotype (53 x 53 layers, the second without a skip, with skip(0) or with
 * cat(0) where valid) sum to 1: each is one sequence of decisions and the masks leave out exactly the invalid ones. */
static void test_probabilities_sum_to_one(void **unused)
{
    (void)unused;
    clnas_chain_layer layers[64];
    const int n = all_layers(layers);
    assert_int_equal(n, 53);
    for (uint64_t seed = 1; seed <= 2; seed++) {
        clnas_chain_controller *c = controller_ok(6, 2, seed, 12.0);
        double total = 0.0, largest = 0.0;
        int valid = 0;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                for (int join = -1; join <= 1; join++) {
                    clnas_chain_genotype g = {.nlayers = 2, .layer = {layers[a], layers[b]}};
                    if (join >= 0) {
                        g.layer[1].nskips = 1;
                        g.layer[1].skip[0] = 0;
                        g.layer[1].join = (uint8_t)join;
                    }
                    if (clnas_chain_genotype_validate(&g, NULL, NULL) != CLNAS_OK)
                        continue;
                    const double p = exp(log_prob_ok(c, &g, NULL));
                    total += p;
                    largest = p > largest ? p : largest;
                    valid++;
                }
            }
        }
        print_message("seed %llu: %d valid two-layer genotypes, sum of P %.15f, largest %.4f\n",
                      (unsigned long long)seed, valid, total, largest);
        assert_true(fabs(total - 1.0) < 1e-9);
        assert_true(largest > 10.0 / valid); /* far from uniform: the check is not one of equal terms */
        clnas_chain_controller_free(c);
    }
}

/* d log P / d params by backpropagation against float64 central differences, every parameter, on sampled
 * genotypes with skips of both joins. */
static void test_gradient_matches_finite_differences(void **unused)
{
    (void)unused;
    const double eps = 1e-6;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        clnas_chain_controller *c = controller_ok(5, 7, seed, 6.0);
        const size_t np = clnas_chain_controller_n_params(c);
        double *p = clnas_chain_controller_params(c);
        double *grad = calloc(np, sizeof *grad);
        assert_non_null(grad);
        clnas_rng rng;
        clnas_rng_seed(&rng, 7 * seed);
        clnas_chain_genotype g;
        int skips = 0;
        for (int tries = 0; tries < 200 && skips < 3; tries++) { /* one with at least three skips */
            sample_ok(c, &rng, &g, NULL, NULL);
            skips = 0;
            for (int i = 0; i < g.nlayers; i++)
                skips += g.layer[i].nskips;
        }
        assert_true(skips >= 3);
        log_prob_ok(c, &g, grad);
        double worst = 0.0, norm = 0.0;
        for (size_t i = 0; i < np; i++) {
            const double keep = p[i];
            p[i] = keep + eps;
            const double up = log_prob_ok(c, &g, NULL);
            p[i] = keep - eps;
            const double down = log_prob_ok(c, &g, NULL);
            p[i] = keep;
            const double fd = (up - down) / (2 * eps);
            const double e = fabs(fd - grad[i]) / fmax(1.0, fabs(fd));
            worst = e > worst ? e : worst;
            norm += grad[i] * grad[i];
            if (e > 1e-6)
                fail_msg("seed %llu parameter %zu: backprop %.10g, finite differences %.10g",
                         (unsigned long long)seed, i, grad[i], fd);
        }
        print_message("seed %llu: %zu parameters, %d skips, worst relative error %.3g, |grad| %.3g\n",
                      (unsigned long long)seed, np, skips, worst, sqrt(norm));
        assert_true(norm > 1e-3);
        free(grad);
        clnas_chain_controller_free(c);
    }
}

/* Fraction of layers that are conv3x3-64. */
static double reward_conv3x3_64(const clnas_chain_genotype *g)
{
    int hits = 0;
    for (int i = 0; i < g->nlayers; i++)
        hits += g->layer[i].op == CLNAS_CHAIN_CONV && g->layer[i].ksize == 3 && g->layer[i].filters == 64;
    return (double)hits / g->nlayers;
}

/* Sum skips per layer after the first (at most (1 + 2 + ... + n-1) / (n-1) = n/2 with n layers). */
static double reward_sum_skips(const clnas_chain_genotype *g)
{
    int sums = 0;
    for (int i = 0; i < g->nlayers; i++)
        sums += g->layer[i].join == CLNAS_CHAIN_SUM ? g->layer[i].nskips : 0;
    return (double)sums / (g->nlayers - 1);
}

/* The mean reward of n samples of c from a generator of its own (so measuring does not move the training's). */
static double mean_reward(const clnas_chain_controller *c, double (*reward)(const clnas_chain_genotype *), int n,
                          uint64_t seed)
{
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    double total = 0.0;
    for (int k = 0; k < n; k++) {
        clnas_chain_genotype g;
        sample_ok(c, &rng, &g, NULL, NULL);
        total += reward(&g);
    }
    return total / n;
}

/* REINFORCE with an EMA baseline (momentum 0.9, as strategy_reinforce.c), one sample per update, Adam at lr 0.01:
 * the policy's mean reward over 200 samples before and after 300 updates. */
static void reinforce(double (*reward)(const clnas_chain_genotype *), uint64_t seed, double *before, double *after)
{
    enum { UPDATES = 300, MEASURE = 200 };
    clnas_chain_controller *c = controller_ok(24, 6, seed, 1.0);
    clnas_rng rng;
    clnas_rng_seed(&rng, 1000 + seed);
    *before = mean_reward(c, reward, MEASURE, 5000 + seed);
    double num = 0.0, den = 0.0;
    for (int u = 0; u < UPDATES; u++) {
        clnas_chain_genotype g;
        clnas_chain_record rec;
        sample_ok(c, &rng, &g, &rec, NULL);
        const double r = reward(&g);
        num = 0.9 * num + 0.1 * r; /* the bias-corrected EMA, updated with r first */
        den = 0.9 * den + 0.1;
        clnas_error err = {0};
        if (clnas_chain_controller_update(c, &rec, r - num / den, 0.01, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
    }
    *after = mean_reward(c, reward, MEASURE, 6000 + seed);
    clnas_chain_controller_free(c);
}

/* Both synthetic rewards rise clearly for every seed: conv3x3-64 layers (1/80 of the layers under a uniform
 * policy) and sum skips. */
static void test_reinforce_raises_reward(void **unused)
{
    (void)unused;
    static const struct {
        const char *name;
        double (*fn)(const clnas_chain_genotype *);
        double gain;
    } rewards[] = {{"conv3x3-64 fraction", reward_conv3x3_64, 0.4}, {"sum skips per layer", reward_sum_skips, 0.8}};
    for (size_t k = 0; k < sizeof rewards / sizeof rewards[0]; k++) {
        for (uint64_t seed = 1; seed <= 4; seed++) {
            double before, after;
            reinforce(rewards[k].fn, seed, &before, &after);
            print_message("%s, seed %llu: mean reward %.3f before, %.3f after 300 updates\n", rewards[k].name,
                          (unsigned long long)seed, before, after);
            assert_true(after > before + rewards[k].gain);
        }
    }
}

/* One seed, one sequence: the same weights, samples and updates; another seed, other weights. */
static void test_deterministic_per_seed(void **unused)
{
    (void)unused;
    clnas_chain_controller *a = controller_ok(10, 5, 42, 1.0), *b = controller_ok(10, 5, 42, 1.0);
    clnas_chain_controller *other = controller_ok(10, 5, 43, 1.0);
    const size_t np = clnas_chain_controller_n_params(a);
    assert_memory_equal(clnas_chain_controller_params(a), clnas_chain_controller_params(b), np * sizeof(double));
    assert_memory_not_equal(clnas_chain_controller_params(a), clnas_chain_controller_params(other),
                            np * sizeof(double));
    clnas_rng ra, rb;
    clnas_rng_seed(&ra, 9);
    clnas_rng_seed(&rb, 9);
    for (int k = 0; k < 20; k++) {
        clnas_chain_genotype ga, gb;
        clnas_chain_record rec_a, rec_b;
        double la, lb;
        sample_ok(a, &ra, &ga, &rec_a, &la);
        sample_ok(b, &rb, &gb, &rec_b, &lb);
        assert_true(clnas_chain_genotype_equal(&ga, &gb));
        assert_true(la == lb);
        clnas_error err = {0};
        assert_int_equal(clnas_chain_controller_update(a, &rec_a, 0.5 - k % 2, 0.05, &err), CLNAS_OK);
        assert_int_equal(clnas_chain_controller_update(b, &rec_b, 0.5 - k % 2, 0.05, &err), CLNAS_OK);
    }
    assert_memory_equal(clnas_chain_controller_params(a), clnas_chain_controller_params(b), np * sizeof(double));
    clnas_chain_genotype ma, mb;
    clnas_error err = {0};
    assert_int_equal(clnas_chain_controller_mode(a, &ma, &err), CLNAS_OK);
    assert_int_equal(clnas_chain_controller_mode(b, &mb, &err), CLNAS_OK);
    assert_true(clnas_chain_genotype_equal(&ma, &mb));
    assert_int_equal(ma.nlayers, 5);
    clnas_chain_controller_free(a);
    clnas_chain_controller_free(b);
    clnas_chain_controller_free(other);
}

/* Bad sizes, genotypes it cannot write, a non-finite advantage: refused with a message. */
static void test_refusals(void **unused)
{
    (void)unused;
    clnas_chain_controller *c = NULL;
    clnas_error err = {0};
    assert_int_equal(clnas_chain_controller_create(0, 4, 1, &c, &err), CLNAS_ERR_INVALID_ARG);
    assert_null(c);
    assert_int_equal(clnas_chain_controller_create(8, 21, 1, &c, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "layers 21"));
    c = controller_ok(8, 4, 1, 1.0);
    clnas_chain_genotype g;
    double lp;
    assert_int_equal(clnas_chain_genotype_parse("conv3x3-16 | conv3x3-16 | conv3x3-16 + cat(1,0)", &g, &err),
                     CLNAS_OK);
    assert_int_equal(clnas_chain_controller_log_prob(c, &g, &lp, NULL, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "increasing order"));
    assert_int_equal(clnas_chain_genotype_parse("conv3x3-16 | conv3x3-16 | conv3x3-16 + cat(0,1)", &g, &err),
                     CLNAS_OK);
    assert_int_equal(clnas_chain_controller_log_prob(c, &g, &lp, NULL, &err), CLNAS_OK);
    g.layer[2].skip[1] = 2; /* invalid: not an earlier output */
    assert_int_equal(clnas_chain_controller_log_prob(c, &g, &lp, NULL, &err), CLNAS_ERR_INVALID_ARG);
    clnas_chain_record rec = {.genotype = g};
    assert_int_equal(clnas_chain_genotype_parse("identity", &rec.genotype, &err), CLNAS_OK);
    assert_int_equal(clnas_chain_controller_update(c, &rec, NAN, 0.1, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_chain_controller_update(c, &rec, 1.0, 0.1, &err), CLNAS_OK);
    clnas_chain_controller_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_valid_and_round_trip),
        cmocka_unit_test(test_probabilities_sum_to_one),
        cmocka_unit_test(test_gradient_matches_finite_differences),
        cmocka_unit_test(test_reinforce_raises_reward),
        cmocka_unit_test(test_deterministic_per_seed),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
