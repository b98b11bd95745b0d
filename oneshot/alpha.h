/* clnas — architecture weights alpha of differentiable search (DARTS, GDAS): softmax, Adam, Gumbel, derivation. */
#ifndef CLNAS_ALPHA_H
#define CLNAS_ALPHA_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "clnas/rng.h"
#include "clnas/space.h"
#include "clnas/status.h"

/* Room for NB201 (6 edges x 5 ops, shared by every cell as in NB201's DARTS and GDAS code), DARTS' own space
 * (14 edges x 8 ops per cell type: the normal cells' 14 rows, then the reduction cells' 14; darts_space.h) and a
 * chain skeleton (a row per layer, up to 20, over the 9 ops a layer can hold; darts_chain.h). */
#define CLNAS_ARCH_MAX_EDGES 28
#define CLNAS_ARCH_MAX_OPS 9

/* alpha[e][k] is the logit of op k on edge e; Adam's moments and step count travel with it (JSON keeps them, so
 * a resumed search steps alpha exactly as an uninterrupted one). A row may hold only some of the ops (a chain
 * layer holds the ops that keep its output's shape): mask[e] has bit k set for each op edge e holds, 0 meaning
 * every op. An op a row does not hold has probability 0 everywhere (softmax, Gumbel, averages), its logit and
 * moments stay 0, and it is never chosen. */
typedef struct clnas_alpha {
    int edges, ops;
    uint16_t mask[CLNAS_ARCH_MAX_EDGES];
    double alpha[CLNAS_ARCH_MAX_EDGES][CLNAS_ARCH_MAX_OPS];
    double adam_m[CLNAS_ARCH_MAX_EDGES][CLNAS_ARCH_MAX_OPS];
    double adam_v[CLNAS_ARCH_MAX_EDGES][CLNAS_ARCH_MAX_OPS];
    long adam_step; /* Adam steps taken so far */
} clnas_alpha;

/* PyTorch's torch.optim.Adam with L2 weight decay added to the gradient (not AdamW), as DARTS and NB201 use it. */
typedef struct clnas_adam_config {
    double lr, beta1, beta2, eps, weight_decay;
} clnas_adam_config;

/* DARTS' architecture optimizer: lr 3e-4, betas (0.5, 0.999), eps 1e-8, weight decay 1e-3. */
clnas_adam_config clnas_adam_config_darts(void);

/* alpha = 1e-3 * N(0, 1) from a clnas_rng seeded with seed (edge-major draws, as DARTS' 1e-3 * randn); moments
 * and step count 0. edges 1..CLNAS_ARCH_MAX_EDGES, ops 2..CLNAS_ARCH_MAX_OPS. */
clnas_status clnas_alpha_init(clnas_alpha *p, int edges, int ops, uint64_t seed, clnas_error *err);

/* Restricts row e to the ops of mask[e] (bit k: op k; 0: every op), for every row: the logits and moments of the
 * ops a row no longer holds are zeroed. A row must keep at least one op of 0..ops-1. */
clnas_status clnas_alpha_set_mask(clnas_alpha *p, const uint16_t *mask, clnas_error *err);

/* 1 when row e holds op k (mask[e] 0 or bit k set). */
int clnas_alpha_holds(const clnas_alpha *p, int e, int k);

/* probs[e*ops + k] = softmax over k of alpha[e][k] (max-subtracted, so large logits stay finite). */
clnas_status clnas_alpha_softmax(const clnas_alpha *p, double *probs, clnas_error *err);

/* Backward of the per-edge softmax: dalpha[e][k] = probs[e][k] * (dprobs[e][k] - sum_j probs[e][j] dprobs[e][j]).
 * All three arrays are edges*ops, row-major. */
clnas_status clnas_alpha_softmax_backward(const clnas_alpha *p, const double *probs,
                                          const double *dprobs, double *dalpha, clnas_error *err);

/* One Adam step on alpha with gradient grad (edges*ops): g = grad + wd*alpha, m = b1 m + (1-b1) g,
 * v = b2 v + (1-b2) g^2, alpha -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps), t the new step count. */
clnas_status clnas_alpha_adam_step(clnas_alpha *p, const clnas_adam_config *cfg, const double *grad,
                                   clnas_error *err);

/* GDAS sampling, per edge in order: gumbel_k = -log(-log(u_k)) from one clnas_rng_uniform draw u_k per op
 * (a draw of exactly 0 is redrawn, as GDAS redraws infinite Gumbels), soft = softmax((log_softmax(alpha) +
 * gumbel) / tau), chosen[e] = argmax_k soft (first on ties). The hard weights h = one_hot(chosen) carry soft's
 * gradient (straight-through): h has value 1 on the chosen op and 0 elsewhere. soft is edges*ops. */
clnas_status clnas_alpha_gumbel_sample(const clnas_alpha *p, clnas_rng *rng, double tau, int *chosen,
                                       double *soft, clnas_error *err);

/* Backward of GDAS's hard weights: with dh[e][k] = dL/dh_k (for the sampled op the edge's <dL/d out, o_k(x)>;
 * the caller decides the others: the GDAS paper computes only the sampled op, so 0 there),
 * dalpha = softmax_backward(soft, dh) / tau. log_softmax's shift sums to zero over an edge and drops out. */
clnas_status clnas_alpha_gumbel_backward(const clnas_alpha *p, const double *soft, const double *dh,
                                         double tau, double *dalpha, clnas_error *err);

/* GDAS's schedule as in NB201's GDAS search script: linear per epoch,
 * tau = tau_max - (tau_max - tau_min) * epoch / (epochs - 1), so epoch 0 runs at tau_max and the last epoch at
 * tau_min (tau_max for a one-epoch run). epoch 0 .. epochs-1. */
clnas_status clnas_alpha_tau(int epoch, int epochs, double tau_max, double tau_min, double *tau,
                             clnas_error *err);

/* The final NB201 cell: on each edge the op of largest alpha over all five ops, none included (NB201's DARTS
 * genotype() does argmax over every op; DARTS' own space drops none, NB201's code does not). Ties go to the
 * lowest op index (none < skip_connect < nor_conv_1x1 < nor_conv_3x3 < avg_pool_3x3), as torch.argmax picks the
 * first maximum. Needs 6 edges x 5 ops. */
clnas_status clnas_alpha_derive(const clnas_alpha *p, clnas_genotype *out, clnas_error *err);

/* The logits whose softmax is the mean of the n alphas' softmaxes (out->alpha[e][k] = log of the mean probability;
 * moments and step 0): deriving from it is deriving from the architecture weights averaged over n epochs. */
clnas_status clnas_alpha_average(const clnas_alpha *list, int n, clnas_alpha *out, clnas_error *err);

/* clnas_alpha_derive with none counted (without_none 0, NB201's code) or excluded (1, the original DARTS code's
 * rule): then each edge takes its strongest op other than none. */
clnas_status clnas_alpha_derive_rule(const clnas_alpha *p, int without_none, clnas_genotype *out, clnas_error *err);

/* beta-Decay regularisation (Ye et al., beta-DARTS, CVPR 2022): L_beta = mean over edges of logsumexp_k alpha[e][k],
 * added to the validation loss with weight w. Returns L_beta; adds w * dL_beta/dalpha = w * softmax(alpha[e]) / edges
 * to dalpha (edges*ops, row-major) when dalpha is not NULL. */
double clnas_alpha_beta_decay(const clnas_alpha *p, double w, double *dalpha);

/* JSON object {"edges", "ops", "alpha": [[...] per edge], "adam_step", "adam_m", "adam_v"}, and "mask" (a number
 * per edge) when a row holds only some of the ops. The matrices' numbers
 * are raw items holding the shortest text that reads back bit for bit, so any printer (cJSON's, the journal's)
 * writes them exactly. Non-finite values are refused. *out is owned by the caller (cJSON_Delete). */
clnas_status clnas_alpha_to_json(const clnas_alpha *p, cJSON **out, clnas_error *err);
/* The inverse, of the object itself or of its parsed text; errors name the field and the position ("alpha[2][4]") and what was expected. */
clnas_status clnas_alpha_from_json(const cJSON *json, clnas_alpha *p, clnas_error *err);

/* The heat map of softmax(alpha) as SVG: a row per edge (labelled "i->j" for NB201's 6 edges, else "edge e"), a
 * column per op (NB201's names for 5 ops), each cell coloured by its probability with the number printed, the
 * title naming the epoch. Written to a temporary name, then renamed; the numbers beside it as CSV (path with .csv
 * for .svg: epoch, edge, op, alpha, probability). */
clnas_status clnas_alpha_svg_write(const clnas_alpha *p, const char *path, int epoch, const char *title,
                                   clnas_error *err);

#endif
