/* clnas — K x K average pooling at stride S without padding (DARTS' auxiliary head: AvgPool2d(5, stride=3,
 * padding=0)): descriptors for kernels/avgpool_k.cl, references. */
#ifndef CLNAS_OP_AVGPOOL_K_H
#define CLNAS_OP_AVGPOOL_K_H

#include "graph.h"
#include "kernel_desc.h"

/* Input [n][c][h][w] (NCHW); the output [n][c][(h-ksize)/stride+1][(w-ksize)/stride+1] (floor: pixels past the
 * last window are not read). Every window lies inside the image and divides by ksize^2, so PyTorch's
 * count_include_pad does not matter. */
typedef struct clnas_avgpool_k_params {
    int n, c, h, w;
    int ksize, stride;
    int relu_in; /* 1: a ReLU folded into the input load (forward); the backward masks dx by x > 0 */
    int accum; /* 1: y (forward) and dx (backward) accumulate into what is there */
} clnas_avgpool_k_params;

/* Output length along an axis of length len: (len - ksize) / stride + 1 (0 when len < ksize). */
int clnas_op_avgpool_k_out_dim(int len, int ksize, int stride);
/* Checks the sizes (ksize 1..16 and at most h and w, stride 1..16, accum 0 or 1, counts within the kernel's int). */
clnas_status clnas_op_avgpool_k_check(const clnas_avgpool_k_params *p, clnas_error *err);
/* Forward slots: x, y (one work-item per output row). Backward slots: dy, [x when relu_in], dx (one per input row:
 * each input pixel gathers dy over the windows that hold it, divided by ksize^2; pixels past the last window get 0). */
clnas_status clnas_op_avgpool_k_fwd_desc(const clnas_avgpool_k_params *p, clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_avgpool_k_bwd_desc(const clnas_avgpool_k_params *p, clnas_kernel_desc *d, clnas_error *err);

/* References in double, arguments in slot order, honouring accum like the kernels. */
void clnas_ref_avgpool_k_fwd(const clnas_avgpool_k_params *p, const double *x, double *y);
void clnas_ref_avgpool_k_bwd(const clnas_avgpool_k_params *p, const double *dy, const double *x, double *dx);

#endif
