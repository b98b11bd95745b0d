/* clnas — FactorizedReduce's subsample y = x[:, :, o::2, o::2], a ReLU optionally folded in. */
#ifndef CLNAS_OP_SUBSAMPLE_H
#define CLNAS_OP_SUBSAMPLE_H

#include "kernel_desc.h"

/* Input [n][c][h][w]; the output is [n][c][ceil((h - offset) / 2)][ceil((w - offset) / 2)]. DARTS' FactorizedReduce
 * is ReLU -> subsample(0) -> conv1x1 and ReLU -> subsample(1) -> conv1x1, concatenated, then BatchNorm (its conv_2
 * reads x[:, :, 1:, 1:] at stride 2). A builder gives each subsample its own ReLU node so that fusion folds both
 * the ReLU (relu_in) and its backward (the x > 0 mask) into the subsample: fusion folds a ReLU's backward only
 * into the one node producing its dy. */
typedef struct clnas_subsample_params {
    int n, c, h, w;
    int offset;  /* the first row and column taken: 0 or 1; h and w must exceed it */
    int relu_in; /* 1: the forward reads max(x, 0) and the backward masks dx by x > 0 */
    int accum;   /* 1: y (forward) and dx (backward) add to what is there */
} clnas_subsample_params;

int clnas_op_subsample2_out_dim(int len, int offset);
clnas_status clnas_op_subsample2_check(const clnas_subsample_params *p, clnas_error *err);
/* Forward slots: x, y. Backward slots: dy, [x when relu_in], dx (every element written, zero off the samples). */
clnas_status clnas_op_subsample2_fwd_desc(const clnas_subsample_params *p, clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_subsample2_bwd_desc(const clnas_subsample_params *p, clnas_kernel_desc *d, clnas_error *err);

/* References in double, arguments in slot order (x is read only when relu_in), honouring accum like the kernels. */
void clnas_ref_subsample2_fwd(const clnas_subsample_params *p, const double *x, double *y);
void clnas_ref_subsample2_bwd(const clnas_subsample_params *p, const double *dy, const double *x, double *dx);

#endif
