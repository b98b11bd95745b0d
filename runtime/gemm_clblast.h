/* clnas — running a launch's GEMM alternative through CLBlast, every call checked and named by its status. */
#ifndef CLNAS_GEMM_CLBLAST_H
#define CLNAS_GEMM_CLBLAST_H

#include <CL/cl.h>

#include "clnas/status.h"
#include "gemm_desc.h"
#include "kernel_desc.h"

/* The kernel of clnas_gemm_desc_relu_kernel (built by the caller, owned by its program cache) and its geometry. */
typedef struct clnas_gemm_relu {
    cl_kernel kernel;
    size_t global, local;
} clnas_gemm_relu;

/* The buffers one alternative runs on: per kernel slot the buffer and element offset of its binding, and the
 * scratch and ones buffers (NULL when the alternative needs none). `ones` holds at least g->ones_elems ones; `relu`
 * is the kernel that materialises the rectified input where g->relu_elems > 0. */
typedef struct clnas_gemm_buffers {
    cl_mem slot[CLNAS_MAX_KERNEL_ARGS];
    size_t slot_offset[CLNAS_MAX_KERNEL_ARGS];
    cl_mem scratch;
    cl_mem ones;
    clnas_gemm_relu relu;
} clnas_gemm_buffers;

/* "CLBlastInvalidLeadDimA" for -1016; OpenCL codes by their CL_ name; "CLBlastUnknownStatus" otherwise. */
const char *clnas_clblast_status_name(int status);

/* Enqueues the steps of g in order on queue (float, or double when fp64), after the rectified input where g has one.
 * Does not wait. A failed CLBlast call returns CLNAS_ERR_CLBLAST naming the routine, the signature and the status. */
clnas_status clnas_gemm_enqueue(cl_command_queue queue, const clnas_gemm_desc *g, const clnas_gemm_buffers *bufs,
                                int fp64, clnas_error *err);

/* Fills count elements of buf (from element 0) with 1.0 in the element type; does not wait. */
clnas_status clnas_gemm_fill_ones(cl_command_queue queue, cl_mem buf, size_t count, int fp64, clnas_error *err);

#endif
