/* clnas — the sum of a split result's parts: a weight gradient computed as partial sums over ranges of pixels
 * (codegen/wgrad_split.c) added up into the gradient. */
#ifndef CLNAS_OP_SPLIT_SUM_H
#define CLNAS_OP_SPLIT_SUM_H

#include "kernel_desc.h"

typedef struct clnas_split_sum_params {
    long count; /* elements of the result (and of each part) */
    int parts;  /* parts, stored one after another */
    int accum;  /* 1: y += the sum, 0: y = the sum */
} clnas_split_sum_params;

/* y (=/+=) sum over s < parts of part[s*count + i], in the order of s (kernels/split_sum.cl). Slots: part, y. */
clnas_status clnas_op_split_sum_desc(const clnas_split_sum_params *p, clnas_kernel_desc *d, clnas_error *err);
void clnas_ref_split_sum(const clnas_split_sum_params *p, const double *part, double *y);

#endif
