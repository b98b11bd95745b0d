/* clnas — average pooling (3x3 stride 1 or 2 pad 1, padding not counted; 2x2 stride 2): descriptors, references. */
#ifndef CLNAS_OP_POOL_H
#define CLNAS_OP_POOL_H

#include "graph.h"
#include "device_profile.h"
#include "kernel_desc.h"

/* Input [n][c][h][w] (NCHW). */
typedef struct clnas_pool_params {
    int n, c, h, w;
    int accum;  /* 1: y (forward) and dx (backward) accumulate into what is there */
    int stride; /* the 3x3 pools: 1 or 2 (0 reads as 1); the 2x2 pool ignores it */
    /* the device the 2x2 pool's kernels are shaped for (its family; NULL: the CPU's); the 3x3 pools ignore it */
    const clnas_device_profile *profile;
} clnas_pool_params;

/* Output length of a 3x3 pad-1 window along an axis of length len at stride 1 or 2: len, or ceil(len / 2). */
int clnas_op_pool3_out_dim(int len, int stride);
/* The shape rule of the 3x3 pools: [n][c][ho][wo] with the node's stride. */
int clnas_op_pool3_shape(const clnas_graph *g, const clnas_graph_node *n, int shape[4]);

/* avg_pool 3x3, stride 1, pad 1, count_include_pad = false: every output divides by its number of in-image taps.
 * Output shape = input shape. Forward slots: x, y. Backward slots: dy, dx; each input pixel gathers dy[o]/count(o)
 * over the outputs o whose window holds it. */
clnas_status clnas_op_avgpool3_check(const clnas_pool_params *p, clnas_error *err);
clnas_status clnas_op_avgpool3_fwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_avgpool3_bwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err);
/* At stride 2 (DARTS' reduction cells) the output is [n][c][ceil(h/2)][ceil(w/2)], each window's divisor its
 * in-image taps; the stride-1 descriptors above pick these (kernels/avgpool_s2.cl) when p->stride is 2, so the
 * stride-1 programs stay as they were. */

/* avg_pool 2x2, stride 2: h and w must be even; y is [n][c][h/2][w/2]. Forward slots: x, y. Backward: dy, dx. */
clnas_status clnas_op_avgpool2_out_shape(const clnas_pool_params *p, int *out_h, int *out_w, clnas_error *err);
clnas_status clnas_op_avgpool2_fwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_avgpool2_bwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err);

/* References in double, arguments in slot order, honouring accum like the kernels. */
void clnas_ref_avgpool3_fwd(const clnas_pool_params *p, const double *x, double *y);
void clnas_ref_avgpool3_bwd(const clnas_pool_params *p, const double *dy, double *dx);
void clnas_ref_avgpool2_fwd(const clnas_pool_params *p, const double *x, double *y);
void clnas_ref_avgpool2_bwd(const clnas_pool_params *p, const double *dy, double *dx);

#endif
