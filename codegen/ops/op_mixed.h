/* clnas — the mixed edge of differentiable search: out = sum_k w[k] * y_k over an edge's op outputs, its backward
 * (dy_k and dL/dw) with w read from a device buffer, so the weights change every step without recompiling. */
#ifndef CLNAS_OP_MIXED_H
#define CLNAS_OP_MIXED_H

#include "kernel_desc.h"

#define CLNAS_MIXED_MAX_OPS 5

/* K op outputs y_0 .. y_{K-1} of `count` elements each (any layout, the same for all), one weight each. */
typedef struct clnas_mixed_params {
    long count;
    int k;        /* 1 .. CLNAS_MIXED_MAX_OPS; K = 1 with w = 1 gives GDAS's sampled op and its dL/dh */
    int accum;    /* forward: out (=/+=), a node's sum of edges */
    int dy_mask;  /* backward: bit k set writes dy_k (an op without parameters upstream may not need it) */
    int dy_accum; /* backward: bit k set: dy_k accumulates (+=), else it is overwritten */
    int dw_accum; /* weight gradient: dw (=/+=), so the cells sharing one alpha add up in launch order */
} clnas_mixed_params;

/* Forward: out (=/+=) sum_k w[k] * y_k. Slots: y0 .. y{K-1}, w (K values), out. */
clnas_status clnas_op_mixed_fwd_desc(const clnas_mixed_params *p, clnas_kernel_desc *d, clnas_error *err);

/* Work-groups of the backward (a function of count alone), hence partials = K * groups values (op-major:
 * partials[k*groups + g]). */
long clnas_op_mixed_bwd_groups(const clnas_mixed_params *p);

/* Backward: for each k in dy_mask dy_k (= or += by bit k of dy_accum) w[k] * g; partials[k*groups + group] = that work-group's part of
 * <g, y_k>, summed in a fixed order (no atomics). Slots: g, y0 .. y{K-1}, w, dy_k for each k in dy_mask in
 * increasing k, partials. */
clnas_status clnas_op_mixed_bwd_desc(const clnas_mixed_params *p, clnas_kernel_desc *d, clnas_error *err);

/* dw[k] (=/+=) sum over the groups of partials[k*groups + group], in group order; one work-group per op.
 * Slots: partials, dw. */
clnas_status clnas_op_mixed_wgrad_desc(const clnas_mixed_params *p, clnas_kernel_desc *d, clnas_error *err);

/* References in double, arguments in slot order; y is an array of K pointers, dy of K pointers (entries outside
 * dy_mask ignored). The backward reference gives dw directly (what bwd + wgrad compute together). */
void clnas_ref_mixed_fwd(const clnas_mixed_params *p, const double *const *y, const double *w, double *out);
void clnas_ref_mixed_bwd(const clnas_mixed_params *p, const double *g, const double *const *y, const double *w,
                         double *const *dy, double *dw);

#endif
