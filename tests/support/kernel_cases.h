/* clnas tests — rows of the table-driven kernel test: one row per generated kernel (forward or backward). */
#ifndef CLNAS_KERNEL_CASES_H
#define CLNAS_KERNEL_CASES_H

#include "kernel_harness.h"

/* Runs one kernel on shape number `shape` (0 .. nshapes-1; the first nsmall are the smallest, used under oclgrind)
 * in float32 (fp64 = 0) or float64, against the double-precision C reference with the output poisoned
 * first. Returns 1 when every output tensor is within tolerance. */
typedef int (*kh_case_fn)(kh_ctx *k, int fp64, int shape);

typedef struct kh_case {
    const char *name; /* e.g. "conv2d_fwd" */
    kh_case_fn run;
    int nshapes;
    int nsmall; /* shapes 0 .. nsmall-1 are small enough for oclgrind (0 means 1) */
} kh_case;

/* Tolerance of the rule: max err <= tol * max(max |ref|, 0.01). */
#define KH_TOL_F32 1e-4
#define KH_TOL_F64 1e-10
#define KH_TOL(fp64) ((fp64) ? KH_TOL_F64 : KH_TOL_F32)

/* Each table ends with a row whose name is NULL. */
extern const kh_case kh_cases_conv[];   /* tests/support/kcase_conv.c: conv2d, linear */
extern const kh_case kh_cases_misc[];   /* tests/support/kcase_misc.c: batchnorm, pools, eltwise, head, loss, sgd */
extern const kh_case kh_cases_dwconv[]; /* tests/support/kcase_dwconv.c: depthwise convolution */
extern const kh_case kh_cases_mixed[];  /* tests/support/kcase_mixed.c: the mixed edge of differentiable search */
extern const kh_case kh_cases_darts[];  /* tests/support/kcase_darts_ops.c: pools, subsample, concat, drop-path */
extern const kh_case kh_cases_slices[]; /* tests/support/kcase_slices.c: outputs (and ADD inputs) in channel slices */

#endif
