/* clnas — a compiled plan against its device profile's limits: work-group sizes and local memory. */
#ifndef CLNAS_PLAN_LIMITS_H
#define CLNAS_PLAN_LIMITS_H

#include "plan.h"

/* Checks every kernel of the plan: its work-group (the product of its local sizes) within the profile's maximum,
 * every global size a multiple of its local size, and its __local arrays within the profile's local memory.
 * CLNAS_ERR_UNSUPPORTED naming the first kernel and a launch of it otherwise. */
clnas_status clnas_plan_check_limits(const clnas_plan *plan, clnas_error *err);

#endif
