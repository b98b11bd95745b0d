/* clnas — the convolution's Winograd F(2x2,3x3) variants (kernels/conv2d_winograd_tiles.cl: lanes over tiles;
 * kernels/conv2d_winograd.cl: lanes over output channels): which convolutions they take, their kernel descriptors
 * for the forward pass and the input gradient, and the signature the measured choice is kept under. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op_conv.h"

/* Work-items of a Winograd work-group: the group transforms its channels' filters once for all of them. */
#define WINOGRAD_LOCAL 128

/* Local memory the transformed filters may take, in bytes (within the 32 KiB OpenCL 1.2 guarantees). */
#define WINOGRAD_LOCAL_BYTES 24576

int clnas_conv_winograd_applies(const clnas_conv_params *p)
{
    return p && p->ksize == 3 && p->stride == 1 && p->pad == 1;
}

/* Lanes of the output-channel vector: the smallest of 2, 4, 8, 16 holding oc, else 16. */
static int winograd_lanes(int oc)
{
    int lanes = 2;
    while (lanes < 16 && lanes < oc)
        lanes *= 2;
    return lanes;
}

/* The largest divisor of c not above limit (at least 1). */
static int divisor_upto(int c, int limit)
{
    for (int d = limit < c ? limit : c; d > 1; d--)
        if (c % d == 0)
            return d;
    return 1;
}

/* What the tiles variant's staged filters (local memory) and transformed inputs of one chunk (private memory) may
 * take on a device of profile (NULL: the CPU family's default), in bytes. On the CPU family local and private
 * memory are the caches: 128 KiB of filters (within three quarters of the device's local memory) and 64 KiB of
 * inputs hold every channel of NB201's C=16 stages in one or two chunks; measured on PoCL at 14x14 C=32 and 7x7 C=64,
 * the 24 KiB and 16 KiB of the GPU family made 4 and 16 chunks, each storing the output, and ran at 1.4x and 3x the
 * time. Elsewhere they stay within the 32 KiB of local memory OpenCL 1.2 guarantees and a GPU's registers. */
static void winograd_tiles_limits(const clnas_device_profile *profile, int *local_bytes, int *private_bytes)
{
    if (clnas_device_profile_gpu(profile)) {
        *local_bytes = WINOGRAD_LOCAL_BYTES;
        *private_bytes = 16384;
        return;
    }
    clnas_device_profile cpu;
    if (!profile) {
        clnas_device_profile_default_cpu(&cpu);
        profile = &cpu;
    }
    const unsigned long long usable = profile->local_mem_bytes / 4 * 3;
    *local_bytes = usable < 131072 ? (int)usable : 131072;
    *private_bytes = 65536;
}

/* Private memory the tiles variant's products of one block of output channels may take, in bytes. */
#define WINOGRAD_TILES_BLOCK_BYTES 8192

/* Work-items of a tiles-variant work-group (they share the staged filters of every output channel). */
#define WINOGRAD_TILES_LOCAL 64

/* The tiles variant's output channels per block (a multiple of the kernel's OCR, 8): as many as
 * WINOGRAD_TILES_BLOCK_BYTES holds at tl lanes of es bytes but at least 8, and at most oc rounded up to 8. */
static int winograd_tiles_block(int oc, int tl, int es)
{
    int ocb = WINOGRAD_TILES_BLOCK_BYTES / (16 * tl * es) / 8 * 8;
    const int all = (oc + 7) / 8 * 8;
    ocb = ocb < 8 ? 8 : ocb;
    return ocb < all ? ocb : all;
}

/* The tiles variant's staged filter columns: oc rounded up to whole blocks. */
static int winograd_tiles_oc_pad(int oc, int tl, int es)
{
    const int ocb = winograd_tiles_block(oc, tl, es);
    return (oc + ocb - 1) / ocb * ocb;
}

/* The tiles variant's lanes per tile row: runs of 4, 8 or 16 tiles, the fewest that cover a tile row of tw tiles. */
static int winograd_tiles_row_lanes(int tw)
{
    return tw <= 4 ? 4 : tw <= 8 ? 8 : 16;
}

/* The tiles variant's tile rows per work-item: as many as fill 16 lanes with runs of row_lanes tiles, fewer where
 * the image has fewer tile rows (th). */
static int winograd_tiles_rows(int row_lanes, int th)
{
    int tr = 16 / row_lanes;
    while (tr > 1 && tr / 2 >= th)
        tr /= 2;
    return tr;
}

/* The tiles variant's lanes in all: the lanes of a row times the rows. */
static int winograd_tiles_lanes(int h, int w)
{
    const int tlr = winograd_tiles_row_lanes((w + 1) / 2);
    return tlr * winograd_tiles_rows(tlr, (h + 1) / 2);
}

/* The tiles variant (kernels/conv2d_winograd_tiles.cl): lanes over TLR tiles of each of TR tile rows, every output
 * channel per work-item; the chunk of input channels bounded by the staged filters (all output channels) and the
 * private transformed inputs, within local_bytes and private_bytes (winograd_tiles_limits). */
static clnas_status winograd_tiles_desc(const clnas_conv_params *p, int local_bytes, int private_bytes,
                                        clnas_kernel_desc *d, int bwd_data, clnas_error *err)
{
    const int ic = bwd_data ? p->co : p->ci, oc = bwd_data ? p->ci : p->co;
    const int th = (p->h + 1) / 2, tw = (p->w + 1) / 2;
    const int tlr = winograd_tiles_row_lanes(tw), tr = winograd_tiles_rows(tlr, th), tl = tlr * tr;
    int chunk[2], ocb[2], icb[2], oc_pad[2];
    for (int f = 0; f < 2; f++) {
        const int es = f ? 8 : 4;
        ocb[f] = winograd_tiles_block(oc, tl, es);
        oc_pad[f] = winograd_tiles_oc_pad(oc, tl, es);
        const int by_local = local_bytes / es / (16 * oc_pad[f]), by_private = private_bytes / es / (16 * tl);
        chunk[f] = divisor_upto(ic, by_local < by_private ? by_local : by_private);
        /* measured on PoCL (AVX-512) at 28x28 C=16: 4 held inputs and 8 output channels (the kernel's OCR) ran at
         * 3.8 ms forward against 4.2 ms for 8 and 4, and 3.9 ms for 8 and 8 */
        icb[f] = divisor_upto(chunk[f], 4);
    }
    const size_t items = (size_t)p->n * (size_t)((th + tr - 1) / tr) * (size_t)((tw + tlr - 1) / tlr);
    const clnas_conv_define own[] = {{"BWD_DATA", bwd_data},     {"TL", tl},           {"TLR", tlr},
                                     {"LOCAL", WINOGRAD_TILES_LOCAL},
                                     {"CI_CHUNK_F32", chunk[0]}, {"CI_CHUNK_F64", chunk[1]}, {"OCB_F32", ocb[0]},
                                     {"OCB_F64", ocb[1]},        {"ICB_F32", icb[0]},        {"ICB_F64", icb[1]}};
    const int nown = (int)(sizeof own / sizeof own[0]);
    static const char *const fwd_slots[] = {"x", "w", "y"};
    static const char *const bwd_slots_relu[] = {"dy", "w", "x", "dx"}, *const bwd_slots[] = {"dy", "w", "dx"};
    clnas_status st;
    if (!bwd_data)
        st = clnas_conv_desc_start(d, "conv2d_winograd_tiles", "conv2d_fwd_winograd", p, p->accum, own, nown,
                                   fwd_slots, 3, err);
    else if (p->relu_in)
        st = clnas_conv_desc_start(d, "conv2d_winograd_tiles", "conv2d_bwd_data_winograd", p, p->accum, own, nown,
                                   bwd_slots_relu, 4, err);
    else
        st = clnas_conv_desc_start(d, "conv2d_winograd_tiles", "conv2d_bwd_data_winograd", p, p->accum, own, nown,
                                   bwd_slots, 3, err);
    clnas_kernel_desc_geometry_1d(d, items, WINOGRAD_TILES_LOCAL);
    clnas_kernel_desc_local_mem2(d, (size_t)chunk[0] * 16 * (size_t)oc_pad[0],
                                 (size_t)chunk[1] * 16 * (size_t)oc_pad[1]);
    return st;
}

/* The channels variant (kernels/conv2d_winograd.cl): one tile per work-item, lanes over output channels. */
static clnas_status winograd_channels_desc(const clnas_conv_params *p, clnas_kernel_desc *d, int bwd_data,
                                           clnas_error *err)
{
    clnas_status st;
    const int ic = bwd_data ? p->co : p->ci, oc = bwd_data ? p->ci : p->co;
    const int oh = p->h, ow = p->w; /* stride 1, pad 1: same size both ways */
    const int lanes = winograd_lanes(oc), blocks = (oc + lanes - 1) / lanes;
    const int chunk_f32 = divisor_upto(ic, WINOGRAD_LOCAL_BYTES / 4 / (16 * lanes));
    const int chunk_f64 = divisor_upto(ic, WINOGRAD_LOCAL_BYTES / 8 / (16 * lanes));
    const size_t items = (size_t)p->n * (size_t)((oh + 1) / 2) * (size_t)((ow + 1) / 2);
    const clnas_conv_define own[] = {{"BWD_DATA", bwd_data}, {"LANES", lanes},         {"LOCAL", WINOGRAD_LOCAL},
                                     {"CI_CHUNK_F32", chunk_f32}, {"CI_CHUNK_F64", chunk_f64}};
    static const char *const fwd_slots[] = {"x", "w", "y"};
    static const char *const bwd_slots_relu[] = {"dy", "w", "x", "dx"}, *const bwd_slots[] = {"dy", "w", "dx"};
    if (!bwd_data)
        st = clnas_conv_desc_start(d, "conv2d_winograd", "conv2d_fwd_winograd", p, p->accum, own, 5, fwd_slots, 3,
                                   err);
    else if (p->relu_in)
        st = clnas_conv_desc_start(d, "conv2d_winograd", "conv2d_bwd_data_winograd", p, p->accum, own, 5,
                                   bwd_slots_relu, 4, err);
    else
        st = clnas_conv_desc_start(d, "conv2d_winograd", "conv2d_bwd_data_winograd", p, p->accum, own, 5, bwd_slots,
                                   3, err);
    /* One group of WINOGRAD_LOCAL work-items per (channel block, run of (image, 2x2 tile)). */
    const size_t groups = (items + WINOGRAD_LOCAL - 1) / WINOGRAD_LOCAL;
    clnas_kernel_desc_geometry_1d(d, (size_t)blocks * groups * WINOGRAD_LOCAL, WINOGRAD_LOCAL);
    clnas_kernel_desc_local_mem2(d, (size_t)chunk_f32 * 16 * lanes, (size_t)chunk_f64 * 16 * lanes);
    return st;
}

clnas_status clnas_op_conv_winograd_variant_desc(const clnas_conv_params *p, const clnas_device_profile *profile,
                                                 int bwd_data, clnas_winograd_variant variant, clnas_kernel_desc *d,
                                                 clnas_error *err)
{
    const char *pass = bwd_data ? "bwd_data (winograd)" : "fwd (winograd)";
    clnas_status st = clnas_conv_check(p, pass, err);
    if (st != CLNAS_OK)
        return st;
    if (!clnas_conv_winograd_applies(p))
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED,
                               "conv %s: k=%d stride=%d pad=%d, Winograd F(2x2,3x3) takes only k=3 stride=1 pad=1",
                               pass, p->ksize, p->stride, p->pad);
    const int oc = bwd_data ? p->ci : p->co, tw = (p->w + 1) / 2;
    int local_bytes, private_bytes;
    winograd_tiles_limits(profile, &local_bytes, &private_bytes);
    /* the tiles variant stages every output channel's filters of at least one input channel (in whole blocks) */
    const int tiles_fit =
        16 * winograd_tiles_oc_pad(oc, winograd_tiles_lanes(p->h, p->w), 8) * (int)sizeof(double) <= local_bytes;
    if (variant == CLNAS_WINOGRAD_TILES && !tiles_fit)
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED,
                               "conv %s: %d output channels, the tiles variant takes at most %d", pass, oc,
                               local_bytes / 16 / (int)sizeof(double));
    /* measured on PoCL (AVX-512): lanes over tiles (several tile rows a work-item where a row has few tiles) at
     * 1.5-3x the channel lanes' speed at NB201's C=16 28x28, 14x14 and 7x7; on a GPU, untimed, the tiles only
     * where a tile row fills a vector or the output channels are few, as they were measured on PoCL before */
    if (variant == CLNAS_WINOGRAD_AUTO)
        variant = tiles_fit && (!clnas_device_profile_gpu(profile) || tw > 4 || oc <= 32) ? CLNAS_WINOGRAD_TILES
                                                                                           : CLNAS_WINOGRAD_CHANNELS;
    return variant == CLNAS_WINOGRAD_TILES ? winograd_tiles_desc(p, local_bytes, private_bytes, d, bwd_data, err)
                                           : winograd_channels_desc(p, d, bwd_data, err);
}

clnas_status clnas_op_conv_fwd_winograd_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return clnas_op_conv_winograd_variant_desc(p, NULL, 0, CLNAS_WINOGRAD_AUTO, d, err);
}

clnas_status clnas_op_conv_bwd_data_winograd_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return clnas_op_conv_winograd_variant_desc(p, NULL, 1, CLNAS_WINOGRAD_AUTO, d, err);
}

void clnas_conv_winograd_sig(const clnas_conv_params *p, int bwd_data, int fp64, char *out, size_t cap)
{
    snprintf(out, cap, "%s %s n%d ci%d co%d %dx%d k%d s%d p%d relu%d acc%d",
             bwd_data ? "conv_bwd_data_winograd" : "conv_fwd_winograd", fp64 ? "f64" : "f32", p->n, p->ci, p->co,
             p->h, p->w, p->ksize, p->stride, p->pad, p->relu_in, p->accum);
}

clnas_status clnas_conv_winograd_alternative(const clnas_kernel_desc *kd, int fp64, const clnas_device_profile *profile,
                                             clnas_kernel_desc *alt, char *sig, size_t cap, int *has, clnas_error *err)
{
    *has = 0;
    const int fwd = strcmp(kd->entry, "conv2d_fwd") == 0, bwd_data = strcmp(kd->entry, "conv2d_bwd_data") == 0;
    if (!fwd && !bwd_data)
        return CLNAS_OK;
    clnas_conv_params p;
    if (!clnas_conv_params_of_desc(kd, &p))
        return CLNAS_OK; /* not a convolution descriptor of op_conv.h's shape #defines */
    if (!clnas_conv_winograd_applies(&p))
        return CLNAS_OK;
    clnas_status st = clnas_op_conv_winograd_variant_desc(&p, profile, bwd_data, CLNAS_WINOGRAD_AUTO, alt, err);
    if (st != CLNAS_OK)
        return st;
    if (alt->nargs != kd->nargs)
        return CLNAS_OK;
    for (int i = 0; i < kd->nargs; i++)
        if (strcmp(alt->arg_name[i], kd->arg_name[i]) != 0)
            return CLNAS_OK;
    /* the choice holds for this Winograd kernel against this kernel only: a changed template of either (its hash
     * after the pass's name, the kernel's after "vs") is measured anew */
    char alt_id[CLNAS_KERNEL_TEMPLATE_ID_MAX];
    st = clnas_kernel_template_id(alt->template_name, alt_id, sizeof alt_id, err);
    if (st != CLNAS_OK)
        return st;
    char shape[CLNAS_GEMM_SIG_MAX];
    clnas_conv_winograd_sig(&p, bwd_data, fp64, shape, sizeof shape);
    const char *rest = strchr(shape, ' ');
    snprintf(sig, cap, "%.*s%s%s", (int)(rest - shape), shape, strchr(alt_id, '@'), rest);
    st = clnas_gemm_sig_versus(sig, cap, kd, err);
    *has = st == CLNAS_OK;
    return st;
}
