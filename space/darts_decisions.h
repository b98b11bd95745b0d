/* clnas — a DARTS genotype as a fixed sequence of categorical decisions (space_iface.h's decisions). */
#ifndef CLNAS_DARTS_DECISIONS_H
#define CLNAS_DARTS_DECISIONS_H

#include <stddef.h>

#include "clnas/darts_genotype.h"

/* 2 cells x 4 nodes x 3 decisions: normal cell first, node by node: the node's pair of distinct input states
 * (a < b, over the C(k+2, 2) pairs of states 0..k+1, numbered b(b-1)/2 + a), the op of the edge reading a, the op
 * of the edge reading b (7 options each: the ops other than none, in enum order). */
#define CLNAS_DARTS_DECISIONS (2 * CLNAS_DARTS_NODES * 3)

int clnas_darts_decision_options(int i);
void clnas_darts_decision_name(int i, char *buf, size_t cap);
/* Returns 1 when clnas_darts_from_decisions gives back g exactly: every node reads two distinct states, the lower
 * one by its first edge, no op is none and both concats are [2, 3, 4, 5]. Otherwise (0) the nearest: a node's
 * edges swapped into that order (the same function, the same canonical hash), a none op taken as max_pool_3x3, a
 * state read twice paired with the nearest other one, concats [2, 3, 4, 5]. */
int clnas_darts_to_decisions(const clnas_darts_genotype *g, int *choice);
void clnas_darts_from_decisions(const int *choice, clnas_darts_genotype *out);

#endif
