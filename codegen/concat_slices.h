/* clnas — concatenation without a copy: the inputs of a channel concatenation computed straight into their channel
 * slice of its output, where every kernel that writes or reads them can address a slice. */
#ifndef CLNAS_CONCAT_SLICES_H
#define CLNAS_CONCAT_SLICES_H

#include "graph.h"

typedef struct clnas_concat_slice_stats {
    int slices;   /* concatenation inputs computed in their slice of the output (no copy) */
    int copies;   /* inputs still copied: a kernel that writes or reads them takes no slice, or their shape differs */
    int removed;  /* concatenation launches gone: every input was a slice */
    int grad_slices; /* backward: input gradients read in their slice of the output's gradient (a launch gone each) */
    int grad_copies; /* backward: input gradients still copied out (a reader takes no slice, or another node adds in) */
} clnas_concat_slice_stats;

/* After fusion (g->order set), before the memory plan: makes each forward concatenation input that qualifies a
 * channel slice of the output (clnas_graph_tensor.view_of), drops the concatenations left with nothing to copy from
 * the launch order; in the backward, makes each input gradient that a concatenation's backward alone writes and
 * whose readers all take a slice a slice of the output's gradient, dropping that copy. Counts both.
 * pinned: tensors the host reads (never made slices). */
clnas_status clnas_concat_slices(clnas_graph *g, const int *pinned, int npinned, clnas_concat_slice_stats *stats,
                                 clnas_error *err);

#endif
