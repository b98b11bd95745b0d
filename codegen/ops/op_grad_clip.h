/* clnas — gradient clipping at a global L2 norm (PyTorch's clip_grad_norm_, DARTS' train.py) over the gradients of
 * every trained parameter, before the optimizer's update. */
#ifndef CLNAS_OP_GRAD_CLIP_H
#define CLNAS_OP_GRAD_CLIP_H

#include "kernel_desc.h"

typedef struct clnas_grad_clip_params {
    long count;      /* gradients in the arena */
    double max_norm; /* > 0 */
} clnas_grad_clip_params;

/* One work-group: the norm of g[0, count), then g *= max_norm / (norm + 1e-6) when that factor is below 1.
 * Slot: g (tensor, updated in place). */
clnas_status clnas_op_grad_clip_desc(const clnas_grad_clip_params *p, clnas_kernel_desc *d, clnas_error *err);

/* Reference in double: scales g in place; returns the norm before clipping. */
double clnas_ref_grad_clip(const clnas_grad_clip_params *p, double *g);

#endif
