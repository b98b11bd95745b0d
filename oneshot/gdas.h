/* clnas — GDAS (Dong & Yang 2019) on NB201, on the DARTS cell space and on a chain skeleton: per forward, one op per
 * edge sampled by Gumbel-softmax with a hard one-hot at temperature tau, and only the sampled ops run: the forward
 * is a path of the supernet (its own plan over the supernet's shared weights, net.gdas = 1) in which each computed
 * edge's output is scaled by h = 1; alpha's gradient flows from dL/dh straight through the soft probability of the
 * sampled op. The loop is DARTS' (darts.h), with these paths and this gradient. */
#ifndef CLNAS_GDAS_H
#define CLNAS_GDAS_H

#include "alpha.h"
#include "arch_rule.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "supernet.h"

/* NB201: 6 edges x 5 ops; DARTS' cell space: 28 x 8; a chain skeleton: a row per layer (up to 20) x 9 */
#define CLNAS_GDAS_EDGES_MAX CLNAS_NET_GDAS_DARTS_EDGES
#define CLNAS_GDAS_OPS_MAX CLNAS_ARCH_MAX_OPS

typedef struct clnas_gdas {
    double tau_max, tau_min; /* annealed linearly per epoch (clnas_alpha_tau) */
    uint64_t seed;           /* Gumbel noise: one stream per epoch, so a resumed epoch samples as uninterrupted */
    clnas_supernet *supernet; /* built with net.gdas = 1 (on space darts with darts_search: paths of DARTS' search
                               * network, alpha 28 x 8, normal cells' edges then reduce's; on space chain with
                               * darts_search: paths of the skeleton's search network, alpha a row per layer x 9,
                               * darts_chain.h); its paths are what GDAS trains (not owned) */
    double tau;              /* of the current epoch */
    clnas_rng rng;
    int chosen[CLNAS_GDAS_EDGES_MAX];                     /* the last sample */
    double soft[CLNAS_GDAS_EDGES_MAX * CLNAS_GDAS_OPS_MAX]; /* its soft Gumbel-softmax probabilities (alpha's shape) */
    long train_launches, train_paths; /* launches of the training steps' plans, and how many steps, so far */
} clnas_gdas;

/* Sets tau for epoch (0-based) of epochs and seeds the epoch's Gumbel stream. */
clnas_status clnas_gdas_epoch_begin(clnas_gdas *g, int epoch, int epochs, clnas_error *err);

/* Samples one op per edge (clnas_alpha_gumbel_sample at g->tau) and gives the supernet's path of that cell
 * (from its cache, else compiled): only the sampled ops are in its plan, none and the edges that cannot reach the
 * cell output generate nothing. The sampled edges' dL/dh are zeroed, so an edge the path does not compute (none,
 * unreachable, or fed only zeros) reads 0 after the backward. */
clnas_status clnas_gdas_sample(clnas_gdas *g, const clnas_alpha *alpha, clnas_model **path, clnas_error *err);

/* Zeroes the last sample's dL/dh (the backward adds to them): before each backward over the path. */
clnas_status clnas_gdas_clear_dh(clnas_gdas *g, clnas_error *err);

/* After a backward over the last sample's path: dalpha = Gumbel backward of dh, where dh[e][k] = dL/dh_e (the
 * <dL/d edge out, o_k(x)> summed over cells that the path's backward left) for the sampled op k and 0 for every
 * other op, which GDAS never computes. */
clnas_status clnas_gdas_alpha_gradient(const clnas_gdas *g, const clnas_alpha *alpha, double *dalpha,
                                       clnas_error *err);

#endif
