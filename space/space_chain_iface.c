/* clnas — the chain-structured space behind the space interface: chain genotype strings, sampling of up to
 * CLNAS_CHAIN_MAX_LAYERS layers, mutation, the canonical hash; not enumerable. */
#include "clnas/chain_genotype.h"
#include "space_iface.h"

#include <string.h>

_Static_assert(sizeof(clnas_chain_genotype) <= CLNAS_SPACE_GENOTYPE_BYTES, "a chain genotype fits the space blob");
_Static_assert(CLNAS_CHAIN_GENOTYPE_STR_MAX <= CLNAS_SPACE_STR_MAX, "a chain string fits the space's strings");

static clnas_chain_genotype get(const clnas_space_genotype *g)
{
    clnas_chain_genotype out;
    memcpy(&out, g->u.bytes, sizeof out);
    return out;
}

/* Only the used fields are copied (layers past nlayers, skips past nskips and the join of a layer without skips
 * stay zero), so that equal genotypes have equal bytes. */
static void put(const clnas_chain_genotype *g, clnas_space_genotype *out)
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
        c->nskips = l->nskips;
        c->join = l->nskips ? l->join : 0;
        memcpy(c->skip, l->skip, l->nskips <= CLNAS_CHAIN_MAX_SKIPS ? l->nskips : CLNAS_CHAIN_MAX_SKIPS);
    }
    memset(out, 0, sizeof *out);
    memcpy(out->u.bytes, &clean, sizeof clean);
}

static clnas_status chain_parse(const char *text, clnas_space_genotype *out, clnas_error *err)
{
    clnas_chain_genotype g;
    clnas_status st = clnas_chain_genotype_parse(text, &g, err);
    if (st == CLNAS_OK && out)
        put(&g, out);
    return st;
}

static clnas_status chain_format(const clnas_space_genotype *g, char *buf, size_t cap, clnas_error *err)
{
    const clnas_chain_genotype c = get(g);
    return clnas_chain_genotype_format(&c, buf, cap, err);
}

static void chain_sample(clnas_rng *rng, clnas_space_genotype *out)
{
    clnas_chain_genotype g;
    clnas_chain_genotype_sample(rng, CLNAS_CHAIN_MAX_LAYERS, &g);
    put(&g, out);
}

static void chain_mutate(const clnas_space_genotype *parent, clnas_rng *rng, clnas_space_genotype *child)
{
    const clnas_chain_genotype p = get(parent);
    clnas_chain_genotype c;
    clnas_chain_genotype_mutate(&p, rng, CLNAS_CHAIN_MAX_LAYERS, &c);
    put(&c, child);
}

static clnas_status chain_canonical(const clnas_space_genotype *g, char *buf, size_t cap, uint64_t *hash,
                                    clnas_error *err)
{
    const clnas_chain_genotype c = get(g);
    return clnas_chain_genotype_canonical(&c, NULL, buf, cap, hash, err);
}

const clnas_space_iface clnas_space_chain = {
    .name = "chain",
    .description = "chain-structured networks: up to 20 layers, each a conv (k 1/3/5/7), sepconv (k 3/5) with 16-128 "
                   "filters, a 3x3 max or average pool or identity, optionally strided, with sum or concatenation "
                   "skips from earlier layers",
    .example = "conv3x3-32 | sepconv5x5-64/s2 | maxpool3x3 | conv1x1-64 + skip(2) | conv3x3-32 + cat(2,3)",
    .str_max = CLNAS_CHAIN_GENOTYPE_STR_MAX,
    .size = 0,
    .parse = chain_parse,
    .format = chain_format,
    .sample = chain_sample,
    .mutate = chain_mutate,
    .canonical = chain_canonical,
    .from_index = NULL,
};
