/* clnas — drop-path (DARTS' training regulariser): a per-sample scale of an op's output, forward and backward. */
#ifndef CLNAS_OP_DROP_PATH_H
#define CLNAS_OP_DROP_PATH_H

#include "kernel_desc.h"

/* x [n][per] (per = C*H*W), mask [n]: y = x * mask[b] for sample b. DARTS draws a Bernoulli(1-p) keep per sample
 * and scales kept ones by 1/(1-p); the host writes mask[b] = 0 or 1/(1-p) before each step into the tensor, a
 * STATE parameter of the graph (like the mixed edges' weights), so one plan serves every step. */
typedef struct clnas_drop_path_params {
    int n;
    long per;
    int accum; /* 1: y (dx) adds to what is there */
} clnas_drop_path_params;

/* Forward slots: x, mask, y. Backward slots: dy, mask, dx (dx = dy * mask[b]). */
clnas_status clnas_op_drop_path_fwd_desc(const clnas_drop_path_params *p, clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_drop_path_bwd_desc(const clnas_drop_path_params *p, clnas_kernel_desc *d, clnas_error *err);

/* The forward and the backward alike: out (=/+=) in * mask[b]. */
void clnas_ref_drop_path(const clnas_drop_path_params *p, const double *in, const double *mask, double *out);

#endif
