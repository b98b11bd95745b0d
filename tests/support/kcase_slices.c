/* clnas tests — kernel rows for channel slices (codegen/concat_slices.c): the kernels that may write a tensor lying
 * in channels [c0, c0 + c) of a larger NCHW tensor of cp channels (forward outputs), or read one (the ADD's x, the
 * backwards' dy), with <SLOT>_BSTRIDE and <SLOT>_PER defined as the lowering defines them. The parent tensor is
 * uploaded around the slice: its other channels must come back unchanged, an output slice's elements poisoned (NaN)
 * when the kernel overwrites them, and the results must equal the double-precision reference of the contiguous
 * kernel. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kcase_host.h"
#include "op_bn.h"
#include "op_concat.h"
#include "op_drop_path.h"
#include "op_dwconv.h"
#include "op_eltwise.h"
#include "op_maxpool.h"
#include "op_pool.h"

#define SHAPES(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* n samples of c channels of hw elements each, at channel c0 of a parent of cp channels. */
typedef struct slice_geo {
    int n, c, cp, c0;
    size_t hw;
} slice_geo;

static size_t span_of(const slice_geo *s)
{
    return ((size_t)(s->n - 1) * (size_t)s->cp + (size_t)s->c) * s->hw;
}

static size_t dense_of(const slice_geo *s)
{
    return (size_t)s->n * (size_t)s->c * s->hw;
}

static double *at(double *parent, const slice_geo *s, int n, size_t j)
{
    return parent + ((size_t)n * (size_t)s->cp + (size_t)s->c0) * s->hw + j;
}

static void gather(const slice_geo *s, double *parent, double *dense)
{
    for (int n = 0; n < s->n; n++)
        for (size_t j = 0; j < (size_t)s->c * s->hw; j++)
            dense[(size_t)n * s->c * s->hw + j] = *at(parent, s, n, j);
}

static void scatter(const slice_geo *s, const double *dense, double *parent)
{
    for (int n = 0; n < s->n; n++)
        for (size_t j = 0; j < (size_t)s->c * s->hw; j++)
            *at(parent, s, n, j) = dense[(size_t)n * s->c * s->hw + j];
}

/* A parent [n][cp][hw] of random values; the slice poisoned when the kernel overwrites it. */
static double *parent_tensor(kb_case *b, const slice_geo *s, int accum, uint64_t seed)
{
    double *p = kb_tensor(b, (size_t)s->n * (size_t)s->cp * s->hw, seed, -1.0, 1.0);
    for (int n = 0; n < s->n && !accum; n++)
        for (size_t j = 0; j < (size_t)s->c * s->hw; j++)
            *at(p, s, n, j) = NAN;
    return p;
}

/* The slot's argument: the parent from the slice's first element to its last (the harness poisons guards around). */
static kh_arg slice_arg(double *parent, const slice_geo *s)
{
    return kb_in(parent + (size_t)s->c0 * s->hw, span_of(s));
}

/* The defines the lowering adds for a slot bound to a slice (codegen/emit.c). */
static clnas_status slice_defines(clnas_status st, clnas_kernel_desc *d, const char *slot, const slice_geo *s)
{
    char name[24];
    if (st != CLNAS_OK)
        return st;
    snprintf(name, sizeof name, "%s_BSTRIDE", slot);
    if (clnas_kernel_desc_define_int(d, name, (long)((size_t)s->cp * s->hw)) != CLNAS_OK)
        return CLNAS_ERR_INVALID_ARG;
    snprintf(name, sizeof name, "%s_PER", slot);
    return clnas_kernel_desc_define_int(d, name, (long)((size_t)s->c * s->hw));
}

/* The reference of a slice output: the contiguous reference run on the slice as it stands, put back in place. */
typedef struct slice_out {
    slice_geo g;
    double *got, *ref, *dense;
} slice_out;

static slice_out slice_out_make(kb_case *b, slice_geo g, int accum, uint64_t seed)
{
    slice_out o = {g, parent_tensor(b, &g, accum, seed), NULL, NULL};
    o.ref = kb_copy(b, o.got, (size_t)g.n * (size_t)g.cp * g.hw);
    o.dense = kb_zeros(b, dense_of(&g));
    gather(&g, o.ref, o.dense);
    return o;
}

/* ---- BatchNorm's forwards (both families): y a slice ---- */

/* n, c, hw, accum, cp, c0: rows shorter than a vector, with and without a tail, batches above a work-group. */
static const struct { int n, c, hw, accum, cp, c0; } bn_shapes[] = {
    {2, 2, 3, 0, 5, 1}, {1, 3, 35, 1, 4, 0}, {4, 16, 49, 0, 64, 48}, {37, 5, 49, 1, 12, 7}, {3, 4, 16, 0, 16, 8},
};
/* The GPU family's split rows: ranges per channel (6 elements in 3, 35 in 12 12 11, 196 in 3, 1813 in 7, 48 in 5) */
static const int bn_splits[] = {3, 3, 3, 7, 5};

static const clnas_device_profile *bn_profile(int gpu)
{
    static const clnas_device_profile gpu_profile = {.family = CLNAS_FAMILY_GPU, .max_work_group_size = 256,
                                                     .local_mem_bytes = 32768};
    return gpu ? &gpu_profile : NULL;
}

/* form: 0 training, 1 evaluation, 2 all-zero input in training, 3 all-zero input in evaluation; gpu 2: the GPU
 * family split (forms 0 and 1) */
static int bn_slice_case(kh_ctx *k, int fp64, int shape, int gpu, int form)
{
    const int accum = bn_shapes[shape].accum;
    clnas_bn_params p = {bn_shapes[shape].n, bn_shapes[shape].c, bn_shapes[shape].hw, 1e-5, 0.1, accum,
                         bn_profile(gpu), gpu == 2 ? bn_splits[shape] : 0};
    const slice_geo g = {p.n, p.c, bn_shapes[shape].cp, bn_shapes[shape].c0, (size_t)p.hw};
    const size_t c = (size_t)p.c;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = kb_tensor(&b, dense_of(&g), 301 + (uint64_t)shape, -2.0, 3.0);
    double *gamma = kb_tensor(&b, c, 302, 0.5, 1.5), *beta = kb_tensor(&b, c, 303, -0.5, 0.5);
    double *rmean = kb_tensor(&b, c, 304, -0.5, 0.5), *rvar = kb_tensor(&b, c, 305, 0.5, 2.0);
    double *smean = kb_zeros(&b, c), *sinvstd = kb_zeros(&b, c);
    double *rmean_ref = kb_copy(&b, rmean, c), *rvar_ref = kb_copy(&b, rvar, c);
    double *smean_ref = kb_zeros(&b, c), *sinvstd_ref = kb_zeros(&b, c);
    slice_out y = slice_out_make(&b, g, accum, 306 + (uint64_t)shape);
    const size_t nparts = p.split > 1 ? 2 * c * (size_t)p.split : 1;
    double *part = kb_zeros(&b, nparts);
    kh_arg args[9];
    int nargs = 0;
    clnas_status st;
    if (form == 0) {
        st = clnas_op_bn_fwd_train_desc(&p, &b.d, &b.err);
        clnas_ref_bn_fwd_train(&p, x, gamma, beta, rmean_ref, rvar_ref, smean_ref, sinvstd_ref, y.dense);
        kh_arg a[] = {kb_in(x, dense_of(&g)), kb_in(gamma, c), kb_in(beta, c), kb_in(rmean, c), kb_in(rvar, c),
                      kb_out(smean, c, 0), kb_out(sinvstd, c, 0)};
        memcpy(args, a, sizeof a);
        nargs = 7;
        if (p.split > 1) { /* the ranges' partial statistics, the reference's */
            clnas_ref_bn_fwd_part(&p, x, part);
            kb_as_device(&b, part, nparts);
            memmove(&args[6], &args[5], 2 * sizeof *args);
            args[5] = kb_in(part, nparts);
            nargs = 8;
        }
    } else if (form == 1) {
        st = clnas_op_bn_fwd_eval_desc(&p, &b.d, &b.err);
        clnas_ref_bn_fwd_eval(&p, x, gamma, beta, rmean, rvar, y.dense);
        kh_arg a[] = {kb_in(x, dense_of(&g)), kb_in(gamma, c), kb_in(beta, c), kb_in(rmean, c), kb_in(rvar, c)};
        memcpy(args, a, sizeof a);
        nargs = 5;
    } else if (form == 2) {
        st = clnas_op_bn_const_fwd_train_desc(&p, &b.d, &b.err);
        clnas_ref_bn_const_fwd_train(&p, beta, rmean_ref, rvar_ref, y.dense);
        kh_arg a[] = {kb_in(beta, c), kb_in(rmean, c), kb_in(rvar, c)};
        memcpy(args, a, sizeof a);
        nargs = 3;
    } else {
        st = clnas_op_bn_const_fwd_eval_desc(&p, &b.d, &b.err);
        clnas_ref_bn_const_fwd_eval(&p, gamma, beta, rmean, rvar, y.dense);
        kh_arg a[] = {kb_in(gamma, c), kb_in(beta, c), kb_in(rmean, c), kb_in(rvar, c)};
        memcpy(args, a, sizeof a);
        nargs = 4;
    }
    scatter(&g, y.dense, y.ref);
    args[nargs] = slice_arg(y.got, &g);
    st = slice_defines(st, &b.d, "Y", &g);
    const kb_check checks[] = {
        {"slice bn y (parent)", y.got, y.ref, (size_t)g.n * (size_t)g.cp * g.hw},
        {"slice bn rmean", rmean, rmean_ref, c}, {"slice bn rvar", rvar, rvar_ref, c},
        {"slice bn smean", smean, smean_ref, c}, {"slice bn sinvstd", sinvstd, sinvstd_ref, c},
    };
    const int nchecks[] = {5, 1, 3, 1};
    return kb_finish(&b, st, args, checks, nchecks[form]);
}

static int case_bn_train(kh_ctx *k, int fp64, int shape) { return bn_slice_case(k, fp64, shape, 0, 0); }
static int case_bn_eval(kh_ctx *k, int fp64, int shape) { return bn_slice_case(k, fp64, shape, 0, 1); }
static int case_bn_const_train(kh_ctx *k, int fp64, int shape) { return bn_slice_case(k, fp64, shape, 0, 2); }
static int case_bn_const_eval(kh_ctx *k, int fp64, int shape) { return bn_slice_case(k, fp64, shape, 0, 3); }
static int case_bn_train_gpu(kh_ctx *k, int fp64, int shape) { return bn_slice_case(k, fp64, shape, 1, 0); }
static int case_bn_eval_gpu(kh_ctx *k, int fp64, int shape) { return bn_slice_case(k, fp64, shape, 1, 1); }
static int case_bn_const_train_gpu(kh_ctx *k, int fp64, int shape) { return bn_slice_case(k, fp64, shape, 1, 2); }
static int case_bn_const_eval_gpu(kh_ctx *k, int fp64, int shape) { return bn_slice_case(k, fp64, shape, 1, 3); }
static int case_bn_train_gpu_split(kh_ctx *k, int fp64, int shape) { return bn_slice_case(k, fp64, shape, 2, 0); }
static int case_bn_eval_gpu_split(kh_ctx *k, int fp64, int shape) { return bn_slice_case(k, fp64, shape, 2, 1); }

/* A slice input: the parent [n][cp][hw] random, the slice's values gathered densely for the reference; the parent
 * comes back from the device and must be unchanged (the kernel reads it only). */
typedef struct slice_in {
    slice_geo g;
    double *parent, *orig, *dense;
} slice_in;

static slice_in slice_in_make(kb_case *b, slice_geo g, uint64_t seed)
{
    slice_in s = {g, kb_tensor(b, (size_t)g.n * (size_t)g.cp * g.hw, seed, -1.0, 1.0), NULL, NULL};
    s.orig = kb_copy(b, s.parent, (size_t)g.n * (size_t)g.cp * g.hw);
    s.dense = kb_zeros(b, dense_of(&g));
    gather(&g, s.parent, s.dense);
    return s;
}

/* ---- BatchNorm's backward (both families): dy a slice ---- */

/* gpu 2: the GPU family split, its partial statistics read from dy's slice too (bn_bwd_part) */
static int bn_bwd_case(kh_ctx *k, int fp64, int shape, int gpu)
{
    const int accum = bn_shapes[shape].accum;
    clnas_bn_params p = {bn_shapes[shape].n, bn_shapes[shape].c, bn_shapes[shape].hw, 1e-5, 0.1, accum,
                         bn_profile(gpu), gpu == 2 ? bn_splits[shape] : 0};
    const slice_geo g = {p.n, p.c, bn_shapes[shape].cp, bn_shapes[shape].c0, (size_t)p.hw};
    const size_t c = (size_t)p.c, total = dense_of(&g);
    kb_case b;
    kb_begin(&b, k, fp64);
    slice_in dy = slice_in_make(&b, g, 361 + (uint64_t)shape);
    double *x = kb_tensor(&b, total, 362 + (uint64_t)shape, -2.0, 3.0), *gamma = kb_tensor(&b, c, 363, 0.5, 1.5);
    double *smean = kb_zeros(&b, c), *sinvstd = kb_zeros(&b, c);
    double *scratch_c = kb_zeros(&b, 2 * c), *scratch_y = kb_zeros(&b, total);
    clnas_bn_params plain = p;
    plain.accum = 0;
    clnas_ref_bn_fwd_train(&plain, x, gamma, gamma, scratch_c, scratch_c + c, smean, sinvstd, scratch_y);
    kb_as_device(&b, smean, c);
    kb_as_device(&b, sinvstd, c);
    double *dx = kb_tensor(&b, total, 364, -1.0, 1.0), *dx_ref = kb_copy(&b, dx, total);
    double *dgamma = kb_zeros(&b, c), *dbeta = kb_zeros(&b, c);
    double *dgamma_ref = kb_zeros(&b, c), *dbeta_ref = kb_zeros(&b, c);
    kh_arg args[] = {slice_arg(dy.parent, &g), kb_in(x, total),  kb_in(gamma, c),      kb_in(smean, c),
                     kb_in(sinvstd, c),        kb_out(dx, total, accum), kb_out(dgamma, c, 0), kb_out(dbeta, c, 0), {0}};
    const size_t nparts = p.split > 1 ? 2 * c * (size_t)p.split : 1;
    double *part = kb_zeros(&b, nparts);
    if (p.split > 1) { /* the ranges' partial statistics, the reference's */
        clnas_ref_bn_bwd_part(&p, dy.dense, x, smean, part);
        kb_as_device(&b, part, nparts);
        memmove(&args[6], &args[5], 3 * sizeof *args);
        args[5] = kb_in(part, nparts);
    }
    clnas_ref_bn_bwd(&p, dy.dense, x, gamma, smean, sinvstd, dx_ref, dgamma_ref, dbeta_ref);
    const kb_check checks[] = {{"slice bn_bwd dx", dx, dx_ref, total},
                               {"slice bn_bwd dgamma", dgamma, dgamma_ref, c},
                               {"slice bn_bwd dbeta", dbeta, dbeta_ref, c},
                               {"slice bn_bwd dy unchanged", dy.parent, dy.orig, (size_t)g.n * (size_t)g.cp * g.hw}};
    return kb_finish(&b, slice_defines(clnas_op_bn_bwd_desc(&p, &b.d, &b.err), &b.d, "DY", &g), args, checks, 4);
}

/* The split backward's partial statistics with dy a slice. */
static int case_bn_bwd_part_gpu(kh_ctx *k, int fp64, int shape)
{
    clnas_bn_params p = {bn_shapes[shape].n, bn_shapes[shape].c, bn_shapes[shape].hw, 1e-5, 0.1, 0, bn_profile(1),
                         bn_splits[shape]};
    const slice_geo g = {p.n, p.c, bn_shapes[shape].cp, bn_shapes[shape].c0, (size_t)p.hw};
    const size_t c = (size_t)p.c, total = dense_of(&g), nparts = 2 * c * (size_t)p.split;
    kb_case b;
    kb_begin(&b, k, fp64);
    slice_in dy = slice_in_make(&b, g, 371 + (uint64_t)shape);
    double *x = kb_tensor(&b, total, 372 + (uint64_t)shape, -2.0, 3.0), *smean = kb_tensor(&b, c, 373, 0.0, 1.0);
    double *part = kb_zeros(&b, nparts), *part_ref = kb_zeros(&b, nparts);
    kh_arg args[] = {slice_arg(dy.parent, &g), kb_in(x, total), kb_in(smean, c), kb_out(part, nparts, 0)};
    clnas_ref_bn_bwd_part(&p, dy.dense, x, smean, part_ref);
    const kb_check checks[] = {{"slice bn_bwd_part part", part, part_ref, nparts},
                               {"slice bn_bwd_part dy unchanged", dy.parent, dy.orig, (size_t)g.n * (size_t)g.cp * g.hw}};
    return kb_finish(&b, slice_defines(clnas_op_bn_bwd_part_desc(&p, &b.d, &b.err), &b.d, "DY", &g), args, checks, 2);
}

static int case_bn_bwd(kh_ctx *k, int fp64, int shape) { return bn_bwd_case(k, fp64, shape, 0); }
static int case_bn_bwd_gpu(kh_ctx *k, int fp64, int shape) { return bn_bwd_case(k, fp64, shape, 1); }
static int case_bn_bwd_gpu_split(kh_ctx *k, int fp64, int shape) { return bn_bwd_case(k, fp64, shape, 2); }

/* ---- max pooling's forward: y a slice ---- */

/* n, c, h, w, accum, stride; then the parent's channels and the slice's first */
static const struct { clnas_pool_params p; int cp, c0; } maxpool_shapes[] = {
    {{1, 2, 3, 3, 0, 2, NULL}, 4, 2},
    {{2, 3, 7, 5, 1, 1, NULL}, 6, 0},
    {{3, 2, 7, 5, 0, 2, NULL}, 8, 5},
    {{4, 4, 8, 8, 0, 1, NULL}, 16, 4},
    {{2, 2, 5, 20, 1, 2, NULL}, 5, 1}, /* vectors of 8 windows */
    {{2, 3, 4, 12, 0, 1, NULL}, 7, 3},
};

static int case_maxpool3(kh_ctx *k, int fp64, int shape)
{
    const clnas_pool_params p = maxpool_shapes[shape].p;
    const int oh = clnas_op_pool3_out_dim(p.h, p.stride), ow = clnas_op_pool3_out_dim(p.w, p.stride);
    const slice_geo g = {p.n, p.c, maxpool_shapes[shape].cp, maxpool_shapes[shape].c0, (size_t)oh * (size_t)ow};
    const size_t nx = (size_t)p.n * p.c * p.h * p.w;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = kb_tensor(&b, nx, 311 + (uint64_t)shape, -1.0, 1.0);
    slice_out y = slice_out_make(&b, g, p.accum, 312);
    clnas_ref_maxpool3_fwd(&p, x, y.dense);
    scatter(&g, y.dense, y.ref);
    kh_arg args[] = {kb_in(x, nx), slice_arg(y.got, &g)};
    clnas_status st = slice_defines(clnas_op_maxpool3_fwd_desc(&p, &b.d, &b.err), &b.d, "Y", &g);
    return kb_finish(&b, st, args, (const kb_check[]){{"slice maxpool3 y (parent)", y.got, y.ref,
                                                       (size_t)g.n * (size_t)g.cp * g.hw}}, 1);
}

/* Its backward: dy a slice. */
static int case_maxpool3_bwd(kh_ctx *k, int fp64, int shape)
{
    const clnas_pool_params p = maxpool_shapes[shape].p;
    const int oh = clnas_op_pool3_out_dim(p.h, p.stride), ow = clnas_op_pool3_out_dim(p.w, p.stride);
    const slice_geo g = {p.n, p.c, maxpool_shapes[shape].cp, maxpool_shapes[shape].c0, (size_t)oh * (size_t)ow};
    const size_t nx = (size_t)p.n * p.c * p.h * p.w;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = kb_tensor(&b, nx, 315 + (uint64_t)shape, -1.0, 1.0);
    slice_in dy = slice_in_make(&b, g, 316);
    double *dx = kb_tensor(&b, nx, 317, -1.0, 1.0), *dx_ref = kb_copy(&b, dx, nx);
    clnas_ref_maxpool3_bwd(&p, dy.dense, x, dx_ref);
    kh_arg args[] = {slice_arg(dy.parent, &g), kb_in(x, nx), kb_out(dx, nx, p.accum)};
    clnas_status st = slice_defines(clnas_op_maxpool3_bwd_desc(&p, &b.d, &b.err), &b.d, "DY", &g);
    const kb_check checks[] = {{"slice maxpool3_bwd dx", dx, dx_ref, nx},
                               {"slice maxpool3_bwd dy unchanged", dy.parent, dy.orig,
                                (size_t)g.n * (size_t)g.cp * g.hw}};
    return kb_finish(&b, st, args, checks, 2);
}

/* ---- drop-path's forward: y a slice ---- */

static const struct { int n, c, hw, accum, cp, c0; } drop_shapes[] = {
    {3, 1, 7, 0, 3, 1}, {1, 5, 7, 1, 10, 5}, {8, 4, 49, 0, 16, 0}, {5, 1, 1, 1, 2, 1},
};

static int case_drop_path(kh_ctx *k, int fp64, int shape)
{
    const slice_geo g = {drop_shapes[shape].n, drop_shapes[shape].c, drop_shapes[shape].cp, drop_shapes[shape].c0,
                         (size_t)drop_shapes[shape].hw};
    const clnas_drop_path_params p = {g.n, (long)((size_t)g.c * g.hw), drop_shapes[shape].accum};
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = kb_tensor(&b, dense_of(&g), 321 + (uint64_t)shape, -1.0, 1.0);
    double *mask = kb_tensor(&b, (size_t)g.n, 322, 0.0, 1.0);
    for (int i = 0; i < g.n; i++)
        mask[i] = i % 3 == 1 ? 0.0 : 1.25; /* a dropped sample and kept ones at p = 0.2 */
    slice_out y = slice_out_make(&b, g, p.accum, 323);
    clnas_ref_drop_path(&p, x, mask, y.dense);
    scatter(&g, y.dense, y.ref);
    kh_arg args[] = {kb_in(x, dense_of(&g)), kb_in(mask, (size_t)g.n), slice_arg(y.got, &g)};
    clnas_status st = slice_defines(clnas_op_drop_path_fwd_desc(&p, &b.d, &b.err), &b.d, "Y", &g);
    return kb_finish(&b, st, args, (const kb_check[]){{"slice drop_path y (parent)", y.got, y.ref,
                                                       (size_t)g.n * (size_t)g.cp * g.hw}}, 1);
}

/* Its backward: dy a slice. */
static int case_drop_path_bwd(kh_ctx *k, int fp64, int shape)
{
    const slice_geo g = {drop_shapes[shape].n, drop_shapes[shape].c, drop_shapes[shape].cp, drop_shapes[shape].c0,
                         (size_t)drop_shapes[shape].hw};
    const clnas_drop_path_params p = {g.n, (long)((size_t)g.c * g.hw), drop_shapes[shape].accum};
    const size_t total = dense_of(&g);
    kb_case b;
    kb_begin(&b, k, fp64);
    slice_in dy = slice_in_make(&b, g, 325 + (uint64_t)shape);
    double *mask = kb_tensor(&b, (size_t)g.n, 326, 0.0, 1.0);
    for (int i = 0; i < g.n; i++)
        mask[i] = i % 3 == 1 ? 0.0 : 1.25;
    double *dx = kb_tensor(&b, total, 327, -1.0, 1.0), *dx_ref = kb_copy(&b, dx, total);
    clnas_ref_drop_path(&p, dy.dense, mask, dx_ref);
    kh_arg args[] = {slice_arg(dy.parent, &g), kb_in(mask, (size_t)g.n), kb_out(dx, total, p.accum)};
    clnas_status st = slice_defines(clnas_op_drop_path_bwd_desc(&p, &b.d, &b.err), &b.d, "DY", &g);
    const kb_check checks[] = {{"slice drop_path_bwd dx", dx, dx_ref, total},
                               {"slice drop_path_bwd dy unchanged", dy.parent, dy.orig,
                                (size_t)g.n * (size_t)g.cp * g.hw}};
    return kb_finish(&b, st, args, checks, 2);
}

/* ---- the ADD fusion leaves (an identity edge): x, y or both slices ---- */

/* n, c, hw, accum, cp, c0 of y, cp and c0 of x (cp 0: x contiguous), y a slice (0: contiguous) */
static const struct { int n, c, hw, accum, cp, c0, xcp, xc0, yslice; } add_shapes[] = {
    {2, 2, 9, 1, 8, 2, 8, 6, 1}, {3, 4, 49, 0, 16, 12, 0, 0, 1}, {4, 3, 5, 1, 0, 0, 6, 3, 0},
    {1, 2, 7, 0, 5, 3, 5, 0, 1},
};

static int case_add(kh_ctx *k, int fp64, int shape)
{
    const int accum = add_shapes[shape].accum, xs = add_shapes[shape].xcp > 0, ys = add_shapes[shape].yslice;
    const int n = add_shapes[shape].n, c = add_shapes[shape].c;
    const size_t hw = (size_t)add_shapes[shape].hw;
    const slice_geo gy = {n, c, ys ? add_shapes[shape].cp : c, ys ? add_shapes[shape].c0 : 0, hw};
    const slice_geo gx = {n, c, xs ? add_shapes[shape].xcp : c, xs ? add_shapes[shape].xc0 : 0, hw};
    const clnas_eltwise_params p = {(long)dense_of(&gy), accum, 0.0};
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = kb_tensor(&b, (size_t)n * (size_t)gx.cp * hw, 331 + (uint64_t)shape, -1.0, 1.0);
    double *xd = kb_zeros(&b, dense_of(&gx));
    gather(&gx, x, xd);
    slice_out y = slice_out_make(&b, gy, accum, 332);
    clnas_ref_add(&p, xd, y.dense);
    scatter(&gy, y.dense, y.ref);
    kh_arg args[] = {slice_arg(x, &gx), slice_arg(y.got, &gy)};
    clnas_status st = clnas_op_add_desc(&p, &b.d, &b.err);
    if (xs)
        st = slice_defines(st, &b.d, "X", &gx);
    if (ys)
        st = slice_defines(st, &b.d, "Y", &gy);
    return kb_finish(&b, st, args, (const kb_check[]){{"slice add y (parent)", y.got, y.ref,
                                                       (size_t)n * (size_t)gy.cp * hw}}, 1);
}

/* ---- the depthwise convolution (both families): x a slice, read by the forward, the input gradient's ReLU mask and
 * the weight gradient ---- */

/* the parameters, then the parent's channels and the slice's first: a sep_conv 3x3 on a 7x7 node, DARTS'
 * dil_conv_5x5 of a reduction cell (dilation 2, stride 2, accumulating), a 5x5 on an odd 9x10 image at the
 * parent's end, a batch of 8 with the slice first */
static const struct { clnas_dwconv_params p; int cp, c0; } dw_shapes[] = {
    {{2, 3, 7, 7, 3, 1, 1, 1, 1, 0}, 12, 6},
    {{2, 4, 9, 8, 5, 2, 2, 4, 1, 1}, 8, 4},
    {{3, 5, 9, 10, 5, 1, 1, 2, 1, 1}, 15, 10},
    {{8, 16, 8, 8, 3, 1, 2, 2, 1, 0}, 64, 0},
};

static const clnas_device_profile *dw_profile(int gpu, clnas_device_profile *p)
{
    if (!gpu)
        return NULL;
    clnas_device_profile_default_gpu(p);
    return p;
}

/* pass: 0 forward, 1 input gradient (ReLU folded: x masks it), 2 weight gradient */
static int dw_slice_case(kh_ctx *k, int fp64, int shape, int gpu, int pass)
{
    const clnas_dwconv_params p = dw_shapes[shape].p;
    const int ho = clnas_dwconv_out_dim(p.h, p.ksize, p.stride, p.dilation, p.pad);
    const int wo = clnas_dwconv_out_dim(p.w, p.ksize, p.stride, p.dilation, p.pad);
    const slice_geo g = {p.n, p.c, dw_shapes[shape].cp, dw_shapes[shape].c0, (size_t)p.h * (size_t)p.w};
    const size_t nx = dense_of(&g), ny = (size_t)p.n * p.c * (size_t)ho * (size_t)wo;
    const size_t nw = (size_t)p.c * p.ksize * p.ksize, nparent = (size_t)g.n * (size_t)g.cp * g.hw;
    clnas_device_profile prof;
    kb_case b;
    kb_begin(&b, k, fp64);
    slice_in x = slice_in_make(&b, g, 351 + (uint64_t)shape);
    double *w = kb_tensor(&b, nw, 352, -1.0, 1.0), *dy = kb_tensor(&b, ny, 353, -0.5, 1.0);
    const clnas_device_profile *profile = dw_profile(gpu, &prof);
    double *out, *ref;
    size_t nout;
    kh_arg args[4];
    clnas_status st;
    if (pass == 0) {
        nout = ny;
        out = kb_tensor(&b, ny, 354, -1.0, 1.0);
        ref = kb_copy(&b, out, ny);
        clnas_ref_dwconv_fwd(&p, x.dense, w, ref);
        args[0] = slice_arg(x.parent, &g);
        args[1] = kb_in(w, nw);
        args[2] = kb_out(out, ny, p.accum);
        st = clnas_op_dwconv_fwd_desc(&p, profile, &b.d, &b.err);
    } else if (pass == 1) {
        nout = nx;
        out = kb_tensor(&b, nx, 355, -1.0, 1.0);
        ref = kb_copy(&b, out, nx);
        clnas_ref_dwconv_bwd_data(&p, dy, w, x.dense, ref);
        args[0] = kb_in(dy, ny);
        args[1] = kb_in(w, nw);
        args[2] = slice_arg(x.parent, &g);
        args[3] = kb_out(out, nx, p.accum);
        st = clnas_op_dwconv_bwd_data_desc(&p, profile, &b.d, &b.err);
    } else {
        nout = nw;
        out = kb_zeros(&b, nw);
        ref = kb_zeros(&b, nw);
        clnas_ref_dwconv_bwd_filter(&p, dy, x.dense, ref);
        args[0] = kb_in(dy, ny);
        args[1] = slice_arg(x.parent, &g);
        args[2] = kb_out(out, nw, 0);
        st = clnas_op_dwconv_bwd_filter_desc(&p, profile, &b.d, &b.err);
    }
    static const char *const names[3][2] = {{"slice dwconv_fwd y", "slice dwconv_fwd x unchanged"},
                                            {"slice dwconv_bwd_data dx", "slice dwconv_bwd_data x unchanged"},
                                            {"slice dwconv_bwd_filter dw", "slice dwconv_bwd_filter x unchanged"}};
    const kb_check checks[] = {{names[pass][0], out, ref, nout}, {names[pass][1], x.parent, x.orig, nparent}};
    return kb_finish(&b, slice_defines(st, &b.d, "X", &g), args, checks, 2);
}

static int case_dwconv(kh_ctx *k, int fp64, int shape) { return dw_slice_case(k, fp64, shape, 0, 0); }
static int case_dwconv_bwd_data(kh_ctx *k, int fp64, int shape) { return dw_slice_case(k, fp64, shape, 0, 1); }
static int case_dwconv_bwd_filter(kh_ctx *k, int fp64, int shape) { return dw_slice_case(k, fp64, shape, 0, 2); }
static int case_dwconv_gpu(kh_ctx *k, int fp64, int shape) { return dw_slice_case(k, fp64, shape, 1, 0); }
static int case_dwconv_bwd_data_gpu(kh_ctx *k, int fp64, int shape) { return dw_slice_case(k, fp64, shape, 1, 1); }
static int case_dwconv_bwd_filter_gpu(kh_ctx *k, int fp64, int shape) { return dw_slice_case(k, fp64, shape, 1, 2); }

/* ---- a concatenation with inputs in place: their channels of y are left as their producers wrote them ---- */

static const struct { clnas_concat_params p; unsigned inplace; } concat_shapes[] = {
    {{1, 5, 2, {1, 2}, 0}, 2u}, {{3, 35, 4, {2, 2, 2, 2}, 0}, 0xeu}, {{8, 64, 3, {3, 1, 4}, 0}, 5u},
    {{5, 49, 8, {1, 2, 3, 1, 2, 3, 1, 2}, 1}, 0x5au},
};

static int case_concat_inplace(kh_ctx *k, int fp64, int shape)
{
    const clnas_concat_params *p = &concat_shapes[shape].p;
    const unsigned inplace = concat_shapes[shape].inplace;
    int ct = 0;
    for (int j = 0; j < p->nin; j++)
        ct += p->c[j];
    const size_t ny = (size_t)p->n * (size_t)ct * (size_t)p->hw;
    kb_case b;
    kb_begin(&b, k, fp64);
    /* y as the producers of the in-place inputs left it; the reference: the plain concatenation (their inputs' values
     * do not matter), then their channels put back as they were */
    double *y = kb_tensor(&b, ny, 341 + (uint64_t)shape, -1.0, 1.0), *orig = kb_copy(&b, y, ny);
    double *y_ref = kb_copy(&b, y, ny);
    const double *x[CLNAS_CONCAT_MAX_IN];
    kh_arg args[CLNAS_CONCAT_MAX_IN + 1];
    for (int j = 0, c0 = 0; j < p->nin; c0 += p->c[j], j++) {
        const slice_geo g = {p->n, p->c[j], ct, c0, (size_t)p->hw};
        double *xj = kb_tensor(&b, dense_of(&g), 342 + (uint64_t)j, -1.0, 1.0);
        x[j] = xj;
        if (inplace >> j & 1u) {
            args[j] = slice_arg(kb_copy(&b, y, ny), &g); /* bound as the lowering binds it; never read */
        } else {
            args[j] = kb_in(xj, dense_of(&g));
            for (int n = 0; n < g.n && !p->accum; n++) /* poisoned: the kernel must write them */
                for (size_t e = 0; e < (size_t)g.c * g.hw; e++)
                    *at(y, &g, n, e) = NAN;
        }
    }
    clnas_ref_concat_fwd(p, x, y_ref);
    for (int j = 0, c0 = 0; j < p->nin; c0 += p->c[j], j++) {
        const slice_geo g = {p->n, p->c[j], ct, c0, (size_t)p->hw};
        double *d = kb_zeros(&b, dense_of(&g));
        if (inplace >> j & 1u) {
            gather(&g, orig, d);
            scatter(&g, d, y_ref);
        }
    }
    args[p->nin] = kb_in(y, ny);
    clnas_status st = clnas_op_concat_fwd_desc(p, &b.d, &b.err);
    if (st == CLNAS_OK)
        st = clnas_op_concat_inplace(p, inplace, &b.d, &b.err);
    int ok = kb_finish(&b, st, args, (const kb_check[]){{"concat_fwd in place y", y, y_ref, ny}}, 1);
    /* every input in place leaves nothing to launch: refused, as are no input and one past the last */
    clnas_kernel_desc d;
    clnas_error err;
    ok &= clnas_op_concat_fwd_desc(p, &d, &err) == CLNAS_OK &&
          clnas_op_concat_inplace(p, (1u << p->nin) - 1, &d, &err) == CLNAS_ERR_INVALID_ARG &&
          clnas_op_concat_inplace(p, 0, &d, &err) == CLNAS_ERR_INVALID_ARG &&
          clnas_op_concat_inplace(p, 1u << p->nin, &d, &err) == CLNAS_ERR_INVALID_ARG;
    return ok;
}

const kh_case kh_cases_slices[] = {
    {"slice_bn_fwd_train", case_bn_train, SHAPES(bn_shapes), 1},
    {"slice_bn_fwd_eval", case_bn_eval, SHAPES(bn_shapes), 1},
    {"slice_bn_const_fwd_train", case_bn_const_train, SHAPES(bn_shapes), 1},
    {"slice_bn_const_fwd_eval", case_bn_const_eval, SHAPES(bn_shapes), 1},
    {"slice_bn_fwd_train_gpu", case_bn_train_gpu, SHAPES(bn_shapes), 1},
    {"slice_bn_fwd_eval_gpu", case_bn_eval_gpu, SHAPES(bn_shapes), 1},
    {"slice_bn_const_fwd_train_gpu", case_bn_const_train_gpu, SHAPES(bn_shapes), 1},
    {"slice_bn_const_fwd_eval_gpu", case_bn_const_eval_gpu, SHAPES(bn_shapes), 1},
    {"slice_bn_fwd_train_gpu_split", case_bn_train_gpu_split, SHAPES(bn_shapes), 1},
    {"slice_bn_fwd_eval_gpu_split", case_bn_eval_gpu_split, SHAPES(bn_shapes), 1},
    {"slice_bn_bwd", case_bn_bwd, SHAPES(bn_shapes), 1},
    {"slice_bn_bwd_gpu", case_bn_bwd_gpu, SHAPES(bn_shapes), 1},
    {"slice_bn_bwd_gpu_split", case_bn_bwd_gpu_split, SHAPES(bn_shapes), 1},
    {"slice_bn_bwd_part_gpu", case_bn_bwd_part_gpu, SHAPES(bn_shapes), 1},
    {"slice_maxpool3_fwd", case_maxpool3, SHAPES(maxpool_shapes), 2},
    {"slice_maxpool3_bwd", case_maxpool3_bwd, SHAPES(maxpool_shapes), 2},
    {"slice_drop_path_fwd", case_drop_path, SHAPES(drop_shapes), 2},
    {"slice_drop_path_bwd", case_drop_path_bwd, SHAPES(drop_shapes), 2},
    {"slice_add", case_add, SHAPES(add_shapes), 2},
    {"slice_dwconv_fwd", case_dwconv, SHAPES(dw_shapes), 2},
    {"slice_dwconv_bwd_data", case_dwconv_bwd_data, SHAPES(dw_shapes), 2},
    {"slice_dwconv_bwd_filter", case_dwconv_bwd_filter, SHAPES(dw_shapes), 2},
    {"slice_dwconv_fwd_gpu", case_dwconv_gpu, SHAPES(dw_shapes), 2},
    {"slice_dwconv_bwd_data_gpu", case_dwconv_bwd_data_gpu, SHAPES(dw_shapes), 2},
    {"slice_dwconv_bwd_filter_gpu", case_dwconv_bwd_filter_gpu, SHAPES(dw_shapes), 2},
    {"slice_concat_fwd_inplace", case_concat_inplace, SHAPES(concat_shapes), 2},
    {NULL, NULL, 0, 0},
};
