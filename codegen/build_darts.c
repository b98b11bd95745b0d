/* clnas — forward graph of DARTS' evaluation network (NetworkCIFAR of ../shared/reference/darts/darts_ref.py):
 * parameters under DARTS' state_dict names in module order, labels its module names, 'none' edges pruned. */
#include "build_darts.h"

#include <stdio.h>
#include <string.h>

#include "build_common.h"
#include "build_darts_ops.h"
#include "network_darts.h"
#include "op_avgpool_k.h"

#define ZERO CLNAS_BUILD_ZERO

typedef struct dbuilder {
    clnas_build_ctx c;
    int drop_masks; /* drop-path: the first INPUT-arena row of per-sample scales (clnas_net_io); -1 off */
    int nmasks;     /* rows passed so far (every dropped op takes the next, computed or not) */
} dbuilder;

typedef clnas_fmap fmap;

/* Does DARTS drop-path edge e of cell i: every op but Identity (stride-1 skip_connect), none and pools included. */
static int dropped(const clnas_net_config *cfg, int i, int e)
{
    const int reduction = clnas_darts_is_reduction(cfg->layers, i);
    const clnas_darts_cell *gc = reduction ? &cfg->darts_genotype.reduce : &cfg->darts_genotype.normal;
    return gc->op[e] != CLNAS_DARTS_SKIP_CONNECT || (reduction && gc->input[e] < 2);
}

/* Drop-path in a training graph with p > 0: one [batch] INPUT-arena row of per-sample scales (0 or 1/(1-p), the
 * host draws them before each step) per dropped op, made here in DARTS' draw order: cell, node, edge. */
static void drop_masks(dbuilder *b, clnas_net_io *io)
{
    const clnas_net_config *cfg = b->c.cfg;
    io->ndrop_masks = 0;
    if (!b->c.training || !(cfg->drop_path > 0.0))
        return;
    for (int i = 0; i < cfg->layers; i++)
        for (int e = 0; e < CLNAS_DARTS_EDGES; e++) {
            if (!dropped(cfg, i, e))
                continue;
            char name[CLNAS_NAME_MAX];
            snprintf(name, sizeof name, "drop_path.cells.%d._ops.%d", i, e);
            int t = clnas_build_checked(&b->c, clnas_graph_tensor_add(b->c.g, name, CLNAS_ARENA_INPUT, 1,
                                                                      &cfg->batch));
            if (io->ndrop_masks++ == 0)
                b->drop_masks = io->drop_masks = t;
        }
}

/* Drop-path of an op's output y (row `row` of the masks): y * mask[n]; ZERO stays ZERO. */
static int drop_path(dbuilder *b, int y, int row, const char *label, fmap m)
{
    if (b->drop_masks < 0 || row < 0 || y == ZERO)
        return y;
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s.drop_path:out", label);
    int out = clnas_build_activation(&b->c, name, m.c, m.h, m.w);
    int in[2] = {y, b->drop_masks + row};
    snprintf(name, sizeof name, "%s.drop_path", label);
    clnas_build_node(&b->c, CLNAS_NODE_DROP_PATH, in, 2, &out, 1, name);
    return out;
}

/* Edge e of a cell: op on state x (map `in`) with stride 1 or 2; its output has in.c channels. */
static int edge(dbuilder *b, int x, int op, const char *prefix, fmap in, int stride)
{
    const int row = op == CLNAS_DARTS_SKIP_CONNECT && stride == 1 ? -1 : b->nmasks++;
    const fmap out = {in.c, stride == 2 ? clnas_darts_half(in.h) : in.h, stride == 2 ? clnas_darts_half(in.w) : in.w};
    char label[CLNAS_NAME_MAX];
    snprintf(label, sizeof label, "%.*s", (int)strlen(prefix) - 1, prefix);
    int y = ZERO;
    switch (op) {
    case CLNAS_DARTS_NONE:
        return ZERO; /* x * 0: pruned (DARTS' NaN propagation through it is not reproduced) */
    case CLNAS_DARTS_MAX_POOL_3X3:
        y = clnas_darts_strided(&b->c, CLNAS_NODE_MAXPOOL3, x, label, out, stride, 0);
        break;
    case CLNAS_DARTS_AVG_POOL_3X3: /* count_include_pad=False: the divisor counts the window's in-image pixels */
        y = clnas_darts_strided(&b->c, CLNAS_NODE_AVGPOOL3, x, label, out, stride, 0);
        break;
    case CLNAS_DARTS_SKIP_CONNECT:
        if (stride == 1)
            return x; /* Identity: the one op drop-path leaves alone */
        y = clnas_darts_factorized_reduce(&b->c, x, prefix, in.c, in.c, in.h, in.w);
        break;
    case CLNAS_DARTS_SEP_CONV_3X3:
    case CLNAS_DARTS_SEP_CONV_5X5:
        y = clnas_darts_conv_op(&b->c, x, prefix, in, op == CLNAS_DARTS_SEP_CONV_3X3 ? 3 : 5, stride, 0);
        break;
    default: /* dil_conv_3x3, dil_conv_5x5 */
        y = clnas_darts_conv_op(&b->c, x, prefix, in, op == CLNAS_DARTS_DIL_CONV_3X3 ? 3 : 5, stride, 1);
        break;
    }
    return drop_path(b, y, row, label, out);
}

/* The sizes of one cell: its inputs' channels and maps, its node width, whether it and the one before reduce. */
typedef struct cell_dims {
    int index;
    fmap s0, s1;   /* the raw inputs: outputs of cells index-2 and index-1 (or the stem) */
    int c;         /* C_i: every state's channels */
    int reduction, reduction_prev;
} cell_dims;

/* Cell d->index: preprocess0 and preprocess1, the 4 nodes (edges 2k and 2k+1 summed into state 2+k), the concat. */
static int cell(dbuilder *b, int s0, int s1, const cell_dims *d, fmap *out)
{
    const clnas_darts_cell *gc = d->reduction ? &b->c.cfg->darts_genotype.reduce : &b->c.cfg->darts_genotype.normal;
    char prefix[CLNAS_NAME_MAX];
    const fmap m = {d->c, d->s1.h, d->s1.w};
    int states[CLNAS_DARTS_STATES];
    snprintf(prefix, sizeof prefix, "cells.%d.preprocess0.", d->index);
    states[0] = d->reduction_prev ? clnas_darts_factorized_reduce(&b->c, s0, prefix, d->s0.c, d->c, d->s0.h, d->s0.w)
                                  : clnas_darts_relu_conv_bn(&b->c, s0, prefix, d->s0.c, m);
    snprintf(prefix, sizeof prefix, "cells.%d.preprocess1.", d->index);
    states[1] = clnas_darts_relu_conv_bn(&b->c, s1, prefix, d->s1.c, m);
    fmap node_map = m;
    for (int k = 0; k < CLNAS_DARTS_NODES; k++) {
        int terms[2];
        for (int j = 0; j < 2; j++) {
            const int e = 2 * k + j, from = gc->input[e];
            const int stride = d->reduction && from < 2 ? 2 : 1;
            const fmap in = from < 2 ? m : node_map;
            snprintf(prefix, sizeof prefix, "cells.%d._ops.%d.", d->index, e);
            terms[j] = edge(b, states[from], gc->op[e], prefix, in, stride);
        }
        if (d->reduction)
            node_map = (fmap){d->c, clnas_darts_half(m.h), clnas_darts_half(m.w)};
        snprintf(prefix, sizeof prefix, "cells.%d.node%d", d->index, 2 + k);
        states[2 + k] = clnas_build_sum(&b->c, terms, 2, prefix, node_map.c, node_map.h, node_map.w);
    }
    *out = (fmap){gc->nconcat * d->c, node_map.h, node_map.w};
    int parts[CLNAS_DARTS_STATES], parts_c[CLNAS_DARTS_STATES];
    for (int i = 0; i < gc->nconcat; i++) {
        parts[i] = states[gc->concat[i]];
        parts_c[i] = d->c;
    }
    snprintf(prefix, sizeof prefix, "cells.%d", d->index);
    return clnas_darts_concat(&b->c, parts, parts_c, gc->nconcat, prefix, *out);
}

/* stem: conv 3x3 (in_channels to 3C, pad 1) and BN, no ReLU. */
static int stem(dbuilder *b, int input, fmap *out)
{
    const clnas_net_config *cfg = b->c.cfg;
    *out = (fmap){CLNAS_DARTS_STEM_MULTIPLIER * cfg->channels, cfg->height, cfg->width};
    int wt = clnas_build_conv_register(&b->c, "stem.0.", cfg->in_channels, out->c, 3, 1);
    clnas_bn_params bn = clnas_build_bn_register(&b->c, "stem.1.", out->c, 1);
    int x = clnas_build_conv(&b->c, input, wt, "stem.0", out->c, out->h, out->w, 3, 1, 1);
    return clnas_build_batchnorm(&b->c, x, &bn, "stem.1", out->c, out->h, out->w);
}

/* DARTS' AuxiliaryHeadCIFAR on x, the output of cell 2*layers/3 (map m, 8 to 10 px: the config check): ReLU,
 * AvgPool2d(5, stride 3, no padding) to 2x2, conv 1x1 to 128, BN, ReLU, conv 2x2 to 768 (1x1), BN, ReLU, Linear to
 * the classes; its mean cross entropy times cfg->auxiliary_weight, summed into the loss by head(). Its parameters
 * are registered in both graphs (one layout; PyTorch's module order: after the cells, before the classifier), its
 * nodes only in training (DARTS runs the head in training mode only). Returns the weighted loss tensor, or -1. */
static int aux_head(dbuilder *b, int x, fmap m, clnas_net_io *io)
{
    const clnas_net_config *cfg = b->c.cfg;
    const int c1 = 128, c2 = 768;
    int w1 = clnas_build_conv_register(&b->c, "auxiliary_head.features.2.", m.c, c1, 1, 1);
    clnas_bn_params bn1 = clnas_build_bn_register(&b->c, "auxiliary_head.features.3.", c1, 1);
    int w2 = clnas_build_conv_register(&b->c, "auxiliary_head.features.5.", c1, c2, 2, 1);
    clnas_bn_params bn2 = clnas_build_bn_register(&b->c, "auxiliary_head.features.6.", c2, 1);
    int wshape[2] = {cfg->classes, c2};
    int cw = clnas_build_param(&b->c, "auxiliary_head.classifier.", "weight", CLNAS_ARENA_PARAMS, 2, wshape,
                               CLNAS_INIT_KAIMING_UNIFORM, c2, 1);
    int cb = clnas_build_param(&b->c, "auxiliary_head.classifier.", "bias", CLNAS_ARENA_PARAMS, 1, &cfg->classes,
                               CLNAS_INIT_FAN_IN_UNIFORM, c2, 1);
    if (!b->c.training || b->c.failed)
        return -1;
    x = clnas_darts_materialise(&b->c, x, "auxiliary_head.features.0", m);
    x = clnas_darts_relu(&b->c, x, "auxiliary_head.features.0", m);
    const fmap p = {m.c, clnas_op_avgpool_k_out_dim(m.h, 5, 3), clnas_op_avgpool_k_out_dim(m.w, 5, 3)};
    int pooled = clnas_build_activation(&b->c, "auxiliary_head.features.1:out", p.c, p.h, p.w);
    int n = clnas_build_node(&b->c, CLNAS_NODE_AVGPOOL_K, &x, 1, &pooled, 1, "auxiliary_head.features.1");
    if (n >= 0) {
        b->c.g->nodes[n].ksize = 5;
        b->c.g->nodes[n].stride = 3;
    }
    x = clnas_build_conv(&b->c, pooled, w1, "auxiliary_head.features.2", c1, p.h, p.w, 1, 1, 0);
    x = clnas_build_batchnorm(&b->c, x, &bn1, "auxiliary_head.features.3", c1, p.h, p.w);
    x = clnas_darts_relu(&b->c, x, "auxiliary_head.features.4", (fmap){c1, p.h, p.w});
    const fmap q = {c2, p.h - 1, p.w - 1}; /* 2x2 convolution without padding: 2x2 to 1x1 */
    x = clnas_build_conv(&b->c, x, w2, "auxiliary_head.features.5", c2, q.h, q.w, 2, 1, 0);
    x = clnas_build_batchnorm(&b->c, x, &bn2, "auxiliary_head.features.6", c2, q.h, q.w);
    x = clnas_darts_relu(&b->c, x, "auxiliary_head.features.7", q);
    /* flatten of the 1x1 map: the average over its one pixel (the ReLU before folds into it) */
    int fshape[2] = {cfg->batch, c2};
    int flat = clnas_build_checked(&b->c, clnas_graph_tensor_add(b->c.g, "auxiliary_head.flatten:out",
                                                                 CLNAS_ARENA_ACT, 2, fshape));
    clnas_build_node(&b->c, CLNAS_NODE_GAP, &x, 1, &flat, 1, "auxiliary_head.flatten");
    int lshape[2] = {cfg->batch, cfg->classes}, one = 1;
    io->logits_aux = clnas_build_checked(&b->c, clnas_graph_tensor_add(b->c.g, "logits_aux", CLNAS_ARENA_ACT, 2,
                                                                       lshape));
    int lin[3] = {flat, cw, cb};
    clnas_build_node(&b->c, CLNAS_NODE_LINEAR, lin, 3, &io->logits_aux, 1, "auxiliary_head.classifier");
    int out[2] = {clnas_build_checked(&b->c, clnas_graph_tensor_add(b->c.g, "loss_aux_weighted", CLNAS_ARENA_ACT, 1,
                                                                    &one)),
                  clnas_build_checked(&b->c, clnas_graph_tensor_add(b->c.g, "logits_aux:grad", CLNAS_ARENA_ACT, 2,
                                                                    lshape))};
    int in[2] = {io->logits_aux, io->labels};
    n = clnas_build_node(&b->c, CLNAS_NODE_SOFTMAX_XENT, in, 2, out, 2, "auxiliary_head.loss");
    if (n >= 0)
        b->c.g->nodes[n].loss_weight = cfg->auxiliary_weight;
    return b->c.failed ? -1 : out[0];
}

/* Cells 0..layers-1: s0, s1 the outputs of the two cells before (the stem's for cell 0); channels double and maps
 * halve in the reduction cells; preprocess0 is a FactorizedReduce after one. */
static int cells(dbuilder *b, int x, fmap *m, int *aux_x, fmap *aux_m)
{
    const clnas_net_config *cfg = b->c.cfg;
    int s0 = x, s1 = x;
    fmap m0 = *m, m1 = *m;
    int c = cfg->channels, reduction_prev = 0;
    for (int i = 0; i < cfg->layers && !b->c.failed; i++) {
        const int reduction = clnas_darts_is_reduction(cfg->layers, i);
        c *= reduction ? 2 : 1;
        cell_dims d = {i, m0, m1, c, reduction, reduction_prev};
        fmap out;
        int y = cell(b, s0, s1, &d, &out);
        if (i == clnas_darts_aux_cell(cfg->layers)) { /* what the auxiliary head reads */
            *aux_x = y;
            *aux_m = out;
        }
        s0 = s1;
        m0 = m1;
        s1 = y;
        m1 = out;
        reduction_prev = reduction;
    }
    *m = m1;
    return s1;
}

clnas_status clnas_build_darts(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                               clnas_error *err)
{
    clnas_status st = clnas_net_config_check(cfg, err);
    if (st != CLNAS_OK)
        return st;
    if (cfg->space != CLNAS_NET_DARTS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: the DARTS builder was given another space's "
                               "network (clnas_build_network dispatches by space)");
    dbuilder b = {{g, cfg, training, err, 0, 1}, -1, 0};
    g->fp64 = cfg->fp64;
    memset(io, -1, sizeof *io);
    int ishape[4] = {cfg->batch, cfg->in_channels, cfg->height, cfg->width};
    io->input = clnas_build_checked(&b.c, clnas_graph_tensor_add(g, "input", CLNAS_ARENA_INPUT, 4, ishape));
    io->labels = clnas_build_checked(&b.c, clnas_graph_tensor_add(g, "labels", CLNAS_ARENA_LABELS, 1, ishape));
    drop_masks(&b, io);
    fmap m, aux_m = {0, 0, 0};
    int x = stem(&b, io->input, &m), aux_x = ZERO;
    x = cells(&b, x, &m, &aux_x, &aux_m);
    const int loss_aux = cfg->auxiliary ? aux_head(&b, aux_x, aux_m, io) : -1;
    clnas_darts_head(&b.c, x, m, loss_aux, io);
    return b.c.failed ? err->status : CLNAS_OK;
}
