/* clnas — fusion passes over the graph IR:
 *  1. ReLU -> conv: the conv loads max(x, 0) (forward, backward-filter) and masks its backward-data output,
 *     so the ReLU and its backward disappear;
 *  2. ReLU -> global average pool (the head) likewise;
 *  3. a sum's terms are written by their producers straight into the sum's storage, the first overwriting
 *     and the rest accumulating; a term that cannot be (it has other readers) becomes one ADD launch (DARTS:
 *     the mixed edges' weighted sums are their node's sum, and the gradient of alpha adds up over the cells);
 *  4. all SGD nodes become one launch over the parameter arena. */
#include "fuse.h"

#include <stdlib.h>
#include <string.h>

#include "op.h"

static int producer_of(const clnas_graph *g, int t)
{
    for (int i = 0; i < g->nnodes; i++) {
        const clnas_graph_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        for (int k = 0; k < n->nout; k++)
            if (n->out[k] == t)
                return i;
    }
    return -1;
}

/* Does every live reader of tensor t read it in the slot where its op can fold a ReLU in? */
static int only_read_by_relu_folders(const clnas_graph *g, int t)
{
    for (int i = 0; i < g->nnodes; i++) {
        const clnas_graph_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        for (int k = 0; k < n->nin; k++)
            if (n->in[k] == t && clnas_op_def_of(n->kind)->relu_slot != k)
                return 0;
    }
    return 1;
}

static void fold_relu(clnas_graph *g)
{
    for (int r = 0; r < g->nnodes; r++) {
        clnas_graph_node *relu = &g->nodes[r];
        if (relu->dead || relu->kind != CLNAS_NODE_RELU)
            continue;
        int x = relu->in[0], y = relu->out[0];
        if (!only_read_by_relu_folders(g, y))
            continue;
        /* the ReLU's backward: its gradient input comes from the consumer's backward-data node */
        for (int i = 0; i < g->nnodes; i++) {
            clnas_graph_node *n = &g->nodes[i];
            if (n->dead || n->kind != CLNAS_NODE_RELU_BWD || n->in[1] != x)
                continue;
            int p = producer_of(g, n->in[0]);
            const clnas_op_def *src = p >= 0 ? clnas_op_def_of(g->nodes[p].kind) : NULL;
            if (src && src->fold_relu_bwd) {
                src->fold_relu_bwd(&g->nodes[p], n->out[0], x);
                n->dead = 1;
            }
        }
        for (int i = 0; i < g->nnodes; i++) {
            clnas_graph_node *n = &g->nodes[i];
            const clnas_op_def *def = clnas_op_def_of(n->kind);
            if (!n->dead && def->fold_relu && n->in[def->relu_slot] == y)
                def->fold_relu(n, x);
        }
        relu->dead = 1;
    }
}

/* Can this node's output `slot` add into existing storage instead of overwriting it? */
static int accumulates(const clnas_graph_node *n, int slot)
{
    return slot < 32 && (clnas_op_def_of(n->kind)->accum_mask >> slot & 1u);
}

static int append(int **order, int *n, int *cap, int value)
{
    if (*n == *cap) {
        int ncap = *cap ? *cap * 2 : 256;
        int *p = realloc(*order, (size_t)ncap * sizeof *p);
        if (!p)
            return -1;
        *order = p;
        *cap = ncap;
    }
    (*order)[(*n)++] = value;
    return 0;
}

clnas_status clnas_fuse(clnas_graph *g, clnas_fuse_stats *stats, clnas_error *err)
{
    memset(stats, 0, sizeof *stats);
    for (int i = 0; i < g->nnodes; i++)
        stats->ops_before += !g->nodes[i].dead;

    fold_relu(g);
    clnas_graph_count_uses(g);

    int *order = NULL, norder = 0, cap = 0, failed = 0, sgd = -1;
    int nnodes = g->nnodes; /* ADD and SGD_ARENA nodes appended below are placed explicitly */
    for (int i = 0; i < nnodes && !failed; i++) {
        clnas_graph_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        if (n->kind == CLNAS_NODE_SGD) {
            n->dead = 1;
            if (sgd < 0) {
                sgd = clnas_graph_node_add(g, CLNAS_NODE_SGD_ARENA, CLNAS_PHASE_UPDATE, NULL, 0, NULL, 0,
                                           "sgd (all parameters)");
                failed |= sgd < 0 || append(&order, &norder, &cap, sgd);
            }
            continue;
        }
        if (n->kind != CLNAS_NODE_SUM) {
            failed |= append(&order, &norder, &cap, i);
            continue;
        }
        /* a sum: terms written in place where their producer can, an ADD launch otherwise */
        clnas_graph_node sum = *n;
        n->dead = 1;
        int y = sum.out[0];
        for (int k = 0; k < sum.nin && !failed; k++) {
            int t = sum.in[k];
            int p = producer_of(g, t);
            clnas_graph_tensor *tt = &g->tensors[t];
            int slot = -1;
            if (p >= 0)
                for (int s = 0; s < g->nodes[p].nout; s++)
                    if (g->nodes[p].out[s] == t)
                        slot = s;
            if (p >= 0 && tt->consumers == 1 && tt->producers == 1 && tt->arena == CLNAS_ARENA_ACT &&
                accumulates(&g->nodes[p], slot)) {
                tt->alias = y;
            } else {
                int add = clnas_graph_node_add(g, CLNAS_NODE_ADD, sum.phase, &t, 1, &y, 1, sum.label);
                failed |= add < 0 || append(&order, &norder, &cap, add);
            }
        }
    }
    if (failed) {
        free(order);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory in fusion");
    }
    /* the first write of a storage in launch order overwrites, later ones accumulate */
    char *written = calloc((size_t)g->ntensors + 1, 1);
    if (!written) {
        free(order);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory in fusion");
    }
    for (int i = 0; i < norder; i++) {
        clnas_graph_node *n = &g->nodes[order[i]];
        for (int k = 0; k < n->nout; k++) {
            int s = clnas_graph_storage(g, n->out[k]);
            n->accum[k] = written[s] && accumulates(n, k);
            written[s] = 1;
        }
    }
    free(written);
    free(g->order);
    g->order = order;
    g->norder = norder;
    stats->launches = norder;
    clnas_graph_count_uses(g);
    return CLNAS_OK;
}
