/* clnas — NB201's unique string of a cell, and the clnas canonical form and its hash. */
#include "clnas/space.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TERM_MAX CLNAS_GENOTYPE_STR_MAX

static int compare_terms(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Sorts terms[0..n) and joins them with '+' into out; -1 if out is too small. */
static int join_sorted(char (*terms)[TERM_MAX], int n, char *out, size_t cap)
{
    qsort(terms, (size_t)n, sizeof terms[0], compare_terms);
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        const int w = snprintf(out + len, cap - len, "%s%s", i ? "+" : "", terms[i]);
        if (w < 0 || (size_t)w >= cap - len)
            return -1;
        len += (size_t)w;
    }
    return 0;
}

/* Node by node, as NB201's genotypes.py to_unique_str(consider_zero=True) does. NB201 (merge_zeros 0) makes an
 * edge "#" when its op is none or its input's string is exactly "#" and keeps every term. The canonical form
 * (merge_zeros 1) also drops "#" terms from a sum and writes an all-"#" sum as "#", so that an edge from such a
 * node is "#" too. A skip_connect term is its input's whole string, as in NB201 (sums are not flattened). */
static int cell_string(const clnas_genotype *g, int merge_zeros, char *out, size_t cap)
{
    char nodes[CLNAS_NB201_NODES][TERM_MAX] = {"0"};
    int e = 0;
    for (int node = 1; node < CLNAS_NB201_NODES; node++) {
        char terms[CLNAS_NB201_NODES - 1][TERM_MAX];
        int n = 0;
        for (int input = 0; input < node; input++, e++) {
            const int op = g->ops[e];
            int w;
            if (op == CLNAS_OP_NONE || strcmp(nodes[input], "#") == 0) {
                if (merge_zeros)
                    continue;
                w = snprintf(terms[n], TERM_MAX, "#");
            } else if (op == CLNAS_OP_SKIP_CONNECT) {
                w = snprintf(terms[n], TERM_MAX, "%s", nodes[input]);
            } else {
                w = snprintf(terms[n], TERM_MAX, "(%s)@%s", nodes[input], clnas_nb201_op_name((clnas_nb201_op)op));
            }
            if (w < 0 || w >= TERM_MAX)
                return -1;
            n++;
        }
        if (n == 0)
            snprintf(nodes[node], TERM_MAX, "#");
        else if (join_sorted(terms, n, nodes[node], TERM_MAX) != 0)
            return -1;
    }
    const size_t len = strlen(nodes[CLNAS_NB201_NODES - 1]);
    if (len + 1 > cap)
        return -1;
    memcpy(out, nodes[CLNAS_NB201_NODES - 1], len + 1);
    return 0;
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static clnas_status cell_string_checked(const clnas_genotype *g, int merge_zeros, char *out, size_t cap,
                                       const char *who, clnas_error *err)
{
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        if (g->ops[e] >= CLNAS_NB201_OPS)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: genotype edge %d has op %u, not one of 0..%d",
                                   who, e, (unsigned)g->ops[e], CLNAS_NB201_OPS - 1);
    if (cell_string(g, merge_zeros, out, cap) != 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: the string needs more than the %zu-byte buffer",
                               who, cap);
    return CLNAS_OK;
}

clnas_status clnas_genotype_nb201_unique_str(const clnas_genotype *g, char *buf, size_t cap, clnas_error *err)
{
    if (!g || !buf)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "clnas_genotype_nb201_unique_str: g and buf must not be NULL");
    return cell_string_checked(g, 0, buf, cap, "clnas_genotype_nb201_unique_str", err);
}

clnas_status clnas_genotype_canonical(const clnas_genotype *g, char *buf, size_t cap, uint64_t *hash,
                                      clnas_error *err)
{
    if (!g || (!buf && cap > 0) || (!buf && !hash))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "clnas_genotype_canonical: g must not be NULL, and buf or hash must be given");
    char canonical[CLNAS_GENOTYPE_STR_MAX];
    clnas_status st = cell_string_checked(g, 1, canonical, sizeof canonical, "clnas_genotype_canonical", err);
    if (st != CLNAS_OK)
        return st;
    const size_t len = strlen(canonical);
    if (buf) {
        if (len + 1 > cap)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                   "clnas_genotype_canonical: the string needs %zu bytes, the buffer has %zu",
                                   len + 1, cap);
        memcpy(buf, canonical, len + 1);
    }
    if (hash)
        *hash = fnv1a64(canonical);
    return CLNAS_OK;
}
