/* clnas tests — kernel rows for the depthwise convolution (forward, input and weight gradients), both families. */
#include <stdio.h>
#include <string.h>

#include "kcase_host.h"
#include "op_dwconv.h"

#define SHAPES(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* Shapes 0 and 1 are the smallest (they run under oclgrind): a 3x3 on an odd 7x7 image, and DARTS' dil_conv_5x5
 * of a reduction cell (dilation 2, pad 4, stride 2, ReLU folded, accumulating). The others: sep_conv 3x3 and 5x5
 * (pad k/2) and dil_conv 3x3 and 5x5 (dilation 2, pad k-1) at stride 1 and 2, C 4..64, images 7..32 with odd
 * and non-square sizes, batch 1..8; k = 7 and k = 1; "valid" padding; a dilated kernel wider than the image. */
static const clnas_dwconv_params dw_shapes[] = {
    /* n  c   h   w  k  s  d  p relu accum */
    {1, 4, 7, 7, 3, 1, 1, 1, 1, 0},
    {2, 4, 9, 8, 5, 2, 2, 4, 1, 1},
    /* shapes 2..5 also run in the GPU rows: sep_conv 5x5, dil_conv 3x3 of a reduction cell at C 64, a dilated 3x3
     * on 11x13, k = 7 */
    {3, 16, 32, 32, 5, 1, 1, 2, 1, 1},
    {8, 64, 8, 8, 3, 2, 2, 2, 1, 0},
    {4, 24, 11, 13, 3, 1, 2, 2, 1, 0},
    {5, 6, 9, 10, 7, 1, 1, 3, 1, 1},
    {8, 8, 15, 15, 5, 2, 1, 2, 0, 1},
    {2, 16, 32, 32, 3, 1, 1, 1, 1, 0},
    {2, 32, 16, 16, 3, 2, 1, 1, 1, 0},
    {2, 16, 8, 8, 5, 1, 2, 4, 1, 1},
    {1, 64, 7, 7, 5, 2, 2, 4, 0, 0},
    {3, 5, 8, 9, 1, 2, 1, 0, 0, 0},
    {2, 4, 6, 6, 3, 1, 1, 0, 1, 0},
    {1, 3, 3, 3, 5, 1, 2, 4, 1, 0},
    {6, 16, 28, 28, 3, 1, 1, 1, 1, 1},
    {8, 48, 32, 31, 5, 1, 2, 4, 1, 0},
};

typedef struct dw_counts {
    size_t x, w, y;
} dw_counts;

static dw_counts dw_count(const clnas_dwconv_params *p)
{
    size_t ho = (size_t)clnas_dwconv_out_dim(p->h, p->ksize, p->stride, p->dilation, p->pad);
    size_t wo = (size_t)clnas_dwconv_out_dim(p->w, p->ksize, p->stride, p->dilation, p->pad);
    return (dw_counts){(size_t)p->n * p->c * p->h * p->w, (size_t)p->c * p->ksize * p->ksize,
                       (size_t)p->n * p->c * ho * wo};
}

/* The profile a row lowers for: NULL (the CPU family), the default GPU, or a small GPU (work-groups of 32). */
typedef enum dw_family { DW_CPU, DW_GPU, DW_GPU_SMALL } dw_family;

static const clnas_device_profile *dw_profile(dw_family f, clnas_device_profile *p)
{
    if (f == DW_CPU)
        return NULL;
    clnas_device_profile_default_gpu(p);
    if (f == DW_GPU_SMALL) {
        p->max_work_group_size = 32;
        p->local_mem_bytes = 2048;
    }
    return p;
}

/* Bad parameters get a refusal naming the field. */
static int refuses_bad_params(void)
{
    clnas_kernel_desc d;
    clnas_error err;
    clnas_dwconv_params p = {1, 4, 7, 7, 3, 1, 1, 1, 0, 0};
    p.dilation = 0;
    int ok = clnas_op_dwconv_fwd_desc(&p, NULL, &d, &err) == CLNAS_ERR_INVALID_ARG && strstr(err.message, "dilation");
    p.dilation = 5; /* an 11-wide dilated kernel over a 7-wide image padded by 1 */
    ok &= clnas_op_dwconv_bwd_data_desc(&p, NULL, &d, &err) == CLNAS_ERR_INVALID_ARG &&
          strstr(err.message, "smaller");
    p.dilation = 1, p.ksize = 9, p.pad = 4;
    ok &= clnas_op_dwconv_bwd_filter_desc(&p, NULL, &d, &err) == CLNAS_ERR_UNSUPPORTED && strstr(err.message, "ksize");
    p.ksize = 3, p.pad = 1, p.relu_in = 2;
    ok &= clnas_op_dwconv_fwd_desc(&p, NULL, &d, &err) == CLNAS_ERR_INVALID_ARG && strstr(err.message, "relu_in");
    if (!ok)
        printf("  dwconv: a bad parameter was not refused as expected (last message: %s)\n", err.message);
    return ok;
}

static int dw_fwd_run(kh_ctx *k, int fp64, int shape, dw_family f)
{
    const clnas_dwconv_params *p = &dw_shapes[shape];
    const dw_counts c = dw_count(p);
    clnas_device_profile prof;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *x = kb_tensor(&b, c.x, 101 + (uint64_t)shape, -1.0, 1.0);
    double *w = kb_tensor(&b, c.w, 201 + (uint64_t)shape, -1.0, 1.0);
    double *y = kb_tensor(&b, c.y, 301 + (uint64_t)shape, -1.0, 1.0), *y_ref = kb_copy(&b, y, c.y);
    clnas_ref_dwconv_fwd(p, x, w, y_ref);
    kh_arg args[] = {kb_in(x, c.x), kb_in(w, c.w), kb_out(y, c.y, p->accum)};
    const kb_check checks[] = {{"dwconv_fwd y", y, y_ref, c.y}};
    int ok = kb_finish(&b, clnas_op_dwconv_fwd_desc(p, dw_profile(f, &prof), &b.d, &b.err), args, checks, 1);
    return ok & refuses_bad_params();
}

static int dw_bwd_data_run(kh_ctx *k, int fp64, int shape, dw_family f)
{
    const clnas_dwconv_params *p = &dw_shapes[shape];
    const dw_counts c = dw_count(p);
    clnas_device_profile prof;
    kb_case b;
    kb_begin(&b, k, fp64);
    double *dy = kb_tensor(&b, c.y, 401 + (uint64_t)shape, -1.0, 1.0);
    double *w = kb_tensor(&b, c.w, 501 + (uint64_t)shape, -1.0, 1.0);
    double *x = kb_tensor(&b, c.x, 601 + (uint64_t)shape, -1.0, 1.0);
    double *dx = kb_tensor(&b, c.x, 701 + (uint64_t)shape, -1.0, 1.0), *dx_ref = kb_copy(&b, dx, c.x);
    clnas_ref_dwconv_bwd_data(p, dy, w, x, dx_ref);
    /* slot order: dy w [x] dx */
    kh_arg args[4] = {kb_in(dy, c.y), kb_in(w, c.w), kb_in(x, c.x), kb_out(dx, c.x, p->accum)};
    if (!p->relu_in)
        args[2] = args[3];
    const kb_check checks[] = {{"dwconv_bwd_data dx", dx, dx_ref, c.x}};
    return kb_finish(&b, clnas_op_dwconv_bwd_data_desc(p, dw_profile(f, &prof), &b.d, &b.err), args, checks, 1);
}

static int dw_bwd_filter_run(kh_ctx *k, int fp64, int shape, dw_family f)
{
    const clnas_dwconv_params *p = &dw_shapes[shape];
    const dw_counts c = dw_count(p);
    clnas_device_profile prof;
    kb_case b;
    kb_begin(&b, k, fp64);
    /* dy with a positive mean, so the sums are far from 0 and the tolerance is not loose */
    double *dy = kb_tensor(&b, c.y, 801 + (uint64_t)shape, -0.5, 1.0);
    double *x = kb_tensor(&b, c.x, 901 + (uint64_t)shape, -1.0, 1.0);
    /* always overwrites, whatever p->accum says: the poison must be gone */
    double *dw = kb_zeros(&b, c.w), *dw_ref = kb_zeros(&b, c.w);
    clnas_ref_dwconv_bwd_filter(p, dy, x, dw_ref);
    kh_arg args[] = {kb_in(dy, c.y), kb_in(x, c.x), kb_out(dw, c.w, 0)};
    const kb_check checks[] = {{"dwconv_bwd_filter dw", dw, dw_ref, c.w}};
    clnas_status st = clnas_op_dwconv_bwd_filter_desc(p, dw_profile(f, &prof), &b.d, &b.err);
    int ok = kb_launch(&b, st, args);
    /* deterministic: a second launch gives the same bits */
    double *again = ok ? kb_zeros(&b, c.w) : NULL;
    if (ok) {
        kh_arg args2[] = {kb_in(dy, c.y), kb_in(x, c.x), kb_out(again, c.w, 0)};
        ok = kb_launch(&b, st, args2);
        if (ok && memcmp(again, dw, c.w * sizeof *dw) != 0) {
            printf("  dwconv_bwd_filter: two launches gave different sums\n");
            ok = 0;
        }
    }
    ok = kb_compare(&b, ok, checks, 1);
    kb_release(&b);
    return ok;
}

#define DW_CASE(name, run, family)                                                                                   \
    static int name(kh_ctx *k, int fp64, int shape)                                                                  \
    {                                                                                                                \
        return run(k, fp64, shape, family);                                                                          \
    }
DW_CASE(dw_fwd_case, dw_fwd_run, DW_CPU)
DW_CASE(dw_bwd_data_case, dw_bwd_data_run, DW_CPU)
DW_CASE(dw_bwd_filter_case, dw_bwd_filter_run, DW_CPU)
DW_CASE(dw_fwd_gpu_case, dw_fwd_run, DW_GPU)
DW_CASE(dw_bwd_data_gpu_case, dw_bwd_data_run, DW_GPU)
DW_CASE(dw_bwd_filter_gpu_case, dw_bwd_filter_run, DW_GPU)
DW_CASE(dw_bwd_filter_gpu_small_case, dw_bwd_filter_run, DW_GPU_SMALL)

/* The GPU rows lower the same template with other work-group sizes (and one tap per weight-gradient group): the
 * first shapes cover every path of it. */
#define DW_GPU_SHAPES 6

const kh_case kh_cases_dwconv[] = {
    {"dwconv_fwd", dw_fwd_case, SHAPES(dw_shapes), 2},
    {"dwconv_bwd_data", dw_bwd_data_case, SHAPES(dw_shapes), 2},
    {"dwconv_bwd_filter", dw_bwd_filter_case, SHAPES(dw_shapes), 2},
    {"dwconv_fwd_gpu", dw_fwd_gpu_case, DW_GPU_SHAPES, 2},
    {"dwconv_bwd_data_gpu", dw_bwd_data_gpu_case, DW_GPU_SHAPES, 2},
    {"dwconv_bwd_filter_gpu", dw_bwd_filter_gpu_case, DW_GPU_SHAPES, 2},
    {"dwconv_bwd_filter_gpu_small", dw_bwd_filter_gpu_small_case, 2, 2},
    {NULL, NULL, 0, 0},
};
