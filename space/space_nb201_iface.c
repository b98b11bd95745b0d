/* clnas — NAS-Bench-201 behind the space interface: its arch strings, uniform cells, edge-op mutation and its
 * neighbours, canonical hash and index order. */
#include "clnas/space.h"
#include "space_iface.h"

#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(clnas_genotype) <= CLNAS_SPACE_GENOTYPE_BYTES, "an NB201 genotype fits the space blob");

static clnas_genotype get(const clnas_space_genotype *g)
{
    clnas_genotype out;
    memcpy(&out, g->u.bytes, sizeof out);
    return out;
}

static void put(const clnas_genotype *g, clnas_space_genotype *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->u.bytes, g, sizeof *g);
}

static clnas_status nb201_parse(const char *text, clnas_space_genotype *out, clnas_error *err)
{
    clnas_genotype g;
    clnas_status st = clnas_genotype_parse(text, &g, err);
    if (st == CLNAS_OK && out)
        put(&g, out);
    return st;
}

static clnas_status nb201_format(const clnas_space_genotype *g, char *buf, size_t cap, clnas_error *err)
{
    const clnas_genotype c = get(g);
    return clnas_genotype_format(&c, buf, cap, err);
}

static void nb201_sample(const clnas_space_iface *space, clnas_rng *rng, clnas_space_genotype *out)
{
    (void)space;
    clnas_genotype g;
    clnas_genotype_sample(rng, &g);
    put(&g, out);
}

static void nb201_mutate(const clnas_space_genotype *parent, clnas_rng *rng, clnas_space_genotype *child)
{
    const clnas_genotype p = get(parent);
    clnas_genotype c;
    clnas_genotype_mutate(&p, rng, &c);
    put(&c, child);
}

static clnas_status nb201_canonical(const clnas_space_genotype *g, char *buf, size_t cap, uint64_t *hash,
                                    clnas_error *err)
{
    const clnas_genotype c = get(g);
    return clnas_genotype_canonical(&c, buf, cap, hash, err);
}

/* The 24 cells one edge op away, edge by edge, ops in enum order. */
static int nb201_neighbours(const clnas_space_genotype *g, clnas_space_genotype *out, int cap)
{
    const clnas_genotype c = get(g);
    int n = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int op = 0; op < CLNAS_NB201_OPS; op++) {
            if (op == c.ops[e])
                continue;
            if (n < cap) {
                clnas_genotype m = c;
                m.ops[e] = (uint8_t)op;
                put(&m, &out[n]);
            }
            n++;
        }
    return n;
}

static void nb201_from_index(uint64_t index, clnas_space_genotype *out)
{
    clnas_genotype g;
    clnas_genotype_from_index((uint32_t)(index % CLNAS_NB201_CELLS), &g);
    put(&g, out);
}

/* Decisions: edge e's op (0..4 in enum order), edges in arch-string order; every decision vector is a cell. */
static int nb201_decision_options(int i)
{
    (void)i;
    return CLNAS_NB201_OPS;
}

static void nb201_decision_name(int i, char *buf, size_t cap)
{
    snprintf(buf, cap, "edge %d<-%d", clnas_nb201_edge_to[i], clnas_nb201_edge_from[i]);
}

static int nb201_to_decisions(const clnas_space_genotype *g, int *choice)
{
    const clnas_genotype c = get(g);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        choice[e] = c.ops[e];
    return 1;
}

static void nb201_from_decisions(const int *choice, clnas_space_genotype *out)
{
    clnas_genotype c;
    memset(&c, 0, sizeof c);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        c.ops[e] = (uint8_t)choice[e];
    put(&c, out);
}

const clnas_space_iface clnas_space_nb201 = {
    .name = "nb201",
    .description = "NAS-Bench-201 cells: 4 nodes, 6 edges, each none, skip_connect, nor_conv_1x1, nor_conv_3x3 or "
                   "avg_pool_3x3 (15,625 cells)",
    .example = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    .str_max = CLNAS_GENOTYPE_STR_MAX,
    .size = CLNAS_NB201_CELLS,
    .parse = nb201_parse,
    .format = nb201_format,
    .sample = nb201_sample,
    .mutate = nb201_mutate,
    .canonical = nb201_canonical,
    .neighbours = nb201_neighbours,
    .from_index = nb201_from_index,
    .decisions = CLNAS_NB201_EDGES,
    .decision_options = nb201_decision_options,
    .decision_name = nb201_decision_name,
    .to_decisions = nb201_to_decisions,
    .from_decisions = nb201_from_decisions,
};
