/* clnas — an architecture's parameters and FLOPs from its forward graph: for a cached duplicate (its cell may differ
 * from the first trial of its class by a parameter-free edge) and for evaluators that train nothing (the table).
 * The graph alone, not the whole plan: a table search asks for every trial. */
#include "arch_cost.h"

#include "build_network.h"
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
    double macs = 0;
    for (int i = 0; i < g.nnodes; i++) {
        const clnas_graph_node *node = &g.nodes[i];
        const clnas_graph_tensor *w = node->nin > 1 ? &g.tensors[node->in[1]] : NULL;
        const clnas_graph_tensor *y = &g.tensors[node->out[0]];
        if (node->kind == CLNAS_NODE_CONV) /* CO x CI x K x K per output pixel */
            macs += (double)w->shape[0] * w->shape[1] * w->shape[2] * w->shape[3] * y->shape[2] * y->shape[3];
        else if (node->kind == CLNAS_NODE_LINEAR)
            macs += (double)w->shape[0] * w->shape[1];
    }
    clnas_graph_free(&g);
    *params = n;
    *flops = 2.0 * macs; /* as clnas_plan_forward_flops counts them */
    return CLNAS_OK;
}
