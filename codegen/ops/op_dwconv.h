/* clnas — depthwise 2-D convolution (NCHW, groups == channels, no bias, optional ReLU on the input, stride and
 * dilation): shape rule, kernel descriptors (kernels/conv_depthwise.cl), references. */
#ifndef CLNAS_OP_DWCONV_H
#define CLNAS_OP_DWCONV_H

#include "clnas/status.h"
#include "device_profile.h"
#include "kernel_desc.h"

/* x [n][c][h][w], w [c][1][ksize][ksize], y [n][c][ho][wo]. ksize 1..7, stride >= 1, dilation >= 1 (DARTS:
 * sep_conv k 3/5 pad k/2, dil_conv k 3/5 dilation 2 pad k-1, stride 2 in reduction cells). relu_in: the
 * convolution reads ReLU(x) (the ReLU of ReLU-depthwise-pointwise-BN folded into the load). accum: the output
 * (y forward, dx backward) adds to what is there instead of overwriting it. */
typedef struct clnas_dwconv_params {
    int n, c, h, w, ksize, stride, dilation, pad, relu_in, accum;
} clnas_dwconv_params;

/* (in + 2*pad - dilation*(ksize-1) - 1) / stride + 1, or 0 when the dilated kernel does not fit. */
int clnas_dwconv_out_dim(int in, int ksize, int stride, int dilation, int pad);

/* Checks the parameters (pass names the pass in messages: "fwd", "bwd_data", "bwd_filter"). */
clnas_status clnas_dwconv_check(const clnas_dwconv_params *p, const char *pass, clnas_error *err);

/* The three passes, lowered for a device profile (NULL: the CPU family; one kernel serves both families, the
 * profile sizes its work-groups). Every descriptor checks p first.
 * forward: y (=/+=) sum_{kh,kw} w[c][kh][kw] * f(x[n][c][ho*s-p+kh*d][wo*s-p+kw*d]), f = ReLU when relu_in.
 *   Slots: x, w, y.
 * input gradient: dx (=/+=) g(x) * (the transpose of the above applied to dy), g(x) = (x > 0) when relu_in.
 *   Slots: dy, w, x, dx when relu_in; dy, w, dx otherwise.
 * weight gradient: dw[c][kh][kw] = sum_{n,ho,wo} dy * f(x at the tap); always overwrites (p->accum is ignored),
 *   deterministic (a tree over local memory, no atomics). Slots: dy, x, dw. */
clnas_status clnas_op_dwconv_fwd_desc(const clnas_dwconv_params *p, const clnas_device_profile *profile,
                                      clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_dwconv_bwd_data_desc(const clnas_dwconv_params *p, const clnas_device_profile *profile,
                                           clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_dwconv_bwd_filter_desc(const clnas_dwconv_params *p, const clnas_device_profile *profile,
                                             clnas_kernel_desc *d, clnas_error *err);

/* Plain C references in double, honouring relu_in and accum exactly as the kernels do. */
void clnas_ref_dwconv_fwd(const clnas_dwconv_params *p, const double *x, const double *w, double *y);
void clnas_ref_dwconv_bwd_data(const clnas_dwconv_params *p, const double *dy, const double *w, const double *x,
                               double *dx);
void clnas_ref_dwconv_bwd_filter(const clnas_dwconv_params *p, const double *dy, const double *x, double *dw);

#endif
