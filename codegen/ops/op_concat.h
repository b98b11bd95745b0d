/* clnas — channel concatenation (a DARTS cell's output, FactorizedReduce's halves) and its slice backward. */
#ifndef CLNAS_OP_CONCAT_H
#define CLNAS_OP_CONCAT_H

#include "kernel_desc.h"

#define CLNAS_CONCAT_MAX_IN 8

/* Inputs [n][c[k]][hw] (k < nin) into y [n][sum c][hw], in order: y's channels [sum_{j<k} c[j], ... + c[k]) are
 * input k's. */
typedef struct clnas_concat_params {
    int n, hw;
    int nin;
    int c[CLNAS_CONCAT_MAX_IN];
    int accum; /* 1: y adds to what is there */
} clnas_concat_params;

/* The backward of one input: dx [n][cs][hw] = dy [n][ct][hw]'s channels [offset, offset + cs). */
typedef struct clnas_concat_slice_params {
    int n, hw;
    int ct, cs, offset;
    int accum; /* 1: dx adds to what is there */
} clnas_concat_slice_params;

/* Forward slots: x0 .. x<nin-1>, y. Slice slots: dy, dx. */
clnas_status clnas_op_concat_fwd_desc(const clnas_concat_params *p, clnas_kernel_desc *d, clnas_error *err);
/* Marks the inputs of p's forward descriptor d that are already in place (bit k: input k is a channel slice of y that
 * its producers wrote, codegen/concat_slices.c): the kernel's work-items cover the other inputs' channels only and
 * leave those of y alone. mask must not be 0 and must leave an input to copy. */
clnas_status clnas_op_concat_inplace(const clnas_concat_params *p, unsigned mask, clnas_kernel_desc *d,
                                     clnas_error *err);
clnas_status clnas_op_concat_slice_desc(const clnas_concat_slice_params *p, clnas_kernel_desc *d, clnas_error *err);

void clnas_ref_concat_fwd(const clnas_concat_params *p, const double *const *x, double *y);
void clnas_ref_concat_slice(const clnas_concat_slice_params *p, const double *dy, double *dx);

#endif
