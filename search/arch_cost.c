/* clnas — an architecture's parameters and FLOPs from its forward graph: for a cached duplicate (its cell may differ
 * from the first trial of its class by a parameter-free edge) and for evaluators that train nothing (the table).
 * The graph alone, not the whole plan: a table search asks for every trial. */
#include "arch_cost.h"

#include "build_network.h"
#include "flops.h"
#include "graph.h"

clnas_status clnas_arch_cost(const clnas_net_config *net, long *params, double *flops, clnas_error *err)
{
    clnas_graph g;
    clnas_graph_init(&g);
    clnas_net_io io;
    clnas_status st = clnas_build_network(net, 0, &g, &io, err);
    if (st != CLNAS_OK) {
        clnas_graph_free(&g);
        return st;
    }
    long n = 0;
    for (int i = 0; i < g.nparams; i++)
        if (g.params[i].arena == CLNAS_ARENA_PARAMS && g.params[i].live)
            n += (long)g.params[i].count;
    double f = clnas_graph_forward_flops(&g); /* the rule clnas_plan_forward_flops reports (codegen/flops.h) */
    clnas_graph_free(&g);
    *params = n;
    *flops = f;
    return CLNAS_OK;
}
