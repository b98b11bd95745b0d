/* clnas — the network head after the last BatchNorm: (ReLU then) global average pool, forward and backward. */
#ifndef CLNAS_OP_HEAD_H
#define CLNAS_OP_HEAD_H

#include "kernel_desc.h"

/* Input [n][c][hw], output [n][c]. */
typedef struct clnas_head_params {
    int n, c, hw;
    int accum; /* 1: y (forward) and dx (backward) accumulate into what is there */
} clnas_head_params;

/* Forward: y[n][c] (=/+=) mean over hw of max(x, 0). Slots: x, y. */
clnas_status clnas_op_gap_relu_fwd_desc(const clnas_head_params *p, clnas_kernel_desc *d, clnas_error *err);
/* Backward: dx (=/+=) (x > 0) * dy[n][c] / hw. Slots: dy, x, dx. */
clnas_status clnas_op_gap_relu_bwd_desc(const clnas_head_params *p, clnas_kernel_desc *d, clnas_error *err);

/* Without the ReLU (DARTS' head): y (=/+=) mean over hw of x, slots x, y; dx (=/+=) dy[n][c] / hw, slots dy, dx. */
clnas_status clnas_op_gap_fwd_desc(const clnas_head_params *p, clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_gap_bwd_desc(const clnas_head_params *p, clnas_kernel_desc *d, clnas_error *err);

void clnas_ref_gap_fwd(const clnas_head_params *p, const double *x, double *y);
void clnas_ref_gap_bwd(const clnas_head_params *p, const double *dy, double *dx);
void clnas_ref_gap_relu_fwd(const clnas_head_params *p, const double *x, double *y);
void clnas_ref_gap_relu_bwd(const clnas_head_params *p, const double *dy, const double *x, double *dx);

#endif
