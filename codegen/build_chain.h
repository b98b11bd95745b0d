/* clnas — builds the forward graph of a chain-structured network (stem, layers with skips, head, loss). */
#ifndef CLNAS_BUILD_CHAIN_H
#define CLNAS_BUILD_CHAIN_H

#include "build_nb201.h"
#include "clnas/network.h"
#include "graph.h"

/* Appends the forward graph of cfg->chain_genotype to g (docs/SPACE_CHAIN.md): the stem layers.0 (3x3 conv to
 * cfg->channels, BatchNorm), each layer i reading output i-1 summed with or concatenated to its skips, then ReLU,
 * global average pooling and the classifier; softmax cross-entropy when training. Parameters are named
 * layers.I.conv.weight, layers.I.depthwise.weight, layers.I.pointwise.weight, layers.I.bn.*, classifier.*. */
clnas_status clnas_build_chain(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                               clnas_error *err);

#endif
