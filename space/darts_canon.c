/* clnas — the DARTS cell space's canonical form and hash: isomorphic genotypes (clnas_darts_genotype_canonical
 * says which) get one form. */
#include "clnas/darts_genotype.h"

#include <string.h>

#include "hash.h"

/* Every permutation of the 4 intermediate nodes (node k becomes node perm[k]). */
static void next_perm(int *perm, int n, int depth, int used, int (*out)[CLNAS_DARTS_NODES], int *count)
{
    if (depth == n) {
        memcpy(out[(*count)++], perm, sizeof(int) * (size_t)n);
        return;
    }
    for (int v = 0; v < n; v++)
        if (!(used & (1 << v))) {
            perm[depth] = v;
            next_perm(perm, n, depth + 1, used | (1 << v), out, count);
        }
}

/* The cell with its nodes relabelled by perm, or 0 when an edge would then read a state not earlier than its
 * node. Edges within a node are sorted by (input, op); a none edge reads state 0; the concat is sorted. */
static int relabel(const clnas_darts_cell *c, const int perm[CLNAS_DARTS_NODES], clnas_darts_cell *out)
{
    memset(out, 0, sizeof *out);
    for (int k = 0; k < CLNAS_DARTS_NODES; k++) {
        uint8_t key[2];
        for (int i = 0; i < 2; i++) {
            const int e = 2 * k + i, op = c->op[e];
            int s = op == CLNAS_DARTS_NONE ? 0 : c->input[e];
            if (s >= 2) {
                s = 2 + perm[s - 2];
                if (s >= 2 + perm[k])
                    return 0;
            }
            key[i] = (uint8_t)(s * CLNAS_DARTS_OPS + op);
        }
        const uint8_t lo = key[0] < key[1] ? key[0] : key[1], hi = key[0] < key[1] ? key[1] : key[0];
        const int to = 2 * perm[k];
        out->input[to] = (uint8_t)(lo / CLNAS_DARTS_OPS);
        out->op[to] = (uint8_t)(lo % CLNAS_DARTS_OPS);
        out->input[to + 1] = (uint8_t)(hi / CLNAS_DARTS_OPS);
        out->op[to + 1] = (uint8_t)(hi % CLNAS_DARTS_OPS);
    }
    unsigned mask = 0;
    for (int i = 0; i < c->nconcat; i++)
        mask |= 1u << (c->concat[i] < 2 ? c->concat[i] : 2 + perm[c->concat[i] - 2]);
    for (int s = 0; s < CLNAS_DARTS_STATES; s++)
        if (mask & (1u << s))
            out->concat[out->nconcat++] = (uint8_t)s;
    return 1;
}

/* Lexicographic order over (edges as input*8+op, then the concat set): the canonical cell is the least. */
static int compare_cells(const clnas_darts_cell *a, const clnas_darts_cell *b)
{
    for (int e = 0; e < CLNAS_DARTS_EDGES; e++) {
        const int ka = a->input[e] * CLNAS_DARTS_OPS + a->op[e], kb = b->input[e] * CLNAS_DARTS_OPS + b->op[e];
        if (ka != kb)
            return ka < kb ? -1 : 1;
    }
    if (a->nconcat != b->nconcat)
        return a->nconcat < b->nconcat ? -1 : 1;
    return memcmp(a->concat, b->concat, a->nconcat);
}

static void canonical_cell(const clnas_darts_cell *c, clnas_darts_cell *best)
{
    int perms[24][CLNAS_DARTS_NODES], perm[CLNAS_DARTS_NODES], count = 0, found = 0;
    next_perm(perm, CLNAS_DARTS_NODES, 0, 0, perms, &count);
    for (int p = 0; p < count; p++) {
        clnas_darts_cell candidate;
        if (relabel(c, perms[p], &candidate) && (!found || compare_cells(&candidate, best) < 0)) {
            *best = candidate;
            found = 1;
        }
    }
    /* The identity (perms[0]) is always admissible for a valid cell, so found is 1. */
}

clnas_status clnas_darts_genotype_canonical(const clnas_darts_genotype *g, clnas_darts_genotype *canon, char *buf,
                                            size_t cap, uint64_t *hash, clnas_error *err)
{
    if (!g)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_darts_genotype_canonical: g must not be NULL");
    clnas_status st = clnas_darts_genotype_validate(g, err);
    if (st != CLNAS_OK)
        return st;
    clnas_darts_genotype c;
    canonical_cell(&g->normal, &c.normal);
    canonical_cell(&g->reduce, &c.reduce);
    char text[CLNAS_DARTS_GENOTYPE_STR_MAX];
    if ((st = clnas_darts_genotype_format(&c, text, sizeof text, err)) != CLNAS_OK)
        return st;
    if (buf && (st = clnas_darts_genotype_format(&c, buf, cap, err)) != CLNAS_OK)
        return st;
    if (hash)
        *hash = clnas_fnv1a64(text, strlen(text), CLNAS_FNV1A64_INIT);
    if (canon)
        *canon = c;
    return CLNAS_OK;
}
