/* clnas — builds the forward graph of a NAS-Bench-201 network (stem, cells, reduction blocks, head, loss). */
#ifndef CLNAS_BUILD_NB201_H
#define CLNAS_BUILD_NB201_H

#include "clnas/network.h"
#include "graph.h"

/* Tensors of the built graph that the runtime and the autodiff need to find. */
typedef struct clnas_net_io {
    int input;   /* [B, in_channels, H, W] */
    int labels;  /* [B] int */
    int logits;  /* [B, classes] */
    int loss;    /* [1] (training graph only) */
    int dlogits; /* [B, classes] (training graph only) */
    int logits_aux; /* DARTS' auxiliary head: [B, classes] (training graph with cfg->auxiliary only), else -1 */
    int drop_masks;  /* DARTS drop-path: the first of ndrop_masks [B] INPUT-arena rows of per-sample scales, in
                      * DARTS' draw order (cell, node, edge), consecutive after the images; -1 none */
    int ndrop_masks; /* <= 0: none */
} clnas_net_io;

/* Appends the forward graph to g: BatchNorm with batch statistics when training, running statistics
 * otherwise; softmax cross-entropy only when training. Every parameter of the PyTorch module is registered
 * (in its module order) whether or not it is computed; those of edges that cannot reach a cell's output are
 * marked not live. An op on an all-zero node is folded: ReLU-conv-BN of zeros becomes BatchNorm's shift. */
clnas_status clnas_build_nb201(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                               clnas_error *err);

#endif
