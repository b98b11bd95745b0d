/* clnas — emission: fused, planned graph -> kernel launches of a plan. */
#ifndef CLNAS_EMIT_H
#define CLNAS_EMIT_H

#include "graph.h"
#include "plan.h"

/* Lowers g->order to launches (malloc'ed into *out), adding distinct kernels and programs to plan. */
clnas_status clnas_emit(const clnas_graph *g, size_t live_params, clnas_plan *plan, clnas_plan_launch **out,
                        int *nout, clnas_error *err);

/* The index of `desc` among plan->kernels, adding it (and its program, unless an equal source exists) when new.
 * For passes that add launches to a compiled plan (a supernet path's per-segment optimizer). */
clnas_status clnas_emit_add_kernel(clnas_plan *plan, const clnas_kernel_desc *desc, int *index, clnas_error *err);

#endif
