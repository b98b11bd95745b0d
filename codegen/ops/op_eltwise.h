/* clnas — element-wise tensor ops: add (a node's sum of edges, or a copy) and fill. */
#ifndef CLNAS_OP_ELTWISE_H
#define CLNAS_OP_ELTWISE_H

#include "kernel_desc.h"

typedef struct clnas_eltwise_params {
    long count;   /* elements */
    int accum;    /* add: 1 gives y += x, 0 gives y = x; fill ignores it */
    double value; /* fill value */
} clnas_eltwise_params;

/* add: y (=/+=) x. Slots: x, y. */
clnas_status clnas_op_add_desc(const clnas_eltwise_params *p, clnas_kernel_desc *d, clnas_error *err);
/* relu: y = max(x, 0) (a ReLU materialised for a CLBlast alternative; the graph's ReLUs are folded away). Slots:
 * x, y. */
clnas_status clnas_op_relu_desc(const clnas_eltwise_params *p, clnas_kernel_desc *d, clnas_error *err);
/* fill: y = value. Slot: y. */
clnas_status clnas_op_fill_desc(const clnas_eltwise_params *p, clnas_kernel_desc *d, clnas_error *err);

void clnas_ref_add(const clnas_eltwise_params *p, const double *x, double *y);
void clnas_ref_fill(const clnas_eltwise_params *p, double *y);
void clnas_ref_relu(const clnas_eltwise_params *p, const double *x, double *y);

#endif
