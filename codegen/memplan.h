/* clnas — memory plan: element offsets of every tensor in its arena. */
#ifndef CLNAS_MEMPLAN_H
#define CLNAS_MEMPLAN_H

#include "graph.h"

#define CLNAS_ARENA_ALIGN 16 /* elements: tensors start on 64-byte boundaries in float32 */

/* Lays out parameters (live ones first, so the optimizer's single launch covers [0, *live_params)),
 * gradients and momenta in the same layout, running statistics, and activations by lifetime over
 * g->order: two activations share memory when their live ranges in launch order do not overlap.
 * `pinned` tensors (read by the host after the step: logits, loss) stay live to the end. */
clnas_status clnas_memplan(clnas_graph *g, const int *pinned, int npinned, size_t arena_elems[CLNAS_ARENA_COUNT],
                           size_t *live_params, clnas_error *err);

#endif
