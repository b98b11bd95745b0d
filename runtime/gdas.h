/* clnas — GDAS (Dong & Yang 2019) on NB201's search network: per forward, one op per edge sampled by
 * Gumbel-softmax with a hard one-hot at temperature tau; alpha's gradient flows straight through the soft
 * probability of the sampled op. The loop is DARTS' (darts.h), with these edge weights and this gradient. */
#ifndef CLNAS_GDAS_H
#define CLNAS_GDAS_H

#include "arch_params.h"
#include "clnas/model.h"
#include "clnas/rng.h"

typedef struct clnas_gdas {
    double tau_max, tau_min; /* annealed linearly per epoch (clnas_arch_params_tau) */
    uint64_t seed;           /* Gumbel noise: one stream per epoch, so a resumed epoch samples as uninterrupted */
    double tau;              /* of the current epoch */
    clnas_rng rng;
    int chosen[CLNAS_NB201_EDGES];                        /* the last sample */
    double soft[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];     /* its soft Gumbel-softmax probabilities */
} clnas_gdas;

/* Sets tau for epoch (0-based) of epochs and seeds the epoch's Gumbel stream. */
clnas_status clnas_gdas_epoch_begin(clnas_gdas *g, int epoch, int epochs, clnas_error *err);

/* Samples one op per edge (clnas_arch_params_gumbel_sample at g->tau) and sets the search network's edge weights
 * to the hard one-hot h (value 1 on the sampled op, 0 elsewhere; none sampled leaves all four weights 0, the
 * edge's output zero). */
clnas_status clnas_gdas_sample(clnas_model *model, const clnas_arch_params *alpha, clnas_gdas *g, clnas_error *err);

/* After a backward over the last sample: dalpha = Gumbel backward of dh, where dh[e][k] = <dL/d edge out, o_k(x)>
 * summed over cells for the sampled op k (the edge weight's gradient the backward left) and 0 for every other op
 * (GDAS computes only the sampled op; none's output is zero, so its dh is 0). */
clnas_status clnas_gdas_alpha_gradient(clnas_model *model, const clnas_arch_params *alpha, const clnas_gdas *g,
                                       double *dalpha, clnas_error *err);

#endif
