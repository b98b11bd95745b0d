/* clnas — builds the forward graph of the chain space's search network: a skeleton whose every layer is the
 * weighted sum of the ops it can hold (DARTS), or one sampled op scaled by h (a GDAS path). */
#ifndef CLNAS_BUILD_CHAIN_SEARCH_H
#define CLNAS_BUILD_CHAIN_SEARCH_H

#include "build_nb201.h"
#include "clnas/network.h"
#include "graph.h"

/* The ops one MIXED node of a layer takes (its backward writes the partials and each op's gradient): a layer
 * holding more has a second node, weight2. */
#define CLNAS_CHAIN_SEARCH_W0 (CLNAS_NODE_MAX_OUT - 1)

/* Appends the forward graph of the search network of the skeleton cfg->chain_genotype (space chain with
 * darts_search): the chain network's stem, joins and head (build_chain.h) with layer i (1-based) the sum over the
 * ops k its mask holds (clnas_chain_path_masks, in op order) of w_k * op_k(joined input), op_k the layer's own op
 * with k's kernel and the layer's filters, stride and joins, its parameters named layers.I.<op name>.<rest>
 * (clnas_chain_path_op_name; the chain supernet's names) and its BatchNorm without affine parameters (as DARTS'
 * search cells). The weights of the first CLNAS_CHAIN_SEARCH_W0 held ops are darts.layers.I.weight, of the others
 * darts.layers.I.weight2 (STATE, set per step to softmax(alpha)), their gradients weight_grad and weight2_grad.
 * With cfg->gdas, a GDAS path: layer i computes op cfg->gdas_ops[i - 1] alone (one its mask holds), scaled by
 * gdas.layers.I.h (STATE, 1) with dL/dh in gdas.layers.I.h_grad; every layer's h is registered, so that all paths
 * have the same STATE table. */
clnas_status clnas_build_chain_search(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                                      clnas_error *err);

#endif
