/* clnas — tests of the architecture parameters: softmax and Gumbel gradients against finite differences, Adam
 * against a hand-computed step, the derivation rule, rows holding some ops only, the JSON round trip and the heat
 * map. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alpha.h"
#include "scratch_dir.h"

/* Chi-square critical value at p = 0.001 with 4 degrees of freedom; the seeds are fixed. */
#define CHI2_P001_DF4 18.467
#define NE CLNAS_NB201_EDGES
#define NO CLNAS_NB201_OPS

static clnas_alpha params_ok(int edges, int ops, uint64_t seed)
{
    clnas_alpha p;
    clnas_error err = {0};
    if (clnas_alpha_init(&p, edges, ops, seed, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return p;
}

/* Alpha spread out so the softmax is far from uniform (the gradients are then not all alike). */
static clnas_alpha params_spread(uint64_t seed)
{
    clnas_alpha p = params_ok(NE, NO, seed);
    clnas_rng rng;
    clnas_rng_seed(&rng, seed + 100);
    for (int e = 0; e < NE; e++)
        for (int k = 0; k < NO; k++)
            p.alpha[e][k] = 2.0 * clnas_rng_normal(&rng);
    return p;
}

static void test_init_is_small_and_seeded(void **unused)
{
    (void)unused;
    clnas_alpha a = params_ok(NE, NO, 7), b = params_ok(NE, NO, 7), c = params_ok(NE, NO, 8);
    assert_memory_equal(a.alpha, b.alpha, sizeof a.alpha);
    assert_memory_not_equal(a.alpha, c.alpha, sizeof a.alpha);
    double sq = 0.0;
    for (int e = 0; e < NE; e++)
        for (int k = 0; k < NO; k++) {
            assert_true(fabs(a.alpha[e][k]) < 5e-3);
            sq += a.alpha[e][k] * a.alpha[e][k];
        }
    double rms = sqrt(sq / (NE * NO));
    assert_true(rms > 3e-4 && rms < 3e-3); /* 1e-3 * N(0, 1) */
    clnas_alpha bad;
    clnas_error err = {0};
    assert_int_equal(clnas_alpha_init(&bad, 0, NO, 1, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_alpha_init(&bad, NE, CLNAS_ARCH_MAX_OPS + 1, 1, &err), CLNAS_ERR_INVALID_ARG);
}

/* The op weights some function makes of alpha q, into w[NE * NO]; tau is the Gumbel temperature where it takes one. */
typedef void (*weights_fn)(const clnas_alpha *q, double tau, double *w);

/* dL/dalpha[e][k] by central differences with step h, for L = sum c * w(alpha). */
static double central_difference(const clnas_alpha *p, int e, int k, double h, const double *c, weights_fn weights,
                                 double tau)
{
    double loss[2];
    for (int s = 0; s < 2; s++) {
        clnas_alpha q = *p;
        q.alpha[e][k] += s ? -h : h;
        double w[NE * NO];
        weights(&q, tau, w);
        loss[s] = 0.0;
        for (int i = 0; i < NE * NO; i++)
            loss[s] += c[i] * w[i];
    }
    return (loss[0] - loss[1]) / (2 * h);
}

static void softmax_weights(const clnas_alpha *q, double tau, double *w)
{
    (void)tau;
    clnas_error err = {0};
    assert_int_equal(clnas_alpha_softmax(q, w, &err), CLNAS_OK);
}

/* The Gumbel soft weights with the noise held fixed (seed 17). */
static void gumbel_weights(const clnas_alpha *q, double tau, double *w)
{
    clnas_error err = {0};
    int ch[NE];
    clnas_rng r2;
    clnas_rng_seed(&r2, 17);
    assert_int_equal(clnas_alpha_gumbel_sample(q, &r2, tau, ch, w, &err), CLNAS_OK);
}

/* L = sum c * softmax(alpha) with random c; dL/dalpha by the backward against central differences. */
static void test_softmax_backward_matches_finite_differences(void **unused)
{
    (void)unused;
    clnas_alpha p = params_spread(3);
    clnas_error err = {0};
    double c[NE * NO], probs[NE * NO], dalpha[NE * NO];
    clnas_rng rng;
    clnas_rng_seed(&rng, 5);
    for (int i = 0; i < NE * NO; i++)
        c[i] = clnas_rng_normal(&rng);
    assert_int_equal(clnas_alpha_softmax(&p, probs, &err), CLNAS_OK);
    for (int e = 0; e < NE; e++) {
        double s = 0.0;
        for (int k = 0; k < NO; k++)
            s += probs[e * NO + k];
        assert_true(fabs(s - 1.0) < 1e-14);
    }
    assert_int_equal(clnas_alpha_softmax_backward(&p, probs, c, dalpha, &err), CLNAS_OK);
    const double h = 1e-6;
    for (int e = 0; e < NE; e++)
        for (int k = 0; k < NO; k++) {
            const double fd = central_difference(&p, e, k, h, c, softmax_weights, 0.0);
            if (fabs(fd - dalpha[e * NO + k]) > 1e-8)
                fail_msg("dalpha[%d][%d] = %.12g, finite difference %.12g", e, k, dalpha[e * NO + k], fd);
        }
}

/* With the Gumbel noise held fixed (the same seed), L = sum c * soft is smooth in alpha: the backward at tau
 * against central differences, at two temperatures. */
static void test_gumbel_backward_matches_finite_differences(void **unused)
{
    (void)unused;
    clnas_alpha p = params_spread(11);
    clnas_error err = {0};
    const double taus[] = {10.0, 0.7};
    for (int t = 0; t < 2; t++) {
        const double tau = taus[t];
        double c[NE * NO], soft[NE * NO], dalpha[NE * NO];
        int chosen[NE];
        clnas_rng rng;
        clnas_rng_seed(&rng, 13);
        for (int i = 0; i < NE * NO; i++)
            c[i] = clnas_rng_normal(&rng);
        clnas_rng_seed(&rng, 17);
        assert_int_equal(clnas_alpha_gumbel_sample(&p, &rng, tau, chosen, soft, &err), CLNAS_OK);
        for (int e = 0; e < NE; e++)
            for (int k = 0; k < NO; k++)
                assert_true(soft[e * NO + k] <= soft[e * NO + chosen[e]]);
        assert_int_equal(clnas_alpha_gumbel_backward(&p, soft, c, tau, dalpha, &err), CLNAS_OK);
        const double h = 1e-6;
        for (int e = 0; e < NE; e++)
            for (int k = 0; k < NO; k++) {
                const double fd = central_difference(&p, e, k, h, c, gumbel_weights, tau);
                if (fabs(fd - dalpha[e * NO + k]) > 1e-7 * fmax(1.0, fabs(fd)))
                    fail_msg("tau %g: dalpha[%d][%d] = %.12g, finite difference %.12g", tau, e, k,
                             dalpha[e * NO + k], fd);
            }
    }
    double soft[NE * NO], dalpha[NE * NO];
    int chosen[NE];
    clnas_rng rng;
    clnas_rng_seed(&rng, 1);
    assert_int_equal(clnas_alpha_gumbel_sample(&p, &rng, 0.0, chosen, soft, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_alpha_gumbel_backward(&p, soft, soft, -1.0, dalpha, &err), CLNAS_ERR_INVALID_ARG);
}

/* The Gumbel-max trick: the hard choice follows softmax(alpha) whatever the temperature (chi-square, 10,000 draws
 * per temperature on edge 2). */
static void test_gumbel_choice_follows_softmax(void **unused)
{
    (void)unused;
    clnas_alpha p = params_ok(NE, NO, 1);
    const double logits[NO] = {-1.0, 0.5, 0.0, 1.2, -0.3};
    memcpy(p.alpha[2], logits, sizeof logits);
    clnas_error err = {0};
    double probs[NE * NO];
    assert_int_equal(clnas_alpha_softmax(&p, probs, &err), CLNAS_OK);
    const double taus[] = {10.0, 0.1};
    for (int t = 0; t < 2; t++) {
        clnas_rng rng;
        clnas_rng_seed(&rng, 21 + t);
        int counts[NO] = {0};
        const int draws = 10000;
        for (int i = 0; i < draws; i++) {
            double soft[NE * NO];
            int chosen[NE];
            assert_int_equal(clnas_alpha_gumbel_sample(&p, &rng, taus[t], chosen, soft, &err), CLNAS_OK);
            counts[chosen[2]]++;
        }
        double chi2 = 0.0;
        for (int k = 0; k < NO; k++) {
            const double expect = draws * probs[2 * NO + k];
            chi2 += (counts[k] - expect) * (counts[k] - expect) / expect;
        }
        if (chi2 > CHI2_P001_DF4)
            fail_msg("tau %g: chi-square %.2f over %d draws", taus[t], chi2, draws);
    }
}

static void test_tau_schedule_is_linear_per_epoch(void **unused)
{
    (void)unused;
    clnas_error err = {0};
    double tau;
    assert_int_equal(clnas_alpha_tau(0, 5, 10.0, 0.1, &tau, &err), CLNAS_OK);
    assert_true(tau == 10.0);
    assert_int_equal(clnas_alpha_tau(4, 5, 10.0, 0.1, &tau, &err), CLNAS_OK);
    assert_true(fabs(tau - 0.1) < 1e-15);
    assert_int_equal(clnas_alpha_tau(1, 5, 10.0, 0.1, &tau, &err), CLNAS_OK);
    assert_true(fabs(tau - 7.525) < 1e-12);
    assert_int_equal(clnas_alpha_tau(0, 1, 10.0, 0.1, &tau, &err), CLNAS_OK);
    assert_true(tau == 10.0);
    assert_int_equal(clnas_alpha_tau(5, 5, 10.0, 0.1, &tau, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_alpha_tau(0, 5, 0.1, 10.0, &tau, &err), CLNAS_ERR_INVALID_ARG);
}

/* One alpha of 0.2, gradients 0.5 then -1.0, DARTS' Adam (lr 3e-4, betas 0.5/0.999, eps 1e-8, wd 1e-3):
 * step 1: g = 0.5 + 1e-3*0.2 = 0.5002, m = 0.2501, v = 0.001*0.5002^2 = 2.5020004e-4,
 *         alpha = 0.2 - 3e-4 * (0.2501/0.5) / (sqrt(2.5020004e-4/0.001) + 1e-8) = 0.1997000000059976
 * step 2: g = -1 + 1e-3*alpha = -0.99980029999999, m = 0.5*0.2501 + 0.5*g = -0.37485015,
 *         v = 0.999*2.5020004e-4 + 0.001*g^2 = 1.24955048e-3,
 *         alpha -= 3e-4 * (m/0.75) / (sqrt(v/0.001999) + 1e-8)  ->  0.19988964752652147 */
static void test_adam_matches_hand_computed_steps(void **unused)
{
    (void)unused;
    clnas_alpha p = params_ok(1, 2, 1);
    p.alpha[0][0] = 0.2;
    p.alpha[0][1] = -0.4;
    const clnas_adam_config cfg = clnas_adam_config_darts();
    assert_true(cfg.lr == 3e-4 && cfg.beta1 == 0.5 && cfg.beta2 == 0.999 && cfg.weight_decay == 1e-3);
    clnas_error err = {0};
    const double g1[2] = {0.5, 0.0}, g2[2] = {-1.0, 0.0};
    assert_int_equal(clnas_alpha_adam_step(&p, &cfg, g1, &err), CLNAS_OK);
    assert_true(fabs(p.alpha[0][0] - 0.1997000000059976) < 1e-15);
    assert_true(fabs(p.adam_m[0][0] - 0.2501) < 1e-15);
    assert_true(fabs(p.adam_v[0][0] - 2.5020004e-4) < 1e-17);
    assert_int_equal(clnas_alpha_adam_step(&p, &cfg, g2, &err), CLNAS_OK);
    assert_true(fabs(p.alpha[0][0] - 0.19988964752652147) < 1e-15);
    assert_true(fabs(p.adam_m[0][0] - (-0.374850149999997)) < 1e-15);
    assert_true(fabs(p.adam_v[0][0] - 0.001249550479840079) < 1e-17);
    assert_int_equal(p.adam_step, 2);
    /* A zero gradient still moves alpha by weight decay alone: toward 0. */
    assert_true(p.alpha[0][1] > -0.4 && p.alpha[0][1] < -0.4 + 2 * 3e-4 + 1e-12);
    const double bad[2] = {NAN, 0.0};
    assert_int_equal(clnas_alpha_adam_step(&p, &cfg, bad, &err), CLNAS_ERR_DIVERGED);
    assert_non_null(strstr(err.message, "alpha[0][0]"));
    clnas_adam_config wrong = cfg;
    wrong.beta2 = 1.0;
    assert_int_equal(clnas_alpha_adam_step(&p, &wrong, g1, &err), CLNAS_ERR_INVALID_ARG);
}

static clnas_genotype derive_ok(const clnas_alpha *p)
{
    clnas_genotype g;
    clnas_error err = {0};
    if (clnas_alpha_derive(p, &g, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return g;
}

/* Strongest op per edge over all five ops, none included; ties to the lowest op index. */
static void test_derive_takes_strongest_op_none_included(void **unused)
{
    (void)unused;
    clnas_alpha p = params_ok(NE, NO, 1);
    const double alpha[NE][NO] = {
        {0.0, 0.1, 0.2, 0.9, 0.3},  /* nor_conv_3x3 */
        {0.5, 0.1, 0.2, 0.3, 0.4},  /* none wins: kept, as NB201's DARTS genotype() does */
        {0.0, 0.7, 0.7, 0.1, 0.0},  /* tie skip / conv1x1: the lower index, skip_connect */
        {0.0, 0.0, 0.0, 0.0, 0.0},  /* all equal: none */
        {-3., -2., -1., -0.5, -0.6}, /* nor_conv_3x3 */
        {0.0, 0.1, 0.2, 0.3, 0.31}, /* avg_pool_3x3 */
    };
    for (int e = 0; e < NE; e++)
        for (int k = 0; k < NO; k++)
            p.alpha[e][k] = alpha[e][k];
    clnas_genotype g = derive_ok(&p);
    const uint8_t want[NE] = {CLNAS_OP_NOR_CONV_3X3, CLNAS_OP_NONE, CLNAS_OP_SKIP_CONNECT,
                              CLNAS_OP_NONE, CLNAS_OP_NOR_CONV_3X3, CLNAS_OP_AVG_POOL_3X3};
    assert_memory_equal(g.ops, want, sizeof want);
    char s[CLNAS_GENOTYPE_STR_MAX];
    clnas_error err = {0};
    assert_int_equal(clnas_genotype_format(&g, s, sizeof s, &err), CLNAS_OK);
    assert_string_equal(s, "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|");
    clnas_alpha small = params_ok(NE, 4, 1);
    clnas_genotype out;
    assert_int_equal(clnas_alpha_derive(&small, &out, &err), CLNAS_ERR_INVALID_ARG);
}

/* Without none (DARTS' rule) the same alphas give each edge its strongest op other than none. */
static void test_derive_without_none(void **unused)
{
    (void)unused;
    clnas_alpha p = params_ok(NE, NO, 1);
    const double alpha[NE][NO] = {
        {0.0, 0.1, 0.2, 0.9, 0.3},  /* nor_conv_3x3 either way */
        {0.5, 0.1, 0.2, 0.3, 0.4},  /* none strongest: avg_pool_3x3 next */
        {0.9, 0.7, 0.7, 0.1, 0.0},  /* none strongest, then a tie skip / conv1x1: skip_connect */
        {0.0, 0.0, 0.0, 0.0, 0.0},  /* all equal: skip_connect, the lowest index after none */
        {9.0, -2., -1., -0.5, -0.6}, /* nor_conv_3x3 */
        {0.0, 0.1, 0.2, 0.3, 0.31}, /* avg_pool_3x3 */
    };
    for (int e = 0; e < NE; e++)
        for (int k = 0; k < NO; k++)
            p.alpha[e][k] = alpha[e][k];
    clnas_genotype with, without;
    clnas_error err = {0};
    assert_int_equal(clnas_alpha_derive_rule(&p, 0, &with, &err), CLNAS_OK);
    assert_int_equal(clnas_alpha_derive_rule(&p, 1, &without, &err), CLNAS_OK);
    const uint8_t want_with[NE] = {CLNAS_OP_NOR_CONV_3X3, CLNAS_OP_NONE, CLNAS_OP_NONE,
                                   CLNAS_OP_NONE, CLNAS_OP_NONE, CLNAS_OP_AVG_POOL_3X3};
    const uint8_t want_without[NE] = {CLNAS_OP_NOR_CONV_3X3, CLNAS_OP_AVG_POOL_3X3, CLNAS_OP_SKIP_CONNECT,
                                      CLNAS_OP_SKIP_CONNECT, CLNAS_OP_NOR_CONV_3X3, CLNAS_OP_AVG_POOL_3X3};
    assert_memory_equal(with.ops, want_with, sizeof want_with);
    assert_memory_equal(without.ops, want_without, sizeof want_without);
    clnas_genotype plain = derive_ok(&p);
    assert_memory_equal(plain.ops, want_with, sizeof want_with);
}

/* beta-Decay: L = mean over edges of logsumexp(alpha[e]); its gradient against central differences, scaled by w
 * and added to what dalpha held; the value against the plain formula, and shift invariance of the gradient. */
/* The average's softmax is the mean of the softmaxes; it can derive another op than either alpha alone (one edge
 * strongly one op, the other mildly another); alphas of other sizes are refused. */
static void test_average_is_mean_softmax(void **unused)
{
    (void)unused;
    clnas_alpha a[3], avg;
    clnas_error err;
    for (int i = 0; i < 3; i++)
        assert_int_equal(clnas_alpha_init(&a[i], CLNAS_NB201_EDGES, CLNAS_NB201_OPS, 10 + (uint64_t)i, &err),
                         CLNAS_OK);
    a[0].alpha[0][2] = 3.0; /* edge 0: op 2 strongly, then op 3 mildly twice: the mean favours op 2 */
    a[1].alpha[0][3] = 0.5;
    a[2].alpha[0][3] = 0.5;
    assert_int_equal(clnas_alpha_average(a, 3, &avg, &err), CLNAS_OK);
    double p[3][CLNAS_NB201_EDGES * CLNAS_NB201_OPS], q[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];
    for (int i = 0; i < 3; i++)
        assert_int_equal(clnas_alpha_softmax(&a[i], p[i], &err), CLNAS_OK);
    assert_int_equal(clnas_alpha_softmax(&avg, q, &err), CLNAS_OK);
    for (int j = 0; j < CLNAS_NB201_EDGES * CLNAS_NB201_OPS; j++)
        assert_true(fabs(q[j] - (p[0][j] + p[1][j] + p[2][j]) / 3) < 1e-12);
    clnas_genotype last, mean;
    assert_int_equal(clnas_alpha_derive(&a[2], &last, &err), CLNAS_OK);
    assert_int_equal(clnas_alpha_derive(&avg, &mean, &err), CLNAS_OK);
    assert_int_equal(last.ops[0], 3);
    assert_int_equal(mean.ops[0], 2);
    assert_int_equal(clnas_alpha_average(a, 1, &avg, &err), CLNAS_OK); /* one alpha: its own cell */
    assert_int_equal(clnas_alpha_derive(&avg, &mean, &err), CLNAS_OK);
    clnas_genotype own;
    assert_int_equal(clnas_alpha_derive(&a[0], &own, &err), CLNAS_OK);
    assert_memory_equal(own.ops, mean.ops, sizeof own.ops);
    a[1].ops = 4;
    assert_int_equal(clnas_alpha_average(a, 2, &avg, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_alpha_average(a, 0, &avg, &err), CLNAS_ERR_INVALID_ARG);
}

static void test_beta_decay_matches_finite_differences(void **unused)
{
    (void)unused;
    const int shapes[][2] = {{NE, NO}, {28, 8}, {3, 2}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        clnas_alpha p = params_ok(shapes[s][0], shapes[s][1], 11 + s);
        clnas_rng rng;
        clnas_rng_seed(&rng, 21 + s);
        for (int e = 0; e < p.edges; e++)
            for (int k = 0; k < p.ops; k++)
                p.alpha[e][k] = 3.0 * clnas_rng_normal(&rng) + (k == 0 ? 40.0 : 0.0); /* large logits stay finite */
        double plain = 0.0;
        for (int e = 0; e < p.edges; e++) {
            double sum = 0.0;
            for (int k = 0; k < p.ops; k++)
                sum += exp(p.alpha[e][k] - 40.0);
            plain += 40.0 + log(sum);
        }
        plain /= p.edges;
        double d[CLNAS_ARCH_MAX_EDGES * CLNAS_ARCH_MAX_OPS];
        for (int i = 0; i < p.edges * p.ops; i++)
            d[i] = 0.25;
        const double w = 0.7, value = clnas_alpha_beta_decay(&p, w, d);
        assert_true(fabs(value - plain) < 1e-12 * fabs(plain));
        const double h = 1e-5;
        for (int e = 0; e < p.edges; e++)
            for (int k = 0; k < p.ops; k++) {
                clnas_alpha q = p;
                q.alpha[e][k] += h;
                const double up = clnas_alpha_beta_decay(&q, 0.0, NULL);
                q.alpha[e][k] -= 2 * h;
                const double down = clnas_alpha_beta_decay(&q, 0.0, NULL);
                const double fd = w * (up - down) / (2 * h) + 0.25;
                if (fabs(fd - d[e * p.ops + k]) > 1e-8)
                    fail_msg("%dx%d: d[%d][%d] = %.12g, finite difference %.12g", p.edges, p.ops, e, k,
                             d[e * p.ops + k], fd);
            }
        /* per edge the gradient sums to w / edges (softmax sums to 1) */
        for (int e = 0; e < p.edges; e++) {
            double sum = 0.0;
            for (int k = 0; k < p.ops; k++)
                sum += d[e * p.ops + k] - 0.25;
            assert_true(fabs(sum - w / p.edges) < 1e-12);
        }
    }
}

/* A row holding only some ops (a chain layer): those ops alone share the softmax, the Gumbel sample, beta-decay and
 * the average; the others keep logit and moments 0 through Adam; the mask survives JSON; an empty row is refused. */
static void test_mask_rows_hold_some_ops(void **unused)
{
    (void)unused;
    clnas_alpha p = params_ok(3, 9, 31);
    clnas_error err = {0};
    const uint16_t mask[3] = {0x3f, 0x1ff, 0x0c1}; /* ops 0-5; all 9 (stored as 0); ops 0, 6, 7 */
    assert_int_equal(clnas_alpha_set_mask(&p, mask, &err), CLNAS_OK);
    assert_int_equal(p.mask[1], 0);
    assert_true(clnas_alpha_holds(&p, 0, 5) && !clnas_alpha_holds(&p, 0, 6) && clnas_alpha_holds(&p, 1, 8));
    assert_true(p.alpha[0][8] == 0.0 && p.alpha[2][1] == 0.0);
    clnas_rng rng;
    clnas_rng_seed(&rng, 5);
    for (int e = 0; e < 3; e++)
        for (int k = 0; k < 9; k++)
            if (clnas_alpha_holds(&p, e, k))
                p.alpha[e][k] = clnas_rng_normal(&rng);
    double probs[3 * 9];
    assert_int_equal(clnas_alpha_softmax(&p, probs, &err), CLNAS_OK);
    for (int e = 0; e < 3; e++) {
        double sum = 0.0, held = 0.0;
        for (int k = 0; k < 9; k++) {
            sum += probs[e * 9 + k];
            if (clnas_alpha_holds(&p, e, k))
                held += exp(p.alpha[e][k]);
            else
                assert_true(probs[e * 9 + k] == 0.0);
        }
        assert_true(fabs(sum - 1.0) < 1e-12);
        for (int k = 0; k < 9; k++)
            if (clnas_alpha_holds(&p, e, k))
                assert_true(fabs(probs[e * 9 + k] - exp(p.alpha[e][k]) / held) < 1e-12);
    }
    /* Adam with a gradient on every op, weight decay on: the ops a row does not hold stay 0 */
    double grad[3 * 9];
    for (int i = 0; i < 27; i++)
        grad[i] = 0.1 * (i % 5) - 0.2;
    const clnas_adam_config cfg = clnas_adam_config_darts();
    for (int s = 0; s < 3; s++)
        assert_int_equal(clnas_alpha_adam_step(&p, &cfg, grad, &err), CLNAS_OK);
    assert_true(p.alpha[0][7] == 0.0 && p.adam_m[0][7] == 0.0 && p.adam_v[2][3] == 0.0);
    assert_true(p.alpha[0][0] != 0.0 && p.alpha[1][8] != 0.0);
    /* Gumbel: never an op the row does not hold, whatever the noise */
    int chosen[3], seen[3][9] = {{0}};
    double soft[3 * 9];
    for (int s = 0; s < 2000; s++) {
        assert_int_equal(clnas_alpha_gumbel_sample(&p, &rng, 5.0, chosen, soft, &err), CLNAS_OK);
        for (int e = 0; e < 3; e++) {
            assert_true(clnas_alpha_holds(&p, e, chosen[e]));
            seen[e][chosen[e]]++;
            for (int k = 0; k < 9; k++)
                if (!clnas_alpha_holds(&p, e, k))
                    assert_true(soft[e * 9 + k] == 0.0);
        }
    }
    for (int e = 0; e < 3; e++) /* at tau 5 every held op is drawn */
        for (int k = 0; k < 9; k++)
            assert_true(clnas_alpha_holds(&p, e, k) == (seen[e][k] > 0));
    /* beta-decay: logsumexp over the held ops */
    const double value = clnas_alpha_beta_decay(&p, 0.0, NULL);
    double plain = 0.0;
    for (int e = 0; e < 3; e++) {
        double sum = 0.0;
        for (int k = 0; k < 9; k++)
            sum += clnas_alpha_holds(&p, e, k) ? exp(p.alpha[e][k]) : 0.0;
        plain += log(sum) / 3;
    }
    assert_true(fabs(value - plain) < 1e-12);
    /* the average keeps the mask and gives 0 to the others */
    clnas_alpha two[2] = {p, p}, avg;
    two[1].alpha[2][6] += 1.0;
    assert_int_equal(clnas_alpha_average(two, 2, &avg, &err), CLNAS_OK);
    assert_memory_equal(avg.mask, p.mask, sizeof p.mask);
    double pa[27], pb[27], pm[27];
    assert_int_equal(clnas_alpha_softmax(&two[0], pa, &err), CLNAS_OK);
    assert_int_equal(clnas_alpha_softmax(&two[1], pb, &err), CLNAS_OK);
    assert_int_equal(clnas_alpha_softmax(&avg, pm, &err), CLNAS_OK);
    for (int i = 0; i < 27; i++)
        assert_true(fabs(pm[i] - 0.5 * (pa[i] + pb[i])) < 1e-12);
    two[1].mask[0] = 0x1f;
    assert_int_equal(clnas_alpha_average(two, 2, &avg, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "with other ops per row"));
    /* JSON: the mask travels, and a bad one is refused naming it */
    cJSON *json = NULL;
    clnas_alpha q;
    assert_int_equal(clnas_alpha_to_json(&p, &json, &err), CLNAS_OK);
    assert_int_equal(clnas_alpha_from_json(json, &q, &err), CLNAS_OK);
    assert_memory_equal(q.mask, p.mask, sizeof p.mask);
    assert_memory_equal(q.alpha, p.alpha, sizeof p.alpha);
    cJSON_ReplaceItemInArray(cJSON_GetObjectItemCaseSensitive(json, "mask"), 2, cJSON_CreateNumber(600));
    assert_int_equal(clnas_alpha_from_json(json, &q, &err), CLNAS_ERR_FORMAT);
    assert_non_null(strstr(err.message, "mask[2] must be a whole number in 0..511"));
    cJSON_Delete(json);
    /* an unmasked alpha writes no mask */
    clnas_alpha plain_alpha = params_ok(NE, NO, 3);
    assert_int_equal(clnas_alpha_to_json(&plain_alpha, &json, &err), CLNAS_OK);
    assert_null(cJSON_GetObjectItemCaseSensitive(json, "mask"));
    cJSON_Delete(json);
    const uint16_t empty[3] = {0x3f, 0x200, 0};
    assert_int_equal(clnas_alpha_set_mask(&p, empty, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "row 1 holds none of ops 0..8"));
}

static void test_json_round_trip_is_exact(void **unused)
{
    (void)unused;
    clnas_alpha p = params_spread(23), q;
    const clnas_adam_config cfg = clnas_adam_config_darts();
    clnas_error err = {0};
    double grad[NE * NO];
    for (int i = 0; i < NE * NO; i++)
        grad[i] = sin(i * 0.37) / 3.0;
    for (int s = 0; s < 3; s++)
        assert_int_equal(clnas_alpha_adam_step(&p, &cfg, grad, &err), CLNAS_OK);
    cJSON *json = NULL;
    assert_int_equal(clnas_alpha_to_json(&p, &json, &err), CLNAS_OK);
    assert_int_equal(clnas_alpha_from_json(json, &q, &err), CLNAS_OK);
    assert_memory_equal(q.alpha, p.alpha, sizeof p.alpha);
    char *text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    assert_non_null(text);
    cJSON *back = cJSON_Parse(text);
    free(text);
    assert_non_null(back);
    assert_int_equal(clnas_alpha_from_json(back, &q, &err), CLNAS_OK);
    assert_int_equal(q.edges, NE);
    assert_int_equal(q.ops, NO);
    assert_int_equal(q.adam_step, 3);
    assert_memory_equal(q.alpha, p.alpha, sizeof p.alpha);
    assert_memory_equal(q.adam_m, p.adam_m, sizeof p.adam_m);
    assert_memory_equal(q.adam_v, p.adam_v, sizeof p.adam_v);
    /* A resumed run steps exactly as the original. */
    assert_int_equal(clnas_alpha_adam_step(&p, &cfg, grad, &err), CLNAS_OK);
    assert_int_equal(clnas_alpha_adam_step(&q, &cfg, grad, &err), CLNAS_OK);
    assert_memory_equal(q.alpha, p.alpha, sizeof p.alpha);

    /* Errors name the field and position. */
    cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(back, "alpha"), 2);
    cJSON_ReplaceItemInArray(row, 4, cJSON_CreateString("x"));
    assert_int_equal(clnas_alpha_from_json(back, &q, &err), CLNAS_ERR_FORMAT);
    assert_non_null(strstr(err.message, "alpha[2][4]"));
    cJSON_DeleteItemFromArray(cJSON_GetObjectItem(back, "adam_m"), 0);
    cJSON_ReplaceItemInArray(row, 4, cJSON_CreateNumber(0.5));
    assert_int_equal(clnas_alpha_from_json(back, &q, &err), CLNAS_ERR_FORMAT);
    assert_non_null(strstr(err.message, "adam_m"));
    cJSON_DeleteItemFromObject(back, "ops");
    assert_int_equal(clnas_alpha_from_json(back, &q, &err), CLNAS_ERR_FORMAT);
    assert_non_null(strstr(err.message, "\"ops\""));
    cJSON_Delete(back);
}

/* Every tag is closed in order (a small XML well-formedness check: elements nest, self-closing tags close). */
static int svg_well_formed(const char *s)
{
    char stack[64][16];
    int depth = 0, elements = 0;
    for (const char *c = strchr(s, '<'); c; c = strchr(c + 1, '<')) {
        const char *end = strchr(c, '>');
        if (!end)
            return 0;
        int closing = c[1] == '/', self = end[-1] == '/';
        char name[16] = {0};
        const char *n = c + 1 + closing;
        for (int i = 0; i < 15 && (n[i] >= 'a' && n[i] <= 'z'); i++)
            name[i] = n[i];
        if (!name[0])
            return 0;
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name) != 0)
                return 0;
            depth--;
        } else if (!self) {
            if (depth == 64)
                return 0;
            strcpy(stack[depth++], name);
        }
        elements++;
        for (const char *t = end + 1; *t && *t != '<'; t++)
            if (*t == '>' || (*t == '&' && strncmp(t, "&lt;", 4) && strncmp(t, "&gt;", 4) && strncmp(t, "&amp;", 5)))
                return 0;
    }
    return depth == 0 && elements > 0;
}

static void test_heat_map_svg_is_written_and_well_formed(void **state)
{
    const char *dir = *state;
    clnas_alpha p = params_spread(29);
    char path[1024];
    scratch_dir_path(path, sizeof path, dir, "alpha_epoch_3.svg");
    clnas_error err = {0};
    assert_int_equal(clnas_alpha_svg_write(&p, path, 3, "darts <seed 1> & co", &err), CLNAS_OK);
    char *svg = test_read_file(path, NULL);
    assert_non_null(svg);
    assert_true(svg_well_formed(svg));
    assert_non_null(strstr(svg, "epoch 3"));
    assert_non_null(strstr(svg, "darts &lt;seed 1&gt; &amp; co"));
    assert_non_null(strstr(svg, "nor_conv_3x3"));
    assert_non_null(strstr(svg, "2-&gt;3"));
    /* The background and one cell per (edge, op), each with its probability printed. */
    int rects = 0;
    for (const char *c = svg; (c = strstr(c, "<rect")); c++)
        rects++;
    assert_int_equal(rects, 1 + NE * NO);
    double probs[NE * NO];
    assert_int_equal(clnas_alpha_softmax(&p, probs, &err), CLNAS_OK);
    char number[32];
    snprintf(number, sizeof number, ">%.3f<", probs[NE * NO - 1]);
    assert_non_null(strstr(svg, number));
    free(svg);
    /* a 6-layer chain skeleton's alpha (6 rows like NB201's, of 9 ops): rows named by layer, the ops a layer does
     * not hold greyed out with no number */
    clnas_alpha c = params_ok(6, 9, 30);
    const uint16_t mask[6] = {0x3f, 0, 0, 0x3f, 0, 0};
    assert_int_equal(clnas_alpha_set_mask(&c, mask, &err), CLNAS_OK);
    scratch_dir_path(path, sizeof path, dir, "alpha_chain.svg");
    assert_int_equal(clnas_alpha_svg_write(&c, path, 0, NULL, &err), CLNAS_OK);
    svg = test_read_file(path, NULL);
    assert_non_null(svg);
    assert_true(svg_well_formed(svg));
    assert_non_null(strstr(svg, "softmax(alpha) per layer"));
    assert_non_null(strstr(svg, ">layer 6<"));
    assert_non_null(strstr(svg, ">sepconv5x5<"));
    assert_null(strstr(svg, "-&gt;"));
    int grey = 0;
    for (const char *g = svg; (g = strstr(g, "fill=\"#ddd\"")); g++)
        grey++;
    assert_int_equal(grey, 2 * 3); /* layers 1 and 4: no pool, no identity */
    free(svg);
    scratch_dir_path(path, sizeof path, dir, "missing/dir/alpha.svg");
    assert_int_equal(clnas_alpha_svg_write(&p, path, 0, NULL, &err), CLNAS_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_is_small_and_seeded),
        cmocka_unit_test(test_softmax_backward_matches_finite_differences),
        cmocka_unit_test(test_gumbel_backward_matches_finite_differences),
        cmocka_unit_test(test_gumbel_choice_follows_softmax),
        cmocka_unit_test(test_tau_schedule_is_linear_per_epoch),
        cmocka_unit_test(test_adam_matches_hand_computed_steps),
        cmocka_unit_test(test_derive_takes_strongest_op_none_included),
        cmocka_unit_test(test_derive_without_none),
        cmocka_unit_test(test_average_is_mean_softmax),
        cmocka_unit_test(test_beta_decay_matches_finite_differences),
        cmocka_unit_test(test_json_round_trip_is_exact),
        cmocka_unit_test(test_mask_rows_hold_some_ops),
        scratch_dir_unit_test(test_heat_map_svg_is_written_and_well_formed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
