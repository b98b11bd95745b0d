/* clnas — an architecture's parameters and FLOPs from its plan: for a cached duplicate (its cell may differ from the
 * first trial of its class by a parameter-free edge) and for evaluators that train nothing (the table). */
#include "arch_cost.h"

#include "plan.h"

clnas_status clnas_arch_cost(const clnas_net_config *net, long *params, double *flops, clnas_error *err)
{
    clnas_plan *plan = NULL;
    clnas_status st = clnas_plan_compile_descs(net, &plan, err);
    if (st != CLNAS_OK)
        return st;
    long n = 0;
    for (int i = 0; i < plan->nparams; i++)
        if (plan->params[i].arena == CLNAS_ARENA_PARAMS && plan->params[i].live)
            n += (long)plan->params[i].count;
    *params = n;
    *flops = clnas_plan_forward_flops(plan);
    clnas_plan_free(plan);
    return CLNAS_OK;
}
