/* clnas — every child one mutation of a chain-structured genotype can make, each once. */
#include "clnas/chain_genotype.h"

#include <string.h>

#include "chain_edit.h"
#include "hash.h"

typedef struct collector {
    const clnas_chain_genotype *parent;
    clnas_chain_genotype *out;
    int cap, n;
    uint64_t seen[CLNAS_CHAIN_NEIGHBOURS_MAX];
} collector;

/* Keeps c when it is valid, differs from the parent and is new. */
static void offer(collector *k, const clnas_chain_genotype *c)
{
    if (k->n == CLNAS_CHAIN_NEIGHBOURS_MAX || clnas_chain_genotype_validate(c, NULL, NULL) != CLNAS_OK ||
        clnas_chain_genotype_equal(c, k->parent))
        return;
    clnas_chain_genotype clean;
    clnas_chain_normalize(c, &clean);
    const uint64_t h = clnas_fnv1a64(&clean, sizeof clean, CLNAS_FNV1A64_INIT);
    for (int i = 0; i < k->n; i++)
        if (k->seen[i] == h)
            return;
    if (k->n < k->cap)
        k->out[k->n] = clean;
    k->seen[k->n++] = h;
}

/* Every (op, kernel size, filters) a layer can have: 16 convs, 8 sepconvs, 2 pools, identity. */
static int op_choices(clnas_chain_layer *ls)
{
    int n = 0;
    for (int op = 0; op < CLNAS_CHAIN_OPS; op++) {
        const int conv = op == CLNAS_CHAIN_CONV, sep = op == CLNAS_CHAIN_SEPCONV;
        for (int k = 1; k <= 7; k += 2) {
            if ((sep && (k == 1 || k == 7)) || (!conv && !sep && k > 1))
                continue;
            for (int f = 0; f < ((conv || sep) ? CLNAS_CHAIN_FILTER_CHOICES : 1); f++) {
                memset(&ls[n], 0, sizeof ls[n]);
                ls[n].op = (uint8_t)op;
                ls[n].ksize = (uint8_t)(conv || sep ? k : 0);
                ls[n].filters = (uint16_t)(conv || sep ? clnas_chain_filters[f] : 0);
                ls[n++].stride = 1;
            }
        }
    }
    return n;
}

/* Changes of layer i alone: its op (stride kept, identity unstrided), kernel size, filters, stride, join. */
static void layer_changes(collector *k, int i, const clnas_chain_layer *ops, int nops)
{
    const clnas_chain_layer *l = &k->parent->layer[i - 1];
    for (int o = 0; o < nops; o++) {
        clnas_chain_genotype c = *k->parent;
        clnas_chain_layer *x = &c.layer[i - 1];
        const int same_op = ops[o].op == l->op;
        x->op = ops[o].op;
        x->ksize = ops[o].ksize;
        x->filters = ops[o].filters;
        if (x->op == CLNAS_CHAIN_IDENTITY)
            x->stride = 1;
        if (!same_op || (x->ksize == l->ksize) != (x->filters == l->filters))
            offer(k, &c); /* an op change, or a change of just the kernel size or just the filters */
    }
    clnas_chain_genotype c = *k->parent;
    if (l->op != CLNAS_CHAIN_IDENTITY) {
        c.layer[i - 1].stride = (uint8_t)(3 - l->stride);
        offer(k, &c);
    }
    c = *k->parent;
    if (l->nskips) {
        c.layer[i - 1].join = (uint8_t)(1 - l->join);
        offer(k, &c);
    }
}

static void skip_changes(collector *k, int i)
{
    const clnas_chain_layer *l = &k->parent->layer[i - 1];
    for (int j = 0; j <= i - 2 && l->nskips < CLNAS_CHAIN_MAX_SKIPS; j++) {
        clnas_chain_genotype c = *k->parent;
        clnas_chain_layer *x = &c.layer[i - 1];
        x->skip[x->nskips++] = (uint8_t)j;
        offer(k, &c); /* a listed j is refused by validation */
    }
    for (int s = 0; s < l->nskips; s++) {
        clnas_chain_genotype c = *k->parent;
        clnas_chain_layer *x = &c.layer[i - 1];
        memmove(&x->skip[s], &x->skip[s + 1], (size_t)(x->nskips - s - 1));
        if (--x->nskips == 0)
            x->join = CLNAS_CHAIN_SUM;
        offer(k, &c);
    }
}

int clnas_chain_genotype_neighbours(const clnas_chain_genotype *g, int max_layers, clnas_chain_genotype *out, int cap)
{
    max_layers = max_layers < 1 ? 1 : max_layers > CLNAS_CHAIN_MAX_LAYERS ? CLNAS_CHAIN_MAX_LAYERS : max_layers;
    collector k = {g, out, cap < 0 ? 0 : cap, 0, {0}};
    clnas_chain_layer ops[32];
    const int nops = op_choices(ops);
    for (int i = 1; i <= g->nlayers; i++)
        layer_changes(&k, i, ops, nops);
    for (int p = 1; p <= g->nlayers + 1 && g->nlayers < max_layers; p++)
        for (int o = 0; o < nops; o++)
            for (int s = 1; s <= (ops[o].op == CLNAS_CHAIN_IDENTITY ? 1 : 2); s++) {
                clnas_chain_genotype c = *g;
                clnas_chain_layer d = ops[o];
                d.stride = (uint8_t)s;
                clnas_chain_insert_layer(&c, p, &d);
                offer(&k, &c);
            }
    for (int r = 1; r <= g->nlayers && g->nlayers > 1; r++) {
        clnas_chain_genotype c = *g;
        clnas_chain_remove_layer(&c, r, 0);
        offer(&k, &c);
    }
    for (int i = 1; i <= g->nlayers; i++)
        skip_changes(&k, i);
    return k.n;
}
