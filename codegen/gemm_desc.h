/* clnas — a launch's GEMM alternative: the CLBlast calls that compute what its generated kernel computes. */
#ifndef CLNAS_GEMM_DESC_H
#define CLNAS_GEMM_DESC_H

#include <stddef.h>

#include "clnas/status.h"
#include "kernel_desc.h"

#define CLNAS_GEMM_MAX_STEPS 2
#define CLNAS_GEMM_SIG_MAX 128

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
    size_t scratch_elems; /* scratch the steps use (the rectified input included) */
    size_t ones_elems;    /* ones the steps read */
    /* relu_elems > 0: the kernel folds a ReLU into its load of slot relu_slot, which CLBlast cannot; before the steps,
     * max(x, 0) of that slot's first relu_elems elements is written to scratch[0, relu_elems) (an eltwise_relu
     * launch, clnas_gemm_desc_relu_kernel), and the steps read it there */
    int relu_slot;
    size_t relu_elems;
    int nout;
    int out_slot[2];      /* the slots the alternative writes (every output of the kernel) */
} clnas_gemm_desc;

/* The ops own their alternatives (clnas_gemm_desc_linear_* in codegen/ops/op_linear.h, clnas_gemm_desc_conv_* in
 * codegen/ops/op_conv.h, reached through the op table's `gemm` hook); what they share is below. */

/* A tensor slot of the launch (its binding's arena and offset) / the executor's scratch or ones buffer. */
clnas_gemm_operand clnas_gemm_slot_operand(int slot, size_t ld, size_t stride);
clnas_gemm_operand clnas_gemm_buffer_operand(clnas_gemm_source src, size_t ld, size_t stride);
/* Looks up the kernel descriptor's slots by name; fails (an internal error) when one is missing. */
clnas_status clnas_gemm_find_slots(const clnas_kernel_desc *kd, const char *const *names, int count, int *slots,
                                   clnas_error *err);
/* A step of the routine with alpha 1, no transposes and zeroed operands. */
clnas_gemm_step clnas_gemm_step_make(clnas_gemm_routine routine, size_t m, size_t n, size_t k, size_t batch,
                                     double beta);
/* Appends " vs <template>@<hash>" (clnas_kernel_template_id of kd's template) to a signature: a choice between an
 * alternative and the generated kernel holds against that kernel only, so the other family's kernel, or an edited
 * one, on the same device is measured again. */
clnas_status clnas_gemm_sig_versus(char *sig, size_t cap, const clnas_kernel_desc *kd, clnas_error *err);
/* "f64" or "f32": the element type in a signature. */
const char *clnas_gemm_type_name(int fp64);

/* The descriptor of the kernel that writes g's rectified input to scratch (kernels/eltwise.cl's eltwise_relu over
 * g->relu_elems, slots x and y); an internal error where g has none (relu_elems 0). */
clnas_status clnas_gemm_desc_relu_kernel(const clnas_gemm_desc *g, clnas_kernel_desc *d, clnas_error *err);

/* "gemm", "gemm_strided_batched", "convgemm". */
const char *clnas_gemm_routine_name(clnas_gemm_routine routine);

#endif
