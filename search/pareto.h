/* clnas — Pareto dominance over (fitness up, cost down): non-dominated sorting for multi-objective selection. */
#ifndef CLNAS_PARETO_H
#define CLNAS_PARETO_H

#include "clnas/status.h"

/* a dominates b when a's fitness >= b's and a's cost <= b's, one of them strictly. A NAN fitness (a failed trial)
 * is dominated by every finite one and dominates nothing; a NAN cost counts as +infinity. */
int clnas_pareto_dominates(double fitness_a, double cost_a, double fitness_b, double cost_b);

/* Non-dominated sorting (Deb et al. 2002): rank[i] = 0 for the members no other member dominates (the front),
 * 1 for those only rank-0 members dominate, and so on. O(n^2) per front. CLNAS_ERR_NO_MEMORY when out of memory. */
clnas_status clnas_pareto_ranks(const double *fitness, const double *cost, int n, int *rank, clnas_error *err);

#endif
