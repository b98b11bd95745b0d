/* clnas — builds the forward graph of DARTS' search network (model_search.py's Network) over the DARTS cell space. */
#ifndef CLNAS_BUILD_DARTS_SEARCH_H
#define CLNAS_BUILD_DARTS_SEARCH_H

#include "build_nb201.h"
#include "clnas/network.h"
#include "graph.h"

/* The two MIXED nodes of an edge: ops 1..4 (max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3) and ops 5..7
 * (sep_conv_5x5, dil_conv_3x3, dil_conv_5x5) of DARTS' PRIMITIVES; none (op 0) computes nothing. */
#define CLNAS_DARTS_SEARCH_EDGES 14 /* edges per cell: node k reads states 0 .. k+1 */
#define CLNAS_DARTS_SEARCH_W0 4     /* edge weights in darts.<type>.<e>.weight: ops 1..4 */
#define CLNAS_DARTS_SEARCH_W1 3     /* and in darts.<type>.<e>.weight2: ops 5..7 */

/* The input state of edge e (0..13) of a search cell and the node (0..3) it feeds, in DARTS' order. */
void clnas_darts_search_edge(int e, int *node, int *from);


/* Appends the forward graph of DARTS' search network as DARTS' model_search.py defines Network(C, classes, layers)
 * with in_channels inputs: stem (conv 3x3 to 3C, affine BN), `layers` cells (reductions at layers/3 and
 * 2*layers/3; preprocess0 a FactorizedReduce after a reduction, else ReLUConvBN 1x1; preprocess1 ReLUConvBN 1x1;
 * every BatchNorm of a cell without affine parameters), 4 nodes of 14 MixedOp edges, each the weighted sum of DARTS'
 * 7 computed primitives (pools followed by a non-affine BN), the concatenation of the 4 nodes, global average pool,
 * linear classifier, and when training the softmax cross entropy. Every normal cell shares the edge weights
 * darts.normal.<e>.weight (ops 1..4) and darts.normal.<e>.weight2 (ops 5..7), STATE tensors set per step (softmax
 * of alpha), their gradients summed over the cells in darts.normal.<e>.weight_grad and weight2_grad; the
 * reduction cells darts.reduce.<e>.*. Parameters carry model_search.py's state_dict names. */
clnas_status clnas_build_darts_search(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                                      clnas_error *err);

#endif
