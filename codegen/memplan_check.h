/* clnas — checks of a plan's activation arena over launch order: the lifetime peak (the least any placement can
 * take), no two live tensors sharing bytes, and no tensor read after another overwrote it. */
#ifndef CLNAS_MEMPLAN_CHECK_H
#define CLNAS_MEMPLAN_CHECK_H

#include "plan.h"

/* The largest sum of the activation tensors live at one launch (a tensor lives from its first binding to its
 * last), in elements: the arena the memory plan could reach with these lifetimes, placed perfectly. */
size_t clnas_plan_live_peak(const clnas_plan *plan, const clnas_plan_launch *launches, int n);

/* Checks `launches` (plan->train or plan->eval and its buffers): (1) two activation tensors whose lifetimes
 * overlap never share bytes; (2) walking the launches, every activation tensor a launch reads (or adds into)
 * holds what it was last written as, and the outputs `keep` (element offsets of tensors the host reads after
 * the step, -1: none) still do at the end. CLNAS_ERR_INVALID_ARG naming the launch and tensors otherwise. */
clnas_status clnas_plan_check_memory(const clnas_plan *plan, const clnas_plan_launch *launches, int n,
                                     const long *keep, int nkeep, clnas_error *err);

#endif
