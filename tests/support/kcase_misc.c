/* clnas tests — kernel rows for batchnorm, pooling, element-wise ops, the head, the loss and SGD. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kcase_host.h"
#include "op_bn.h"
#include "op_eltwise.h"
#include "op_head.h"
#include "op_loss.h"
#include "op_pool.h"
#include "op_grad_clip.h"
#include "op_sgd.h"
#include "op_split_sum.h"

/* SGD is element-wise with no reduction: float32 must match the double reference to 1e-6 of the largest value. */
#define SGD_TOL_F32 1e-6

#define SHAPES(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* ---- batchnorm ---- */

/* Training shapes need n*hw > 1; evaluation shapes include a 1x1 image of batch 1. Rows shorter than a vector,
 * rows with and without a tail after their vectors, and batches above the per-channel work-group size. */
static const struct { int n, c, hw, accum; } bn_train_shapes[] = {
    {2, 2, 3, 0}, {1, 3, 35, 1}, {4, 16, 196, 0}, {37, 5, 49, 1}, {20, 3, 16, 0},
};
static const struct { int n, c, hw, accum; } bn_eval_shapes[] = {
    {1, 2, 1, 0}, {2, 3, 35, 1}, {4, 16, 196, 0},
};
/* The GPU family's split rows: ranges per channel of each shape, shorter and longer than a work-group, the last
 * range shorter or not (6 elements in 3, 35 in 12 12 11, 3136 in 3, 1813 in 7 of 259, 320 in 5 of 64; evaluation:
 * 1 in 1, 70 in 24 24 22, 3136 in 3). */
static const int bn_train_splits[] = {3, 3, 3, 7, 5};
static const int bn_eval_splits[] = {1, 3, 3};

/* The GPU family's kernels for a default GPU (work-groups of 256), or the CPU family's. */
static const clnas_device_profile *family_profile(int gpu)
{
    static const clnas_device_profile gpu_profile = {.family = CLNAS_FAMILY_GPU, .max_work_group_size = 256,
                                                     .local_mem_bytes = 32768};
    return gpu ? &gpu_profile : NULL;
}

/* split: the GPU family's split of the shape (gpu set) */
static clnas_bn_params bn_params(int training, int shape, int gpu, int split)
{
    clnas_bn_params p = {0, 0, 0, 1e-5, 0.1, 0, family_profile(gpu || split), 0};
    if (training) {
        p.n = bn_train_shapes[shape].n, p.c = bn_train_shapes[shape].c, p.hw = bn_train_shapes[shape].hw;
        p.accum = bn_train_shapes[shape].accum;
        p.split = split ? bn_train_splits[shape] : 0;
    } else {
        p.n = bn_eval_shapes[shape].n, p.c = bn_eval_shapes[shape].c, p.hw = bn_eval_shapes[shape].hw;
        p.accum = bn_eval_shapes[shape].accum;
        p.split = split ? bn_eval_splits[shape] : 0;
    }
    return p;
}

/* The split's partial statistics of a training forward (bwd 0) or backward (1) against the reference; the split
 * training forward and backward themselves are the bn_fwd_train and bn_bwd rows with `split` set. */
static int run_bn_part(kh_ctx *k, int fp64, int shape, int bwd)
{
    clnas_bn_params p = bn_params(1, shape, 1, 1);
    size_t total = (size_t)p.n * p.c * p.hw, c = (size_t)p.c, nparts = 2 * c * (size_t)p.split;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *dy = kb_tensor(&b, total, 71 + shape, -1.0, 1.0), *x = kb_tensor(&b, total, 72 + shape, -2.0, 3.0);
    double *smean = kb_tensor(&b, c, 73, 0.0, 1.0);
    double *part = kb_tensor(&b, nparts, 74, -1.0, 1.0), *part_ref = kb_copy(&b, part, nparts);
    const kb_check checks[] = {{bwd ? "bn_bwd_part part" : "bn_fwd_part part", part, part_ref, nparts}};
    if (bwd) {
        clnas_ref_bn_bwd_part(&p, dy, x, smean, part_ref);
        kh_arg args[] = {kb_in(dy, total), kb_in(x, total), kb_in(smean, c), kb_out(part, nparts, 0)};
        return kb_finish(&b, clnas_op_bn_bwd_part_desc(&p, &b.d, &b.err), args, checks, 1);
    }
    clnas_ref_bn_fwd_part(&p, x, part_ref);
    kh_arg args[] = {kb_in(x, total), kb_out(part, nparts, 0)};
    return kb_finish(&b, clnas_op_bn_fwd_part_desc(&p, &b.d, &b.err), args, checks, 1);
}

static int run_bn_fwd_train(kh_ctx *k, int fp64, int shape, int gpu, int split)
{
    clnas_bn_params p = bn_params(1, shape, gpu, split);
    size_t total = (size_t)p.n * p.c * p.hw, c = (size_t)p.c;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = kb_tensor(&b, total, 11 + shape, -2.0, 3.0);
    double *gamma = kb_tensor(&b, c, 12, 0.5, 1.5), *beta = kb_tensor(&b, c, 13, -0.5, 0.5);
    double *rmean = kb_tensor(&b, c, 14, -0.5, 0.5), *rvar = kb_tensor(&b, c, 15, 0.5, 2.0);
    double *smean = kb_tensor(&b, c, 16, 0, 1), *sinvstd = kb_tensor(&b, c, 17, 0, 1);
    double *y = kb_tensor(&b, total, 18, -1.0, 1.0);
    double *rmean_ref = kb_copy(&b, rmean, c), *rvar_ref = kb_copy(&b, rvar, c), *y_ref = kb_copy(&b, y, total);
    double *smean_ref = kb_copy(&b, smean, c), *sinvstd_ref = kb_copy(&b, sinvstd, c);
    /* rmean and rvar are updated in place: uploaded, then read back. A split reads its ranges' partial statistics,
     * here the reference's. */
    const size_t nparts = p.split > 1 ? 2 * c * (size_t)p.split : 1;
    double *part = kb_zeros(&b, nparts);
    if (p.split > 1) {
        clnas_ref_bn_fwd_part(&p, x, part);
        kb_as_device(&b, part, nparts);
    }
    kh_arg args[] = {kb_in(x, total), kb_in(gamma, c),      kb_in(beta, c),        kb_in(rmean, c),
                     kb_in(rvar, c),  kb_out(smean, c, 0), kb_out(sinvstd, c, 0), kb_out(y, total, p.accum), {0}};
    if (p.split > 1) {
        memmove(&args[6], &args[5], 3 * sizeof *args);
        args[5] = kb_in(part, nparts);
    }
    int ok = kb_launch(&b, clnas_op_bn_fwd_train_desc(&p, &b.d, &b.err), args);
    clnas_ref_bn_fwd_train(&p, x, gamma, beta, rmean_ref, rvar_ref, smean_ref, sinvstd_ref, y_ref);
    const kb_check checks[] = {
        {"bn_fwd_train y", y, y_ref, total},          {"bn_fwd_train smean", smean, smean_ref, c},
        {"bn_fwd_train sinvstd", sinvstd, sinvstd_ref, c}, {"bn_fwd_train rmean", rmean, rmean_ref, c},
        {"bn_fwd_train rvar", rvar, rvar_ref, c},
    };
    ok = kb_compare(&b, ok, checks, 5);
    /* PyTorch refuses training statistics of one value per channel; so must the descriptor. */
    clnas_bn_params single = p;
    single.n = 1, single.hw = 1;
    ok &= clnas_op_bn_fwd_train_desc(&single, &b.d, &b.err) == CLNAS_ERR_INVALID_ARG;
    kb_release(&b);
    return ok;
}

/* A forward that normalises by given statistics, which it reads and never writes: the evaluation forward (saved 0:
 * the running rmean and rvar, the evaluation shapes) or the training forward again from the statistics it saved
 * (saved 1: smean and sinvstd, codegen/recompute.c; the training shapes and their splits: it takes any, as the
 * evaluation forward). */
static int run_bn_apply(kh_ctx *k, int fp64, int shape, int gpu, int split, int saved)
{
    clnas_bn_params p = bn_params(saved, shape, gpu, split);
    size_t total = (size_t)p.n * p.c * p.hw, c = (size_t)p.c;
    const int seed = saved ? 81 : 21;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = kb_tensor(&b, total, seed + shape, -2.0, 3.0);
    double *gamma = kb_tensor(&b, c, seed + 1, 0.5, 1.5), *beta = kb_tensor(&b, c, seed + 2, -0.5, 0.5);
    double *mean = kb_tensor(&b, c, seed + 3, -0.5, 0.5), *scale = kb_tensor(&b, c, seed + 4, 0.5, 2.0);
    double *y = kb_tensor(&b, total, seed + 5, -1.0, 1.0), *y_ref = kb_copy(&b, y, total);
    double *mean_in = kb_copy(&b, mean, c), *scale_in = kb_copy(&b, scale, c);
    kh_arg args[] = {kb_in(x, total), kb_in(gamma, c), kb_in(beta, c),
                     kb_in(mean, c),  kb_in(scale, c), kb_out(y, total, p.accum)};
    if (saved)
        clnas_ref_bn_fwd_saved(&p, x, gamma, beta, mean_in, scale_in, y_ref);
    else
        clnas_ref_bn_fwd_eval(&p, x, gamma, beta, mean_in, scale_in, y_ref);
    const int launched = kb_launch(&b, saved ? clnas_op_bn_fwd_saved_desc(&p, &b.d, &b.err)
                                             : clnas_op_bn_fwd_eval_desc(&p, &b.d, &b.err), args);
    static const char *const names[2][3] = {
        {"bn_fwd_eval y", "bn_fwd_eval rmean unchanged", "bn_fwd_eval rvar unchanged"},
        {"bn_fwd_saved y", "bn_fwd_saved smean unchanged", "bn_fwd_saved sinvstd unchanged"}};
    const char *const *name = names[saved];
    int ok = kb_compare(&b, launched, (const kb_check[]){{name[0], y, y_ref, total}}, 1);
    /* the statistics are read, never written: exactly unchanged */
    b.tol = 0.0;
    const kb_check unchanged[] = {{name[1], mean, mean_in, c}, {name[2], scale, scale_in, c}};
    ok &= kb_compare(&b, launched, unchanged, 2);
    kb_release(&b);
    return ok;
}

static int run_bn_bwd(kh_ctx *k, int fp64, int shape, int gpu, int split)
{
    clnas_bn_params p = bn_params(1, shape, gpu, split);
    size_t total = (size_t)p.n * p.c * p.hw, c = (size_t)p.c;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *dy = kb_tensor(&b, total, 31 + shape, -1.0, 1.0), *x = kb_tensor(&b, total, 32 + shape, -2.0, 3.0);
    double *gamma = kb_tensor(&b, c, 33, 0.5, 1.5);
    /* The saved statistics of x, as a training forward leaves them. */
    double *smean = kb_zeros(&b, c), *sinvstd = kb_zeros(&b, c);
    double *scratch_c = kb_zeros(&b, 2 * c), *scratch_y = kb_zeros(&b, total);
    clnas_bn_params plain = p;
    plain.accum = 0;
    clnas_ref_bn_fwd_train(&plain, x, gamma, gamma, scratch_c, scratch_c + c, smean, sinvstd, scratch_y);
    kb_as_device(&b, smean, c);
    kb_as_device(&b, sinvstd, c);
    double *dx = kb_tensor(&b, total, 34, -1.0, 1.0), *dx_ref = kb_copy(&b, dx, total);
    double *dgamma = kb_tensor(&b, c, 35, 0, 1), *dbeta = kb_tensor(&b, c, 36, 0, 1);
    double *dgamma_ref = kb_copy(&b, dgamma, c), *dbeta_ref = kb_copy(&b, dbeta, c);
    const size_t nparts = p.split > 1 ? 2 * c * (size_t)p.split : 1;
    double *part = kb_zeros(&b, nparts);
    if (p.split > 1) {
        clnas_ref_bn_bwd_part(&p, dy, x, smean, part);
        kb_as_device(&b, part, nparts);
    }
    kh_arg args[] = {kb_in(dy, total),  kb_in(x, total),            kb_in(gamma, c),      kb_in(smean, c),
                     kb_in(sinvstd, c), kb_out(dx, total, p.accum), kb_out(dgamma, c, 0), kb_out(dbeta, c, 0), {0}};
    if (p.split > 1) {
        memmove(&args[6], &args[5], 3 * sizeof *args);
        args[5] = kb_in(part, nparts);
    }
    clnas_ref_bn_bwd(&p, dy, x, gamma, smean, sinvstd, dx_ref, dgamma_ref, dbeta_ref);
    const kb_check checks[] = {{"bn_bwd dx", dx, dx_ref, total},
                               {"bn_bwd dgamma", dgamma, dgamma_ref, c},
                               {"bn_bwd dbeta", dbeta, dbeta_ref, c}};
    return kb_finish(&b, clnas_op_bn_bwd_desc(&p, &b.d, &b.err), args, checks, 3);
}

static int run_bn_const_fwd_train(kh_ctx *k, int fp64, int shape, int gpu)
{
    clnas_bn_params p = bn_params(1, shape, gpu, 0);
    size_t total = (size_t)p.n * p.c * p.hw, c = (size_t)p.c;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *beta = kb_tensor(&b, c, 41 + shape, -0.5, 0.5);
    double *rmean = kb_tensor(&b, c, 42, -0.5, 0.5), *rvar = kb_tensor(&b, c, 43, 0.5, 2.0);
    double *y = kb_tensor(&b, total, 44, -1.0, 1.0);
    double *rmean_ref = kb_copy(&b, rmean, c), *rvar_ref = kb_copy(&b, rvar, c), *y_ref = kb_copy(&b, y, total);
    kh_arg args[] = {kb_in(beta, c), kb_in(rmean, c), kb_in(rvar, c), kb_out(y, total, p.accum)};
    int ok = kb_launch(&b, clnas_op_bn_const_fwd_train_desc(&p, &b.d, &b.err), args);
    clnas_ref_bn_const_fwd_train(&p, beta, rmean_ref, rvar_ref, y_ref);
    const kb_check checks[] = {{"bn_const_fwd_train y", y, y_ref, total},
                               {"bn_const_fwd_train rmean", rmean, rmean_ref, c},
                               {"bn_const_fwd_train rvar", rvar, rvar_ref, c}};
    ok = kb_compare(&b, ok, checks, 3);
    /* The constant form is the training forward of an all-zero input (accum 0 here; stats compared too). */
    if (ok && fp64) {
        clnas_bn_params plain = p;
        plain.accum = 0;
        double *zeros = kb_zeros(&b, total), *gamma = kb_keep(&b, kh_random(c, 45, 0.5, 1.5));
        double *rm = kb_keep(&b, kh_random(c, 42, -0.5, 0.5)), *rv = kb_keep(&b, kh_random(c, 43, 0.5, 2.0));
        double *rm_c = kb_copy(&b, rm, c), *rv_c = kb_copy(&b, rv, c);
        double *sm = kb_zeros(&b, c), *si = kb_zeros(&b, c), *yz = kb_zeros(&b, total), *yc = kb_zeros(&b, total);
        clnas_ref_bn_fwd_train(&plain, zeros, gamma, beta, rm, rv, sm, si, yz);
        clnas_ref_bn_const_fwd_train(&plain, beta, rm_c, rv_c, yc);
        b.tol = 1e-15;
        const kb_check same[] = {{"bn_const_fwd_train y = bn(0)", yc, yz, total},
                                 {"bn_const_fwd_train rmean = bn(0)", rm_c, rm, c},
                                 {"bn_const_fwd_train rvar = bn(0)", rv_c, rv, c}};
        ok = kb_compare(&b, ok, same, 3);
    }
    kb_release(&b);
    return ok;
}

static int run_bn_const_fwd_eval(kh_ctx *k, int fp64, int shape, int gpu)
{
    clnas_bn_params p = bn_params(0, shape, gpu, 0);
    size_t total = (size_t)p.n * p.c * p.hw, c = (size_t)p.c;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *gamma = kb_tensor(&b, c, 51 + shape, 0.5, 1.5), *beta = kb_tensor(&b, c, 52, -0.5, 0.5);
    double *rmean = kb_tensor(&b, c, 53, -0.5, 0.5), *rvar = kb_tensor(&b, c, 54, 0.5, 2.0);
    double *y = kb_tensor(&b, total, 55, -1.0, 1.0), *y_ref = kb_copy(&b, y, total);
    kh_arg args[] = {kb_in(gamma, c), kb_in(beta, c), kb_in(rmean, c), kb_in(rvar, c), kb_out(y, total, p.accum)};
    clnas_ref_bn_const_fwd_eval(&p, gamma, beta, rmean, rvar, y_ref);
    int ok = kb_launch(&b, clnas_op_bn_const_fwd_eval_desc(&p, &b.d, &b.err), args);
    ok = kb_compare(&b, ok, (const kb_check[]){{"bn_const_fwd_eval y", y, y_ref, total}}, 1);
    /* The constant is the evaluation forward of an all-zero input. */
    if (ok && fp64) {
        clnas_bn_params plain = p;
        plain.accum = 0;
        double *zeros = kb_zeros(&b, total), *yz = kb_zeros(&b, total), *yc = kb_zeros(&b, total);
        clnas_ref_bn_fwd_eval(&plain, zeros, gamma, beta, rmean, rvar, yz);
        clnas_ref_bn_const_fwd_eval(&plain, gamma, beta, rmean, rvar, yc);
        b.tol = 1e-14;
        ok = kb_compare(&b, ok, (const kb_check[]){{"bn_const_fwd_eval y = bn(0)", yc, yz, total}}, 1);
    }
    kb_release(&b);
    return ok;
}

static int run_bn_const_bwd(kh_ctx *k, int fp64, int shape, int gpu)
{
    clnas_bn_params p = bn_params(1, shape, gpu, 0);
    size_t total = (size_t)p.n * p.c * p.hw, c = (size_t)p.c;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *dy = kb_tensor(&b, total, 61 + shape, -1.0, 1.0);
    double *dgamma = kb_tensor(&b, c, 62, 0, 1), *dbeta = kb_tensor(&b, c, 63, 0, 1);
    double *dgamma_ref = kb_copy(&b, dgamma, c), *dbeta_ref = kb_copy(&b, dbeta, c);
    kh_arg args[] = {kb_in(dy, total), kb_out(dgamma, c, 0), kb_out(dbeta, c, 0)};
    clnas_ref_bn_const_bwd(&p, dy, dgamma_ref, dbeta_ref);
    const kb_check checks[] = {{"bn_const_bwd dgamma", dgamma, dgamma_ref, c},
                               {"bn_const_bwd dbeta", dbeta, dbeta_ref, c}};
    return kb_finish(&b, clnas_op_bn_const_bwd_desc(&p, &b.d, &b.err), args, checks, 2);
}

/* ---- pooling ---- */

static const clnas_pool_params pool3_shapes[] = {
    {1, 2, 3, 3, 0, 1, NULL}, {3, 3, 7, 5, 1, 1, NULL},  {4, 16, 1, 1, 0, 1, NULL},
    {2, 3, 2, 17, 1, 1, NULL}, {3, 2, 11, 1, 0, 1, NULL}, {2, 2, 3, 28, 0, 1, NULL},
};
/* Rows of fewer output columns than a vector (8), of one vector exactly, of vectors and a tail; the first two
 * (a tail alone, then vectors and a tail) are oclgrind's. */
static const clnas_pool_params pool2_shapes[] = {
    {1, 2, 2, 2, 0, 2, NULL},    {2, 3, 6, 34, 1, 2, NULL}, {2, 3, 6, 4, 1, 2, NULL},
    {4, 16, 14, 14, 0, 2, NULL}, {3, 2, 4, 16, 0, 2, NULL}, {2, 4, 28, 28, 1, 2, NULL},
};

/* fwd: slots (x, y) with y of out_count; bwd: slots (dy, dx) with dy of out_count. */
static int pool_case(kh_ctx *k, int fp64, const clnas_pool_params *p, int backward, int pool2, const char *what)
{
    size_t in_count = (size_t)p->n * p->c * p->h * p->w, out_count = pool2 ? in_count / 4 : in_count;
    size_t src_count = backward ? out_count : in_count, dst_count = backward ? in_count : out_count;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *src = kb_tensor(&b, src_count, 71 + (uint64_t)p->h, -1.0, 1.0);
    double *dst = kb_tensor(&b, dst_count, 72, -1.0, 1.0), *dst_ref = kb_copy(&b, dst, dst_count);
    kh_arg args[] = {kb_in(src, src_count), kb_out(dst, dst_count, p->accum)};
    clnas_status st = pool2 ? (backward ? clnas_op_avgpool2_bwd_desc : clnas_op_avgpool2_fwd_desc)(p, &b.d, &b.err)
                            : (backward ? clnas_op_avgpool3_bwd_desc : clnas_op_avgpool3_fwd_desc)(p, &b.d, &b.err);
    if (pool2)
        (backward ? clnas_ref_avgpool2_bwd : clnas_ref_avgpool2_fwd)(p, src, dst_ref);
    else
        (backward ? clnas_ref_avgpool3_bwd : clnas_ref_avgpool3_fwd)(p, src, dst_ref);
    return kb_finish(&b, st, args, (const kb_check[]){{what, dst, dst_ref, dst_count}}, 1);
}

/* The 3x3 pool's kernels of the family of family_profile(gpu): a work-item per row, or per element written. */
static int pool3_case(kh_ctx *k, int fp64, int shape, int backward, int gpu)
{
    clnas_pool_params p = pool3_shapes[shape];
    p.profile = family_profile(gpu);
    return pool_case(k, fp64, &p, backward, 0, backward ? "avgpool3_bwd dx" : "avgpool3_fwd y");
}

static int case_avgpool3_fwd(kh_ctx *k, int fp64, int shape)
{
    return pool3_case(k, fp64, shape, 0, 0);
}

static int case_avgpool3_bwd(kh_ctx *k, int fp64, int shape)
{
    return pool3_case(k, fp64, shape, 1, 0);
}

static int case_avgpool3_fwd_gpu(kh_ctx *k, int fp64, int shape)
{
    return pool3_case(k, fp64, shape, 0, 1);
}

static int case_avgpool3_bwd_gpu(kh_ctx *k, int fp64, int shape)
{
    return pool3_case(k, fp64, shape, 1, 1);
}

/* The 2x2 pool refuses odd sizes. */
static int pool2_rejects_odd(void)
{
    clnas_pool_params odd = {2, 3, 7, 5, 0, 2, NULL};
    clnas_kernel_desc d;
    clnas_error err;
    int ok = clnas_op_avgpool2_fwd_desc(&odd, &d, &err) == CLNAS_ERR_INVALID_ARG;
    ok &= clnas_op_avgpool2_bwd_desc(&odd, &d, &err) == CLNAS_ERR_INVALID_ARG && strstr(err.message, "even");
    return ok;
}

/* The 2x2 pool's kernels of the family of family_profile(gpu): a work-item per element written, or per output row. */
static int pool2_case(kh_ctx *k, int fp64, int shape, int backward, int gpu)
{
    clnas_pool_params p = pool2_shapes[shape];
    p.profile = family_profile(gpu);
    return pool_case(k, fp64, &p, backward, 1, backward ? "avgpool2_bwd dx" : "avgpool2_fwd y") &&
           pool2_rejects_odd();
}

static int case_avgpool2_fwd(kh_ctx *k, int fp64, int shape)
{
    return pool2_case(k, fp64, shape, 0, 0);
}

static int case_avgpool2_bwd(kh_ctx *k, int fp64, int shape)
{
    return pool2_case(k, fp64, shape, 1, 0);
}

static int case_avgpool2_fwd_gpu(kh_ctx *k, int fp64, int shape)
{
    return pool2_case(k, fp64, shape, 0, 1);
}

static int case_avgpool2_bwd_gpu(kh_ctx *k, int fp64, int shape)
{
    return pool2_case(k, fp64, shape, 1, 1);
}

/* ---- element-wise ---- */

static const clnas_eltwise_params eltwise_shapes[] = {
    {1, 0, 0.0}, {1000, 1, -2.5}, {4099, 0, 0.1},
};

/* y (=/+=) x, or with relu y = max(x, 0) (which overwrites) */
static int eltwise_xy_case(kh_ctx *k, int fp64, int shape, int relu)
{
    clnas_eltwise_params p = eltwise_shapes[shape];
    p.accum = relu ? 0 : p.accum;
    size_t n = (size_t)p.count;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = kb_tensor(&b, n, 81 + shape, -1.0, 1.0);
    double *y = kb_tensor(&b, n, 82, -1.0, 1.0), *y_ref = kb_copy(&b, y, n);
    kh_arg args[] = {kb_in(x, n), kb_out(y, n, p.accum)};
    if (relu)
        clnas_ref_relu(&p, x, y_ref);
    else
        clnas_ref_add(&p, x, y_ref);
    clnas_status st = relu ? clnas_op_relu_desc(&p, &b.d, &b.err) : clnas_op_add_desc(&p, &b.d, &b.err);
    return kb_finish(&b, st, args, (const kb_check[]){{relu ? "relu y" : "add y", y, y_ref, n}}, 1);
}

static int case_add(kh_ctx *k, int fp64, int shape)
{
    return eltwise_xy_case(k, fp64, shape, 0);
}

static int case_relu(kh_ctx *k, int fp64, int shape)
{
    return eltwise_xy_case(k, fp64, shape, 1);
}

static int case_fill(kh_ctx *k, int fp64, int shape)
{
    clnas_eltwise_params p = eltwise_shapes[shape];
    size_t n = (size_t)p.count;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *y = kb_tensor(&b, n, 91, -1.0, 1.0), *y_ref = kb_copy(&b, y, n);
    kh_arg args[] = {kb_out(y, n, 0)};
    clnas_ref_fill(&p, y_ref);
    return kb_finish(&b, clnas_op_fill_desc(&p, &b.d, &b.err), args, (const kb_check[]){{"fill y", y, y_ref, n}}, 1);
}

/* The sum of a split weight gradient's parts: one part, an odd count over several work-groups, accumulating. */
static const clnas_split_sum_params split_sum_shapes[] = {
    {1, 1, 0}, {300, 3, 1}, {2305, 7, 0},
};

static int case_split_sum(kh_ctx *k, int fp64, int shape)
{
    clnas_split_sum_params p = split_sum_shapes[shape];
    size_t n = (size_t)p.count, all = n * (size_t)p.parts;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *part = kb_tensor(&b, all, 95 + shape, -1.0, 1.0);
    double *y = kb_tensor(&b, n, 96, -1.0, 1.0), *y_ref = kb_copy(&b, y, n);
    kh_arg args[] = {kb_in(part, all), kb_out(y, n, p.accum)};
    clnas_ref_split_sum(&p, part, y_ref);
    return kb_finish(&b, clnas_op_split_sum_desc(&p, &b.d, &b.err), args,
                     (const kb_check[]){{"split_sum y", y, y_ref, n}}, 1);
}

/* ---- head ---- */

static const clnas_head_params head_shapes[] = {
    {1, 1, 1, 0}, {2, 3, 35, 1}, {4, 16, 49, 0},
};

static int case_gap_relu_fwd(kh_ctx *k, int fp64, int shape)
{
    clnas_head_params p = head_shapes[shape];
    size_t total = (size_t)p.n * p.c * p.hw, planes = (size_t)p.n * p.c;
    kb_case b;
    kb_begin(&b, k, fp64);
    /* Shape 0 is one pixel: make it positive so the ReLU passes it (the other shapes mix signs). */
    double *x = kb_tensor(&b, total, 101 + shape, shape == 0 ? 0.1 : -1.0, 1.0);
    double *y = kb_tensor(&b, planes, 102, -1.0, 1.0), *y_ref = kb_copy(&b, y, planes);
    kh_arg args[] = {kb_in(x, total), kb_out(y, planes, p.accum)};
    clnas_ref_gap_relu_fwd(&p, x, y_ref);
    const kb_check check = {"gap_relu_fwd y", y, y_ref, planes};
    return kb_finish(&b, clnas_op_gap_relu_fwd_desc(&p, &b.d, &b.err), args, &check, 1);
}

static int case_gap_relu_bwd(kh_ctx *k, int fp64, int shape)
{
    clnas_head_params p = head_shapes[shape];
    size_t total = (size_t)p.n * p.c * p.hw, planes = (size_t)p.n * p.c;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *dy = kb_tensor(&b, planes, 111 + shape, -1.0, 1.0);
    double *x = kb_tensor(&b, total, 112, shape == 0 ? 0.1 : -1.0, 1.0);
    double *dx = kb_tensor(&b, total, 113, -1.0, 1.0), *dx_ref = kb_copy(&b, dx, total);
    kh_arg args[] = {kb_in(dy, planes), kb_in(x, total), kb_out(dx, total, p.accum)};
    clnas_ref_gap_relu_bwd(&p, dy, x, dx_ref);
    const kb_check check = {"gap_relu_bwd dx", dx, dx_ref, total};
    return kb_finish(&b, clnas_op_gap_relu_bwd_desc(&p, &b.d, &b.err), args, &check, 1);
}

static int case_gap_fwd(kh_ctx *k, int fp64, int shape)
{
    clnas_head_params p = head_shapes[shape];
    size_t total = (size_t)p.n * p.c * p.hw, planes = (size_t)p.n * p.c;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = kb_tensor(&b, total, 121 + shape, -1.0, 1.0);
    double *y = kb_tensor(&b, planes, 122, -1.0, 1.0), *y_ref = kb_copy(&b, y, planes);
    kh_arg args[] = {kb_in(x, total), kb_out(y, planes, p.accum)};
    clnas_ref_gap_fwd(&p, x, y_ref);
    const kb_check check = {"gap_fwd y", y, y_ref, planes};
    return kb_finish(&b, clnas_op_gap_fwd_desc(&p, &b.d, &b.err), args, &check, 1);
}

static int case_gap_bwd(kh_ctx *k, int fp64, int shape)
{
    clnas_head_params p = head_shapes[shape];
    size_t total = (size_t)p.n * p.c * p.hw, planes = (size_t)p.n * p.c;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *dy = kb_tensor(&b, planes, 131 + shape, -1.0, 1.0);
    double *dx = kb_tensor(&b, total, 133, -1.0, 1.0), *dx_ref = kb_copy(&b, dx, total);
    kh_arg args[] = {kb_in(dy, planes), kb_out(dx, total, p.accum)};
    clnas_ref_gap_bwd(&p, dy, dx_ref);
    const kb_check check = {"gap_bwd dx", dx, dx_ref, total};
    return kb_finish(&b, clnas_op_gap_bwd_desc(&p, &b.d, &b.err), args, &check, 1);
}

/* ---- loss ---- */

/* n, classes, weight (0: unweighted; 0.4: DARTS' auxiliary loss) */
static const clnas_loss_params loss_shapes[] = {
    {2, 3, 0}, {300, 10, 0}, {5, 1000, 0}, {4, 10, 0.4}, {7, 3, 2.5},
};

static int case_softmax_xent(kh_ctx *k, int fp64, int shape)
{
    clnas_loss_params p = loss_shapes[shape];
    size_t count = (size_t)p.n * p.classes, n = (size_t)p.n;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *logits = kb_tensor(&b, count, 121 + shape, -6.0, 6.0);
    double *labels = kb_keep(&b, kh_random(n, 122 + shape, 0.0, (double)p.classes));
    int *label_ints = malloc(n * sizeof *label_ints);
    for (size_t r = 0; r < n; r++)
        labels[r] = (double)(int)labels[r];
    labels[0] = p.classes - 1; /* both ends of the range */
    labels[n - 1] = 0;
    for (size_t r = 0; r < n; r++)
        label_ints[r] = (int)labels[r];
    double *loss = kb_tensor(&b, 1, 123, 0, 1), *loss_ref = kb_copy(&b, loss, 1);
    double *dlogits = kb_tensor(&b, count, 124, 0, 1), *dlogits_ref = kb_copy(&b, dlogits, count);
    kh_arg args[] = {kb_in(logits, count), kb_in(labels, n), kb_out(loss, 1, 0), kb_out(dlogits, count, 0)};
    int ok = kb_launch(&b, clnas_op_softmax_xent_desc(&p, &b.d, &b.err), args);
    clnas_ref_softmax_xent(&p, logits, label_ints, loss_ref, dlogits_ref);
    const kb_check checks[] = {{"softmax_xent loss", loss, loss_ref, 1},
                               {"softmax_xent dlogits", dlogits, dlogits_ref, count}};
    ok = kb_compare(&b, ok, checks, 2);
    /* An out-of-range label reads nothing out of bounds and shows as NaN in the loss and its row. */
    if (ok && shape == 0) {
        labels[0] = p.classes;
        ok &= kb_launch(&b, CLNAS_OK, args);
        int nan_row = 1, finite_rest = 1;
        for (size_t i = 0; i < count; i++) {
            if (i < (size_t)p.classes)
                nan_row &= isnan(dlogits[i]) != 0;
            else
                finite_rest &= isfinite(dlogits[i]) != 0;
        }
        int shows_nan = isnan(loss[0]) && nan_row && finite_rest;
        printf("  %-40s %s\n", "softmax_xent bad label gives NaN", shows_nan ? "ok" : "FAIL");
        ok &= shows_nan;
    }
    free(label_ints);
    kb_release(&b);
    return ok;
}

/* ---- SGD ---- */

static const struct {
    clnas_sgd_params p;
    double lr;
    int fresh; /* v starts at zero, as on the first step */
} sgd_shapes[] = {
    {{7, 0.9, 5e-4, 1}, 0.1, 1},
    {{1000, 0.9, 5e-4, 0}, 0.05, 0},
    {{4099, 0.5, 1e-2, 1}, 0.1, 0},
};

static int case_sgd(kh_ctx *k, int fp64, int shape)
{
    clnas_sgd_params p = sgd_shapes[shape].p;
    double lr = sgd_shapes[shape].lr;
    size_t n = (size_t)p.count;
    kb_case b;
    kb_begin(&b, k, fp64);
    if (!fp64)
        b.tol = SGD_TOL_F32;
    double *param = kb_tensor(&b, n, 131 + shape, -1.0, 1.0), *g = kb_tensor(&b, n, 132, -1.0, 1.0);
    double *v = kb_tensor(&b, n, 133, -1.0, 1.0);
    if (sgd_shapes[shape].fresh)
        memset(v, 0, n * sizeof *v);
    double *param_ref = kb_copy(&b, param, n), *v_ref = kb_copy(&b, v, n);
    kh_arg args[] = {kb_out(param, n, 1), kb_in(g, n), kb_out(v, n, 1), {NULL, 0, 0, lr}};
    int ok = kb_launch(&b, clnas_op_sgd_desc(&p, &b.d, &b.err), args);
    clnas_ref_sgd(&p, param_ref, g, v_ref, fp64 ? lr : (float)lr);
    ok = kb_compare(&b, ok, (const kb_check[]){{"sgd p", param, param_ref, n}, {"sgd v", v, v_ref, n}}, 2);
    /* PyTorch refuses Nesterov without momentum. */
    clnas_sgd_params bad = {10, 0.0, 0.0, 1};
    ok &= clnas_op_sgd_desc(&bad, &b.d, &b.err) == CLNAS_ERR_INVALID_ARG;
    kb_release(&b);
    return ok;
}

/* ---- gradient clipping at a global norm ---- */

static const clnas_grad_clip_params clip_shapes[] = {
    {7, 5.0},    /* norm below 5: left alone */
    {1000, 5.0}, /* clipped */
    {4099, 0.5}, /* more elements than work-items several times over */
};

static int case_grad_clip(kh_ctx *k, int fp64, int shape)
{
    clnas_grad_clip_params p = clip_shapes[shape];
    size_t n = (size_t)p.count;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *g = kb_tensor(&b, n, 141 + shape, -1.0, 1.0);
    double *g_ref = kb_copy(&b, g, n);
    kh_arg args[] = {kb_out(g, n, 1)};
    int ok = kb_launch(&b, clnas_op_grad_clip_desc(&p, &b.d, &b.err), args);
    clnas_ref_grad_clip(&p, g_ref);
    ok = kb_compare(&b, ok, (const kb_check[]){{"grad_clip g", g, g_ref, n}}, 1);
    clnas_grad_clip_params bad = {10, 0.0};
    ok &= clnas_op_grad_clip_desc(&bad, &b.d, &b.err) == CLNAS_ERR_INVALID_ARG;
    kb_release(&b);
    return ok;
}

static int case_bn_fwd_train(kh_ctx *k, int fp64, int shape)
{
    return run_bn_fwd_train(k, fp64, shape, 0, 0);
}

static int case_bn_fwd_train_gpu(kh_ctx *k, int fp64, int shape)
{
    return run_bn_fwd_train(k, fp64, shape, 1, 0);
}

static int case_bn_fwd_train_gpu_split(kh_ctx *k, int fp64, int shape)
{
    return run_bn_fwd_train(k, fp64, shape, 1, 1);
}

static int case_bn_fwd_eval(kh_ctx *k, int fp64, int shape)
{
    return run_bn_apply(k, fp64, shape, 0, 0, 0);
}

static int case_bn_fwd_eval_gpu(kh_ctx *k, int fp64, int shape)
{
    return run_bn_apply(k, fp64, shape, 1, 0, 0);
}

static int case_bn_fwd_eval_gpu_split(kh_ctx *k, int fp64, int shape)
{
    return run_bn_apply(k, fp64, shape, 1, 1, 0);
}

static int case_bn_fwd_saved(kh_ctx *k, int fp64, int shape)
{
    return run_bn_apply(k, fp64, shape, 0, 0, 1);
}

static int case_bn_fwd_saved_gpu(kh_ctx *k, int fp64, int shape)
{
    return run_bn_apply(k, fp64, shape, 1, 0, 1);
}

static int case_bn_fwd_saved_gpu_split(kh_ctx *k, int fp64, int shape)
{
    return run_bn_apply(k, fp64, shape, 1, 1, 1);
}

static int case_bn_bwd(kh_ctx *k, int fp64, int shape)
{
    return run_bn_bwd(k, fp64, shape, 0, 0);
}

static int case_bn_bwd_gpu(kh_ctx *k, int fp64, int shape)
{
    return run_bn_bwd(k, fp64, shape, 1, 0);
}

static int case_bn_bwd_gpu_split(kh_ctx *k, int fp64, int shape)
{
    return run_bn_bwd(k, fp64, shape, 1, 1);
}

static int case_bn_fwd_part_gpu(kh_ctx *k, int fp64, int shape)
{
    return run_bn_part(k, fp64, shape, 0);
}

static int case_bn_bwd_part_gpu(kh_ctx *k, int fp64, int shape)
{
    return run_bn_part(k, fp64, shape, 1);
}

static int case_bn_const_fwd_train(kh_ctx *k, int fp64, int shape)
{
    return run_bn_const_fwd_train(k, fp64, shape, 0);
}

static int case_bn_const_fwd_train_gpu(kh_ctx *k, int fp64, int shape)
{
    return run_bn_const_fwd_train(k, fp64, shape, 1);
}

static int case_bn_const_fwd_eval(kh_ctx *k, int fp64, int shape)
{
    return run_bn_const_fwd_eval(k, fp64, shape, 0);
}

static int case_bn_const_fwd_eval_gpu(kh_ctx *k, int fp64, int shape)
{
    return run_bn_const_fwd_eval(k, fp64, shape, 1);
}

static int case_bn_const_bwd(kh_ctx *k, int fp64, int shape)
{
    return run_bn_const_bwd(k, fp64, shape, 0);
}

static int case_bn_const_bwd_gpu(kh_ctx *k, int fp64, int shape)
{
    return run_bn_const_bwd(k, fp64, shape, 1);
}

const kh_case kh_cases_misc[] = {
    {"bn_fwd_train", case_bn_fwd_train, SHAPES(bn_train_shapes), 1},
    {"bn_fwd_eval", case_bn_fwd_eval, SHAPES(bn_eval_shapes), 1},
    {"bn_fwd_saved", case_bn_fwd_saved, SHAPES(bn_train_shapes), 1},
    {"bn_bwd", case_bn_bwd, SHAPES(bn_train_shapes), 1},
    {"bn_const_fwd_train", case_bn_const_fwd_train, SHAPES(bn_train_shapes), 1},
    {"bn_const_fwd_eval", case_bn_const_fwd_eval, SHAPES(bn_eval_shapes), 1},
    {"bn_const_bwd", case_bn_const_bwd, SHAPES(bn_train_shapes), 1},
    {"bn_fwd_train_gpu", case_bn_fwd_train_gpu, SHAPES(bn_train_shapes), 1},
    {"bn_fwd_eval_gpu", case_bn_fwd_eval_gpu, SHAPES(bn_eval_shapes), 1},
    {"bn_fwd_saved_gpu", case_bn_fwd_saved_gpu, SHAPES(bn_train_shapes), 1},
    {"bn_bwd_gpu", case_bn_bwd_gpu, SHAPES(bn_train_shapes), 1},
    {"bn_const_fwd_train_gpu", case_bn_const_fwd_train_gpu, SHAPES(bn_train_shapes), 1},
    {"bn_const_fwd_eval_gpu", case_bn_const_fwd_eval_gpu, SHAPES(bn_eval_shapes), 1},
    {"bn_const_bwd_gpu", case_bn_const_bwd_gpu, SHAPES(bn_train_shapes), 1},
    {"bn_fwd_part_gpu", case_bn_fwd_part_gpu, SHAPES(bn_train_shapes), 1},
    {"bn_fwd_train_gpu_split", case_bn_fwd_train_gpu_split, SHAPES(bn_train_shapes), 1},
    {"bn_fwd_eval_gpu_split", case_bn_fwd_eval_gpu_split, SHAPES(bn_eval_shapes), 1},
    {"bn_fwd_saved_gpu_split", case_bn_fwd_saved_gpu_split, SHAPES(bn_train_shapes), 1},
    {"bn_bwd_part_gpu", case_bn_bwd_part_gpu, SHAPES(bn_train_shapes), 1},
    {"bn_bwd_gpu_split", case_bn_bwd_gpu_split, SHAPES(bn_train_shapes), 1},
    {"avgpool3_fwd", case_avgpool3_fwd, SHAPES(pool3_shapes), 1},
    {"avgpool3_bwd", case_avgpool3_bwd, SHAPES(pool3_shapes), 1},
    {"avgpool3_fwd_gpu", case_avgpool3_fwd_gpu, SHAPES(pool3_shapes), 1},
    {"avgpool3_bwd_gpu", case_avgpool3_bwd_gpu, SHAPES(pool3_shapes), 1},
    {"avgpool2_fwd", case_avgpool2_fwd, SHAPES(pool2_shapes), 2},
    {"avgpool2_bwd", case_avgpool2_bwd, SHAPES(pool2_shapes), 2},
    {"avgpool2_fwd_gpu", case_avgpool2_fwd_gpu, SHAPES(pool2_shapes), 2},
    {"avgpool2_bwd_gpu", case_avgpool2_bwd_gpu, SHAPES(pool2_shapes), 2},
    {"add", case_add, SHAPES(eltwise_shapes), 1},
    {"relu", case_relu, SHAPES(eltwise_shapes), 1},
    {"fill", case_fill, SHAPES(eltwise_shapes), 1},
    {"split_sum", case_split_sum, SHAPES(split_sum_shapes), 1},
    {"gap_relu_fwd", case_gap_relu_fwd, SHAPES(head_shapes), 1},
    {"gap_relu_bwd", case_gap_relu_bwd, SHAPES(head_shapes), 1},
    {"gap_fwd", case_gap_fwd, SHAPES(head_shapes), 1},
    {"gap_bwd", case_gap_bwd, SHAPES(head_shapes), 1},
    {"softmax_xent", case_softmax_xent, SHAPES(loss_shapes), 1},
    {"sgd", case_sgd, SHAPES(sgd_shapes), 1},
    {"grad_clip", case_grad_clip, SHAPES(clip_shapes), 1},
    {NULL, NULL, 0, 0},
};
