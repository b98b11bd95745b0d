/* clnas tests — kernel-test rows for convolution (forward, input and weight gradients) and linear layers. */
#include <stdio.h>
#include <stdlib.h>

#include "kernel_cases.h"
#include "op_conv.h"
#include "op_linear.h"

/* Shapes 0 and 1 are the smallest (they run under oclgrind). Together they cover both strides and kernel sizes, ReLU on
 * the input or not, accumulate or overwrite, odd sizes (7x5 and 9x19 at stride 2: ho x wo = 4x3 and 5x10),
 * rows held in one or two vectors of 8 or 16 lanes, whole, half or partly filled, ci = 1 and 3, ci != co, co not a
 * multiple of 8. */
static const clnas_conv_params conv_shapes[] = {
    /* n ci co  h   w  k  s  p relu accum split */
    {1, 1, 2, 5, 4, 3, 1, 1, 1, 0, 0},
    /* shape 1, also under oclgrind: the channel-vectorised kernels (stride 1, 16 | co for the forward pass,
     * 16 | ci for the input gradient): two channel vectors forward, two rows per work-item backward, one and two
     * chunks of input channels, a work-group of mostly idle work-items */
    {2, 16, 32, 4, 5, 3, 1, 1, 1, 1, 0},
    {3, 3, 16, 7, 5, 3, 2, 1, 0, 1, 0},
    {2, 16, 32, 9, 19, 3, 2, 1, 1, 0, 0},
    {2, 6, 12, 7, 20, 1, 1, 0, 1, 1, 0},
    {3, 16, 16, 7, 28, 3, 1, 1, 0, 1, 0},
    /* 7x7 with co 12 (not a multiple of 8) and 90 images (6 per work-item of the weight gradient); 1x1 14x14 with
     * co 6 */
    {90, 5, 12, 7, 7, 3, 1, 1, 1, 0, 0},
    {4, 8, 6, 14, 14, 1, 1, 0, 0, 1, 0},
    /* the flat weight gradient (stride 1, same padding): 40 images make two chunks per work-item, the second
     * short; W = 17 has a column period too long to unroll; a 5x5 kernel reaches two rows and columns out */
    {40, 8, 8, 6, 6, 3, 1, 1, 1, 0, 0},
    {2, 3, 4, 5, 17, 3, 1, 1, 1, 1, 0},
    {3, 2, 4, 9, 9, 5, 1, 2, 0, 0, 0},
    /* one row with a 5x5 kernel: tap rows 0, 1, 3 and 4 meet no output pixel */
    {2, 3, 4, 1, 6, 5, 1, 2, 1, 0, 0},
    /* channel-vectorised: the 7x7 stage of NB201 (two chunks of input channels); a 5x5 kernel over 48 channels
     * (chunks of 12) with a short last row block; "valid" padding, so the input gradient pads by 2; 1x1 at
     * 14x13; 40 images make two work-groups per channel block, the second partly idle */
    {3, 32, 32, 7, 7, 3, 1, 1, 1, 0, 0},
    {2, 48, 16, 5, 6, 5, 1, 2, 0, 1, 0},
    {2, 16, 16, 8, 9, 3, 1, 0, 1, 0, 0},
    {2, 16, 16, 14, 13, 1, 1, 0, 1, 1, 0},
    {40, 16, 16, 7, 7, 3, 1, 1, 1, 0, 0},
    /* the channel-vectorised weight gradient (stride 1, same padding, 32 | co, 3x3 and up, at most 256 pixels;
     * shape 1 and 12 too): 20 images make seven chunks of transposed dy, the last short; a 5x5 kernel on an odd
     * map with co = 64 (two work-groups of channel vectors) */
    {20, 8, 32, 7, 7, 3, 1, 1, 1, 0, 0},
    {3, 6, 64, 6, 5, 5, 1, 2, 0, 0, 0},
    /* channel-vectorised rows too long for one work-item, in column segments (shape 5 too: 28 in two of 14): 29
     * in three of 10, the last short, with the forward ReLU; a 5x5 kernel over 31 in three of 11,
     * accumulating; 42 in three of 14 from 32 channels forward and 16 backward. 1x1 over 30 stays with the row
     * kernels. */
    {2, 16, 16, 5, 29, 3, 1, 1, 1, 0, 0},
    {2, 16, 32, 3, 31, 5, 1, 2, 1, 1, 0},
    {1, 32, 16, 6, 42, 3, 1, 1, 0, 1, 0},
    {2, 16, 16, 4, 30, 1, 1, 0, 1, 0, 0},
};
#define CONV_SHAPES ((int)(sizeof conv_shapes / sizeof conv_shapes[0]))

/* The Winograd F(2x2,3x3) variants take 3x3 stride 1 pad 1 only (rows for the lowering's pick and for each variant
 * forced: lanes over tiles, runs of 4, 8 and 16 tiles, partly filled; lanes over output channels). Shapes 0 and 1 are the smallest (oclgrind). They
 * cover odd and even sizes (edge tiles cut in rows, columns or both; 1xW and Hx1), C = 1 .. 16 (channel vectors of
 * 2, 4, 8 and 16 lanes, partly filled when the output channels are not a power of two), ci != co both ways,
 * batch 1 .. 3, ReLU on load or not, accumulate or overwrite, and channels beyond one staged chunk (48 input
 * channels of 16 lanes: chunks of 24). */
static const clnas_conv_params winograd_shapes[] = {
    /* n ci co  h   w  k  s  p relu accum split */
    {1, 1, 1, 3, 3, 3, 1, 1, 1, 0, 0},
    {2, 3, 5, 5, 4, 3, 1, 1, 0, 1, 0},
    {3, 16, 16, 7, 7, 3, 1, 1, 1, 0, 0},
    {2, 16, 16, 14, 14, 3, 1, 1, 1, 1, 0},
    {1, 16, 16, 28, 28, 3, 1, 1, 1, 0, 0},
    {2, 8, 12, 9, 6, 3, 1, 1, 1, 0, 0},
    {3, 12, 4, 6, 11, 3, 1, 1, 0, 0, 0},
    {1, 2, 3, 1, 5, 3, 1, 1, 1, 1, 0},
    {2, 5, 7, 4, 1, 3, 1, 1, 0, 0, 0},
    {2, 48, 32, 5, 5, 3, 1, 1, 1, 0, 0},
    {1, 32, 48, 3, 5, 3, 1, 1, 1, 1, 0},
};
#define WINOGRAD_SHAPES ((int)(sizeof winograd_shapes / sizeof winograd_shapes[0]))

static const clnas_linear_params linear_shapes[] = {
    /* n in out accum */
    {1, 3, 2, 0},
    {3, 7, 5, 1},
    {16, 64, 10, 0},
};
#define LINEAR_SHAPES ((int)(sizeof linear_shapes / sizeof linear_shapes[0]))

/* The host tensors of one run, by slot name; outputs carry the reference to compare with. */
typedef struct kc_tensor {
    const char *slot;
    double *host;
    double *ref; /* NULL for inputs */
    size_t count;
    int poison;
} kc_tensor;

static kc_tensor kc_input(const char *slot, size_t count, uint64_t seed)
{
    return (kc_tensor){slot, kh_random(count, seed, -1.0, 1.0), NULL, count, 0};
}

/* An output: poisoned (overwrite) or holding random values the kernel must add to (accumulate). */
static kc_tensor kc_output(const char *slot, size_t count, uint64_t seed, int accum)
{
    double *host = kh_random(count, seed, -1.0, 1.0);
    return (kc_tensor){slot, host, kh_copy(host, count), count, !accum};
}

/* Binds the tensors to the descriptor's slots by name, runs it and compares every output. */
static int kc_run(kh_ctx *k, const clnas_kernel_desc *d, int fp64, kc_tensor *t, int nt)
{
    kh_arg args[CLNAS_MAX_KERNEL_ARGS] = {{0}};
    int ok = 1;
    if (d->nargs != nt) {
        printf("  %s: %d slots, the test binds %d\n", d->entry, d->nargs, nt);
        ok = 0;
    }
    for (int i = 0; i < nt && ok; i++) {
        int slot = clnas_kernel_desc_find_arg(d, t[i].slot);
        if (slot < 0) {
            printf("  %s: no slot named %s\n", d->entry, t[i].slot);
            ok = 0;
            break;
        }
        args[slot] = (kh_arg){t[i].host, t[i].count, t[i].poison, 0.0};
    }
    if (ok)
        ok = kh_run(k, d, fp64, args) == 0;
    for (int i = 0; i < nt && ok; i++)
        if (t[i].ref) {
            char what[64];
            snprintf(what, sizeof what, "%s %s", d->entry, t[i].slot);
            ok = kh_close_enough(what, t[i].host, t[i].ref, t[i].count, KH_TOL(fp64));
        }
    for (int i = 0; i < nt; i++) {
        free(t[i].host);
        free(t[i].ref);
    }
    return ok;
}

static int kc_desc_failed(const char *what, const clnas_error *err)
{
    printf("  %s: %s\n", what, err->message);
    return 0;
}

/* ---- convolution ---- */

typedef struct conv_counts {
    size_t x, w, y;
} conv_counts;

static conv_counts conv_count(const clnas_conv_params *p)
{
    size_t ho = (size_t)clnas_conv_out_dim(p->h, p->ksize, p->stride, p->pad);
    size_t wo = (size_t)clnas_conv_out_dim(p->w, p->ksize, p->stride, p->pad);
    return (conv_counts){(size_t)p->n * p->ci * p->h * p->w, (size_t)p->co * p->ci * p->ksize * p->ksize,
                         (size_t)p->n * p->co * ho * wo};
}

/* The device profiles the kernels are lowered for: NULL (the CPU family), a CPU with 4 KiB of local memory (no
 * staged weight gradient fits: the flat kernel, its reduction tree shrunk), a default GPU (work-groups of 128,
 * 32 KiB of local memory) and a small GPU (work-groups of 32, 2 KiB: thinner tiles, a shallower staged step). */
typedef enum conv_family {
    CONV_CPU,
    CONV_CPU_SMALL,
    CONV_GPU,
    CONV_GPU_SMALL,
    CONV_WINOGRAD,         /* the variant the lowering takes (clnas_op_conv_fwd_winograd_desc) */
    CONV_WINOGRAD_TILES,   /* each Winograd variant forced */
    CONV_WINOGRAD_CHANNELS,
    CONV_WINOGRAD_TILES_GPU /* the tiles lowered for the default GPU (smaller chunks of input channels) */
} conv_family;

static const clnas_device_profile *conv_profile(conv_family f, clnas_device_profile *p)
{
    if (f == CONV_CPU || f >= CONV_WINOGRAD)
        return NULL;
    if (f == CONV_CPU_SMALL) {
        clnas_device_profile_default_cpu(p);
        p->local_mem_bytes = 4096;
        return p;
    }
    clnas_device_profile_default_gpu(p);
    if (f == CONV_GPU_SMALL) {
        p->max_work_group_size = 32;
        p->local_mem_bytes = 2048;
    }
    return p;
}

/* The shape of row `shape`: the Winograd rows have their own table. */
static const clnas_conv_params *conv_shape(int shape, conv_family f)
{
    return f >= CONV_WINOGRAD ? &winograd_shapes[shape] : &conv_shapes[shape];
}

static clnas_winograd_variant winograd_variant(conv_family f)
{
    return f == CONV_WINOGRAD_TILES || f == CONV_WINOGRAD_TILES_GPU ? CLNAS_WINOGRAD_TILES
           : f == CONV_WINOGRAD_CHANNELS ? CLNAS_WINOGRAD_CHANNELS
                                         : CLNAS_WINOGRAD_AUTO;
}

/* The profile a forced Winograd variant is lowered for: NULL (the CPU family's default) or the default GPU. */
static const clnas_device_profile *winograd_profile(conv_family f, clnas_device_profile *p)
{
    if (f != CONV_WINOGRAD_TILES_GPU)
        return NULL;
    clnas_device_profile_default_gpu(p);
    return p;
}

/* Whether the descriptor's work-group and local memory are within the profile it was lowered for (0: not). */
static int conv_within(const clnas_kernel_desc *d, const clnas_device_profile *prof, int fp64)
{
    clnas_device_profile def;
    if (!prof) { /* lowered without a profile: for the default CPU's */
        clnas_device_profile_default_cpu(&def);
        prof = &def;
    }
    const size_t items = d->local[0] * (d->dims > 1 ? d->local[1] : 1);
    if (items <= prof->max_work_group_size &&
        (!prof->local_mem_bytes || d->local_bytes[fp64] <= prof->local_mem_bytes))
        return 1;
    printf("  %s: %zu work-items and %zu bytes of local memory; the profile allows %zu and %llu\n", d->entry, items,
           d->local_bytes[fp64], prof->max_work_group_size, (unsigned long long)prof->local_mem_bytes);
    return 0;
}

static clnas_status conv_fwd_desc(const clnas_conv_params *p, conv_family f, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_device_profile prof;
    if (f == CONV_WINOGRAD)
        return clnas_op_conv_fwd_winograd_desc(p, d, err);
    if (f > CONV_WINOGRAD)
        return clnas_op_conv_winograd_variant_desc(p, winograd_profile(f, &prof), 0, winograd_variant(f), d, err);
    return clnas_op_conv_fwd_desc_for(p, conv_profile(f, &prof), d, err);
}

static clnas_status conv_bwd_data_desc(const clnas_conv_params *p, conv_family f, clnas_kernel_desc *d,
                                       clnas_error *err)
{
    clnas_device_profile prof;
    if (f == CONV_WINOGRAD)
        return clnas_op_conv_bwd_data_winograd_desc(p, d, err);
    if (f > CONV_WINOGRAD)
        return clnas_op_conv_winograd_variant_desc(p, winograd_profile(f, &prof), 1, winograd_variant(f), d, err);
    return clnas_op_conv_bwd_data_desc_for(p, conv_profile(f, &prof), d, err);
}

static int conv_fwd_run(kh_ctx *k, int fp64, int shape, conv_family f)
{
    const clnas_conv_params *p = conv_shape(shape, f);
    clnas_kernel_desc d;
    clnas_error err;
    if (conv_fwd_desc(p, f, &d, &err) != CLNAS_OK)
        return kc_desc_failed("conv fwd desc", &err);
    clnas_device_profile prof;
    if (f < CONV_WINOGRAD && !conv_within(&d, conv_profile(f, &prof), fp64))
        return 0;
    conv_counts c = conv_count(p);
    kc_tensor t[] = {kc_input("x", c.x, 101 + shape), kc_input("w", c.w, 201 + shape),
                     kc_output("y", c.y, 301 + shape, p->accum)};
    clnas_ref_conv_fwd(p, t[0].host, t[1].host, t[2].ref);
    return kc_run(k, &d, fp64, t, 3);
}

static int conv_bwd_data_run(kh_ctx *k, int fp64, int shape, conv_family f)
{
    const clnas_conv_params *p = conv_shape(shape, f);
    clnas_kernel_desc d;
    clnas_error err;
    if (conv_bwd_data_desc(p, f, &d, &err) != CLNAS_OK)
        return kc_desc_failed("conv bwd_data desc", &err);
    clnas_device_profile prof;
    if (f < CONV_WINOGRAD && !conv_within(&d, conv_profile(f, &prof), fp64))
        return 0;
    conv_counts c = conv_count(p);
    kc_tensor t[] = {kc_input("dy", c.y, 401 + shape), kc_input("w", c.w, 501 + shape),
                     kc_output("dx", c.x, 601 + shape, p->accum), kc_input("x", c.x, 701 + shape)};
    clnas_ref_conv_bwd_data(p, t[0].host, t[1].host, t[3].host, t[2].ref);
    if (!p->relu_in)
        free(t[3].host);
    return kc_run(k, &d, fp64, t, p->relu_in ? 4 : 3);
}

/* The GPU family's weight gradient split over pixels: 3 ranges (fewer where there are fewer pixels), the last
 * short where 3 does not divide them, and ranges that end inside a staged step and inside an image. */
#define CONV_SPLIT 3

static int conv_bwd_filter_run(kh_ctx *k, int fp64, int shape, conv_family f, int split)
{
    clnas_conv_params p = conv_shapes[shape];
    conv_counts c = conv_count(&p);
    if (split) {
        const long pixels = (long)(c.y / (size_t)p.co);
        p.split = pixels < CONV_SPLIT ? (int)pixels : CONV_SPLIT;
    }
    const size_t parts = p.split > 1 ? (size_t)p.split : 1;
    clnas_kernel_desc d;
    clnas_error err;
    clnas_device_profile prof;
    const clnas_device_profile *pp = conv_profile(f, &prof);
    if (clnas_op_conv_bwd_filter_desc_for(&p, pp, &d, &err) != CLNAS_OK)
        return kc_desc_failed("conv bwd_filter desc", &err);
    if (!conv_within(&d, pp, fp64))
        return 0;
    /* Always overwrites, whatever p->accum says: the poison must be gone (from every part). */
    kc_tensor t[] = {kc_input("dy", c.y, 801 + shape), kc_input("x", c.x, 901 + shape),
                     kc_output("dw", c.w * parts, 1001 + shape, 0)};
    clnas_ref_conv_bwd_filter(&p, t[0].host, t[1].host, t[2].ref);
    return kc_run(k, &d, fp64, t, 3);
}

static int conv_bwd_filter_unsplit_run(kh_ctx *k, int fp64, int shape, conv_family f)
{
    return conv_bwd_filter_run(k, fp64, shape, f, 0);
}

static int conv_bwd_filter_split_run(kh_ctx *k, int fp64, int shape, conv_family f)
{
    return conv_bwd_filter_run(k, fp64, shape, f, 1);
}

#define CONV_CASE(name, run, family)                                                                                \
    static int name(kh_ctx *k, int fp64, int shape)                                                                 \
    {                                                                                                               \
        return run(k, fp64, shape, family);                                                                         \
    }
CONV_CASE(conv_fwd_case, conv_fwd_run, CONV_CPU)
CONV_CASE(conv_bwd_data_case, conv_bwd_data_run, CONV_CPU)
CONV_CASE(conv_bwd_filter_case, conv_bwd_filter_unsplit_run, CONV_CPU)
CONV_CASE(conv_bwd_filter_cpu_small_case, conv_bwd_filter_unsplit_run, CONV_CPU_SMALL)
CONV_CASE(conv_fwd_gpu_case, conv_fwd_run, CONV_GPU)
CONV_CASE(conv_bwd_data_gpu_case, conv_bwd_data_run, CONV_GPU)
CONV_CASE(conv_bwd_filter_gpu_case, conv_bwd_filter_unsplit_run, CONV_GPU)
CONV_CASE(conv_bwd_filter_gpu_split_case, conv_bwd_filter_split_run, CONV_GPU)
CONV_CASE(conv_bwd_filter_gpu_small_split_case, conv_bwd_filter_split_run, CONV_GPU_SMALL)
CONV_CASE(conv_fwd_gpu_small_case, conv_fwd_run, CONV_GPU_SMALL)
CONV_CASE(conv_bwd_filter_gpu_small_case, conv_bwd_filter_unsplit_run, CONV_GPU_SMALL)
CONV_CASE(conv_bwd_data_gpu_small_case, conv_bwd_data_run, CONV_GPU_SMALL)
CONV_CASE(conv_fwd_winograd_case, conv_fwd_run, CONV_WINOGRAD)
CONV_CASE(conv_bwd_data_winograd_case, conv_bwd_data_run, CONV_WINOGRAD)
CONV_CASE(conv_fwd_winograd_tiles_case, conv_fwd_run, CONV_WINOGRAD_TILES)
CONV_CASE(conv_bwd_data_winograd_tiles_case, conv_bwd_data_run, CONV_WINOGRAD_TILES)
CONV_CASE(conv_fwd_winograd_channels_case, conv_fwd_run, CONV_WINOGRAD_CHANNELS)
CONV_CASE(conv_bwd_data_winograd_channels_case, conv_bwd_data_run, CONV_WINOGRAD_CHANNELS)
CONV_CASE(conv_fwd_winograd_tiles_gpu_case, conv_fwd_run, CONV_WINOGRAD_TILES_GPU)
CONV_CASE(conv_bwd_data_winograd_tiles_gpu_case, conv_bwd_data_run, CONV_WINOGRAD_TILES_GPU)

/* ---- linear ---- */

static int linear_fwd_case(kh_ctx *k, int fp64, int shape)
{
    const clnas_linear_params *p = &linear_shapes[shape];
    clnas_kernel_desc d;
    clnas_error err;
    if (clnas_op_linear_fwd_desc(p, &d, &err) != CLNAS_OK)
        return kc_desc_failed("linear fwd desc", &err);
    size_t n = (size_t)p->n, in = (size_t)p->in, out = (size_t)p->out;
    kc_tensor t[] = {kc_input("x", n * in, 1101 + shape), kc_input("w", out * in, 1201 + shape),
                     kc_input("b", out, 1301 + shape), kc_output("y", n * out, 1401 + shape, p->accum)};
    clnas_ref_linear_fwd(p, t[0].host, t[1].host, t[2].host, t[3].ref);
    return kc_run(k, &d, fp64, t, 4);
}

static int linear_bwd_data_case(kh_ctx *k, int fp64, int shape)
{
    const clnas_linear_params *p = &linear_shapes[shape];
    clnas_kernel_desc d;
    clnas_error err;
    if (clnas_op_linear_bwd_data_desc(p, &d, &err) != CLNAS_OK)
        return kc_desc_failed("linear bwd_data desc", &err);
    size_t n = (size_t)p->n, in = (size_t)p->in, out = (size_t)p->out;
    kc_tensor t[] = {kc_input("dy", n * out, 1501 + shape), kc_input("w", out * in, 1601 + shape),
                     kc_output("dx", n * in, 1701 + shape, p->accum)};
    clnas_ref_linear_bwd_data(p, t[0].host, t[1].host, t[2].ref);
    return kc_run(k, &d, fp64, t, 3);
}

static int linear_bwd_weight_case(kh_ctx *k, int fp64, int shape)
{
    const clnas_linear_params *p = &linear_shapes[shape];
    clnas_kernel_desc d;
    clnas_error err;
    if (clnas_op_linear_bwd_weight_desc(p, &d, &err) != CLNAS_OK)
        return kc_desc_failed("linear bwd_weight desc", &err);
    size_t n = (size_t)p->n, in = (size_t)p->in, out = (size_t)p->out;
    kc_tensor t[] = {kc_input("dy", n * out, 1801 + shape), kc_input("x", n * in, 1901 + shape),
                     kc_output("dw", out * in, 2001 + shape, 0), kc_output("db", out, 2101 + shape, 0)};
    clnas_ref_linear_bwd_weight(p, t[0].host, t[1].host, t[2].ref, t[3].ref);
    return kc_run(k, &d, fp64, t, 4);
}

const kh_case kh_cases_conv[] = {
    {"conv2d_fwd", conv_fwd_case, CONV_SHAPES, 2},
    {"conv2d_bwd_data", conv_bwd_data_case, CONV_SHAPES, 2},
    {"conv2d_bwd_filter", conv_bwd_filter_case, CONV_SHAPES, 2},
    {"conv2d_bwd_filter_cpu_small", conv_bwd_filter_cpu_small_case, CONV_SHAPES, 2},
    {"conv2d_fwd_gpu", conv_fwd_gpu_case, CONV_SHAPES, 2},
    {"conv2d_bwd_data_gpu", conv_bwd_data_gpu_case, CONV_SHAPES, 2},
    {"conv2d_bwd_filter_gpu", conv_bwd_filter_gpu_case, CONV_SHAPES, 2},
    {"conv2d_bwd_filter_gpu_split", conv_bwd_filter_gpu_split_case, CONV_SHAPES, 2},
    {"conv2d_bwd_filter_gpu_small_split", conv_bwd_filter_gpu_small_split_case, CONV_SHAPES, 2},
    {"conv2d_fwd_gpu_small", conv_fwd_gpu_small_case, CONV_SHAPES, 2},
    {"conv2d_bwd_filter_gpu_small", conv_bwd_filter_gpu_small_case, CONV_SHAPES, 2},
    {"conv2d_bwd_data_gpu_small", conv_bwd_data_gpu_small_case, CONV_SHAPES, 2},
    {"conv2d_fwd_winograd", conv_fwd_winograd_case, WINOGRAD_SHAPES, 2},
    {"conv2d_bwd_data_winograd", conv_bwd_data_winograd_case, WINOGRAD_SHAPES, 2},
    {"conv2d_fwd_winograd_tiles", conv_fwd_winograd_tiles_case, WINOGRAD_SHAPES, 2},
    {"conv2d_bwd_data_winograd_tiles", conv_bwd_data_winograd_tiles_case, WINOGRAD_SHAPES, 2},
    {"conv2d_fwd_winograd_channels", conv_fwd_winograd_channels_case, WINOGRAD_SHAPES, 2},
    {"conv2d_bwd_data_winograd_channels", conv_bwd_data_winograd_channels_case, WINOGRAD_SHAPES, 2},
    {"conv2d_fwd_winograd_tiles_gpu", conv_fwd_winograd_tiles_gpu_case, WINOGRAD_SHAPES, 2},
    {"conv2d_bwd_data_winograd_tiles_gpu", conv_bwd_data_winograd_tiles_gpu_case, WINOGRAD_SHAPES, 2},
    {"linear_fwd", linear_fwd_case, LINEAR_SHAPES, 1},
    {"linear_bwd_data", linear_bwd_data_case, LINEAR_SHAPES, 1},
    {"linear_bwd_weight", linear_bwd_weight_case, LINEAR_SHAPES, 1},
    {NULL, NULL, 0, 0},
};
