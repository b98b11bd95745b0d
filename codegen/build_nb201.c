/* clnas — forward graph of the NAS-Bench-201 network, with 'none' and unreachable edges pruned and ops on
 * all-zero nodes folded to the constants they compute. */
#include "build_nb201.h"

#include "build_common.h"

#include <stdio.h>
#include <string.h>

#define ZERO CLNAS_BUILD_ZERO

typedef struct builder {
    clnas_build_ctx c;                      /* c.affine is 0 while building DARTS or GDAS cells */
    int mixed_w[CLNAS_NB201_EDGES];         /* DARTS: the edge weights (STATE), shared by every cell; -1 not yet */
    int mixed_dw[CLNAS_NB201_EDGES];        /* and their gradients (STATE) */
    int gdas_h[CLNAS_NB201_EDGES];          /* GDAS path: h of each edge (STATE, 1 value, 1 in value) */
    int gdas_dh[CLNAS_NB201_EDGES];         /* and dL/dh summed over the cells (STATE) */
} builder;

/* BatchNorm of x (parameters bn, registered first), or x itself in a network without BatchNorm (no_batchnorm:
 * nothing registered, bn unused). */
static clnas_bn_params bn_register(builder *b, const char *prefix, int c, int live)
{
    clnas_bn_params none = {-1, -1, -1, -1};
    return b->c.cfg->no_batchnorm ? none : clnas_build_bn_register(&b->c, prefix, c, live);
}

static int batchnorm(builder *b, int x, const clnas_bn_params *bn, const char *label, int c, int h, int w)
{
    return b->c.cfg->no_batchnorm ? x : clnas_build_batchnorm(&b->c, x, bn, label, c, h, w);
}

/* ReLU -> Conv(k, stride, no bias) -> BN, registering the parameters under `prefix`. */
static int relu_conv_bn(builder *b, int x, const char *prefix, int ci, int co, int h, int w, int k, int stride,
                        int live)
{
    char p_conv[CLNAS_NAME_MAX], p_bn[CLNAS_NAME_MAX], label[CLNAS_NAME_MAX];
    snprintf(p_conv, sizeof p_conv, "%sconv.", prefix);
    snprintf(p_bn, sizeof p_bn, "%sbn.", prefix);
    int wt = clnas_build_conv_register(&b->c, p_conv, ci, co, k, live);
    clnas_bn_params bn = bn_register(b, p_bn, co, live);
    if (!live)
        return ZERO;
    int ho = h / stride, wo = w / stride;
    snprintf(label, sizeof label, "%srelu", prefix);
    int r = clnas_build_unary(&b->c, CLNAS_NODE_RELU, x, label, ci, h, w);
    snprintf(label, sizeof label, "%sconv", prefix);
    int c = clnas_build_conv(&b->c, r, wt, label, co, ho, wo, k, stride, k / 2);
    snprintf(label, sizeof label, "%sbn", prefix);
    return batchnorm(b, c, &bn, label, co, ho, wo);
}

/* GDAS: the sampled op's output y scaled by the edge's h (a mixed node of one op), so the backward leaves
 * dL/dh = <dL/d out, y> summed over the cells; an edge whose output is zero contributes nothing. */
static int gdas_edge(builder *b, int y, int k, int e, int c, int h, int w)
{
    if (y == ZERO)
        return ZERO;
    char label[CLNAS_NAME_MAX], name[CLNAS_NAME_MAX];
    snprintf(label, sizeof label, "cells.%d.edges.%d_%d.gdas", k, clnas_nb201_edge_to[e], clnas_nb201_edge_from[e]);
    snprintf(name, sizeof name, "%s:out", label);
    int out = clnas_build_activation(&b->c, name, c, h, w);
    int in[3] = {y, b->gdas_h[e], b->gdas_dh[e]};
    clnas_build_node(&b->c, CLNAS_NODE_MIXED, in, 3, &out, 1, label);
    return out;
}

static int cell(builder *b, int x, int k, int c, int h, int w)
{
    b->c.affine = !b->c.cfg->gdas;
    int zero_node[4], edge_live[CLNAS_NB201_EDGES];
    clnas_genotype_analyse(&b->c.cfg->genotype, zero_node, edge_live);
    int nodes[4] = {x, ZERO, ZERO, ZERO};
    for (int j = 1; j <= 3; j++) {
        int terms[3], nterms = 0;
        for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
            if (clnas_nb201_edge_to[e] != j)
                continue;
            int i = clnas_nb201_edge_from[e];
            int op = b->c.cfg->genotype.ops[e];
            char prefix[CLNAS_NAME_MAX];
            snprintf(prefix, sizeof prefix, "cells.%d.edges.%d_%d.", k, j, i);
            if (op == CLNAS_OP_NOR_CONV_1X1 || op == CLNAS_OP_NOR_CONV_3X3) {
                int ks = op == CLNAS_OP_NOR_CONV_1X1 ? 1 : 3;
                terms[nterms] = relu_conv_bn(b, nodes[i], prefix, c, c, h, w, ks, 1, edge_live[e]);
            } else if (!edge_live[e] || op == CLNAS_OP_NONE) {
                continue;
            } else if (op == CLNAS_OP_SKIP_CONNECT) {
                terms[nterms] = nodes[i];
            } else {
                char label[CLNAS_NAME_MAX];
                snprintf(label, sizeof label, "%savg_pool", prefix);
                terms[nterms] = clnas_build_unary(&b->c, CLNAS_NODE_AVGPOOL3, nodes[i], label, c, h, w);
            }
            if (b->c.cfg->gdas)
                terms[nterms] = gdas_edge(b, terms[nterms], k, e, c, h, w);
            nterms++;
        }
        char label[CLNAS_NAME_MAX];
        snprintf(label, sizeof label, "cells.%d.node%d", k, j);
        nodes[j] = clnas_build_sum(&b->c, terms, nterms, label, c, h, w);
    }
    b->c.affine = 1;
    return nodes[3];
}

/* The DARTS mixed ops of edge e of cell k into node j from node x: skip_connect, nor_conv_1x1, nor_conv_3x3 and
 * avg_pool_3x3 each computed, their weighted sum by one MIXED node (none adds w_none * 0 and is left out). The
 * weights and their gradient are STATE tensors shared by every cell, so one alpha serves them all as in NB201. */
static int mixed_edge(builder *b, int x, int k, int e, int c, int h, int w)
{
    const int i = clnas_nb201_edge_from[e], j = clnas_nb201_edge_to[e];
    char prefix[CLNAS_NAME_MAX], label[CLNAS_NAME_MAX];
    if (b->mixed_w[e] < 0) {
        int four = CLNAS_NB201_OPS - 1;
        snprintf(prefix, sizeof prefix, "darts.edges.%d_%d.", j, i);
        b->mixed_w[e] = clnas_build_param(&b->c, prefix, "weight", CLNAS_ARENA_STATE, 1, &four, CLNAS_INIT_ONES, 0, 1);
        b->mixed_dw[e] = clnas_build_param(&b->c, prefix, "weight_grad", CLNAS_ARENA_STATE, 1, &four, CLNAS_INIT_ZEROS, 0, 1);
    }
    int in[CLNAS_NB201_OPS + 1], n = 0;
    in[n++] = x; /* skip_connect */
    for (int ks = 1; ks <= 3; ks += 2) {
        snprintf(prefix, sizeof prefix, "cells.%d.edges.%d_%d.%s.", k, j, i, ks == 1 ? "nor_conv_1x1" : "nor_conv_3x3");
        in[n++] = relu_conv_bn(b, x, prefix, c, c, h, w, ks, 1, 1);
    }
    snprintf(label, sizeof label, "cells.%d.edges.%d_%d.avg_pool_3x3", k, j, i);
    in[n++] = clnas_build_unary(&b->c, CLNAS_NODE_AVGPOOL3, x, label, c, h, w);
    in[n++] = b->mixed_w[e];
    in[n++] = b->mixed_dw[e];
    snprintf(label, sizeof label, "cells.%d.edges.%d_%d.mixed", k, j, i);
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:out", label);
    int y = clnas_build_activation(&b->c, name, c, h, w);
    clnas_build_node(&b->c, CLNAS_NODE_MIXED, in, n, &y, 1, label);
    return y;
}

static int mixed_cell(builder *b, int x, int k, int c, int h, int w)
{
    b->c.affine = 0;
    int nodes[4] = {x, -1, -1, -1};
    for (int j = 1; j <= 3; j++) {
        int terms[3], nterms = 0;
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            if (clnas_nb201_edge_to[e] == j)
                terms[nterms++] = mixed_edge(b, nodes[clnas_nb201_edge_from[e]], k, e, c, h, w);
        char label[CLNAS_NAME_MAX];
        snprintf(label, sizeof label, "cells.%d.node%d", k, j);
        nodes[j] = clnas_build_sum(&b->c, terms, nterms, label, c, h, w);
    }
    b->c.affine = 1;
    return nodes[3];
}

static int reduction(builder *b, int x, int k, int ci, int h, int w)
{
    char prefix[CLNAS_NAME_MAX], label[CLNAS_NAME_MAX];
    int co = 2 * ci;
    snprintf(prefix, sizeof prefix, "cells.%d.conv_a.", k);
    int a = relu_conv_bn(b, x, prefix, ci, co, h, w, 3, 2, 1);
    snprintf(prefix, sizeof prefix, "cells.%d.conv_b.", k);
    int r = relu_conv_bn(b, a, prefix, co, co, h / 2, w / 2, 3, 1, 1);
    snprintf(prefix, sizeof prefix, "cells.%d.shortcut.conv.", k);
    int sw = clnas_build_conv_register(&b->c, prefix, ci, co, 1, 1);
    snprintf(label, sizeof label, "cells.%d.shortcut.pool", k);
    int p = clnas_build_unary(&b->c, CLNAS_NODE_AVGPOOL2, x, label, ci, h / 2, w / 2);
    snprintf(label, sizeof label, "cells.%d.shortcut.conv", k);
    int s = clnas_build_conv(&b->c, p, sw, label, co, h / 2, w / 2, 1, 1, 0);
    int terms[2] = {r, s};
    snprintf(label, sizeof label, "cells.%d.out", k);
    return clnas_build_sum(&b->c, terms, 2, label, co, h / 2, w / 2);
}

clnas_status clnas_build_nb201(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                               clnas_error *err)
{
    clnas_status st = clnas_net_config_check(cfg, err);
    if (st != CLNAS_OK)
        return st;
    if (cfg->space != CLNAS_NET_NB201)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: the NB201 builder was given another space's "
                               "network (clnas_build_network dispatches by space)");
    builder b = {{g, cfg, training, err, 0, 1}, {-1, -1, -1, -1, -1, -1}, {-1, -1, -1, -1, -1, -1},
                 {-1, -1, -1, -1, -1, -1}, {-1, -1, -1, -1, -1, -1}};
    g->fp64 = cfg->fp64;
    memset(io, -1, sizeof *io);
    int ishape[4] = {cfg->batch, cfg->in_channels, cfg->height, cfg->width};
    io->input = clnas_build_checked(&b.c, clnas_graph_tensor_add(g, "input", CLNAS_ARENA_INPUT, 4, ishape));
    io->labels = clnas_build_checked(&b.c, clnas_graph_tensor_add(g, "labels", CLNAS_ARENA_LABELS, 1, ishape));

    /* GDAS: every edge's h, whether or not this path computes the edge, so all paths share one parameter table */
    for (int e = 0; e < CLNAS_NB201_EDGES && cfg->gdas; e++) {
        char prefix[CLNAS_NAME_MAX];
        int one = 1;
        snprintf(prefix, sizeof prefix, "gdas.edges.%d_%d.", clnas_nb201_edge_to[e], clnas_nb201_edge_from[e]);
        b.gdas_h[e] = clnas_build_param(&b.c, prefix, "h", CLNAS_ARENA_STATE, 1, &one, CLNAS_INIT_ONES, 0, 1);
        b.gdas_dh[e] = clnas_build_param(&b.c, prefix, "h_grad", CLNAS_ARENA_STATE, 1, &one, CLNAS_INIT_ZEROS, 0, 1);
    }
    int c = cfg->channels, h = cfg->height, w = cfg->width;
    int stem_w = clnas_build_conv_register(&b.c, "stem.conv.", cfg->in_channels, c, 3, 1);
    clnas_bn_params stem_bn = bn_register(&b, "stem.bn.", c, 1);
    int x = clnas_build_conv(&b.c, io->input, stem_w, "stem.conv", c, h, w, 3, 1, 1);
    x = batchnorm(&b, x, &stem_bn, "stem.bn", c, h, w);

    int k = 0;
    for (int stage = 0; stage < 3; stage++) {
        if (stage) {
            x = reduction(&b, x, k++, c, h, w);
            c *= 2;
            h /= 2;
            w /= 2;
        }
        for (int i = 0; i < cfg->cells; i++)
            x = cfg->darts ? mixed_cell(&b, x, k++, c, h, w) : cell(&b, x, k++, c, h, w);
    }
    if (cfg->no_batchnorm && x == ZERO && !b.c.failed)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "no_batchnorm: the cell's output is all zeros without "
                               "BatchNorm's shift (every path from node 0 to node 3 has a none edge or a zero node): "
                               "the logits would be the classifier's bias alone");
    clnas_bn_params head_bn = bn_register(&b, "head.bn.", c, 1);
    int z = batchnorm(&b, x, &head_bn, "head.bn", c, h, w);
    int rz = clnas_build_unary(&b.c, CLNAS_NODE_RELU, z, "head.relu", c, h, w);
    int gshape[2] = {cfg->batch, c};
    int gp = clnas_build_checked(&b.c, clnas_graph_tensor_add(g, "head.pool:out", CLNAS_ARENA_ACT, 2, gshape));
    clnas_build_node(&b.c, CLNAS_NODE_GAP, &rz, 1, &gp, 1, "head.pool");
    int wshape[2] = {cfg->classes, c};
    int cw = clnas_build_param(&b.c, "classifier.", "weight", CLNAS_ARENA_PARAMS, 2, wshape, CLNAS_INIT_KAIMING_UNIFORM, c, 1);
    int cb = clnas_build_param(&b.c, "classifier.", "bias", CLNAS_ARENA_PARAMS, 1, &cfg->classes, CLNAS_INIT_FAN_IN_UNIFORM, c, 1);
    int lshape[2] = {cfg->batch, cfg->classes};
    io->logits = clnas_build_checked(&b.c, clnas_graph_tensor_add(g, "logits", CLNAS_ARENA_ACT, 2, lshape));
    int lin[3] = {gp, cw, cb};
    clnas_build_node(&b.c, CLNAS_NODE_LINEAR, lin, 3, &io->logits, 1, "classifier");
    if (training) {
        int one = 1;
        io->loss = clnas_build_checked(&b.c, clnas_graph_tensor_add(g, "loss", CLNAS_ARENA_ACT, 1, &one));
        io->dlogits = clnas_build_checked(&b.c, clnas_graph_tensor_add(g, "logits:grad", CLNAS_ARENA_ACT, 2, lshape));
        int in[2] = {io->logits, io->labels};
        int out[2] = {io->loss, io->dlogits};
        clnas_build_node(&b.c, CLNAS_NODE_SOFTMAX_XENT, in, 2, out, 2, "loss");
    }
    return b.c.failed ? err->status : CLNAS_OK;
}
