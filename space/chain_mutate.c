/* clnas — chain-structured genotypes: one random valid change (op, hyper-parameter, layer, skip). */
#include "clnas/chain_genotype.h"

#include <string.h>

#include "chain_edit.h"

#define MUTATION_TRIES 64

/* A different op with fresh hyper-parameters; the stride kept (identity unstrided). */
static void change_op(clnas_rng *rng, clnas_chain_layer *l)
{
    clnas_chain_layer d;
    do
        clnas_chain_draw_op(rng, &d);
    while (d.op == l->op);
    l->op = d.op;
    l->ksize = d.ksize;
    l->filters = d.filters;
    if (l->op == CLNAS_CHAIN_IDENTITY)
        l->stride = 1;
}

/* One of kernel size, filters, stride and join redrawn (the result may equal the parent: the caller retries). */
static void change_param(clnas_rng *rng, clnas_chain_layer *l)
{
    switch (clnas_rng_below(rng, 4)) {
    case 0:
        if (l->op == CLNAS_CHAIN_CONV)
            l->ksize = (uint8_t)(1 + 2 * clnas_rng_below(rng, 4));
        else if (l->op == CLNAS_CHAIN_SEPCONV)
            l->ksize = (uint8_t)(3 + 2 * clnas_rng_below(rng, 2));
        break;
    case 1:
        if (l->filters)
            l->filters = (uint16_t)clnas_chain_filters[clnas_rng_below(rng, CLNAS_CHAIN_FILTER_CHOICES)];
        break;
    case 2:
        if (l->op != CLNAS_CHAIN_IDENTITY)
            l->stride = (uint8_t)(3 - l->stride);
        break;
    default:
        if (l->nskips)
            l->join = (uint8_t)(1 - l->join);
        break;
    }
}

static void add_skip(clnas_rng *rng, clnas_chain_layer *l, int i)
{
    if (i < 2 || l->nskips == CLNAS_CHAIN_MAX_SKIPS)
        return;
    int j = (int)clnas_rng_below(rng, (uint32_t)(i - 1));
    for (int s = 0; s < l->nskips; s++)
        if (l->skip[s] == j)
            return;
    l->skip[l->nskips++] = (uint8_t)j;
}

static void remove_skip(clnas_rng *rng, clnas_chain_layer *l)
{
    if (l->nskips == 0)
        return;
    int s = (int)clnas_rng_below(rng, l->nskips);
    memmove(&l->skip[s], &l->skip[s + 1], (size_t)(l->nskips - s - 1));
    if (--l->nskips == 0)
        l->join = CLNAS_CHAIN_SUM;
}

static void try_mutation(clnas_rng *rng, int max_layers, clnas_chain_genotype *c)
{
    const int i = 1 + (int)clnas_rng_below(rng, (uint32_t)c->nlayers);
    clnas_chain_layer *l = &c->layer[i - 1];
    switch (clnas_rng_below(rng, 6)) {
    case 0: change_op(rng, l); break;
    case 1: change_param(rng, l); break;
    case 2:
        if (c->nlayers < max_layers) {
            clnas_chain_layer d;
            clnas_chain_draw_op(rng, &d);
            clnas_chain_insert_layer(c, 1 + (int)clnas_rng_below(rng, (uint32_t)c->nlayers + 1), &d);
        }
        break;
    case 3:
        if (c->nlayers > 1)
            clnas_chain_remove_layer(c, i, 0);
        break;
    case 4: add_skip(rng, l, i); break;
    default: remove_skip(rng, l); break;
    }
}

void clnas_chain_genotype_mutate(const clnas_chain_genotype *parent, clnas_rng *rng, int max_layers,
                                 clnas_chain_genotype *child)
{
    max_layers = max_layers < 1 ? 1 : max_layers > CLNAS_CHAIN_MAX_LAYERS ? CLNAS_CHAIN_MAX_LAYERS : max_layers;
    for (int t = 0; t < MUTATION_TRIES; t++) {
        clnas_chain_genotype c = *parent;
        try_mutation(rng, max_layers, &c);
        if (clnas_chain_genotype_validate(&c, NULL, NULL) == CLNAS_OK && !clnas_chain_genotype_equal(&c, parent)) {
            *child = c;
            return;
        }
    }
    /* Practically never reached; appending a plain 3x3 conv to the end, or removing the last layer (no skip reads
     * it), is always valid; a lone layer (no skips) can be any op. */
    *child = *parent;
    clnas_chain_layer d = {CLNAS_CHAIN_CONV, 3, 1, CLNAS_CHAIN_SUM, 0, {0}, 16};
    if (child->nlayers < max_layers) {
        child->layer[child->nlayers++] = d;
    } else if (child->nlayers > 1) {
        child->nlayers--;
    } else {
        if (child->layer[0].op == d.op && child->layer[0].ksize == d.ksize)
            d.ksize = 1;
        child->layer[0] = d;
    }
}
