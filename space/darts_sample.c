/* clnas — the DARTS cell space: uniform sampling of derived genotypes, Real et al.'s cell mutation and the
 * neighbours it reaches. */
#include "clnas/darts_genotype.h"

#include <string.h>

#define NON_NONE_OPS (CLNAS_DARTS_OPS - 1)

static void sample_cell(clnas_rng *rng, clnas_darts_cell *c)
{
    memset(c, 0, sizeof *c);
    for (int k = 0; k < CLNAS_DARTS_NODES; k++) {
        const uint32_t states = 2 + (uint32_t)k;
        const uint32_t a = clnas_rng_below(rng, states);
        uint32_t b = clnas_rng_below(rng, states - 1);
        b += b >= a; /* uniform over the states other than a */
        c->input[2 * k] = (uint8_t)a;
        c->input[2 * k + 1] = (uint8_t)b;
        c->op[2 * k] = (uint8_t)(1 + clnas_rng_below(rng, NON_NONE_OPS));
        c->op[2 * k + 1] = (uint8_t)(1 + clnas_rng_below(rng, NON_NONE_OPS));
    }
    for (int k = 0; k < CLNAS_DARTS_NODES; k++)
        c->concat[k] = (uint8_t)(2 + k);
    c->nconcat = CLNAS_DARTS_NODES;
}

void clnas_darts_genotype_sample(clnas_rng *rng, clnas_darts_genotype *out)
{
    sample_cell(rng, &out->normal);
    sample_cell(rng, &out->reduce);
}

/* The states edge e may switch to: earlier than its node, not its own, not its sibling's. Returns their count. */
static int input_choices(const clnas_darts_cell *c, int e, uint8_t choices[CLNAS_DARTS_STATES])
{
    const int sibling = e ^ 1, states = 2 + e / 2;
    int n = 0;
    for (int s = 0; s < states; s++)
        if (s != c->input[e] && s != c->input[sibling])
            choices[n++] = (uint8_t)s;
    return n;
}

static void mutate_op(clnas_darts_cell *c, clnas_rng *rng)
{
    const uint32_t e = clnas_rng_below(rng, CLNAS_DARTS_EDGES);
    const uint8_t old = c->op[e];
    /* A non-none op: 1..7 other than old (6 choices), or any of 1..7 when old is none. */
    const uint32_t n = old == CLNAS_DARTS_NONE || old >= CLNAS_DARTS_OPS ? NON_NONE_OPS : NON_NONE_OPS - 1;
    uint32_t op = 1 + clnas_rng_below(rng, n);
    if (n == NON_NONE_OPS - 1)
        op += op >= old;
    c->op[e] = (uint8_t)op;
}

static void mutate_input(clnas_darts_cell *c, clnas_rng *rng)
{
    int eligible[CLNAS_DARTS_EDGES], n = 0;
    uint8_t choices[CLNAS_DARTS_STATES];
    for (int e = 0; e < CLNAS_DARTS_EDGES; e++)
        if (input_choices(c, e, choices) > 0)
            eligible[n++] = e;
    /* Node 3's edges always have a choice (5 states, at most 2 taken), so n >= 2. */
    const int e = eligible[clnas_rng_below(rng, (uint32_t)n)];
    const int k = input_choices(c, e, choices);
    c->input[e] = choices[clnas_rng_below(rng, (uint32_t)k)];
}

void clnas_darts_genotype_mutate(const clnas_darts_genotype *parent, clnas_rng *rng, clnas_darts_genotype *child)
{
    clnas_darts_genotype next = *parent;
    const uint32_t kind = clnas_rng_below(rng, 4); /* bit 0: the cell; bit 1: op or input */
    clnas_darts_cell *c = kind & 1 ? &next.reduce : &next.normal;
    if (kind & 2)
        mutate_input(c, rng);
    else
        mutate_op(c, rng);
    *child = next;
}

int clnas_darts_genotype_neighbours(const clnas_darts_genotype *g, clnas_darts_genotype *out, int cap)
{
    int n = 0;
    for (int cell = 0; cell < 2; cell++) {
        for (int e = 0; e < CLNAS_DARTS_EDGES; e++) {
            const clnas_darts_cell *c = cell ? &g->reduce : &g->normal;
            uint8_t choices[CLNAS_DARTS_STATES];
            const int k = input_choices(c, e, choices);
            for (int op = 1; op < CLNAS_DARTS_OPS + k; op++) {
                if (op == c->op[e])
                    continue;
                if (n < cap) {
                    out[n] = *g;
                    clnas_darts_cell *m = cell ? &out[n].reduce : &out[n].normal;
                    if (op < CLNAS_DARTS_OPS)
                        m->op[e] = (uint8_t)op;
                    else
                        m->input[e] = choices[op - CLNAS_DARTS_OPS];
                }
                n++;
            }
        }
    }
    return n;
}
