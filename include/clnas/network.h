/* clnas — a network to compile: its space and genotype, macro skeleton sizes, batch and element type. */
#ifndef CLNAS_NETWORK_H
#define CLNAS_NETWORK_H

#include "clnas/darts_genotype.h"
#include "clnas/chain_genotype.h"
#include "clnas/space.h"
#include "clnas/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The search space a network comes from: which builder turns the config into a graph. */
typedef enum clnas_net_space {
    CLNAS_NET_NB201 = 0, /* genotype, channels, cells: NAS-Bench-201's macro skeleton (the default) */
    CLNAS_NET_DARTS = 1, /* darts_genotype, channels, layers: DARTS' NetworkCIFAR (codegen/build_darts.c) */
    CLNAS_NET_CHAIN = 2  /* chain_genotype, channels (the stem's width): codegen/build_chain.c */
} clnas_net_space;

#define CLNAS_NET_GDAS_DARTS_EDGES 28 /* the DARTS search network's 14 edges per cell type, normal then reduce */

/* clnas_net_config.recompute: recompute convolution outputs only where the network would not fit without. */
#define CLNAS_RECOMPUTE_AUTO (-1)
/* clnas_net_config.memory_budget is below this many bytes (an exabyte: a budget past it is a mistyped number). */
#define CLNAS_MEMORY_BUDGET_MAX 1e18

typedef struct clnas_net_config {
    clnas_genotype genotype;
    int channels;       /* C: channels of the first stage (16 for full size) */
    int cells;          /* N: cells per stage (5 for full size) */
    int in_channels;    /* 1 for Fashion-MNIST, 3 for CIFAR-10 */
    int height, width;  /* must be divisible by 4 */
    int classes;
    int batch;
    int fp64;           /* element type: 0 float32 (training), 1 float64 (gradient checks) */
    int want_input_grad; /* also compute the gradient w.r.t. the input batch */
    int recompute;      /* 1: the backward pass recomputes each convolution's output that BatchNorm's backward reads,
                         * and each BatchNorm output it reads (a cell's node: from the statistics the forward saved),
                         * instead of keeping them from the forward pass: the activation arena shrinks by about 85%
                         * (C=16 N=5 batch 256: 930 to 147 MiB) for one more forward convolution per conv edge;
                         * 0: never; CLNAS_RECOMPUTE_AUTO (the default): the fewest, cheapest to recompute first
                         * (the BatchNorm outputs, a pass over memory each; then the convolutions of fewest
                         * multiply-adds per output element: the early stages' first), that make the network fit
                         * memory_budget and, compiled on a device, the device's memory; none where it fits as it is
                         * (supernet paths and the DARTS search network, admitted as a whole, keep them). Either way
                         * the results are the same: a tensor recomputed holds the same values. In a compiled plan's
                         * config: 1 where any is recomputed, else 0. */
    double memory_budget; /* bytes of device memory the network's buffers may take at most (0, the default: no
                           * budget but the device's); CLNAS_RECOMPUTE_AUTO recomputes to fit it, and a network that
                           * cannot fit it is refused */
    int concat_copies;  /* 1: every channel concatenation copies its inputs into its output, as before concat slices;
                         * 0 (the default): an input whose kernels all address a channel slice is computed straight
                         * into its channels of the output (the forward copy goes; codegen/concat_slices.h) */
    double bn_eps, bn_momentum;
    double sgd_momentum, weight_decay;
    int nesterov;
    int darts;          /* 1: DARTS search network: every cell edge is the weighted sum of all five ops, weights in
                         * darts.edges.J_I.weight (STATE, set per step), their gradient in darts.edges.J_I.weight_grad;
                         * cell BatchNorms without affine parameters (gamma 1, beta 0 held as STATE); genotype ignored */
    int gdas;           /* 1: a GDAS path: the genotype's cells with cell BatchNorms as DARTS', each computed edge's
                         * output scaled by its h (1 value, gdas.edges.J_I.h, STATE) with dL/dh in
                         * gdas.edges.J_I.h_grad, so alpha gets GDAS' gradient through the sampled op only */
    clnas_net_space space;  /* CLNAS_NET_NB201 (0, the default), CLNAS_NET_DARTS or CLNAS_NET_CHAIN */
    clnas_darts_genotype darts_genotype;  /* DARTS: the network's genotype */
    int layers;             /* DARTS: cells in all (reductions at layers/3 and 2*layers/3); `cells` is NB201's */
    int auxiliary;          /* DARTS: the auxiliary head on cell 2*layers/3 in training (8-10 px maps there, i.e.
                             * 32-40 px images); the training loss is loss + auxiliary_weight * the head's loss */
    double auxiliary_weight; /* DARTS: the auxiliary loss's weight, > 0 (0.4 by default, as DARTS' train.py);
                              * read only with auxiliary */
    double drop_path;       /* DARTS: drop-path probability of the training step (0: off) */
    double grad_clip;       /* the update clips the gradients' global L2 norm at this value first (0: no clipping) */
    clnas_chain_genotype chain_genotype; /* chain: the network's genotype */
    int no_batchnorm;   /* NB201 only: 1 builds every BatchNorm as the identity (no node, no parameters): the
                         * network synflow scores (search/zero_cost.h; Abdelfattah et al. 2021 remove BatchNorm) */
    int darts_search;       /* DARTS space: 1 builds DARTS' search network (model_search.py's Network, channels and
                             * layers; codegen/build_darts_search.c) instead of a genotype's: every edge the weighted
                             * sum of DARTS' primitives, weights darts.<normal|reduce>.<e>.weight (ops 1..4) and
                             * weight2 (ops 5..7) as STATE per step, gradients in weight_grad, weight2_grad;
                             * darts_genotype ignored. Chain space: 1 builds the search network of the skeleton
                             * chain_genotype, every layer the weighted sum of the ops it can hold
                             * (codegen/build_chain_search.h) */
    uint8_t gdas_ops[CLNAS_NET_GDAS_DARTS_EDGES]; /* darts_search with gdas: a GDAS path of the search network: edge
                             * e of the cells of type t (normal 0, reduce 1) computes op gdas_ops[14 t + e] only
                             * (clnas_darts_op; 0, none, gives zero) scaled by its h (gdas.<normal|reduce>.<e>.h,
                             * STATE) with dL/dh summed over the type's cells in gdas.<type>.<e>.h_grad. Chain
                             * space: layer i (1-based) computes path op gdas_ops[i - 1] (chain_paths.h) scaled by
                             * gdas.layers.I.h */
} clnas_net_config;

/* The NB201 defaults: C=16, N=5, 1x28x28 input, 10 classes, batch 256, float32, BN eps 1e-5 momentum 0.1,
 * SGD Nesterov momentum 0.9 weight decay 5e-4; DARTS' auxiliary weight 0.4 (the head itself off). */
void clnas_net_config_default(clnas_net_config *cfg);

/* Checks sizes (positive, height and width divisible by 4, batch > 1 for batch statistics). */
clnas_status clnas_net_config_check(const clnas_net_config *cfg, clnas_error *err);

#ifdef __cplusplus
}
#endif
#endif
