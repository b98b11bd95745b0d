/* clnas — the chain-structured space behind the space interface: chain genotype strings, sampling of up to
 * CLNAS_CHAIN_MAX_LAYERS layers, mutation, the canonical hash; not enumerable. */
#include "clnas/chain_genotype.h"
#include "chain_decisions.h"
#include "chain_edit.h"
#include "space_chain.h"
#include "space_iface.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(clnas_chain_genotype) <= CLNAS_SPACE_GENOTYPE_BYTES, "a chain genotype fits the space blob");
_Static_assert(CLNAS_CHAIN_GENOTYPE_STR_MAX <= CLNAS_SPACE_STR_MAX, "a chain string fits the space's strings");

void clnas_chain_to_space(const clnas_chain_genotype *g, clnas_space_genotype *out)
{
    clnas_chain_genotype clean;
    clnas_chain_normalize(g, &clean);
    memset(out, 0, sizeof *out);
    memcpy(out->u.bytes, &clean, sizeof clean);
}

static clnas_status chain_parse(const char *text, clnas_space_genotype *out, clnas_error *err)
{
    clnas_chain_genotype g;
    clnas_status st = clnas_chain_genotype_parse(text, &g, err);
    if (st == CLNAS_OK && out)
        clnas_chain_to_space(&g, out);
    return st;
}

static clnas_status chain_format(const clnas_space_genotype *g, char *buf, size_t cap, clnas_error *err)
{
    const clnas_chain_genotype c = clnas_chain_of(g);
    return clnas_chain_genotype_format(&c, buf, cap, err);
}

static void chain_sample(const clnas_space_iface *space, clnas_rng *rng, clnas_space_genotype *out)
{
    (void)space;
    clnas_chain_genotype g;
    clnas_chain_genotype_sample(rng, CLNAS_CHAIN_MAX_LAYERS, &g);
    clnas_chain_to_space(&g, out);
}

static void chain_mutate(const clnas_space_genotype *parent, clnas_rng *rng, clnas_space_genotype *child)
{
    const clnas_chain_genotype p = clnas_chain_of(parent);
    clnas_chain_genotype c;
    clnas_chain_genotype_mutate(&p, rng, CLNAS_CHAIN_MAX_LAYERS, &c);
    clnas_chain_to_space(&c, child);
}

static int chain_neighbours(const clnas_space_genotype *g, clnas_space_genotype *out, int cap)
{
    const clnas_chain_genotype c = clnas_chain_of(g);
    clnas_chain_genotype *children = malloc(sizeof *children * CLNAS_CHAIN_NEIGHBOURS_MAX);
    if (!children)
        return 0;
    const int n = clnas_chain_genotype_neighbours(&c, CLNAS_CHAIN_MAX_LAYERS, children, CLNAS_CHAIN_NEIGHBOURS_MAX);
    for (int i = 0; i < n && i < cap; i++)
        clnas_chain_to_space(&children[i], &out[i]);
    free(children);
    return n;
}

static clnas_status chain_canonical(const clnas_space_genotype *g, char *buf, size_t cap, uint64_t *hash,
                                    clnas_error *err)
{
    const clnas_chain_genotype c = clnas_chain_of(g);
    return clnas_chain_genotype_canonical(&c, NULL, buf, cap, hash, err);
}

static int chain_to_decisions(const clnas_space_genotype *g, int *choice)
{
    const clnas_chain_genotype c = clnas_chain_of(g);
    return clnas_chain_to_decisions(&c, choice);
}

static void chain_from_decisions(const int *choice, clnas_space_genotype *out)
{
    clnas_chain_genotype c;
    clnas_chain_from_decisions(choice, &c);
    clnas_chain_to_space(&c, out);
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
    .neighbours = chain_neighbours,
    .from_index = NULL,
    .decisions = CLNAS_CHAIN_DECISIONS,
    .decision_options = clnas_chain_decision_options,
    .decision_name = clnas_chain_decision_name,
    .to_decisions = chain_to_decisions,
    .from_decisions = chain_from_decisions,
};
