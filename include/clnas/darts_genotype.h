/* clnas — the DARTS cell space (Liu et al., ICLR 2019): normal and reduction cells, DARTS' genotype strings. */
#ifndef CLNAS_DARTS_GENOTYPE_H
#define CLNAS_DARTS_GENOTYPE_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/rng.h"
#include "clnas/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CLNAS_DARTS_NODES 4  /* intermediate nodes per cell: states 2..5 (states 0 and 1 are the cell's inputs) */
#define CLNAS_DARTS_EDGES 8  /* two per intermediate node: edges 2k and 2k+1 feed state 2+k */
#define CLNAS_DARTS_STATES 6 /* 2 inputs + 4 intermediate nodes */
#define CLNAS_DARTS_OPS 8

/* Enough for every string this header writes (DARTS' printed form of any genotype), plus the NUL. */
#define CLNAS_DARTS_GENOTYPE_STR_MAX 640

/* DARTS' PRIMITIVES, in its order (the index is the op's position in a mixed op and in alpha). */
typedef enum clnas_darts_op {
    CLNAS_DARTS_NONE = 0,
    CLNAS_DARTS_MAX_POOL_3X3,
    CLNAS_DARTS_AVG_POOL_3X3,
    CLNAS_DARTS_SKIP_CONNECT,
    CLNAS_DARTS_SEP_CONV_3X3,
    CLNAS_DARTS_SEP_CONV_5X5,
    CLNAS_DARTS_DIL_CONV_3X3,
    CLNAS_DARTS_DIL_CONV_5X5
} clnas_darts_op;

/* One cell: edge e applies op[e] to state input[e] (0 <= input[e] < 2 + e/2); state 2+k is the sum of edges 2k
 * and 2k+1. The cell's output is the concatenation on channels of states concat[0..nconcat-1] in that order
 * (distinct states in 0..5; DARTS' own genotypes use 2, 3, 4, 5). */
typedef struct clnas_darts_cell {
    uint8_t op[CLNAS_DARTS_EDGES];
    uint8_t input[CLNAS_DARTS_EDGES];
    uint8_t concat[CLNAS_DARTS_STATES];
    uint8_t nconcat;
} clnas_darts_cell;

typedef struct clnas_darts_genotype {
    clnas_darts_cell normal, reduce;
} clnas_darts_genotype;

/* "none", "max_pool_3x3", ..., "dil_conv_5x5"; "unknown" outside the enum. */
const char *clnas_darts_op_name(clnas_darts_op op);

/* Parses DARTS' printed form,
 *   Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ...], normal_concat=[2, 3, 4, 5],
 *            reduce=[...], reduce_concat=range(2, 6))
 * (keyword or positional fields, an optional "genotypes." prefix, a concat as a list or range(a, b), blanks
 * anywhere between tokens), or the name of a published genotype (clnas_darts_genotype_named). CLNAS_ERR_PARSE
 * names the 0-based character position and what was expected there. */
clnas_status clnas_darts_genotype_parse(const char *text, clnas_darts_genotype *out, clnas_error *err);

/* Writes the form Python's repr of DARTS' namedtuple gives (lists for the concats); parse(format(g)) == g. */
clnas_status clnas_darts_genotype_format(const clnas_darts_genotype *g, char *buf, size_t cap, clnas_error *err);

/* The published genotypes by name: DARTS_V1, DARTS_V2, PC_DARTS, and ALL_OPS (the test cell of
 * ../shared/reference/darts that uses all 8 ops); CLNAS_ERR_NOT_FOUND listing the names otherwise. */
clnas_status clnas_darts_genotype_named(const char *name, clnas_darts_genotype *out, clnas_error *err);

#ifdef __cplusplus
}
#endif
#endif
