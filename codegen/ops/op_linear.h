/* clnas — fully connected layer (the classifier head): kernel descriptors and reference. */
#ifndef CLNAS_OP_LINEAR_H
#define CLNAS_OP_LINEAR_H

#include "clnas/status.h"
#include "gemm_desc.h"
#include "kernel_desc.h"

/* x [n][in], w [out][in], b [out], y [n][out]. accum: add to the output instead of overwriting it. */
typedef struct clnas_linear_params {
    int n, in, out, accum;
} clnas_linear_params;

/* y[n][o] (=/+=) b[o] + sum_i w[o][i] * x[n][i]. Slots: x, w, b, y. */
clnas_status clnas_op_linear_fwd_desc(const clnas_linear_params *p, clnas_kernel_desc *d, clnas_error *err);

/* dx[n][i] (=/+=) sum_o dy[n][o] * w[o][i]. Slots: dy, w, dx. */
clnas_status clnas_op_linear_bwd_data_desc(const clnas_linear_params *p, clnas_kernel_desc *d, clnas_error *err);

/* dw[o][i] = sum_n dy[n][o] * x[n][i]; db[o] = sum_n dy[n][o]; both overwrite. Slots: dy, x, dw, db. */
clnas_status clnas_op_linear_bwd_weight_desc(const clnas_linear_params *p, clnas_kernel_desc *d,
                                             clnas_error *err);

/* Plain C references in double, honouring accum exactly as the kernels do. */
void clnas_ref_linear_fwd(const clnas_linear_params *p, const double *x, const double *w, const double *b,
                          double *y);
void clnas_ref_linear_bwd_data(const clnas_linear_params *p, const double *dy, const double *w, double *dx);
void clnas_ref_linear_bwd_weight(const clnas_linear_params *p, const double *dy, const double *x, double *dw,
                                 double *db);

/* GEMM alternatives (see gemm_desc.h): fill g for a launch whose kernel descriptor is kd (slots found by name);
 * fp64 selects the element type named in the signature.
 * forward: Y = ones * b^T (+ Y when accum), then Y += X W^T.
 * input gradient: dX (=/+=) dY W.
 * weight gradient: dW = dY^T X, db = dY^T ones. */
clnas_status clnas_gemm_desc_linear_fwd(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                        clnas_gemm_desc *g, clnas_error *err);
clnas_status clnas_gemm_desc_linear_bwd_data(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                             clnas_gemm_desc *g, clnas_error *err);
clnas_status clnas_gemm_desc_linear_bwd_weight(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                               clnas_gemm_desc *g, clnas_error *err);

#endif
