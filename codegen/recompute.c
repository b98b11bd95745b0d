/* clnas — which forward tensors the backward pass recomputes instead of keeping (codegen/recompute.h). */
#include "recompute.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op_conv.h"

/* The live forward convolution that writes x alone, or -1. */
static int producer_of(const clnas_graph *g, int x)
{
    for (int i = 0; i < g->nnodes; i++) {
        const clnas_graph_node *n = &g->nodes[i];
        if (!n->dead && n->kind == CLNAS_NODE_CONV && n->phase == CLNAS_PHASE_FORWARD && n->nout == 1 &&
            n->out[0] == x)
            return i;
    }
    return -1;
}

/* The convolution whose output node i, a forward training BatchNorm, reads: a candidate for recomputation; else -1. */
static int candidate_of(const clnas_graph *g, int i)
{
    const clnas_graph_node *n = &g->nodes[i];
    if (n->dead || n->kind != CLNAS_NODE_BN || n->phase != CLNAS_PHASE_FORWARD || !n->training)
        return -1;
    return producer_of(g, n->in[0]);
}

/* levels[] ascending and distinct: macs inserted in place (its count 1, or one more where there), the largest
 * dropped when full. */
static void add_level(clnas_recompute_stats *s, int macs)
{
    int at = 0;
    while (at < s->nlevels && s->levels[at] < macs)
        at++;
    if (at < s->nlevels && s->levels[at] == macs) {
        s->counts[at]++;
        return;
    }
    if (at == CLNAS_RECOMPUTE_LEVELS_MAX)
        return;
    int keep = s->nlevels < CLNAS_RECOMPUTE_LEVELS_MAX ? s->nlevels : CLNAS_RECOMPUTE_LEVELS_MAX - 1;
    memmove(&s->levels[at + 1], &s->levels[at], (size_t)(keep - at) * sizeof s->levels[0]);
    memmove(&s->counts[at + 1], &s->counts[at], (size_t)(keep - at) * sizeof s->counts[0]);
    s->levels[at] = macs;
    s->counts[at] = 1;
    s->nlevels = keep + 1;
}

/* The candidates (forward convolutions whose output a training BatchNorm reads) into taken[node] (g->nnodes): 1 for
 * those g recomputes, of at most g->recompute_macs multiply-adds per element and the first g->recompute_more (by
 * node, the forward's order) of the next level above, else 0; -1 elsewhere. Returns 0, or -1 when out of memory. */
static int conv_taken(const clnas_graph *g, signed char **out)
{
    signed char *taken = malloc((size_t)g->nnodes + 1);
    int *macs = malloc(((size_t)g->nnodes + 1) * sizeof *macs);
    *out = taken;
    if (!taken || !macs) {
        free(macs);
        return -1;
    }
    memset(taken, -1, (size_t)g->nnodes + 1);
    int next = INT_MAX;
    for (int i = 0; i < g->nnodes; i++) {
        int p = candidate_of(g, i);
        if (p < 0)
            continue;
        macs[p] = clnas_conv_node_macs(g, &g->nodes[p]);
        taken[p] = g->recompute_macs > 0 && macs[p] <= g->recompute_macs;
        if (macs[p] > g->recompute_macs && macs[p] < next)
            next = macs[p];
    }
    for (int i = 0, more = g->recompute_more; i < g->nnodes && more > 0; i++)
        if (taken[i] == 0 && macs[i] == next) {
            taken[i] = 1;
            more--;
        }
    free(macs);
    return 0;
}

void clnas_recompute_stats_of(const clnas_graph *g, clnas_recompute_stats *s)
{
    memset(s, 0, sizeof *s);
    signed char *taken = NULL;
    const int ok = conv_taken(g, &taken) == 0;
    for (int i = 0; i < g->nnodes; i++) {
        int p = candidate_of(g, i);
        if (p < 0)
            continue;
        int macs = clnas_conv_node_macs(g, &g->nodes[p]);
        s->candidates++;
        if (ok && taken[p] == 1) {
            s->recomputed++;
            s->macs_max = macs > s->macs_max ? macs : s->macs_max;
        }
        add_level(s, macs);
    }
    free(taken);
}

/* What becomes of a forward tensor's storage in the backward pass. */
enum { KEPT = 0, CONV_OUTPUT, BN_OUTPUT };

typedef struct recompute_pass {
    clnas_graph *g;
    signed char *what;    /* per storage: KEPT, CONV_OUTPUT or BN_OUTPUT */
    int *copy;            /* per storage: its copy in the backward, -1 none yet */
    int *order, norder, cap;
    int nodes;            /* BN_OUTPUT storages copied */
    int failed;
} recompute_pass;

/* Is storage s a channel slice of another tensor, or has it slices? (The copies are whole tensors of their own.) */
static int is_view(const clnas_graph *g, int s)
{
    return g->tensors[s].view_of >= 0 || clnas_graph_has_slices(g, s);
}

/* The forward nodes writing storage s, in launch order, into w (at most cap); returns their count. */
static int writers_of(const recompute_pass *p, int s, int *w, int cap)
{
    int n = 0;
    for (int i = 0; i < p->g->norder; i++) {
        const clnas_graph_node *node = &p->g->nodes[p->g->order[i]];
        if (node->phase != CLNAS_PHASE_FORWARD)
            continue;
        for (int k = 0; k < node->nout; k++)
            if (clnas_graph_storage(p->g, node->out[k]) == s) {
                if (n < cap)
                    w[n] = p->g->order[i];
                n++;
                break;
            }
    }
    return n;
}

/* Sets p->what for every storage the forward writes. */
static int classify(recompute_pass *p)
{
    clnas_graph *g = p->g;
    /* convolution outputs first (taken: candidates, whose output a training BatchNorm reads) */
    signed char *taken = NULL;
    if (conv_taken(g, &taken) != 0) {
        free(taken);
        return -1;
    }
    for (int i = 0; i < g->norder; i++) {
        const clnas_graph_node *n = &g->nodes[g->order[i]];
        if (n->phase != CLNAS_PHASE_FORWARD || n->kind != CLNAS_NODE_CONV || n->nout != 1 || n->accum[0] ||
            taken[g->order[i]] != 1)
            continue;
        int s = clnas_graph_storage(g, n->out[0]), w;
        if (!is_view(g, s) && g->tensors[s].arena == CLNAS_ARENA_ACT && writers_of(p, s, &w, 1) == 1)
            p->what[s] = CONV_OUTPUT;
    }
    free(taken);
    for (int i = 0; i < g->norder && g->recompute_nodes; i++) {
        if (candidate_of(g, g->order[i]) < 0)
            continue;
        int s = clnas_graph_storage(g, g->nodes[g->order[i]].out[0]);
        if (p->what[s] != KEPT || is_view(g, s) || g->tensors[s].arena != CLNAS_ARENA_ACT)
            continue;
        /* every writer a training BatchNorm of a convolution's output, which is kept or recomputed anyway */
        int w[CLNAS_NODE_MAX_IN], nw = writers_of(p, s, w, CLNAS_NODE_MAX_IN), ok = nw <= CLNAS_NODE_MAX_IN;
        for (int k = 0; ok && k < nw; k++)
            ok = candidate_of(g, w[k]) >= 0 && g->nodes[w[k]].nout == 3 &&
                 !is_view(g, clnas_graph_storage(g, g->nodes[w[k]].in[0]));
        if (ok)
            p->what[s] = BN_OUTPUT;
    }
    return 0;
}

static void append(recompute_pass *p, int node)
{
    if (p->norder == p->cap) {
        int ncap = p->cap * 2 + 64;
        int *o = realloc(p->order, (size_t)ncap * sizeof *o);
        if (!o) {
            p->failed = 1;
            return;
        }
        p->order = o;
        p->cap = ncap;
    }
    p->order[p->norder++] = node;
}

static int copy_of(recompute_pass *p, int s);

/* What a backward node reads for forward tensor t: t, or the copy of its storage. */
static int backward_read(recompute_pass *p, int t)
{
    int s = clnas_graph_storage(p->g, t);
    return s >= 0 && p->what[s] != KEPT ? copy_of(p, s) : t;
}

/* The copy of storage s: on first use a new tensor "<s>:again", written by a copy of each forward writer of s in
 * their order (a convolution again; a BatchNorm from its saved statistics), their inputs read as backward_read. */
static int copy_of(recompute_pass *p, int s)
{
    clnas_graph *g = p->g;
    if (p->copy[s] >= 0 || p->failed)
        return p->failed ? s : p->copy[s];
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%.80s:again", g->tensors[s].name);
    const clnas_graph_tensor src = g->tensors[s];
    int again = clnas_graph_tensor_add(g, name, CLNAS_ARENA_ACT, src.ndim, src.shape);
    if (again < 0) {
        p->failed = 1;
        return s;
    }
    p->copy[s] = again;
    int w[CLNAS_NODE_MAX_IN], nw = writers_of(p, s, w, CLNAS_NODE_MAX_IN);
    for (int k = 0; k < nw && !p->failed; k++) {
        const clnas_graph_node fwd = g->nodes[w[k]]; /* copy: adding nodes may move the table */
        int in[CLNAS_NODE_MAX_IN], nin = fwd.nin;
        clnas_node_kind kind = fwd.kind;
        for (int j = 0; j < fwd.nin; j++)
            in[j] = backward_read(p, fwd.in[j]);
        if (kind == CLNAS_NODE_BN) { /* x gamma beta smean sinvstd */
            kind = CLNAS_NODE_BN_SAVED;
            in[3] = fwd.out[1];
            in[4] = fwd.out[2];
            nin = 5;
        }
        char label[CLNAS_NAME_MAX];
        snprintf(label, sizeof label, "%.80s:recompute", fwd.label);
        int at = clnas_graph_node_add(g, kind, CLNAS_PHASE_BACKWARD, in, nin, &again, 1, label);
        if (at < 0) {
            p->failed = 1;
            break;
        }
        clnas_graph_node_take_attrs(&g->nodes[at], &fwd);
        g->nodes[at].accum[0] = fwd.accum[0];
        append(p, at);
    }
    p->nodes += p->what[s] == BN_OUTPUT;
    return again;
}

clnas_status clnas_recompute(clnas_graph *g, int *nodes, clnas_error *err)
{
    *nodes = 0;
    if (g->recompute_macs <= 0 && g->recompute_more <= 0 && !g->recompute_nodes)
        return CLNAS_OK;
    recompute_pass p = {g, NULL, NULL, NULL, 0, 0, 0, 0};
    size_t nt = (size_t)g->ntensors + 1;
    p.what = calloc(nt, 1);
    p.copy = malloc(nt * sizeof *p.copy);
    if (!p.what || !p.copy || classify(&p) != 0) {
        free(p.what);
        free(p.copy);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory recomputing tensors");
    }
    for (size_t t = 0; t < nt; t++)
        p.copy[t] = -1;
    const int norder = g->norder;
    for (int i = 0; i < norder && !p.failed; i++) {
        const int at = g->order[i];
        if (g->nodes[at].phase == CLNAS_PHASE_BACKWARD)
            for (int k = 0; k < g->nodes[at].nin; k++) {
                int t = backward_read(&p, g->nodes[at].in[k]);
                g->nodes[at].in[k] = t; /* the table may have moved: index again */
            }
        append(&p, at);
    }
    free(p.what);
    free(p.copy);
    if (p.failed) {
        free(p.order);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory recomputing tensors");
    }
    free(g->order);
    g->order = p.order;
    g->norder = p.norder;
    clnas_graph_count_uses(g);
    *nodes = p.nodes;
    return CLNAS_OK;
}
