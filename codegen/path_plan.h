/* clnas — a supernet path: a stand-alone plan rebound onto the supernet's shared weights. */
#ifndef CLNAS_PATH_PLAN_H
#define CLNAS_PATH_PLAN_H

#include "plan.h"
#include "supernet_layout.h"

/* Rebinds plan (compiled by clnas_plan_compile for the path's genotype; kernel sources do not depend on
 * offsets) onto the supernet: every PARAMS/GRADS/MOMENTUM/STATE binding moves to the slice of the parameter of
 * the same supernet name, plan->params get the supernet offsets, and the one optimizer launch over the path's
 * parameter range becomes one launch per supernet module the path trains (module 0, and one per edge op), so the
 * optimizer touches only the path's parameters. Per-module counts keep the set of optimizer programs fixed. */
clnas_status clnas_path_plan_bind(clnas_plan *plan, const clnas_supernet_layout *layout, clnas_error *err);

#endif
