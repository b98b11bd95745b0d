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
 * (distinct states in 0..5, 2..5 in the reduction cell; DARTS' own genotypes use 2, 3, 4, 5). */
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
 * ../shared/reference/darts that uses all 8 ops); CLNAS_ERR_NOT_FOUND listing the names otherwise. darts_ref.py's
 * aliases are accepted too: DARTS (DARTS_V2) and PC_DARTS_cifar (PC_DARTS). */
clnas_status clnas_darts_genotype_named(const char *name, clnas_darts_genotype *out, clnas_error *err);

#define CLNAS_DARTS_NAMED_LIST "DARTS_V1, DARTS_V2, DARTS, PC_DARTS, PC_DARTS_cifar, ALL_OPS"

/* CLNAS_ERR_INVALID_ARG naming the cell, edge or concat entry when an op is outside the enum, an edge of node k
 * reads a state outside 0..k+1, or a concat is empty, has a state outside 0..5 or repeats one, or the reduction
 * cell's concat holds state 0 or 1 (its inputs are twice the size of its nodes: DARTS' torch.cat fails there,
 * although darts_ref.py's validate_genotype lets it through). The parser refuses the same strings. */
clnas_status clnas_darts_genotype_validate(const clnas_darts_genotype *g, clnas_error *err);

/* 1 when a and b are the same genotype field by field (the concats compared in order), else 0. */
int clnas_darts_genotype_equal(const clnas_darts_genotype *a, const clnas_darts_genotype *b);

/* Uniform over the genotypes DARTS derives from a search (its genotype() in model_search.py): in each cell each
 * node k draws two distinct input states, an ordered pair uniform over 0..k+1, and for each edge an op uniform
 * over the 7 ops other than none (DARTS' derivation never picks none); both concats are [2, 3, 4, 5]. Every
 * such genotype string has the same probability. 32 clnas_rng_below draws in a fixed order: normal then reduce,
 * node by node: first input, second input, first op, second op. */
void clnas_darts_genotype_sample(clnas_rng *rng, clnas_darts_genotype *out);

/* Real et al.'s mutation of a cell: one draw picks the cell (normal or reduce) and the kind, an op mutation or
 * an input ("hidden state") mutation, each with probability 1/2. An op mutation sets one uniformly chosen edge
 * of the 8 to a different op, uniform over the non-none ops (none is never introduced). An input mutation sets
 * one uniformly chosen edge, among those that have another admissible state, to a different state uniform over
 * the admissible ones: earlier states other than the one the node's other edge reads (the two inputs of a node
 * stay distinct; node 0's edges read states 0 and 1 and have no other choice when they are distinct). The child
 * always differs from parent; child may be parent. */
void clnas_darts_genotype_mutate(const clnas_darts_genotype *parent, clnas_rng *rng, clnas_darts_genotype *child);

/* Every child clnas_darts_genotype_mutate can make of g (edge by edge, normal cell first: the op changes, then the
 * input changes), the first cap of them into out; returns their number (at most CLNAS_DARTS_NEIGHBOURS_MAX). */
#define CLNAS_DARTS_NEIGHBOURS_MAX (2 * CLNAS_DARTS_EDGES * (CLNAS_DARTS_OPS - 1 + CLNAS_DARTS_STATES))
int clnas_darts_genotype_neighbours(const clnas_darts_genotype *g, clnas_darts_genotype *out, int cap);

/* The canonical form: the genotype with the same function written one way, and its hash (FNV-1a 64 of the
 * canonical form's string, which clnas_darts_genotype_format writes into buf; buf may be NULL with cap 0).
 * Merged, because the network computes the same function (up to a permutation of the weights):
 *   - a node's two edges in either order (the node is their sum);
 *   - the state a none edge reads (none is x*0: 0 for every finite x; NaN and Inf would propagate);
 *   - relabellings of the intermediate nodes that keep every edge reading an earlier state, the concat mapped
 *     with them (e.g. two independent nodes swapped);
 *   - the order of a concat: it orders the cell's output channels, and every consumer of a cell's output (the
 *     next cells' 1x1 preprocessing or FactorizedReduce, the auxiliary head's 1x1 conv after pooling, the
 *     classifier after global pooling) takes any channel order with its weights permuted alike.
 * Not merged: different ops (even where they might coincide, as skip_connect and a pooling of a constant),
 * different states read by any other op, the two cell inputs (states 0 and 1 come from different cells), the
 * normal and the reduction cell, different concat sets, and the ops of nodes no output depends on (they cost
 * parameters and time, and DARTS still computes them). */
clnas_status clnas_darts_genotype_canonical(const clnas_darts_genotype *g, clnas_darts_genotype *canon, char *buf,
                                            size_t cap, uint64_t *hash, clnas_error *err);

#ifdef __cplusplus
}
#endif
#endif
