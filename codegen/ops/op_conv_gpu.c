/* clnas — the GPU family of the convolution: implicit-GEMM kernels tiled over a work-group (kernels/
 * conv2d_gemm_gpu.cl), sized within the device profile's work-group and local-memory limits, the weight gradient's
 * split over ranges of pixels where its tiles are too few for the device; and the choice between the families. */
#include "op_conv.h"

#include <limits.h>

/* Work-items of a tile: 128 where the device allows (a few warps or wavefronts: enough to hide the loads' latency
 * with a tile small enough that NB201's 16-channel convolutions still make many work-groups). */
#define GPU_LOCAL 128

/* Depth of one staged step of the reduction. */
#define GPU_TK 16

/* Work-items along a tile's rows (channels): the rest go along its columns (pixels), where loads coalesce. */
#define GPU_TY 8

/* Whether the lowering reads a tuning: the defaults' own fit is checked by the plan (clnas_plan_compile_for refuses a
 * device too small with CLNAS_ERR_UNSUPPORTED), a tuning's here. */
static int tuning_given(const clnas_conv_tune_ctx *tc)
{
    return tc && tc->in && tc->in->n > 0;
}

typedef struct gemm_tiling {
    int tm, tn, tk, rm, rn, local;
} gemm_tiling;

/* The local memory of a GEMM tiling in bytes, elements of elem_bytes: the staged TK x TM and TK x TN slices and the
 * column and row tables (3 ints per column and per row). */
static unsigned long long gemm_local_bytes(int tm, int tn, int tk, int elem_bytes)
{
    return (unsigned long long)tk * (unsigned long long)(tm + tn) * (unsigned)elem_bytes +
           (unsigned long long)(3 * (tn + tk)) * sizeof(int);
}

/* A tile of rows x columns of the output: rows are channels (gm of them), each work-item keeps rm x rn outputs. */
static clnas_status gemm_tile(int gm, const clnas_device_profile *profile, int fp64_bytes, clnas_conv_tune_ctx *tc,
                              gemm_tiling *out, clnas_error *err)
{
    gemm_tiling t;
    t.local = (int)clnas_device_profile_local(profile, GPU_LOCAL);
    int ty = t.local < GPU_TY ? t.local : GPU_TY;
    t.rm = gm <= ty ? 1 : gm <= 2 * ty ? 2 : 4;
    t.rn = 4;
    t.tk = GPU_TK;
    /* both staged slices and the tables within the device's local memory (halve the depth until they fit) */
    while (t.tk > 1 && profile->local_mem_bytes &&
           gemm_local_bytes(ty * t.rm, t.local / ty * t.rn, t.tk, fp64_bytes) > profile->local_mem_bytes)
        t.tk /= 2;
    t.local = clnas_conv_tune_take(tc, "LOCAL", t.local);
    t.rm = clnas_conv_tune_take(tc, "RM", t.rm);
    t.rn = clnas_conv_tune_take(tc, "RN", t.rn);
    t.tk = clnas_conv_tune_take(tc, "TK", t.tk);
    if (t.local < 1 || (t.local & (t.local - 1)) || (size_t)t.local > profile->max_work_group_size)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv (gpu) tuning LOCAL=%d: expected a power of two up to "
                               "the device's %zu", t.local, profile->max_work_group_size);
    if (t.rm < 1 || t.rm > 8 || t.rn < 1 || t.rn > 8 || t.tk < 1 || t.tk > 64)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv (gpu) tuning RM=%d RN=%d TK=%d: expected RM and RN "
                               "1 .. 8, TK 1 .. 64", t.rm, t.rn, t.tk);
    ty = t.local < GPU_TY ? t.local : GPU_TY;
    t.tm = ty * t.rm;
    t.tn = t.local / ty * t.rn;
    if (tuning_given(tc) && profile->local_mem_bytes &&
        gemm_local_bytes(t.tm, t.tn, t.tk, fp64_bytes) > profile->local_mem_bytes)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv (gpu) tuning TK=%d: the staged %dx%d slices exceed "
                               "the device's %llu bytes of local memory", t.tk, t.tm, t.tn, profile->local_mem_bytes);
    *out = t;
    return CLNAS_OK;
}

static clnas_status gemm_desc(const clnas_conv_params *p, const clnas_device_profile *profile, int bwd_data,
                              clnas_conv_tune_ctx *tc, clnas_kernel_desc *d, clnas_error *err)
{
    const int ho = clnas_conv_out_dim(p->h, p->ksize, p->stride, p->pad);
    const int wo = clnas_conv_out_dim(p->w, p->ksize, p->stride, p->pad);
    const int gm = bwd_data ? p->ci : p->co;
    const long gp = bwd_data ? (long)p->n * p->h * p->w : (long)p->n * ho * wo;
    gemm_tiling t = {0, 0, 0, 0, 0, 0};
    clnas_status st = gemm_tile(gm, profile, (int)sizeof(double), tc, &t, err);
    if (st != CLNAS_OK)
        return st;
    const clnas_conv_define own[] = {{"BWD_DATA", bwd_data}, {"TM", t.tm}, {"TN", t.tn}, {"TK", t.tk},
                                     {"RM", t.rm},           {"RN", t.rn}, {"LOCAL", t.local}};
    static const char *const fwd_slots[] = {"x", "w", "y"};
    static const char *const bwd_slots_relu[] = {"dy", "w", "x", "dx"}, *const bwd_slots[] = {"dy", "w", "dx"};
    const char *entry = bwd_data ? "conv2d_bwd_data" : "conv2d_fwd";
    const char *const *slots = !bwd_data ? fwd_slots : p->relu_in ? bwd_slots_relu : bwd_slots;
    const int nslots = bwd_data && p->relu_in ? 4 : 3;
    st = clnas_conv_desc_start(d, "conv2d_gemm_gpu", entry, p, p->accum, own, 7, slots, nslots, err);
    if (st == CLNAS_OK && clnas_kernel_desc_define_text(d, "ENTRY", entry) != CLNAS_OK)
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: kernel descriptor table is full", entry);
    const size_t groups = (size_t)((gm + t.tm - 1) / t.tm) * (size_t)((gp + t.tn - 1) / t.tn);
    clnas_kernel_desc_geometry_1d(d, groups * (size_t)t.local, (size_t)t.local);
    /* as[TK][TM], bs[TK][TN], and the tables: gemm_local_bytes with elements of no bytes */
    clnas_kernel_desc_local_mem(d, (size_t)t.tk * (size_t)(t.tm + t.tn), (size_t)gemm_local_bytes(t.tm, t.tn, t.tk, 0));
    return st;
}

clnas_status clnas_op_conv_fwd_desc_for(const clnas_conv_params *p, const clnas_device_profile *profile,
                                        clnas_kernel_desc *d, clnas_error *err)
{
    return clnas_op_conv_desc_tuned(CLNAS_CONV_PASS_FWD, p, profile, NULL, d, NULL, err);
}

clnas_status clnas_op_conv_bwd_data_desc_for(const clnas_conv_params *p, const clnas_device_profile *profile,
                                             clnas_kernel_desc *d, clnas_error *err)
{
    return clnas_op_conv_desc_tuned(CLNAS_CONV_PASS_BWD_DATA, p, profile, NULL, d, NULL, err);
}

/* Work-items of a weight-gradient work-group; of them, the work-items of one pixel slice (TY along the output
 * channels x the rest along the taps): the other slices split each staged step's pixels. */
#define GPU_FILTER_LOCAL 256
#define GPU_FILTER_SLICE 128
#define GPU_FILTER_TY 8

/* Pixels per staged step of the weight gradient. */
#define GPU_FILTER_TP 64

/* The local memory of the weight-gradient tiling in elements: the staged step, or the slices' partial tiles where
 * they are more; and in bytes with elements of elem_bytes, the tap and pixel tables (3 ints per tap, 4 per pixel)
 * included. */
static unsigned long long filter_local_elems(int tm, int tn, int tp, int sz)
{
    const unsigned long long stage = (unsigned long long)tp * (unsigned long long)(tm + tn);
    const unsigned long long part = (unsigned long long)sz * (unsigned long long)tm * (unsigned long long)tn;
    return stage > part ? stage : part;
}

static size_t filter_table_bytes(int tn, int tp)
{
    return (size_t)(3 * tn + 4 * tp) * sizeof(int);
}

static unsigned long long filter_local_bytes(int tm, int tn, int tp, int sz, size_t elem_bytes)
{
    return filter_local_elems(tm, tn, tp, sz) * elem_bytes + filter_table_bytes(tn, tp);
}

/* The weight gradient's tiling: work-items, rows per work-item along the output channels and taps, pixels per staged
 * step, and the pixel slice's shape (TY x TX work-items). */
typedef struct filter_tiling {
    int local, rm, rn, tp, slice, ty, tx;
} filter_tiling;

/* The default tiling for p on profile: within the device's local memory, in double at most, halving the step's
 * pixels down to 16, then the taps and the channels per work-item, then the pixels down to one per slice. */
static filter_tiling filter_default(const clnas_conv_params *p, const clnas_device_profile *profile)
{
    const int gk = p->ci * p->ksize * p->ksize;
    filter_tiling t;
    t.local = (int)clnas_device_profile_local(profile, GPU_FILTER_LOCAL);
    t.rm = p->co > 8 ? 2 : 1;
    t.rn = gk >= 128 ? 8 : gk >= 64 ? 4 : gk > 16 ? 2 : 1;
    t.tp = GPU_FILTER_TP;
    t.slice = t.local < GPU_FILTER_SLICE ? t.local : GPU_FILTER_SLICE;
    t.ty = t.slice < GPU_FILTER_TY ? t.slice : GPU_FILTER_TY;
    t.tx = t.slice / t.ty;
    const int sz0 = t.local / t.slice;
    while (profile->local_mem_bytes &&
           filter_local_bytes(t.ty * t.rm, t.tx * t.rn, t.tp, sz0, sizeof(double)) > profile->local_mem_bytes) {
        if (t.tp > 16 && t.tp > sz0)
            t.tp /= 2;
        else if (t.rn > 1)
            t.rn /= 2;
        else if (t.rm > 1)
            t.rm /= 2;
        else if (t.tp > sz0)
            t.tp /= 2;
        else
            break; /* the plan's limit check refuses the device */
    }
    return t;
}

/* Tiles of dW (output channels x taps), a work-group each. */
static long filter_tiles(const clnas_conv_params *p, int tm, int tn)
{
    const int gk = p->ci * p->ksize * p->ksize;
    return (long)((p->co + tm - 1) / tm) * (long)((gk + tn - 1) / tn);
}

int clnas_conv_bwd_filter_split(const clnas_conv_params *p, const clnas_device_profile *profile)
{
    if (!clnas_device_profile_gpu(profile))
        return 1;
    const filter_tiling t = filter_default(p, profile);
    const long tiles = filter_tiles(p, t.ty * t.rm, t.tx * t.rn);
    const long pixels = (long)p->n * clnas_conv_out_dim(p->h, p->ksize, p->stride, p->pad) *
                        clnas_conv_out_dim(p->w, p->ksize, p->stride, p->pad);
    const long count = (long)p->co * p->ci * p->ksize * p->ksize;
    /* the parts are one tensor, indexed by int */
    return clnas_device_profile_split(profile, tiles, pixels, CLNAS_CONV_SPLIT_MIN_PIXELS, INT_MAX / count,
                                      CLNAS_CONV_SPLIT_GROUPS_PER_UNIT);
}

static clnas_status bwd_filter_desc(const clnas_conv_params *p, const clnas_device_profile *profile,
                                    clnas_conv_tune_ctx *tc, clnas_kernel_desc *d, clnas_error *err)
{
    filter_tiling t = filter_default(p, profile);
    const int slice = t.slice, ty = t.ty, tx = t.tx;
    const int local = clnas_conv_tune_take(tc, "LOCAL", t.local);
    const int rm = clnas_conv_tune_take(tc, "RM", t.rm);
    const int rn = clnas_conv_tune_take(tc, "RN", t.rn);
    const int tp = clnas_conv_tune_take(tc, "TP", t.tp);
    if (local < slice || (local & (local - 1)) || (size_t)local > profile->max_work_group_size)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter (gpu) tuning LOCAL=%d: expected a power "
                               "of two from %d up to the device's %zu", local, slice, profile->max_work_group_size);
    const int tm = ty * rm, tn = tx * rn, sz = local / slice;
    if (rm < 1 || rm > 8 || rn < 1 || rn > 8 || (rn & (rn - 1)) || tp < sz || tp > 256 || tp % sz ||
        (tuning_given(tc) && profile->local_mem_bytes &&
         filter_local_bytes(tm, tn, tp, sz, sizeof(double)) > profile->local_mem_bytes))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter (gpu) tuning RM=%d RN=%d TP=%d: expected "
                               "RM 1 .. 8, RN 1, 2, 4 or 8 (a vector), TP a multiple of the %d pixel slices up to "
                               "256, the staged step within the device's local memory", rm, rn, tp, sz);
    const int split = p->split > 1 ? p->split : 1;
    const clnas_conv_define own[] = {{"TM", tm},       {"TN", tn},
                                     {"RM", rm},       {"RN", rn},
                                     {"TP", tp},       {"LOCAL", local},
                                     {"SPLIT", split}, {"SPLIT_PIXELS", clnas_conv_split_pixels(p)}};
    static const char *const slots[] = {"dy", "x", "dw"};
    /* ACCUM 0 whatever p->accum says: the weight gradient overwrites; SPLIT only where there is one */
    clnas_status st = clnas_conv_desc_start(d, "conv2d_bwd_filter_gpu", "conv2d_bwd_filter", p, 0, own,
                                            split > 1 ? 8 : 6, slots, 3, err);
    /* a work-group per tile and range of pixels */
    clnas_kernel_desc_geometry_1d(d, (size_t)filter_tiles(p, tm, tn) * (size_t)split * (size_t)local, (size_t)local);
    clnas_kernel_desc_local_mem(d, (size_t)filter_local_elems(tm, tn, tp, sz), filter_table_bytes(tn, tp));
    return st;
}

clnas_status clnas_op_conv_bwd_filter_desc_for(const clnas_conv_params *p, const clnas_device_profile *profile,
                                               clnas_kernel_desc *d, clnas_error *err)
{
    return clnas_op_conv_desc_tuned(CLNAS_CONV_PASS_BWD_FILTER, p, profile, NULL, d, NULL, err);
}

/* The GPU family's lowering of one pass. */
static clnas_status gpu_desc(clnas_conv_pass pass, const clnas_conv_params *p, const clnas_device_profile *profile,
                             clnas_conv_tune_ctx *tc, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const names[] = {"fwd", "bwd_data", "bwd_filter"};
    clnas_status st = clnas_conv_check(p, names[pass], err);
    if (st != CLNAS_OK)
        return st;
    return pass == CLNAS_CONV_PASS_BWD_FILTER ? bwd_filter_desc(p, profile, tc, d, err)
                                              : gemm_desc(p, profile, pass == CLNAS_CONV_PASS_BWD_DATA, tc, d, err);
}

clnas_status clnas_op_conv_desc_tuned(clnas_conv_pass pass, const clnas_conv_params *p,
                                      const clnas_device_profile *profile, const clnas_conv_tuning *t,
                                      clnas_kernel_desc *d, clnas_conv_tuning *used, clnas_error *err)
{
    if (pass < CLNAS_CONV_PASS_FWD || pass > CLNAS_CONV_PASS_BWD_FILTER)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv: pass %d, expected fwd, bwd_data or bwd_filter",
                               (int)pass);
    clnas_conv_tune_ctx tc = {t, 0u, used};
    if (used)
        used->n = 0;
    clnas_status st = clnas_device_profile_gpu(profile) ? gpu_desc(pass, p, profile, &tc, d, err)
                                                        : clnas_op_conv_cpu_desc(pass, p, profile, &tc, d, err);
    for (int i = 0; st == CLNAS_OK && t && i < t->n; i++)
        if (!(tc.taken & (1u << i)))
            st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv tuning %s=%d: the %s kernel has no tunable %s",
                                 t->name[i], t->value[i], d->template_name, t->name[i]);
    return st;
}
