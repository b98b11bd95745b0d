/* clnas — Pareto dominance and non-dominated sorting over (fitness, cost). */
#include "pareto.h"

#include <math.h>
#include <stdlib.h>

int clnas_pareto_dominates(double fitness_a, double cost_a, double fitness_b, double cost_b)
{
    if (isnan(fitness_a))
        return 0;
    if (isnan(fitness_b))
        return 1;
    const double ca = isnan(cost_a) ? INFINITY : cost_a, cb = isnan(cost_b) ? INFINITY : cost_b;
    return fitness_a >= fitness_b && ca <= cb && (fitness_a > fitness_b || ca < cb);
}

clnas_status clnas_pareto_ranks(const double *fitness, const double *cost, int n, int *rank, clnas_error *err)
{
    int *done = calloc((size_t)(n ? n : 1), sizeof *done);
    if (!done)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "pareto: out of memory for %d members", n);
    for (int i = 0; i < n; i++)
        rank[i] = -1;
    int left = n;
    for (int front = 0; left > 0; front++) {
        /* the members dominated by no member still unranked form this front */
        for (int i = 0; i < n; i++) {
            if (rank[i] >= 0)
                continue;
            int dominated = 0;
            for (int j = 0; j < n && !dominated; j++)
                dominated = j != i && rank[j] < 0 && clnas_pareto_dominates(fitness[j], cost[j], fitness[i], cost[i]);
            done[i] = !dominated;
        }
        for (int i = 0; i < n; i++)
            if (rank[i] < 0 && done[i]) {
                rank[i] = front;
                left--;
            }
    }
    free(done);
    return CLNAS_OK;
}
