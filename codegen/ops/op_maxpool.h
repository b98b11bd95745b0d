/* clnas — 3x3 max pooling, pad 1 with -inf padding, stride 1 or 2 (DARTS' max_pool_3x3): descriptors, references. */
#ifndef CLNAS_OP_MAXPOOL_H
#define CLNAS_OP_MAXPOOL_H

#include "op_pool.h"

/* Input [n][c][h][w] as the average pools take it (clnas_pool_params, stride 1 or 2); the output is
 * [n][c][clnas_op_pool3_out_dim(h, stride)][..(w, stride)]. Forward slots: x, y. Backward slots: dy, x, dx; the
 * backward recomputes each window's argmax from x (the first maximum in row-major window order, a NaN winning, as
 * PyTorch) and routes dy there, each dx element gathering over the windows that hold it. */
clnas_status clnas_op_maxpool3_check(const clnas_pool_params *p, clnas_error *err);
clnas_status clnas_op_maxpool3_fwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_maxpool3_bwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err);

/* References in double, arguments in slot order, honouring accum like the kernels. */
void clnas_ref_maxpool3_fwd(const clnas_pool_params *p, const double *x, double *y);
void clnas_ref_maxpool3_bwd(const clnas_pool_params *p, const double *dy, const double *x, double *dx);

#endif
