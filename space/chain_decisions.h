/* clnas — a chain genotype as a fixed sequence of categorical decisions (space_iface.h's decisions). */
#ifndef CLNAS_CHAIN_DECISIONS_H
#define CLNAS_CHAIN_DECISIONS_H

#include <stddef.h>

#include "clnas/chain_genotype.h"

/* Decision 0: the depth (1..20 as 0..19). Then per layer i = 1..20, in order: op (5, enum order), conv kernel
 * (4: 1, 3, 5, 7; used by conv), sepconv kernel (2: 3, 5; used by sepconv), filters (4: 16 .. 128; used by conv
 * and sepconv), stride (2: 1, 2; not used by identity), join (2: sum, cat; layers 2..20), and one take/leave
 * decision (2) for each earlier output j = 0 .. i-2 as a skip: 1 + 20 * 5 + 19 + 190 = 310 decisions. A skip taken
 * is kept when output j fits the join's shape rule and fewer than 7 skips are kept so far, in ascending j; a layer
 * with no skip kept is a sum. So uniform decisions draw exactly clnas_chain_genotype_sample's distribution (n 20),
 * and the decisions reach exactly the genotypes whose skip lists are ascending (every genotype sample draws). */
#define CLNAS_CHAIN_DECISIONS                                                                                        \
    (1 + CLNAS_CHAIN_MAX_LAYERS * 6 - 1 + CLNAS_CHAIN_MAX_LAYERS * (CLNAS_CHAIN_MAX_LAYERS - 1) / 2)

int clnas_chain_decision_options(int i);
void clnas_chain_decision_name(int i, char *buf, size_t cap);
/* -1 for the decisions g does not depend on: layers past the depth, a kernel or filters the op has not, the stride
 * of identity, the join of layer 1. The join of a layer without skips is written as sum and its skip decisions as
 * leave. Returns 1 when from_decisions gives back g exactly, 0 when a skip list is not ascending (the nearest: the
 * list sorted, the same function for a sum, the channels reordered for a cat). */
int clnas_chain_to_decisions(const clnas_chain_genotype *g, int *choice);
void clnas_chain_from_decisions(const int *choice, clnas_chain_genotype *out);

#endif
