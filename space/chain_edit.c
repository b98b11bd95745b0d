/* clnas — edits of a chain-structured genotype that renumber skips, and the draw of one layer's op. */
#include "chain_edit.h"

#include <string.h>

void clnas_chain_remove_layer(clnas_chain_genotype *g, int r, int redirect)
{
    for (int i = r + 1; i <= g->nlayers; i++) {
        clnas_chain_layer *l = &g->layer[i - 1];
        int n = 0;
        for (int s = 0; s < l->nskips; s++) {
            int j = l->skip[s];
            if (j == r && !redirect)
                continue;
            l->skip[n++] = (uint8_t)(j >= r ? j - 1 : j);
        }
        l->nskips = (uint8_t)n;
        if (n == 0)
            l->join = CLNAS_CHAIN_SUM;
    }
    memmove(&g->layer[r - 1], &g->layer[r], sizeof(clnas_chain_layer) * (size_t)(g->nlayers - r));
    g->nlayers--;
}

void clnas_chain_insert_layer(clnas_chain_genotype *g, int p, const clnas_chain_layer *l)
{
    for (int i = p; i <= g->nlayers; i++) {
        clnas_chain_layer *x = &g->layer[i - 1];
        for (int s = 0; s < x->nskips; s++)
            if (x->skip[s] >= p)
                x->skip[s]++;
    }
    memmove(&g->layer[p], &g->layer[p - 1], sizeof(clnas_chain_layer) * (size_t)(g->nlayers - p + 1));
    g->layer[p - 1] = *l;
    g->nlayers++;
}

void clnas_chain_draw_op(clnas_rng *rng, clnas_chain_layer *l)
{
    static const uint8_t conv_k[4] = {1, 3, 5, 7}, sep_k[2] = {3, 5};
    memset(l, 0, sizeof *l);
    l->op = (uint8_t)clnas_rng_below(rng, CLNAS_CHAIN_OPS);
    if (l->op == CLNAS_CHAIN_CONV)
        l->ksize = conv_k[clnas_rng_below(rng, 4)];
    else if (l->op == CLNAS_CHAIN_SEPCONV)
        l->ksize = sep_k[clnas_rng_below(rng, 2)];
    if (l->ksize)
        l->filters = (uint16_t)clnas_chain_filters[clnas_rng_below(rng, CLNAS_CHAIN_FILTER_CHOICES)];
    l->stride = l->op == CLNAS_CHAIN_IDENTITY ? 1 : (uint8_t)(1 + clnas_rng_below(rng, 2));
}

void clnas_chain_normalize(const clnas_chain_genotype *g, clnas_chain_genotype *out)
{
    clnas_chain_genotype clean;
    memset(&clean, 0, sizeof clean);
    clean.nlayers = g->nlayers;
    for (int i = 0; i < g->nlayers && i < CLNAS_CHAIN_MAX_LAYERS; i++) {
        const clnas_chain_layer *l = &g->layer[i];
        clnas_chain_layer *c = &clean.layer[i];
        c->op = l->op;
        c->ksize = l->ksize;
        c->stride = l->stride;
        c->filters = l->filters;
        c->nskips = l->nskips <= CLNAS_CHAIN_MAX_SKIPS ? l->nskips : CLNAS_CHAIN_MAX_SKIPS;
        c->join = c->nskips ? l->join : 0;
        memcpy(c->skip, l->skip, c->nskips);
    }
    *out = clean;
}
