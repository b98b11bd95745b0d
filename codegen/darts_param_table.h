/* clnas — the parameter table of a DARTS-space evaluation network (DARTS' NetworkCIFAR): every state_dict name with
 * its shape, from the genotype and the sizes alone, on the host. */
#ifndef CLNAS_DARTS_PARAM_TABLE_H
#define CLNAS_DARTS_PARAM_TABLE_H

#include "clnas/darts_genotype.h"
#include "clnas/status.h"
#include "graph.h"

/* The sizes of a DARTS network: C (the first cells' node width; the stem has 3C channels), the number of cells
 * (reduction cells at layers/3 and 2*layers/3), the input and the classes, and whether the auxiliary head (on cell
 * 2*layers/3) is there. */
typedef struct clnas_darts_dims {
    int channels, layers;
    int in_channels, height, width;
    int classes;
    int auxiliary;
} clnas_darts_dims;

/* Sizes DARTS' network runs at: positive; every map entering a reduction cell of even height and width
 * (FactorizedReduce does not pad); with the auxiliary head, an 8 to 10 px map at its cell (32-40 px images, as
 * DARTS' CIFAR head was designed for). CLNAS_ERR_INVALID_ARG says which and why. */
clnas_status clnas_darts_dims_check(const clnas_darts_dims *d, clnas_error *err);

/* Every entry of the network's state_dict but the BatchNorms' num_batches_tracked, in DARTS' registration order
 * (stem, cells, auxiliary head, classifier): names as DARTS' own keys (NAMES.md of the DARTS reference), shapes as
 * PyTorch's; conv and linear weights, biases and BN gamma/beta in CLNAS_ARENA_PARAMS, running_mean and running_var in
 * CLNAS_ARENA_STATE. *out is malloc'ed (free it); only name, arena, ndim, shape and count are set. */
clnas_status clnas_darts_param_table(const clnas_darts_genotype *g, const clnas_darts_dims *d, clnas_param_info **out,
                                     int *count, clnas_error *err);

/* The trained parameters of a table (CLNAS_ARENA_PARAMS entries' counts summed): PyTorch's
 * sum(p.numel() for p in model.parameters()). */
long long clnas_param_table_trained(const clnas_param_info *table, int count);

#endif
