/* clnas — forward graph of DARTS' search network (model_search.py's Network): every edge of every cell the
 * softmax(alpha)-weighted sum of DARTS' primitives, one set of edge weights per cell type; or a GDAS path of it
 * (net.gdas): every edge only its sampled op, scaled by the edge's h. */
#include "build_darts_search.h"

#include <stdio.h>
#include <string.h>

#include "build_common.h"
#include "build_darts_ops.h"
#include "network_darts.h"

#define ZERO CLNAS_BUILD_ZERO
#define TYPES 2 /* normal, reduce */

typedef struct sbuilder {
    clnas_build_ctx c;
    /* per cell type and edge: the weights of the two MIXED nodes and their gradients (STATE) */
    int w[TYPES][CLNAS_DARTS_SEARCH_EDGES][2];
    int dw[TYPES][CLNAS_DARTS_SEARCH_EDGES][2];
    /* GDAS path: per cell type and edge h (1 value, 1) and dL/dh summed over the type's cells (STATE) */
    int h[TYPES][CLNAS_DARTS_SEARCH_EDGES], dh[TYPES][CLNAS_DARTS_SEARCH_EDGES];
} sbuilder;

typedef clnas_fmap fmap;

void clnas_darts_search_edge(int e, int *node, int *from)
{
    int k = 0, start = 0;
    while (e >= start + k + 2) {
        start += k + 2;
        k++;
    }
    *node = k;
    *from = e - start;
}

static int pool_bn(sbuilder *b, clnas_node_kind kind, int x, const char *prefix, fmap out, int stride)
{
    char p[CLNAS_NAME_MAX];
    snprintf(p, sizeof p, "%s1.", prefix);
    clnas_bn_params bn = clnas_build_bn_register(&b->c, p, out.c, 1);
    snprintf(p, sizeof p, "%s0", prefix);
    int y = clnas_darts_strided(&b->c, kind, x, p, out, stride, 0);
    snprintf(p, sizeof p, "%s1", prefix);
    return clnas_build_batchnorm(&b->c, y, &bn, p, out.c, out.h, out.w);
}

/* One MIXED node of an edge (build_common.h). */
static int mixed(sbuilder *b, const int *ys, int n, int w, int dw, const char *label, fmap out)
{
    return clnas_build_mixed(&b->c, ys, n, w, dw, label, out.c, out.h, out.w);
}

/* Op `op` (1..7) of edge e of cell i on state x, named as model_search.py's MixedOp names it. */
static int edge_op(sbuilder *b, int x, int i, int e, int op, fmap in, fmap out, int stride)
{
    char prefix[CLNAS_NAME_MAX];
    snprintf(prefix, sizeof prefix, "cells.%d._ops.%d._ops.%d.", i, e, op);
    switch (op) {
    case CLNAS_DARTS_MAX_POOL_3X3:
        return pool_bn(b, CLNAS_NODE_MAXPOOL3, x, prefix, out, stride);
    case CLNAS_DARTS_AVG_POOL_3X3: /* count_include_pad=False */
        return pool_bn(b, CLNAS_NODE_AVGPOOL3, x, prefix, out, stride);
    case CLNAS_DARTS_SKIP_CONNECT:
        return stride == 1 ? x : clnas_darts_factorized_reduce(&b->c, x, prefix, in.c, in.c, in.h, in.w);
    case CLNAS_DARTS_SEP_CONV_3X3:
    case CLNAS_DARTS_SEP_CONV_5X5:
        return clnas_darts_conv_op(&b->c, x, prefix, in, op == CLNAS_DARTS_SEP_CONV_3X3 ? 3 : 5, stride, 0);
    default:
        return clnas_darts_conv_op(&b->c, x, prefix, in, op == CLNAS_DARTS_DIL_CONV_3X3 ? 3 : 5, stride, 1);
    }
}

/* Edge e of cell i (type t): MixedOp(C, stride) on state x; terms[0..1] get its two MIXED outputs. A GDAS path
 * computes the sampled op alone, its output times h (a MIXED node of one op, so the backward leaves dL/dh); none,
 * or a zero input (a node all of whose edges gave zero), gives zero. */
static void mixed_edge(sbuilder *b, int x, int i, int t, int e, fmap in, int stride, int terms[2])
{
    const fmap out = {in.c, stride == 2 ? clnas_darts_half(in.h) : in.h, stride == 2 ? clnas_darts_half(in.w) : in.w};
    char label[CLNAS_NAME_MAX];
    if (b->c.cfg->gdas) {
        const int op = b->c.cfg->gdas_ops[t * CLNAS_DARTS_SEARCH_EDGES + e];
        terms[0] = terms[1] = ZERO;
        if (op == CLNAS_DARTS_NONE || x == ZERO)
            return;
        const int y = edge_op(b, x, i, e, op, in, out, stride);
        snprintf(label, sizeof label, "cells.%d._ops.%d.gdas", i, e);
        terms[0] = mixed(b, &y, 1, b->h[t][e], b->dh[t][e], label, out);
        return;
    }
    int ys[CLNAS_DARTS_OPS];
    for (int op = 1; op < CLNAS_DARTS_OPS; op++)
        ys[op] = edge_op(b, x, i, e, op, in, out, stride);
    snprintf(label, sizeof label, "cells.%d._ops.%d.mixed", i, e);
    terms[0] = mixed(b, ys + 1, CLNAS_DARTS_SEARCH_W0, b->w[t][e][0], b->dw[t][e][0], label, out);
    snprintf(label, sizeof label, "cells.%d._ops.%d.mixed2", i, e);
    terms[1] = mixed(b, ys + 1 + CLNAS_DARTS_SEARCH_W0, CLNAS_DARTS_SEARCH_W1, b->w[t][e][1], b->dw[t][e][1], label,
                     out);
}

/* A node's sum of up to 10 terms: a SUM node takes CLNAS_NODE_MAX_IN, so the first ones are summed first. */
static int sum_many(sbuilder *b, int *terms, int n, const char *label, fmap m)
{
    char part[CLNAS_NAME_MAX];
    if (n > CLNAS_NODE_MAX_IN) {
        snprintf(part, sizeof part, "%s.part", label);
        const int first = n - CLNAS_NODE_MAX_IN + 1;
        terms[first - 1] = clnas_build_sum(&b->c, terms, first, part, m.c, m.h, m.w);
        return clnas_build_sum(&b->c, terms + first - 1, CLNAS_NODE_MAX_IN, label, m.c, m.h, m.w);
    }
    return clnas_build_sum(&b->c, terms, n, label, m.c, m.h, m.w);
}

typedef struct cell_dims {
    int index;
    fmap s0, s1;
    int c;
    int reduction, reduction_prev;
} cell_dims;

static int cell(sbuilder *b, int s0, int s1, const cell_dims *d, fmap *out)
{
    char prefix[CLNAS_NAME_MAX];
    const fmap m = {d->c, d->s1.h, d->s1.w};
    const fmap node_map = d->reduction ? (fmap){d->c, clnas_darts_half(m.h), clnas_darts_half(m.w)} : m;
    int states[CLNAS_DARTS_STATES];
    snprintf(prefix, sizeof prefix, "cells.%d.preprocess0.", d->index);
    states[0] = d->reduction_prev ? clnas_darts_factorized_reduce(&b->c, s0, prefix, d->s0.c, d->c, d->s0.h, d->s0.w)
                                  : clnas_darts_relu_conv_bn(&b->c, s0, prefix, d->s0.c, m);
    snprintf(prefix, sizeof prefix, "cells.%d.preprocess1.", d->index);
    states[1] = clnas_darts_relu_conv_bn(&b->c, s1, prefix, d->s1.c, m);
    int e = 0;
    for (int k = 0; k < CLNAS_DARTS_NODES; k++) {
        int terms[2 * (CLNAS_DARTS_NODES + 1)], n = 0;
        for (int j = 0; j < k + 2; j++, e++) {
            const int stride = d->reduction && j < 2 ? 2 : 1;
            mixed_edge(b, states[j], d->index, d->reduction, e, j < 2 ? m : node_map, stride, terms + n);
            n += 2;
        }
        snprintf(prefix, sizeof prefix, "cells.%d.node%d", d->index, 2 + k);
        states[2 + k] = sum_many(b, terms, n, prefix, node_map);
    }
    *out = (fmap){CLNAS_DARTS_NODES * d->c, node_map.h, node_map.w};
    snprintf(prefix, sizeof prefix, "cells.%d", d->index);
    const int parts_c[CLNAS_DARTS_NODES] = {d->c, d->c, d->c, d->c};
    return clnas_darts_concat(&b->c, states + 2, parts_c, CLNAS_DARTS_NODES, prefix, *out);
}

/* Every edge weight and its gradient, normal cells' first, registered before the stem so that their place in the
 * STATE arena does not depend on the layers. */
static void edge_weights(sbuilder *b)
{
    static const char *const type[TYPES] = {"normal", "reduce"};
    static const int count[2] = {CLNAS_DARTS_SEARCH_W0, CLNAS_DARTS_SEARCH_W1};
    static const char *const wname[2] = {"weight", "weight2"}, *const gname[2] = {"weight_grad", "weight2_grad"};
    for (int t = 0; t < TYPES && b->c.cfg->gdas; t++) /* a GDAS path: every edge's h, computed or not, so every
                                                       * path has the same table */
        for (int e = 0; e < CLNAS_DARTS_SEARCH_EDGES; e++) {
            char prefix[CLNAS_NAME_MAX];
            const int one = 1;
            snprintf(prefix, sizeof prefix, "gdas.%s.%d.", type[t], e);
            b->h[t][e] = clnas_build_param(&b->c, prefix, "h", CLNAS_ARENA_STATE, 1, &one, CLNAS_INIT_ONES, 0, 1);
            b->dh[t][e] = clnas_build_param(&b->c, prefix, "h_grad", CLNAS_ARENA_STATE, 1, &one, CLNAS_INIT_ZEROS, 0, 1);
        }
    for (int t = 0; t < TYPES && !b->c.cfg->gdas; t++)
        for (int e = 0; e < CLNAS_DARTS_SEARCH_EDGES; e++)
            for (int k = 0; k < 2; k++) {
                char prefix[CLNAS_NAME_MAX];
                snprintf(prefix, sizeof prefix, "darts.%s.%d.", type[t], e);
                b->w[t][e][k] = clnas_build_param(&b->c, prefix, wname[k], CLNAS_ARENA_STATE, 1, &count[k],
                                                  CLNAS_INIT_ONES, 0, 1);
                b->dw[t][e][k] = clnas_build_param(&b->c, prefix, gname[k], CLNAS_ARENA_STATE, 1, &count[k],
                                                   CLNAS_INIT_ZEROS, 0, 1);
            }
}

clnas_status clnas_build_darts_search(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                                      clnas_error *err)
{
    if (cfg->space != CLNAS_NET_DARTS || !cfg->darts_search)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: the DARTS search builder was given another "
                               "network (clnas_build_network dispatches by space and darts_search)");
    clnas_status st = clnas_net_config_check_darts_search(cfg, err);
    if (st != CLNAS_OK)
        return st;
    sbuilder b;
    memset(&b, 0, sizeof b);
    b.c = (clnas_build_ctx){g, cfg, training, err, 0, 1};
    g->fp64 = cfg->fp64;
    memset(io, -1, sizeof *io);
    int ishape[4] = {cfg->batch, cfg->in_channels, cfg->height, cfg->width};
    io->input = clnas_build_checked(&b.c, clnas_graph_tensor_add(g, "input", CLNAS_ARENA_INPUT, 4, ishape));
    io->labels = clnas_build_checked(&b.c, clnas_graph_tensor_add(g, "labels", CLNAS_ARENA_LABELS, 1, ishape));
    edge_weights(&b);
    /* stem: conv 3x3 to 3C and an affine BN */
    fmap m = {CLNAS_DARTS_STEM_MULTIPLIER * cfg->channels, cfg->height, cfg->width};
    int wt = clnas_build_conv_register(&b.c, "stem.0.", cfg->in_channels, m.c, 3, 1);
    clnas_bn_params bn = clnas_build_bn_register(&b.c, "stem.1.", m.c, 1);
    int x = clnas_build_conv(&b.c, io->input, wt, "stem.0", m.c, m.h, m.w, 3, 1, 1);
    x = clnas_build_batchnorm(&b.c, x, &bn, "stem.1", m.c, m.h, m.w);
    b.c.affine = 0; /* every cell BatchNorm: affine=False */
    int s0 = x, s1 = x, c = cfg->channels, reduction_prev = 0;
    fmap m0 = m, m1 = m;
    for (int i = 0; i < cfg->layers && !b.c.failed; i++) {
        const int reduction = clnas_darts_is_reduction(cfg->layers, i);
        c *= reduction ? 2 : 1;
        cell_dims d = {i, m0, m1, c, reduction, reduction_prev};
        fmap out;
        int y = cell(&b, s0, s1, &d, &out);
        if (y == ZERO) { /* a GDAS path whose every node gave zero: the next cells read zeros */
            char label[CLNAS_NAME_MAX];
            snprintf(label, sizeof label, "cells.%d.zero", i);
            y = clnas_darts_materialise(&b.c, y, label, out);
        }
        s0 = s1;
        m0 = m1;
        s1 = y;
        m1 = out;
        reduction_prev = reduction;
    }
    b.c.affine = 1;
    if (!b.c.failed)
        clnas_darts_head(&b.c, s1, m1, -1, io);
    return b.c.failed ? err->status : CLNAS_OK;
}
