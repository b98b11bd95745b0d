/* clnas tests — kernel rows for the DARTS space's ops: max pool, strided average pool, FactorizedReduce's
 * subsample, channel concatenation, drop-path and the auxiliary head's K x K average pool, forward and backward. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kcase_host.h"
#include "op_avgpool_k.h"
#include "op_concat.h"
#include "op_drop_path.h"
#include "op_maxpool.h"
#include "op_subsample.h"

#define SHAPES(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* Values on a grid of 0.5 in [lo, hi): windows hold ties, so the backward's choice of the first maximum shows. */
static double *grid_tensor(kb_case *b, size_t n, uint64_t seed, double lo, double hi)
{
    double *v = kb_tensor(b, n, seed, lo, hi);
    for (size_t i = 0; i < n; i++)
        v[i] = floor(v[i] * 2.0) / 2.0;
    return v;
}

/* ---- max pool and the stride-2 average pool ---- */

/* n, c, h, w, accum, stride: odd sizes, 1x1 and 1-wide images, batches 1..8, both strides; rows whose windows
 * inside the image run in vectors of 8 or (4 to 7 such windows) of 4, the last vector ending at the tensor's last
 * element (shapes 1 to 3) or followed by a tail or an overlapping vector. Shapes 0..3 for oclgrind. */
static const clnas_pool_params maxpool_shapes[] = {
    {1, 2, 3, 3, 0, 2, NULL},   {1, 2, 4, 18, 1, 2, NULL},  {1, 2, 3, 10, 0, 1, NULL}, {1, 2, 4, 10, 0, 2, NULL},
    {3, 2, 7, 5, 0, 2, NULL},   {8, 4, 8, 8, 0, 2, NULL},   {1, 1, 1, 1, 0, 2, NULL},  {5, 3, 28, 28, 1, 2, NULL},
    {4, 2, 9, 1, 0, 1, NULL},   {2, 3, 2, 17, 1, 2, NULL},  {6, 2, 14, 14, 0, 1, NULL}, {7, 1, 5, 3, 0, 2, NULL},
    {2, 3, 7, 5, 1, 1, NULL},   {2, 3, 5, 12, 1, 1, NULL},  {2, 2, 9, 14, 0, 2, NULL}, {3, 2, 6, 7, 1, 1, NULL},
    {1, 2, 3, 6, 1, 1, NULL},
};
static const clnas_pool_params avgpool_s2_shapes[] = {
    {1, 2, 3, 3, 0, 2, NULL}, {2, 3, 7, 5, 1, 2, NULL}, {8, 4, 8, 8, 0, 2, NULL}, {1, 1, 1, 1, 0, 2, NULL},
    {3, 2, 28, 28, 1, 2, NULL}, {5, 2, 2, 17, 0, 2, NULL}, {4, 3, 9, 1, 1, 2, NULL},
};

static size_t pool_out_count(const clnas_pool_params *p)
{
    return (size_t)p->n * p->c * clnas_op_pool3_out_dim(p->h, p->stride) * clnas_op_pool3_out_dim(p->w, p->stride);
}

/* Shapes alternate windows of mixed signs and all-negative ones (the -inf padding must never win). */
static int maxpool_case(kh_ctx *k, int fp64, int shape, int backward)
{
    const clnas_pool_params *p = &maxpool_shapes[shape];
    size_t in_count = (size_t)p->n * p->c * p->h * p->w, out_count = pool_out_count(p);
    kb_case b;
    kb_begin(&b, k, fp64);
    double lo = shape % 2 ? -3.0 : -1.5, hi = shape % 2 ? -0.5 : 1.5;
    double *x = grid_tensor(&b, in_count, 201 + (uint64_t)shape, lo, hi);
    if (!backward) {
        double *y = kb_tensor(&b, out_count, 202, -1.0, 1.0), *y_ref = kb_copy(&b, y, out_count);
        kh_arg args[] = {kb_in(x, in_count), kb_out(y, out_count, p->accum)};
        clnas_ref_maxpool3_fwd(p, x, y_ref);
        return kb_finish(&b, clnas_op_maxpool3_fwd_desc(p, &b.d, &b.err), args,
                         (const kb_check[]){{"maxpool3_fwd y", y, y_ref, out_count}}, 1);
    }
    double *dy = kb_tensor(&b, out_count, 203 + (uint64_t)shape, -1.0, 1.0);
    double *dx = kb_tensor(&b, in_count, 204, -1.0, 1.0), *dx_ref = kb_copy(&b, dx, in_count);
    kh_arg args[] = {kb_in(dy, out_count), kb_in(x, in_count), kb_out(dx, in_count, p->accum)};
    clnas_ref_maxpool3_bwd(p, dy, x, dx_ref);
    return kb_finish(&b, clnas_op_maxpool3_bwd_desc(p, &b.d, &b.err), args,
                     (const kb_check[]){{"maxpool3_bwd dx", dx, dx_ref, in_count}}, 1);
}

/* The reference's tie rule against a hand-made window: 2 at (0,1) and (1,0) of a 2x2 image: the first in row-major
 * order, (0,1), takes the gradient; a NaN wins its window; stride 3 is refused by name. */
static int maxpool_rules(void)
{
    clnas_pool_params p = {1, 1, 2, 2, 0, 2, NULL};
    double x[4] = {1.0, 2.0, 2.0, -1.0}, dy[1] = {5.0}, dx[4], y[1];
    clnas_ref_maxpool3_fwd(&p, x, y);
    clnas_ref_maxpool3_bwd(&p, dy, x, dx);
    int ok = y[0] == 2.0 && dx[0] == 0.0 && dx[1] == 5.0 && dx[2] == 0.0 && dx[3] == 0.0;
    x[3] = NAN;
    clnas_ref_maxpool3_fwd(&p, x, y);
    clnas_ref_maxpool3_bwd(&p, dy, x, dx);
    ok &= isnan(y[0]) && dx[3] == 5.0 && dx[1] == 0.0;
    p.stride = 3;
    clnas_kernel_desc d;
    clnas_error err;
    ok &= clnas_op_maxpool3_fwd_desc(&p, &d, &err) == CLNAS_ERR_UNSUPPORTED && strstr(err.message, "stride");
    if (!ok)
        printf("  max pool reference rules (ties, NaN, stride 3 refused) broken\n");
    return ok;
}

/* NaNs in the input, on the kernel: a window holding one gives NaN (the vector lanes and the one-by-one windows
 * alike), the others their maximum. NaN compares unequal, so the check is by hand. */
static int maxpool_nan_case(kh_ctx *k, int fp64, int shape)
{
    const clnas_pool_params *p = &maxpool_shapes[shape];
    size_t in_count = (size_t)p->n * p->c * p->h * p->w, out_count = pool_out_count(p);
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = grid_tensor(&b, in_count, 205 + (uint64_t)shape, -1.5, 1.5);
    for (size_t i = 5; i < in_count; i += 29)
        x[i] = NAN;
    double *y = kb_tensor(&b, out_count, 206, -1.0, 1.0), *y_ref = kb_copy(&b, y, out_count);
    kh_arg args[] = {kb_in(x, in_count), kb_out(y, out_count, p->accum)};
    clnas_ref_maxpool3_fwd(p, x, y_ref);
    int ok = kb_launch(&b, clnas_op_maxpool3_fwd_desc(p, &b.d, &b.err), args), bad = 0, nans = 0, got_nans = 0;
    for (size_t i = 0; ok && i < out_count; i++) {
        nans += isnan(y_ref[i]) != 0;
        got_nans += isnan(y[i]) != 0;
        bad += isnan(y_ref[i]) ? !isnan(y[i]) : !(fabs(y[i] - y_ref[i]) <= b.tol * 2.0);
    }
    printf("  %-40s n=%-8zu NaN %d (reference %d), %d wrong %s\n", "maxpool3_fwd y, NaN inputs", out_count, got_nans,
           nans, bad, ok && !bad && nans > 0 ? "ok" : "FAIL");
    kb_release(&b);
    return ok && !bad && nans > 0;
}

static int case_maxpool3_fwd(kh_ctx *k, int fp64, int shape)
{
    return maxpool_case(k, fp64, shape, 0) && maxpool_rules() &&
           (maxpool_shapes[shape].w < 6 || maxpool_nan_case(k, fp64, shape));
}

static int case_maxpool3_bwd(kh_ctx *k, int fp64, int shape)
{
    return maxpool_case(k, fp64, shape, 1);
}

static int avgpool_s2_case(kh_ctx *k, int fp64, int shape, int backward)
{
    const clnas_pool_params *p = &avgpool_s2_shapes[shape];
    size_t in_count = (size_t)p->n * p->c * p->h * p->w, out_count = pool_out_count(p);
    size_t src_count = backward ? out_count : in_count, dst_count = backward ? in_count : out_count;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *src = kb_tensor(&b, src_count, 211 + (uint64_t)shape, -1.0, 1.0);
    double *dst = kb_tensor(&b, dst_count, 212, -1.0, 1.0), *dst_ref = kb_copy(&b, dst, dst_count);
    kh_arg args[] = {kb_in(src, src_count), kb_out(dst, dst_count, p->accum)};
    clnas_status st = (backward ? clnas_op_avgpool3_bwd_desc : clnas_op_avgpool3_fwd_desc)(p, &b.d, &b.err);
    int ok = st != CLNAS_OK || strcmp(b.d.template_name, "avgpool_s2") == 0; /* not the stride-1 kernel */
    (backward ? clnas_ref_avgpool3_bwd : clnas_ref_avgpool3_fwd)(p, src, dst_ref);
    const char *what = backward ? "avgpool3s2_bwd dx" : "avgpool3s2_fwd y";
    return kb_finish(&b, st, args, (const kb_check[]){{what, dst, dst_ref, dst_count}}, 1) && ok;
}

/* The reference's divisor on a 3x3 image at stride 2: output (0,0) averages 4 pixels, (1,1) the 4 of its corner. */
static int avgpool_s2_rules(void)
{
    clnas_pool_params p = {1, 1, 3, 3, 0, 2, NULL};
    double x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y[4];
    clnas_ref_avgpool3_fwd(&p, x, y);
    int ok = y[0] == 3.0 && y[1] == 4.0 && y[2] == 6.0 && y[3] == 7.0;
    if (!ok)
        printf("  stride-2 average pool reference divisor broken: %g %g %g %g\n", y[0], y[1], y[2], y[3]);
    return ok;
}

static int case_avgpool3s2_fwd(kh_ctx *k, int fp64, int shape)
{
    return avgpool_s2_case(k, fp64, shape, 0) && avgpool_s2_rules();
}

static int case_avgpool3s2_bwd(kh_ctx *k, int fp64, int shape)
{
    return avgpool_s2_case(k, fp64, shape, 1);
}

/* ---- the K x K average pool without padding (the auxiliary head's 5x5 stride 3) ---- */

/* n, c, h, w, ksize, stride, relu_in, accum: the head's 8, 9 and 10 px maps, odd sizes, windows that leave pixels
 * past the last one unread (7 at 5/3 reads 5), overlapping windows (stride < ksize), gaps between them (stride >
 * ksize), 1x1 windows, batches 1..8, the ReLU folded in or not. Shape 0 for oclgrind. */
static const clnas_avgpool_k_params avgpool_k_shapes[] = {
    {1, 2, 8, 8, 5, 3, 1, 0},  {2, 3, 9, 9, 5, 3, 0, 1}, {8, 4, 10, 10, 5, 3, 1, 0}, {3, 2, 7, 11, 5, 3, 0, 0},
    {5, 3, 13, 9, 3, 2, 1, 1}, {4, 1, 7, 5, 2, 3, 0, 0}, {6, 2, 5, 5, 5, 1, 1, 0},   {7, 3, 3, 7, 1, 2, 0, 1},
    {1, 1, 15, 15, 4, 4, 1, 0},
};

static int avgpool_k_case(kh_ctx *k, int fp64, int shape, int backward)
{
    const clnas_avgpool_k_params *p = &avgpool_k_shapes[shape];
    size_t in_count = (size_t)p->n * p->c * p->h * p->w;
    size_t out_count = (size_t)p->n * p->c * clnas_op_avgpool_k_out_dim(p->h, p->ksize, p->stride) *
                       clnas_op_avgpool_k_out_dim(p->w, p->ksize, p->stride);
    kb_case b;
    kb_begin(&b, k, fp64);
    if (!backward) {
        double *x = kb_tensor(&b, in_count, 221 + (uint64_t)shape, -1.0, 1.0);
        double *y = kb_tensor(&b, out_count, 222, -1.0, 1.0), *y_ref = kb_copy(&b, y, out_count);
        kh_arg args[] = {kb_in(x, in_count), kb_out(y, out_count, p->accum)};
        clnas_ref_avgpool_k_fwd(p, x, y_ref);
        return kb_finish(&b, clnas_op_avgpool_k_fwd_desc(p, &b.d, &b.err), args,
                         (const kb_check[]){{"avgpool_k_fwd y", y, y_ref, out_count}}, 1);
    }
    double *dy = kb_tensor(&b, out_count, 223 + (uint64_t)shape, -1.0, 1.0);
    double *x = kb_tensor(&b, in_count, 224 + (uint64_t)shape, -1.0, 1.0);
    double *dx = kb_tensor(&b, in_count, 225, -1.0, 1.0), *dx_ref = kb_copy(&b, dx, in_count);
    clnas_ref_avgpool_k_bwd(p, dy, x, dx_ref);
    const kb_check check = {"avgpool_k_bwd dx", dx, dx_ref, in_count};
    clnas_status st = clnas_op_avgpool_k_bwd_desc(p, &b.d, &b.err);
    if (p->relu_in) {
        kh_arg args[] = {kb_in(dy, out_count), kb_in(x, in_count), kb_out(dx, in_count, p->accum)};
        return kb_finish(&b, st, args, &check, 1);
    }
    kh_arg args[] = {kb_in(dy, out_count), kb_out(dx, in_count, p->accum)};
    return kb_finish(&b, st, args, &check, 1);
}

/* The reference against hand values: on an 8x8 ramp each 5x5 window at stride 3 averages to its centre pixel; on
 * a 6x6 map (one window) the backward spreads dy / 25 over the window and leaves row and column 5, which no window
 * reads, at 0. A window that does not fit the map and a size over the limit are refused by name. */
static int avgpool_k_rules(void)
{
    clnas_avgpool_k_params p = {1, 1, 8, 8, 5, 3, 0, 0};
    double x[64], y[4], dy[1] = {25.0}, dx[36];
    for (int i = 0; i < 64; i++)
        x[i] = i;
    clnas_ref_avgpool_k_fwd(&p, x, y);
    int ok = y[0] == 2 * 8 + 2 && y[1] == 2 * 8 + 5 && y[2] == 5 * 8 + 2 && y[3] == 5 * 8 + 5;
    p = (clnas_avgpool_k_params){1, 1, 6, 6, 5, 3, 0, 0};
    clnas_ref_avgpool_k_bwd(&p, dy, NULL, dx);
    ok &= dx[0] == 1.0 && dx[4 * 6 + 4] == 1.0 && dx[5] == 0.0 && dx[5 * 6] == 0.0 && dx[35] == 0.0;
    clnas_kernel_desc d;
    clnas_error err;
    x[1] = -1.0; /* the ReLU folded in: a negative pixel adds 0 to its window; it and a 0 get no gradient */
    p = (clnas_avgpool_k_params){1, 1, 8, 8, 5, 3, 1, 0};
    clnas_ref_avgpool_k_fwd(&p, x, y);
    ok &= fabs(y[0] - 449.0 / 25.0) < 1e-12 && y[1] == 21.0;
    p = (clnas_avgpool_k_params){1, 1, 6, 6, 5, 3, 1, 0};
    clnas_ref_avgpool_k_bwd(&p, dy, x, dx);
    ok &= dx[0] == 0.0 && dx[1] == 0.0 && dx[2] == 1.0;
    p = (clnas_avgpool_k_params){1, 1, 4, 8, 5, 3, 0, 0};
    ok &= clnas_op_avgpool_k_fwd_desc(&p, &d, &err) == CLNAS_ERR_INVALID_ARG && strstr(err.message, "fit");
    p = (clnas_avgpool_k_params){1, 1, 40, 40, 17, 3, 0, 0};
    ok &= clnas_op_avgpool_k_bwd_desc(&p, &d, &err) == CLNAS_ERR_UNSUPPORTED && strstr(err.message, "size");
    if (!ok)
        printf("  K x K average pool reference rules (values, unread pixels, ReLU, refusals) broken\n");
    return ok;
}

static int case_avgpool_k_fwd(kh_ctx *k, int fp64, int shape)
{
    return avgpool_k_case(k, fp64, shape, 0) && avgpool_k_rules();
}

static int case_avgpool_k_bwd(kh_ctx *k, int fp64, int shape)
{
    return avgpool_k_case(k, fp64, shape, 1);
}

/* ---- FactorizedReduce's subsample ---- */

/* n, c, h, w, offset, relu_in, accum. */
static const clnas_subsample_params subsample_shapes[] = {
    {2, 2, 4, 5, 1, 1, 0}, {2, 3, 7, 5, 1, 1, 0}, {3, 2, 8, 8, 0, 1, 1}, {8, 4, 8, 8, 1, 0, 0},
    {1, 1, 1, 1, 0, 1, 0}, {4, 3, 28, 28, 1, 1, 1}, {2, 2, 2, 17, 1, 0, 1}, {5, 2, 7, 7, 0, 0, 0},
};

static size_t subsample_out_count(const clnas_subsample_params *p)
{
    return (size_t)p->n * p->c * clnas_op_subsample2_out_dim(p->h, p->offset) *
           clnas_op_subsample2_out_dim(p->w, p->offset);
}

static int subsample_case(kh_ctx *k, int fp64, int shape, int backward)
{
    const clnas_subsample_params *p = &subsample_shapes[shape];
    size_t in_count = (size_t)p->n * p->c * p->h * p->w, out_count = subsample_out_count(p);
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = grid_tensor(&b, in_count, 221 + (uint64_t)shape, -1.0, 1.0); /* zeros included: x <= 0 masks */
    if (!backward) {
        double *y = kb_tensor(&b, out_count, 222, -1.0, 1.0), *y_ref = kb_copy(&b, y, out_count);
        kh_arg args[] = {kb_in(x, in_count), kb_out(y, out_count, p->accum)};
        clnas_ref_subsample2_fwd(p, x, y_ref);
        return kb_finish(&b, clnas_op_subsample2_fwd_desc(p, &b.d, &b.err), args,
                         (const kb_check[]){{"subsample2_fwd y", y, y_ref, out_count}}, 1);
    }
    double *dy = kb_tensor(&b, out_count, 223 + (uint64_t)shape, -1.0, 1.0);
    double *dx = kb_tensor(&b, in_count, 224, -1.0, 1.0), *dx_ref = kb_copy(&b, dx, in_count);
    kh_arg args[3] = {kb_in(dy, out_count), kb_in(x, in_count), kb_out(dx, in_count, p->accum)};
    if (!p->relu_in) /* no x slot */
        args[1] = args[2];
    clnas_ref_subsample2_bwd(p, dy, x, dx_ref);
    return kb_finish(&b, clnas_op_subsample2_bwd_desc(p, &b.d, &b.err), args,
                     (const kb_check[]){{"subsample2_bwd dx", dx, dx_ref, in_count}}, 1);
}

/* A 1-pixel image has nothing at offset 1; offset 2 is no FactorizedReduce half. */
static int subsample_refusals(void)
{
    clnas_subsample_params p = {1, 1, 1, 4, 1, 0, 0};
    clnas_kernel_desc d;
    clnas_error err;
    int ok = clnas_op_subsample2_fwd_desc(&p, &d, &err) == CLNAS_ERR_INVALID_ARG && strstr(err.message, "offset");
    p.h = 4, p.offset = 2;
    ok &= clnas_op_subsample2_bwd_desc(&p, &d, &err) == CLNAS_ERR_INVALID_ARG && strstr(err.message, "offset");
    return ok;
}

static int case_subsample2_fwd(kh_ctx *k, int fp64, int shape)
{
    return subsample_case(k, fp64, shape, 0) && subsample_refusals();
}

static int case_subsample2_bwd(kh_ctx *k, int fp64, int shape)
{
    return subsample_case(k, fp64, shape, 1);
}

/* ---- concatenation ---- */

/* n, hw, nin, channels, accum: a DARTS cell's four nodes, FactorizedReduce's two halves, one input, eight. */
static const clnas_concat_params concat_shapes[] = {
    {1, 5, 2, {1, 2}, 0},       {3, 35, 4, {2, 2, 2, 2}, 1}, {8, 64, 3, {3, 1, 4}, 0}, {2, 1, 1, {5}, 0},
    {5, 49, 8, {1, 2, 3, 1, 2, 3, 1, 2}, 1}, {4, 196, 2, {8, 8}, 0},
};

static int concat_channels(const clnas_concat_params *p)
{
    int ct = 0;
    for (int j = 0; j < p->nin; j++)
        ct += p->c[j];
    return ct;
}

static int case_concat_fwd(kh_ctx *k, int fp64, int shape)
{
    const clnas_concat_params *p = &concat_shapes[shape];
    size_t out_count = (size_t)p->n * concat_channels(p) * p->hw;
    kb_case b;
    kb_begin(&b, k, fp64);
    const double *x[CLNAS_CONCAT_MAX_IN];
    kh_arg args[CLNAS_CONCAT_MAX_IN + 1];
    for (int j = 0; j < p->nin; j++) {
        size_t n = (size_t)p->n * p->c[j] * p->hw;
        double *xj = kb_tensor(&b, n, 231 + (uint64_t)(j + 9 * shape), -1.0, 1.0);
        x[j] = xj;
        args[j] = kb_in(xj, n);
    }
    double *y = kb_tensor(&b, out_count, 232, -1.0, 1.0), *y_ref = kb_copy(&b, y, out_count);
    args[p->nin] = kb_out(y, out_count, p->accum);
    clnas_ref_concat_fwd(p, x, y_ref);
    return kb_finish(&b, clnas_op_concat_fwd_desc(p, &b.d, &b.err), args,
                     (const kb_check[]){{"concat_fwd y", y, y_ref, out_count}}, 1);
}

/* Every input's slice of dy, the shape's accum for all of them. */
static int case_concat_bwd(kh_ctx *k, int fp64, int shape)
{
    const clnas_concat_params *p = &concat_shapes[shape];
    int ct = concat_channels(p), ok = 1;
    for (int j = 0, offset = 0; j < p->nin && ok; offset += p->c[j], j++) {
        clnas_concat_slice_params s = {p->n, p->hw, ct, p->c[j], offset, p->accum};
        size_t dy_count = (size_t)p->n * ct * p->hw, dx_count = (size_t)p->n * p->c[j] * p->hw;
        kb_case b;
        kb_begin(&b, k, fp64);
        double *dy = kb_tensor(&b, dy_count, 241 + (uint64_t)shape, -1.0, 1.0);
        double *dx = kb_tensor(&b, dx_count, 242 + (uint64_t)j, -1.0, 1.0), *dx_ref = kb_copy(&b, dx, dx_count);
        kh_arg args[] = {kb_in(dy, dy_count), kb_out(dx, dx_count, s.accum)};
        clnas_ref_concat_slice(&s, dy, dx_ref);
        ok = kb_finish(&b, clnas_op_concat_slice_desc(&s, &b.d, &b.err), args,
                       (const kb_check[]){{"concat_slice dx", dx, dx_ref, dx_count}}, 1);
    }
    clnas_concat_slice_params bad = {1, 4, 3, 2, 2, 0}; /* channels [2, 4) of 3 */
    clnas_kernel_desc d;
    clnas_error err;
    return ok && clnas_op_concat_slice_desc(&bad, &d, &err) == CLNAS_ERR_INVALID_ARG;
}

/* ---- drop-path ---- */

static const clnas_drop_path_params drop_path_shapes[] = {
    {3, 7, 0}, {1, 35, 1}, {8, 196, 0}, {5, 1, 1}, {6, 4097, 0},
};

/* The mask as the host fills it at p = 0.2: a sample kept (1/(1-p)) or dropped (0). */
static double *drop_mask(kb_case *b, int n, uint64_t seed)
{
    double *m = kb_tensor(b, (size_t)n, seed, 0.0, 1.0);
    for (int i = 0; i < n; i++)
        m[i] = m[i] < 0.3 ? 0.0 : 1.0 / (1.0 - 0.2);
    kb_as_device(b, m, (size_t)n);
    return m;
}

static int drop_path_case(kh_ctx *k, int fp64, int shape, int backward)
{
    const clnas_drop_path_params *p = &drop_path_shapes[shape];
    size_t count = (size_t)p->n * (size_t)p->per;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *in = kb_tensor(&b, count, 251 + (uint64_t)shape, -1.0, 1.0), *mask = drop_mask(&b, p->n, 252);
    double *out = kb_tensor(&b, count, 253, -1.0, 1.0), *out_ref = kb_copy(&b, out, count);
    kh_arg args[] = {kb_in(in, count), kb_in(mask, (size_t)p->n), kb_out(out, count, p->accum)};
    clnas_ref_drop_path(p, in, mask, out_ref);
    clnas_status st = (backward ? clnas_op_drop_path_bwd_desc : clnas_op_drop_path_fwd_desc)(p, &b.d, &b.err);
    const char *what = backward ? "drop_path_bwd dx" : "drop_path_fwd y";
    return kb_finish(&b, st, args, (const kb_check[]){{what, out, out_ref, count}}, 1);
}

static int case_drop_path_fwd(kh_ctx *k, int fp64, int shape)
{
    return drop_path_case(k, fp64, shape, 0);
}

static int case_drop_path_bwd(kh_ctx *k, int fp64, int shape)
{
    return drop_path_case(k, fp64, shape, 1);
}

const kh_case kh_cases_darts[] = {
    {"maxpool3_fwd", case_maxpool3_fwd, SHAPES(maxpool_shapes), 4},
    {"maxpool3_bwd", case_maxpool3_bwd, SHAPES(maxpool_shapes), 4},
    {"avgpool3s2_fwd", case_avgpool3s2_fwd, SHAPES(avgpool_s2_shapes), 1},
    {"avgpool3s2_bwd", case_avgpool3s2_bwd, SHAPES(avgpool_s2_shapes), 1},
    {"subsample2_fwd", case_subsample2_fwd, SHAPES(subsample_shapes), 2},
    {"subsample2_bwd", case_subsample2_bwd, SHAPES(subsample_shapes), 2},
    {"concat_fwd", case_concat_fwd, SHAPES(concat_shapes), 1},
    {"concat_bwd", case_concat_bwd, SHAPES(concat_shapes), 1},
    {"drop_path_fwd", case_drop_path_fwd, SHAPES(drop_path_shapes), 1},
    {"drop_path_bwd", case_drop_path_bwd, SHAPES(drop_path_shapes), 1},
    {"avgpool_k_fwd", case_avgpool_k_fwd, SHAPES(avgpool_k_shapes), 1},
    {"avgpool_k_bwd", case_avgpool_k_bwd, SHAPES(avgpool_k_shapes), 1},
    {NULL, NULL, 0, 0},
};
