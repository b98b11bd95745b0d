/* clnas — a chain genotype as categorical decisions: the depth, then per layer its op, hyper-parameters and skips. */
#include "chain_decisions.h"

#include <stdio.h>
#include <string.h>

#include "chain_edit.h"

_Static_assert(CLNAS_CHAIN_DECISIONS == 310, "the decision count chain_decisions.h documents");

enum { D_OP, D_CONV_K, D_SEP_K, D_FILTERS, D_STRIDE, D_JOIN, D_SKIPS };

static const uint8_t conv_k[4] = {1, 3, 5, 7}, sep_k[2] = {3, 5};

/* The index of layer i's (1-based) first decision. */
static int layer_offset(int i)
{
    int off = 1;
    for (int l = 1; l < i; l++)
        off += D_JOIN + (l >= 2) + (l - 1);
    return off;
}

/* The layer (1-based) and the kind (D_*, D_SKIPS + j for the skip from output j) of decision d >= 1. */
static void locate(int d, int *layer, int *kind)
{
    int i = 1;
    while (i < CLNAS_CHAIN_MAX_LAYERS && layer_offset(i + 1) <= d)
        i++;
    *layer = i;
    *kind = d - layer_offset(i); /* layer 1 has no join and no skips: kinds D_OP .. D_STRIDE */
}

int clnas_chain_decision_options(int d)
{
    static const int options[D_SKIPS] = {CLNAS_CHAIN_OPS, 4, 2, CLNAS_CHAIN_FILTER_CHOICES, 2, 2};
    if (d == 0)
        return CLNAS_CHAIN_MAX_LAYERS;
    int layer, kind;
    locate(d, &layer, &kind);
    return kind < D_SKIPS ? options[kind] : 2;
}

void clnas_chain_decision_name(int d, char *buf, size_t cap)
{
    static const char *const names[D_SKIPS] = {"op", "conv_kernel", "sepconv_kernel", "filters", "stride", "join"};
    if (d == 0) {
        snprintf(buf, cap, "depth");
        return;
    }
    int layer, kind;
    locate(d, &layer, &kind);
    if (kind < D_SKIPS)
        snprintf(buf, cap, "layer%d.%s", layer, names[kind]);
    else
        snprintf(buf, cap, "layer%d.skip%d", layer, kind - D_SKIPS);
}

static int index_of(const uint8_t *values, int n, int v)
{
    for (int k = 0; k < n; k++)
        if (values[k] == v)
            return k;
    return 0;
}

int clnas_chain_to_decisions(const clnas_chain_genotype *g, int *choice)
{
    for (int d = 0; d < CLNAS_CHAIN_DECISIONS; d++)
        choice[d] = -1;
    const int n = g->nlayers < 1 ? 1 : g->nlayers > CLNAS_CHAIN_MAX_LAYERS ? CLNAS_CHAIN_MAX_LAYERS : g->nlayers;
    choice[0] = n - 1;
    int exact = 1;
    for (int i = 1; i <= n; i++) {
        const clnas_chain_layer *l = &g->layer[i - 1];
        int *c = choice + layer_offset(i);
        c[D_OP] = l->op < CLNAS_CHAIN_OPS ? l->op : 0;
        if (l->op == CLNAS_CHAIN_CONV)
            c[D_CONV_K] = index_of(conv_k, 4, l->ksize);
        if (l->op == CLNAS_CHAIN_SEPCONV)
            c[D_SEP_K] = index_of(sep_k, 2, l->ksize);
        if (l->op == CLNAS_CHAIN_CONV || l->op == CLNAS_CHAIN_SEPCONV) {
            c[D_FILTERS] = 0;
            for (int k = 0; k < CLNAS_CHAIN_FILTER_CHOICES; k++)
                if (clnas_chain_filters[k] == l->filters)
                    c[D_FILTERS] = k;
        }
        if (l->op != CLNAS_CHAIN_IDENTITY)
            c[D_STRIDE] = l->stride == 2;
        if (i < 2)
            continue;
        c[D_JOIN] = l->nskips ? l->join == CLNAS_CHAIN_CAT : 0;
        for (int j = 0; j <= i - 2; j++)
            c[D_SKIPS + j] = 0;
        for (int s = 0; s < l->nskips; s++) {
            if (l->skip[s] <= i - 2)
                c[D_SKIPS + l->skip[s]] = 1;
            exact &= s == 0 || l->skip[s] > l->skip[s - 1];
        }
    }
    return exact;
}

void clnas_chain_from_decisions(const int *choice, clnas_chain_genotype *out)
{
    clnas_chain_genotype g;
    clnas_chain_shape shapes[CLNAS_CHAIN_MAX_LAYERS + 1];
    memset(&g, 0, sizeof g);
    shapes[0] = (clnas_chain_shape){1, 0, 0};
    const int n = 1 + choice[0];
    for (int i = 1; i <= n; i++) {
        const int *c = choice + layer_offset(i);
        clnas_chain_layer *l = &g.layer[i - 1];
        l->op = (uint8_t)c[D_OP];
        if (l->op == CLNAS_CHAIN_CONV)
            l->ksize = conv_k[c[D_CONV_K]];
        else if (l->op == CLNAS_CHAIN_SEPCONV)
            l->ksize = sep_k[c[D_SEP_K]];
        if (l->ksize)
            l->filters = (uint16_t)clnas_chain_filters[c[D_FILTERS]];
        l->stride = l->op == CLNAS_CHAIN_IDENTITY ? 1 : (uint8_t)(1 + c[D_STRIDE]);
        if (i >= 2) {
            /* sample's rule (chain_sample.c): an earlier output of the previous one's level, and of its channels
             * under sum, at most CLNAS_CHAIN_MAX_SKIPS in ascending order */
            const clnas_chain_shape *prev = &shapes[i - 1];
            l->join = (uint8_t)c[D_JOIN];
            for (int j = 0; j <= i - 2; j++) {
                const clnas_chain_shape *x = &shapes[j];
                const int fits = x->level == prev->level
                                 && (l->join == CLNAS_CHAIN_CAT
                                     || (x->c_stem == prev->c_stem && x->c_fixed == prev->c_fixed));
                if (c[D_SKIPS + j] && fits && l->nskips < CLNAS_CHAIN_MAX_SKIPS)
                    l->skip[l->nskips++] = (uint8_t)j;
            }
            if (l->nskips == 0)
                l->join = CLNAS_CHAIN_SUM;
        }
        g.nlayers = i;
        clnas_chain_genotype_validate(&g, shapes, NULL); /* valid by construction; fills shapes[0 .. i] */
    }
    clnas_chain_normalize(&g, out);
}
