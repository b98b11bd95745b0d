/* clnas — the NAS-Bench-201 cell search space: genotypes, arch strings, canonical forms, sampling, mutation. */
#ifndef CLNAS_SPACE_H
#define CLNAS_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/rng.h"
#include "clnas/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CLNAS_NB201_NODES 4
#define CLNAS_NB201_EDGES 6
#define CLNAS_NB201_OPS 5
#define CLNAS_NB201_CELLS 15625 /* 5^6 */

/* Enough for every string this header writes: arch strings are at most 95 characters, NB201 unique strings
 * and canonical strings at most 112, plus the terminating NUL. */
#define CLNAS_GENOTYPE_STR_MAX 128

typedef enum clnas_nb201_op {
    CLNAS_OP_NONE = 0,
    CLNAS_OP_SKIP_CONNECT,
    CLNAS_OP_NOR_CONV_1X1,
    CLNAS_OP_NOR_CONV_3X3,
    CLNAS_OP_AVG_POOL_3X3
} clnas_nb201_op;

/* Edge e connects node clnas_nb201_edge_from[e] -> clnas_nb201_edge_to[e], in the order of the arch string:
 * (0->1), (0->2), (1->2), (0->3), (1->3), (2->3). */
extern const int clnas_nb201_edge_from[CLNAS_NB201_EDGES], clnas_nb201_edge_to[CLNAS_NB201_EDGES];

/* One cell: ops[e] is a clnas_nb201_op for edge e. */
typedef struct clnas_genotype {
    uint8_t ops[CLNAS_NB201_EDGES];
} clnas_genotype;

/* "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"; "unknown" outside the enum. */
const char *clnas_nb201_op_name(clnas_nb201_op op);

/* The op whose NB201 name is exactly name; CLNAS_ERR_PARSE naming the accepted names otherwise. */
clnas_status clnas_nb201_op_parse(const char *name, clnas_nb201_op *out, clnas_error *err);

/* Parses an NB201 arch string such as
 *   |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|
 * Exact syntax: no whitespace, node j lists exactly j edges with input indices ~0 .. ~(j-1) in order.
 * CLNAS_ERR_PARSE names the 0-based character position and what was expected there. */
clnas_status clnas_genotype_parse(const char *text, clnas_genotype *out, clnas_error *err);

/* Writes the arch string; format(parse(s)) == s for every valid s. CLNAS_ERR_INVALID_ARG for an op outside the
 * enum or when cap is too small (CLNAS_GENOTYPE_STR_MAX always suffices). */
clnas_status clnas_genotype_format(const clnas_genotype *g, char *buf, size_t cap, clnas_error *err);

/* NB201's own to_unique_str(consider_zero=True): node 0 is "0"; an edge is "#" when its op is none or its
 * input node's string is exactly "#", the input's string for skip_connect, else "(input)@op"; a node is its
 * edges' strings sorted and joined by "+"; the result is node 3's string. 6,466 classes over 15,625 cells. */
clnas_status clnas_genotype_nb201_unique_str(const clnas_genotype *g, char *buf, size_t cap, clnas_error *err);

/* The clnas canonical form: NB201's rule, merged further only where provably equal: '#' terms are dropped from a
 * node's sum (x + 0 = x), an all-'#' sum is "#", an edge from a "#" node is "#" (NB201's rule, now also for
 * nodes such as "#+#"), terms sorted; a skip_connect term is its input's whole string, as in NB201. Cells with
 * the same NB201 string get the same canonical string (checked over all 15,625 by tests/test_space.c); there
 * are 5,390 canonical classes. *hash (if hash is not NULL) is FNV-1a 64 of the canonical string; buf may be
 * NULL with cap 0 when only the hash is wanted. Like NB201, this treats ReLU-conv-BN of a zero node as zero,
 * although the network computes BN's shift there; clnas_genotype_analyse() tells the two apart. */
clnas_status clnas_genotype_canonical(const clnas_genotype *g, char *buf, size_t cap, uint64_t *hash,
                                      clnas_error *err);

/* The number of clnas canonical classes over the 15,625 cells. */
#define CLNAS_NB201_CLASSES 5390

/* Sixteen lower-case hex digits and a NUL. */
void clnas_hash_to_hex(uint64_t hash, char out[17]);

/* Base-5 number over the edges, edge 0 most significant: 0 .. 15624; UINT32_MAX when an op is outside the enum. */
uint32_t clnas_genotype_to_index(const clnas_genotype *g);

/* The inverse of clnas_genotype_to_index; an index >= CLNAS_NB201_CELLS is taken modulo CLNAS_NB201_CELLS. */
void clnas_genotype_from_index(uint32_t index, clnas_genotype *out);

/* Uniform over the 15,625 cells (one clnas_rng_below draw). */
void clnas_genotype_sample(clnas_rng *rng, clnas_genotype *out);

/* child = parent with one uniformly chosen edge set to a uniformly chosen different op (two draws).
 * child may be parent. */
void clnas_genotype_mutate(const clnas_genotype *parent, clnas_rng *rng, clnas_genotype *child);

/* Which nodes are identically zero and which edges can affect the cell output.
 * node_is_zero[j]: every edge into j is none, or comes from a zero node through skip_connect or avg_pool_3x3
 *   (a conv edge from a zero node is not zero: it outputs BatchNorm's shift). Node 0 is never zero.
 * edge_live[e]: the op is not none and its head node is 3 or has a path to node 3 over non-none edges. */
void clnas_genotype_analyse(const clnas_genotype *g, int node_is_zero[CLNAS_NB201_NODES],
                            int edge_live[CLNAS_NB201_EDGES]);

#ifdef __cplusplus
}
#endif
#endif
