/* clnas — the paths of a chain-space supernet: a skeleton (a chain genotype) fixes every layer's stride, joins and
 * output shape, and a path chooses per layer one of the ops that keep that shape (SPOS' choice blocks). The paths
 * of one skeleton are a space of their own: chain genotype strings, sampled and mutated op by op. */
#ifndef CLNAS_CHAIN_PATHS_H
#define CLNAS_CHAIN_PATHS_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/chain_genotype.h"
#include "space_iface.h"

/* The ops a supernet layer holds, in this order: conv 1x1, 3x3, 5x5, 7x7, sepconv 3x3, 5x5, maxpool3x3,
 * avgpool3x3, identity. */
#define CLNAS_CHAIN_PATH_OPS 9
#define CLNAS_CHAIN_PATH_SEPCONV5X5 5 /* the op with the most intermediates */
#define CLNAS_CHAIN_PATH_IDENTITY 8   /* the last of them */

/* "conv3x3", "sepconv5x5", "maxpool3x3", "identity": the op's name in the supernet's parameter names; "unknown"
 * outside 0..CLNAS_CHAIN_PATH_OPS-1. */
const char *clnas_chain_path_op_name(int k);

/* The path op (0..CLNAS_CHAIN_PATH_OPS-1) layer l computes, or -1. */
int clnas_chain_path_op_of(const clnas_chain_layer *l);

/* Layer l computing path op k with `filters` filters where the op has filters; its stride and joins kept. */
void clnas_chain_path_op_set(int k, int filters, clnas_chain_layer *l);

/* Layer i (0-based) of the valid genotype g computing path op k, a convolution to the layer's output channels (a
 * path of g's skeleton when g's masks hold k there). */
void clnas_chain_path_set_layer(clnas_chain_genotype *g, int i, int k);

/* Bit k of mask[i] when layer i+1 of g may compute path op k with every output of g keeping its shape (channels
 * and spatial size): the convolutions to the layer's output channels when they are a filter count, the pools
 * when the layer keeps its input's channels, identity besides when it is not strided. Every path of a skeleton
 * has the skeleton's masks. CLNAS_ERR_INVALID_ARG when g is not valid. */
clnas_status clnas_chain_path_masks(const clnas_chain_genotype *g, uint16_t mask[CLNAS_CHAIN_MAX_LAYERS],
                                    clnas_error *err);

/* 1 when g is a path of skeleton: its layers, strides and joins, each layer's op one its mask holds; else 0 and
 * why (naming the layer) for messages. */
int clnas_chain_is_path(const clnas_chain_genotype *skeleton, const clnas_chain_genotype *g, char *why, size_t cap);

/* A path of skeleton (masks from clnas_chain_path_masks): per layer one clnas_rng_below draw among its ops. */
void clnas_chain_path_sample(const clnas_chain_genotype *skeleton, const uint16_t *mask, clnas_rng *rng,
                             clnas_chain_genotype *out);

/* The paths of one skeleton behind the space interface: parse, format and canonical are the chain space's (the
 * evaluator refuses a string that is no path); sample draws clnas_chain_path_sample; mutate changes one layer's
 * op, uniform among the layers holding two ops or more, then uniform among the layer's other ops; neighbours lists
 * every such change. No categorical decisions (decisions 0): REINFORCE and BO do not search it. */
typedef struct clnas_chain_paths {
    clnas_space_iface iface; /* iface.ctx is this object */
    clnas_chain_genotype skeleton;
    uint16_t mask[CLNAS_CHAIN_MAX_LAYERS];
} clnas_chain_paths;

/* A new path space of skeleton (validated), freed with clnas_chain_paths_free. */
clnas_status clnas_chain_paths_new(const clnas_chain_genotype *skeleton, clnas_chain_paths **out, clnas_error *err);
void clnas_chain_paths_free(clnas_chain_paths *p);

#endif
