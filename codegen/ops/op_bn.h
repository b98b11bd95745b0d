/* clnas — BatchNorm2d (affine, PyTorch semantics): kernel descriptors and double-precision references. */
#ifndef CLNAS_OP_BN_H
#define CLNAS_OP_BN_H

#include "device_profile.h"
#include "kernel_desc.h"

/* Layout NCHW with hw = h * w; every per-channel reduction runs over M = n * hw elements. */
typedef struct clnas_bn_params {
    int n, c, hw;
    double eps;      /* PyTorch default 1e-5 */
    double momentum; /* PyTorch default 0.1 */
    int accum;       /* 1: y (forward) and dx (backward) accumulate into what is there */
    const clnas_device_profile *profile; /* NULL or the CPU family: kernels/batchnorm.cl; the GPU family:
                                          * kernels/batchnorm_gpu.cl (coalesced, work-groups up to 256) */
    int split; /* 0 or 1: a work-group per channel; S > 1 (the GPU family's training forward, evaluation forward and
                * backward): a work-group per range of ceil(M / S) consecutive elements of a channel, none empty
                * (clnas_bn_split_ranges); the training forward and backward then read the ranges' partial
                * statistics, part [c][S][2], that the _part kernels write (codegen/bn_split.c) */
} clnas_bn_params;

/* Where a channel's M elements give the GPU family fewer work-groups (one per channel) than
 * CLNAS_BN_SPLIT_GROUPS_PER_UNIT per compute unit, they are split into as many ranges as make up the difference,
 * each of at least CLNAS_BN_SPLIT_MIN_ITEMS elements per work-item of the work-group. */
#define CLNAS_BN_SPLIT_GROUPS_PER_UNIT 4
#define CLNAS_BN_SPLIT_MIN_ITEMS 4

/* The ranges S to split p's channels into on p's profile (p->split ignored): 1 for the CPU family and where the
 * channels alone fill the device or a channel is too short to share. */
int clnas_bn_split_ranges(const clnas_bn_params *p);

/* Checks the parameters; training forms also need M > 1 (PyTorch refuses one value per channel). */
clnas_status clnas_op_bn_check(const clnas_bn_params *p, int training, clnas_error *err);

/* Training forward: batch mean and biased variance per channel (two-pass), y (=/+=) gamma*(x-mean)*invstd + beta,
 * smean = mean and sinvstd = 1/sqrt(var+eps) saved for backward, running statistics updated in place:
 * rmean = (1-m) rmean + m mean, rvar = (1-m) rvar + m var*M/(M-1). One work-group per channel.
 * Slots: x, gamma, beta, rmean, rvar, smean, sinvstd, y. */
clnas_status clnas_op_bn_fwd_train_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err);
/* With p->split = S > 1: the same in two launches. bn_fwd_part writes each range's mean and sum of squared deviations
 * to part [c][S][2] (slots: x, part); the training forward (entry bn_fwd_train_split) combines a channel's ranges in
 * order and applies them (slots: x, gamma, beta, rmean, rvar, part, smean, sinvstd, y). */
clnas_status clnas_op_bn_fwd_part_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err);
/* Evaluation forward: y (=/+=) gamma*(x-rmean)/sqrt(rvar+eps) + beta. Slots: x, gamma, beta, rmean, rvar, y. */
clnas_status clnas_op_bn_fwd_eval_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err);
/* The training forward again from the statistics it saved (the backward's copy of an output it did not keep,
 * codegen/recompute.c): y (=/+=) gamma*(x-smean)*sinvstd + beta, the training forward's scale and shift; any split.
 * Slots: x, gamma, beta, smean, sinvstd, y. */
clnas_status clnas_op_bn_fwd_saved_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err);
/* Backward with the saved training statistics: xhat = (x-smean)*sinvstd, dbeta = sum dy, dgamma = sum dy*xhat,
 * dx (=/+=) gamma*sinvstd/M * (M*dy - dbeta - xhat*dgamma); dgamma and dbeta are overwritten.
 * Slots: dy, x, gamma, smean, sinvstd, dx, dgamma, dbeta. */
clnas_status clnas_op_bn_bwd_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err);
/* With p->split = S > 1: bn_bwd_part writes each range's sum dy and sum dy*(x-smean) to part [c][S][2] (slots: dy, x,
 * smean, part); the backward (entry bn_bwd_split) adds a channel's ranges in order and applies them (slots: dy, x,
 * gamma, smean, sinvstd, part, dx, dgamma, dbeta). */
clnas_status clnas_op_bn_bwd_part_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err);

/* BatchNorm of an all-zero input (ReLU-conv-BN of a zero node is BN's shift, not zero).
 * Training: y (=/+=) beta[c]; rmean *= 1-m; rvar *= 1-m. Slots: beta, rmean, rvar, y.
 * Evaluation: y (=/+=) beta - rmean*gamma/sqrt(rvar+eps). Slots: gamma, beta, rmean, rvar, y.
 * Backward: dbeta = sum dy over n and hw, dgamma = 0 (both overwritten). Slots: dy, dgamma, dbeta. */
clnas_status clnas_op_bn_const_fwd_train_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_bn_const_fwd_eval_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_bn_const_bwd_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err);

/* References in double, arguments in slot order, doing exactly what the kernels do (accum, in-place stats). */
void clnas_ref_bn_fwd_train(const clnas_bn_params *p, const double *x, const double *gamma, const double *beta,
                            double *rmean, double *rvar, double *smean, double *sinvstd, double *y);
void clnas_ref_bn_fwd_eval(const clnas_bn_params *p, const double *x, const double *gamma, const double *beta,
                           const double *rmean, const double *rvar, double *y);
void clnas_ref_bn_fwd_saved(const clnas_bn_params *p, const double *x, const double *gamma, const double *beta,
                            const double *smean, const double *sinvstd, double *y);
void clnas_ref_bn_bwd(const clnas_bn_params *p, const double *dy, const double *x, const double *gamma,
                      const double *smean, const double *sinvstd, double *dx, double *dgamma, double *dbeta);
void clnas_ref_bn_const_fwd_train(const clnas_bn_params *p, const double *beta, double *rmean, double *rvar,
                                  double *y);
void clnas_ref_bn_const_fwd_eval(const clnas_bn_params *p, const double *gamma, const double *beta,
                                 const double *rmean, const double *rvar, double *y);
void clnas_ref_bn_const_bwd(const clnas_bn_params *p, const double *dy, double *dgamma, double *dbeta);
/* The split's partial statistics, part [c][p->split][2]: the training forward's (mean, sum of squared deviations)
 * and the backward's (sum dy, sum dy*(x-smean)) of each range. */
void clnas_ref_bn_fwd_part(const clnas_bn_params *p, const double *x, double *part);
void clnas_ref_bn_bwd_part(const clnas_bn_params *p, const double *dy, const double *x, const double *smean,
                           double *part);

#endif
