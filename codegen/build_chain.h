/* clnas — builds the forward graph of a chain-structured network (stem, layers with skips, head, loss). */
#ifndef CLNAS_BUILD_CHAIN_H
#define CLNAS_BUILD_CHAIN_H

#include "build_common.h"
#include "build_nb201.h"
#include "clnas/network.h"
#include "graph.h"

/* One output of a chain network: its tensor and shape. */
typedef struct clnas_chain_fmap {
    int t, c, h, w;
} clnas_chain_fmap;

/* Appends the forward graph of cfg->chain_genotype to g (docs/SPACE_CHAIN.md): the stem layers.0 (3x3 conv to
 * cfg->channels, BatchNorm), each layer i reading output i-1 summed with or concatenated to its skips, then ReLU,
 * global average pooling and the classifier; softmax cross-entropy when training. Parameters are named
 * layers.I.conv.weight, layers.I.depthwise.weight, layers.I.pointwise.weight, layers.I.bn.*, classifier.*. */
clnas_status clnas_build_chain(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                               clnas_error *err);

/* The pieces, shared with the chain search network (build_chain_search.h). The input and labels tensors, then the
 * stem layers.0 (3x3 conv to b->cfg->channels, BatchNorm): output 0. */
clnas_chain_fmap clnas_chain_build_stem(clnas_build_ctx *b, clnas_net_io *io);
/* The input of layer i (1-based) from outputs 0..i-1: output i-1 alone, or summed with or concatenated to l's
 * skips (shapes validated), as layers.I.sum or layers.I.cat. */
clnas_chain_fmap clnas_chain_build_join(clnas_build_ctx *b, const clnas_chain_layer *l, int i,
                                        const clnas_chain_fmap *outs);
/* Layer l's op on its joined input x, its parameters and nodes named prefix + "conv.weight", "bn.", "relu" ...;
 * identity returns x itself. BatchNorm is affine as b->affine says. */
clnas_chain_fmap clnas_chain_build_op(clnas_build_ctx *b, const clnas_chain_layer *l, const char *prefix,
                                      clnas_chain_fmap x);
/* ReLU, global average pooling, the classifier, and the loss when training. */
void clnas_chain_build_head(clnas_build_ctx *b, clnas_chain_fmap x, clnas_net_io *io);

#endif
