/* clnas — the DARTS cell space behind the space interface: DARTS' genotype strings (or a published name), derived
 * genotypes sampled uniformly, Real et al.'s cell mutation and its neighbours, the canonical hash; not enumerable. */
#include "clnas/darts_genotype.h"
#include "darts_decisions.h"
#include "space_iface.h"

#include <string.h>

_Static_assert(sizeof(clnas_darts_genotype) <= CLNAS_SPACE_GENOTYPE_BYTES, "a DARTS genotype fits the space blob");
_Static_assert(CLNAS_DARTS_GENOTYPE_STR_MAX <= CLNAS_SPACE_STR_MAX, "a DARTS string fits the space's strings");

static clnas_darts_genotype get(const clnas_space_genotype *g)
{
    clnas_darts_genotype out;
    memcpy(&out, g->u.bytes, sizeof out);
    return out;
}

/* Unused concat slots are zeroed too, so that equal genotypes have equal bytes. */
static void put(const clnas_darts_genotype *g, clnas_space_genotype *out)
{
    clnas_darts_genotype clean = *g;
    clnas_darts_cell *cells[2] = {&clean.normal, &clean.reduce};
    for (int c = 0; c < 2; c++)
        for (int i = cells[c]->nconcat; i < CLNAS_DARTS_STATES; i++)
            cells[c]->concat[i] = 0;
    memset(out, 0, sizeof *out);
    memcpy(out->u.bytes, &clean, sizeof clean);
}

static clnas_status darts_parse(const char *text, clnas_space_genotype *out, clnas_error *err)
{
    clnas_darts_genotype g;
    clnas_status st = clnas_darts_genotype_parse(text, &g, err);
    if (st == CLNAS_OK && out)
        put(&g, out);
    return st;
}

static clnas_status darts_format(const clnas_space_genotype *g, char *buf, size_t cap, clnas_error *err)
{
    const clnas_darts_genotype d = get(g);
    return clnas_darts_genotype_format(&d, buf, cap, err);
}

static void darts_sample(const clnas_space_iface *space, clnas_rng *rng, clnas_space_genotype *out)
{
    (void)space;
    clnas_darts_genotype g;
    clnas_darts_genotype_sample(rng, &g);
    put(&g, out);
}

static void darts_mutate(const clnas_space_genotype *parent, clnas_rng *rng, clnas_space_genotype *child)
{
    const clnas_darts_genotype p = get(parent);
    clnas_darts_genotype c;
    clnas_darts_genotype_mutate(&p, rng, &c);
    put(&c, child);
}

static int darts_neighbours(const clnas_space_genotype *g, clnas_space_genotype *out, int cap)
{
    const clnas_darts_genotype d = get(g);
    clnas_darts_genotype children[CLNAS_DARTS_NEIGHBOURS_MAX];
    const int n = clnas_darts_genotype_neighbours(&d, children, CLNAS_DARTS_NEIGHBOURS_MAX);
    for (int i = 0; i < n && i < cap; i++)
        put(&children[i], &out[i]);
    return n;
}

static clnas_status darts_canonical(const clnas_space_genotype *g, char *buf, size_t cap, uint64_t *hash,
                                    clnas_error *err)
{
    const clnas_darts_genotype d = get(g);
    return clnas_darts_genotype_canonical(&d, NULL, buf, cap, hash, err);
}

static int darts_to_decisions(const clnas_space_genotype *g, int *choice)
{
    const clnas_darts_genotype d = get(g);
    return clnas_darts_to_decisions(&d, choice);
}

static void darts_from_decisions(const int *choice, clnas_space_genotype *out)
{
    clnas_darts_genotype d;
    clnas_darts_from_decisions(choice, &d);
    put(&d, out);
}

const clnas_space_iface clnas_space_darts = {
    .name = "darts",
    .description = "DARTS cells (Liu et al. 2019): a normal and a reduction cell, 4 nodes each summing 2 edges over "
                   "8 ops (about 2.8e20 genotypes of 2 distinct inputs and no none per node)",
    .example = "DARTS_V2",
    .str_max = CLNAS_DARTS_GENOTYPE_STR_MAX,
    .size = 0,
    .parse = darts_parse,
    .format = darts_format,
    .sample = darts_sample,
    .mutate = darts_mutate,
    .canonical = darts_canonical,
    .neighbours = darts_neighbours,
    .from_index = NULL,
    .decisions = CLNAS_DARTS_DECISIONS,
    .decision_options = clnas_darts_decision_options,
    .decision_name = clnas_darts_decision_name,
    .to_decisions = darts_to_decisions,
    .from_decisions = darts_from_decisions,
};
