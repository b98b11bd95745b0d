/* clnas — SGD with momentum, weight decay and Nesterov (PyTorch semantics) over a whole parameter arena. */
#ifndef CLNAS_OP_SGD_H
#define CLNAS_OP_SGD_H

#include "kernel_desc.h"

typedef struct clnas_sgd_params {
    long count; /* parameters in the arena */
    double momentum, weight_decay;
    int nesterov;
} clnas_sgd_params;

/* One launch: g' = g + wd*p; v = mu*v + g'; step = nesterov ? g' + mu*v : v; p -= lr*step.
 * v starts at zero, which makes the first step's v equal PyTorch's first buffer (g').
 * Slots: p, g, v (tensors), lr (CLNAS_ARG_REAL, set per launch). */
clnas_status clnas_op_sgd_desc(const clnas_sgd_params *p, clnas_kernel_desc *d, clnas_error *err);

/* Reference in double, in slot order: updates param and v in place. */
void clnas_ref_sgd(const clnas_sgd_params *p, double *param, const double *g, double *v, double lr);

#endif
