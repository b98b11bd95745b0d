/* clnas — a launch's GEMM alternative: the CLBlast calls that compute what its generated kernel computes. */
#ifndef CLNAS_GEMM_DESC_H
#define CLNAS_GEMM_DESC_H

#include <stddef.h>

#include "clnas/status.h"
#include "kernel_desc.h"
#include "op_conv.h"
#include "op_linear.h"

#define CLNAS_GEMM_MAX_STEPS 2
#define CLNAS_GEMM_SIG_MAX 96

typedef enum clnas_gemm_routine {
    CLNAS_GEMM_ROUTINE_GEMM,                 /* CLBlast[SD]gemm */
    CLNAS_GEMM_ROUTINE_GEMM_STRIDED_BATCHED, /* CLBlast[SD]gemmStridedBatched */
    CLNAS_GEMM_ROUTINE_CONVGEMM              /* CLBlast[SD]convgemm (cross-correlation, overwrites) */
} clnas_gemm_routine;

/* Where a matrix lives: a tensor slot of the launch (its binding's arena and offset), the executor's scratch
 * buffer, or the executor's buffer of ones (for sums over a dimension as a product with a ones vector). */
typedef enum clnas_gemm_source {
    CLNAS_GEMM_SRC_SLOT,
    CLNAS_GEMM_SRC_SCRATCH,
    CLNAS_GEMM_SRC_ONES
} clnas_gemm_source;

typedef struct clnas_gemm_operand {
    clnas_gemm_source src;
    int slot;      /* CLNAS_GEMM_SRC_SLOT: the kernel descriptor's argument index */
    size_t offset; /* elements, added to the slot's binding offset (or from the start of scratch / ones) */
    size_t ld;     /* leading dimension (row-major: elements between rows as stored) */
    size_t stride; /* strided batched: elements between consecutive matrices (0: the same matrix each time) */
} clnas_gemm_operand;

/* Convolution geometry of a convgemm step: im [batch][channels][height][width], kernel
 * [num_kernels][channels][ksize][ksize], result [batch][num_kernels][ho][wo]; operands a = im, b = kernel,
 * c = result (their ld and stride are unused). */
typedef struct clnas_gemm_conv {
    size_t channels, height, width, ksize, pad, stride, num_kernels;
} clnas_gemm_conv;

/* One CLBlast call, row-major: C = alpha * op(A) * op(B) + beta * C, A m x k, B k x n, C m x n after the
 * transposes; `batch` matrices for the strided routine (1 otherwise). */
typedef struct clnas_gemm_step {
    clnas_gemm_routine routine;
    int trans_a, trans_b;
    size_t m, n, k, batch;
    double alpha, beta; /* beta is 0 (overwrite) or 1 (add to what is there: accum) */
    clnas_gemm_operand a, b, c;
    clnas_gemm_conv conv;
} clnas_gemm_step;

/* The alternative of one launch; nsteps == 0 means it has none. Steps run in order on the launch's queue. */
typedef struct clnas_gemm_desc {
    char sig[CLNAS_GEMM_SIG_MAX]; /* canonical (op, element type, shape, accum): equal sigs share one choice */
    int nsteps;
    clnas_gemm_step step[CLNAS_GEMM_MAX_STEPS];
    size_t scratch_elems; /* scratch the steps use */
    size_t ones_elems;    /* ones the steps read */
    int nout;
    int out_slot[2];      /* the slots the alternative writes (every output of the kernel) */
} clnas_gemm_desc;

/* Each builder fills g for a launch whose kernel descriptor is kd (the slots are found in it by name), or sets
 * g->nsteps = 0 when the op has no GEMM form here. fp64 selects the element type named in the signature.
 *
 * linear forward: Y = ones * b^T (+ Y when accum), then Y += X W^T.
 * linear input gradient: dX (=/+=) dY W.
 * linear weight gradient: dW = dY^T X, db = dY^T ones.
 * conv forward, 1x1 stride 1 pad 0 without relu_in: Y_n (=/+=) W X_n per image (strided batched);
 *   3x3 (any stride and pad) without relu_in and accum: convgemm.
 * conv input gradient, 1x1 stride 1 pad 0 without relu_in: dX_n (=/+=) W^T dY_n.
 * conv weight gradient, 1x1 stride 1 pad 0 without relu_in: S_n = dY_n X_n^T into scratch, dW = ones^T S. */
clnas_status clnas_gemm_desc_linear_fwd(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                        clnas_gemm_desc *g, clnas_error *err);
clnas_status clnas_gemm_desc_linear_bwd_data(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                             clnas_gemm_desc *g, clnas_error *err);
clnas_status clnas_gemm_desc_linear_bwd_weight(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                               clnas_gemm_desc *g, clnas_error *err);
clnas_status clnas_gemm_desc_conv_fwd(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                      clnas_gemm_desc *g, clnas_error *err);
clnas_status clnas_gemm_desc_conv_bwd_data(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                           clnas_gemm_desc *g, clnas_error *err);
clnas_status clnas_gemm_desc_conv_bwd_filter(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                             clnas_gemm_desc *g, clnas_error *err);

/* "gemm", "gemm_strided_batched", "convgemm". */
const char *clnas_gemm_routine_name(clnas_gemm_routine routine);

#endif
