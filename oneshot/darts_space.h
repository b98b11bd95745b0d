/* clnas — DARTS (the method) over the DARTS cell space: alpha's two sets (normal, reduce) as the search network's
 * edge weights, d loss / d alpha from their gradients, and DARTS' derivation of the genotype. */
#ifndef CLNAS_DARTS_SPACE_H
#define CLNAS_DARTS_SPACE_H

#include "alpha.h"
#include "clnas/darts_genotype.h"
#include "clnas/model.h"

/* alpha's rows: the normal cells' 14 edges, then the reduction cells' 14, each over DARTS' 8 PRIMITIVES. */
#define CLNAS_DARTS_SPACE_ALPHA_EDGES 28

/* The edge weights of a search network built with darts_search = 1 (build_darts_search.h): softmax(alpha) of ops
 * 1..7 per edge and cell type (none's output is zero: it only enters through the softmax). */
clnas_status clnas_darts_space_set_edge_weights(clnas_model *model, const clnas_alpha *alpha, clnas_error *err);

/* After a backward: d loss / d alpha (28 x 8, row-major) through the softmax from the edge weights' gradients. */
clnas_status clnas_darts_space_alpha_gradient(clnas_model *model, const clnas_alpha *alpha, double *dalpha,
                                              clnas_error *err);

/* DARTS' genotype() of model_search.py on softmax(alpha): for each node k (edges of states 0..k+1) the two edges
 * whose strongest op other than none weighs most (a stable sort: on ties the lower input state first), each with
 * that op (the first of equal weights); the strongest edge first; concat 2, 3, 4, 5 for both cells. */
clnas_status clnas_darts_space_derive(const clnas_alpha *alpha, clnas_darts_genotype *out, clnas_error *err);

/* Of the derived genotype: the share of its 16 edges that are skip_connect; of alpha: softmax's skip_connect
 * averaged over the 28 edges. */
void clnas_darts_space_skip_stats(const clnas_alpha *alpha, const clnas_darts_genotype *g, double *share,
                                  double *mean_prob);

#endif
