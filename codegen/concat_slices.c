/* clnas — concatenation without a copy. A concatenation's input x (NCHW) becomes channels [c0, c0 + C) of the
 * output y: sample n of x then lies y's C*H*W elements after sample n-1, not x's own, so every kernel that writes or
 * reads x must take that batch stride. The op table says which slots can (clnas_op_def.slice_mask: BatchNorm's,
 * max pooling's and drop-path's outputs, the ADD fusion leaves for an identity edge, the depthwise convolution's
 * input x, which a later edge's sep_conv or dil_conv reads (forward, the input gradient's ReLU mask, the weight
 * gradient); in the backward the dy of BatchNorm, max pooling and drop-path); an input any other kernel touches (a
 * later edge's dense convolution reading it, say) stays a tensor of its own and is copied as before, counted. The
 * same holds for the input's gradient, which the concatenation's backward copies out of the output's gradient. */
#include "concat_slices.h"

#include <stdlib.h>

#include "op.h"

static int same_image(const clnas_graph_tensor *x, const clnas_graph_tensor *y)
{
    return x->ndim == 4 && y->ndim == 4 && x->shape[0] == y->shape[0] && x->shape[2] == y->shape[2] &&
           x->shape[3] == y->shape[3];
}

/* Does every launch that touches storage s take it as a slice? The concatenation `cat` may read it in `slot` and
 * write it (its backward, which goes). */
static int slice_capable(const clnas_graph *g, int s, int cat, int slot)
{
    for (int i = 0; i < g->norder; i++) {
        const clnas_graph_node *n = &g->nodes[g->order[i]];
        const unsigned mask = clnas_op_def_of(n->kind)->slice_mask;
        for (int k = 0; k < n->nin; k++)
            if (clnas_graph_storage(g, n->in[k]) == s && !(g->order[i] == cat ? k == slot : mask >> k & 1u))
                return 0;
        for (int k = 0; k < n->nout; k++)
            if (clnas_graph_storage(g, n->out[k]) == s && g->order[i] != cat && !(mask >> (CLNAS_SLICE_OUT + k) & 1u))
                return 0;
    }
    return 1;
}

/* Is y written by the concatenation `cat` alone (so dropping it leaves y written by the slices)? */
static int written_only_by(const clnas_graph *g, int y, int cat)
{
    for (int i = 0; i < g->norder; i++) {
        const clnas_graph_node *n = &g->nodes[g->order[i]];
        for (int k = 0; k < n->nout && g->order[i] != cat; k++)
            if (clnas_graph_storage(g, n->out[k]) == y)
                return 0;
    }
    return 1;
}

/* Removes launch i from the order. */
static void unlaunch(clnas_graph *g, int i)
{
    g->nodes[g->order[i]].dead = 1;
    for (int j = i; j + 1 < g->norder; j++)
        g->order[j] = g->order[j + 1];
    g->norder--;
}

static int is_pinned(const clnas_graph *g, int s, const int *pinned, int npinned)
{
    for (int i = 0; i < npinned; i++)
        if (pinned[i] >= 0 && clnas_graph_storage(g, pinned[i]) == s)
            return 1;
    return 0;
}

/* The backward of a concatenation copies channels [offset, offset + C) of dy into dx: dx can be that slice of dy's
 * storage when the copy alone writes it (no other gradient adds into it, it is no sum's term) and every reader takes
 * a slice. dy's storage must be no slice itself. */
static int grad_qualifies(const clnas_graph *g, const clnas_graph_node *b, int node, const int *pinned, int npinned)
{
    const int dx = b->out[0], p = clnas_graph_storage(g, b->in[0]);
    const clnas_graph_tensor *tx = &g->tensors[dx], *tp = &g->tensors[p];
    if (clnas_graph_storage(g, dx) != dx || dx == p || tx->arena != CLNAS_ARENA_ACT || tp->arena != CLNAS_ARENA_ACT ||
        tx->view_of >= 0 || tp->view_of >= 0 || !same_image(tx, tp) || clnas_graph_has_slices(g, dx) ||
        b->offset < 0 || b->offset + tx->shape[1] > tp->shape[1] || is_pinned(g, dx, pinned, npinned) ||
        !written_only_by(g, dx, node))
        return 0;
    return slice_capable(g, dx, node, -1);
}

static int qualifies(const clnas_graph *g, const clnas_graph_node *cat, int node, int k, const int *pinned,
                     int npinned)
{
    const int x = cat->in[k], y = cat->out[0];
    const clnas_graph_tensor *tx = &g->tensors[x], *ty = &g->tensors[y];
    if (clnas_graph_storage(g, x) != x || x == y || tx->arena != CLNAS_ARENA_ACT || tx->param >= 0 ||
        tx->view_of >= 0 || !same_image(tx, ty) || clnas_graph_has_slices(g, x))
        return 0;
    for (int j = 0; j < cat->nin; j++)
        if (j != k && clnas_graph_storage(g, cat->in[j]) == x)
            return 0;
    if (is_pinned(g, x, pinned, npinned))
        return 0;
    return slice_capable(g, x, node, k);
}

clnas_status clnas_concat_slices(clnas_graph *g, const int *pinned, int npinned, clnas_concat_slice_stats *stats,
                                 clnas_error *err)
{
    (void)err;
    stats->slices = stats->copies = stats->removed = stats->grad_slices = stats->grad_copies = 0;
    for (int i = 0; i < g->norder; i++) {
        const int node = g->order[i];
        clnas_graph_node *cat = &g->nodes[node];
        if (cat->kind == CLNAS_NODE_CONCAT_BWD) {
            if (grad_qualifies(g, cat, node, pinned, npinned)) {
                g->tensors[cat->out[0]].view_of = clnas_graph_storage(g, cat->in[0]);
                g->tensors[cat->out[0]].view_c0 = cat->offset;
                unlaunch(g, i--);
                stats->grad_slices++;
            } else {
                stats->grad_copies++;
            }
            continue;
        }
        if (cat->kind != CLNAS_NODE_CONCAT || cat->phase != CLNAS_PHASE_FORWARD)
            continue;
        const int y = cat->out[0];
        clnas_graph_tensor *ty = &g->tensors[y];
        const int ok = clnas_graph_storage(g, y) == y && ty->arena == CLNAS_ARENA_ACT && ty->view_of < 0 &&
                       written_only_by(g, y, node) && !is_pinned(g, y, pinned, npinned);
        int sliced = 0;
        for (int k = 0, c0 = 0; k < cat->nin; c0 += g->tensors[cat->in[k]].shape[1], k++) {
            if (ok && qualifies(g, cat, node, k, pinned, npinned)) {
                g->tensors[cat->in[k]].view_of = y;
                g->tensors[cat->in[k]].view_c0 = c0;
                sliced++;
            }
        }
        stats->slices += sliced;
        stats->copies += cat->nin - sliced;
        if (sliced == cat->nin) { /* nothing left to copy: the launch goes */
            unlaunch(g, i--);
            stats->removed++;
        }
    }
    clnas_graph_count_uses(g);
    return CLNAS_OK;
}
