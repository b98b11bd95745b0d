/* clnas — what an architecture costs, from its plan alone (no device): trained parameters and forward FLOPs. */
#ifndef CLNAS_ARCH_COST_H
#define CLNAS_ARCH_COST_H

#include "clnas/network.h"
#include "clnas/status.h"

/* The network's trained parameters (as clnas_model_param_count counts them: the live ones of the PARAMS arena) and
 * forward FLOPs per image (clnas_plan_forward_flops), from its compiled plan descriptors. */
clnas_status clnas_arch_cost(const clnas_net_config *net, long *params, double *flops, clnas_error *err);

#endif
