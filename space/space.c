/* clnas — the NAS-Bench-201 cell: op names, edge table, index, sampling, mutation, zero and live analysis. */
#include "clnas/space.h"

#include <string.h>

const int clnas_nb201_edge_from[CLNAS_NB201_EDGES] = {0, 0, 1, 0, 1, 2};
const int clnas_nb201_edge_to[CLNAS_NB201_EDGES] = {1, 2, 2, 3, 3, 3};

static const char *const op_names[CLNAS_NB201_OPS] = {
    "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3",
};

const char *clnas_nb201_op_name(clnas_nb201_op op)
{
    if ((unsigned)op >= CLNAS_NB201_OPS)
        return "unknown";
    return op_names[op];
}

clnas_status clnas_nb201_op_parse(const char *name, clnas_nb201_op *out, clnas_error *err)
{
    if (!name || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_nb201_op_parse: name and out must not be NULL");
    for (int op = 0; op < CLNAS_NB201_OPS; op++) {
        if (strcmp(name, op_names[op]) == 0) {
            *out = (clnas_nb201_op)op;
            return CLNAS_OK;
        }
    }
    return clnas_error_set(err, CLNAS_ERR_PARSE,
                           "expected an op name (none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3), "
                           "got \"%.64s\"", name);
}

void clnas_hash_to_hex(uint64_t hash, char out[17])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        out[i] = digits[hash & 0xf];
        hash >>= 4;
    }
    out[16] = '\0';
}

uint32_t clnas_genotype_to_index(const clnas_genotype *g)
{
    uint32_t index = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        if (g->ops[e] >= CLNAS_NB201_OPS)
            return UINT32_MAX;
        index = index * CLNAS_NB201_OPS + g->ops[e];
    }
    return index;
}

void clnas_genotype_from_index(uint32_t index, clnas_genotype *out)
{
    index %= CLNAS_NB201_CELLS;
    for (int e = CLNAS_NB201_EDGES - 1; e >= 0; e--) {
        out->ops[e] = (uint8_t)(index % CLNAS_NB201_OPS);
        index /= CLNAS_NB201_OPS;
    }
}

void clnas_genotype_sample(clnas_rng *rng, clnas_genotype *out)
{
    clnas_genotype_from_index(clnas_rng_below(rng, CLNAS_NB201_CELLS), out);
}

void clnas_genotype_mutate(const clnas_genotype *parent, clnas_rng *rng, clnas_genotype *child)
{
    clnas_genotype next = *parent;
    const uint32_t edge = clnas_rng_below(rng, CLNAS_NB201_EDGES);
    /* Adding 1..4 modulo 5 reaches each of the four other ops exactly once. */
    const uint32_t shift = 1 + clnas_rng_below(rng, CLNAS_NB201_OPS - 1);
    next.ops[edge] = (uint8_t)((parent->ops[edge] % CLNAS_NB201_OPS + shift) % CLNAS_NB201_OPS);
    *child = next;
}

void clnas_genotype_analyse(const clnas_genotype *g, int node_is_zero[CLNAS_NB201_NODES],
                            int edge_live[CLNAS_NB201_EDGES])
{
    int zero[CLNAS_NB201_NODES] = {0, 1, 1, 1};
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        const int op = g->ops[e], from = clnas_nb201_edge_from[e];
        if (op == CLNAS_OP_NONE)
            continue;
        if (zero[from] && (op == CLNAS_OP_SKIP_CONNECT || op == CLNAS_OP_AVG_POOL_3X3))
            continue; /* pooling or passing on zeros gives zeros; ReLU-conv-BN gives BN's shift */
        zero[clnas_nb201_edge_to[e]] = 0;
    }

    int reaches_output[CLNAS_NB201_NODES] = {0, 0, 0, 1};
    for (int e = CLNAS_NB201_EDGES - 1; e >= 0; e--) /* edges into later nodes come later */
        if (g->ops[e] != CLNAS_OP_NONE && reaches_output[clnas_nb201_edge_to[e]])
            reaches_output[clnas_nb201_edge_from[e]] = 1;

    if (node_is_zero)
        memcpy(node_is_zero, zero, sizeof zero);
    if (edge_live)
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            edge_live[e] = g->ops[e] != CLNAS_OP_NONE && reaches_output[clnas_nb201_edge_to[e]];
}
