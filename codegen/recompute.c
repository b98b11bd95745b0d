/* clnas — which convolution outputs the backward pass recomputes (codegen/recompute.h). */
#include "recompute.h"

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

int clnas_recompute_producer(const clnas_graph *g, int x)
{
    if (g->recompute_macs <= 0)
        return -1;
    int p = producer_of(g, x);
    return p >= 0 && clnas_conv_node_macs(g, &g->nodes[p]) <= g->recompute_macs ? p : -1;
}

/* levels[] ascending and distinct: macs inserted in place, the largest dropped when full. */
static void add_level(clnas_recompute_stats *s, int macs)
{
    int at = 0;
    while (at < s->nlevels && s->levels[at] < macs)
        at++;
    if ((at < s->nlevels && s->levels[at] == macs) || at == CLNAS_RECOMPUTE_LEVELS_MAX)
        return;
    int keep = s->nlevels < CLNAS_RECOMPUTE_LEVELS_MAX ? s->nlevels : CLNAS_RECOMPUTE_LEVELS_MAX - 1;
    memmove(&s->levels[at + 1], &s->levels[at], (size_t)(keep - at) * sizeof s->levels[0]);
    s->levels[at] = macs;
    s->nlevels = keep + 1;
}

void clnas_recompute_stats_of(const clnas_graph *g, clnas_recompute_stats *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < g->nnodes; i++) {
        const clnas_graph_node *n = &g->nodes[i];
        if (n->dead || n->kind != CLNAS_NODE_BN || n->phase != CLNAS_PHASE_FORWARD || !n->training)
            continue;
        int p = producer_of(g, n->in[0]);
        if (p < 0)
            continue;
        int macs = clnas_conv_node_macs(g, &g->nodes[p]);
        s->candidates++;
        s->recomputed += g->recompute_macs > 0 && macs <= g->recompute_macs;
        add_level(s, macs);
    }
}
