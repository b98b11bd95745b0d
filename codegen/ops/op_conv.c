/* clnas — 2-D convolution: shape rule, checks, descriptors for the three passes, references, op table rows. */
#include "op_conv.h"

#include <limits.h>
#include <string.h>

#include "op.h"

int clnas_conv_out_dim(int in, int ksize, int stride, int pad)
{
    long span = (long)in + 2L * pad - ksize;
    if (stride < 1 || span < 0)
        return 0;
    return (int)(span / stride + 1);
}

static int conv_ho(const clnas_conv_params *p)
{
    return clnas_conv_out_dim(p->h, p->ksize, p->stride, p->pad);
}

static int conv_wo(const clnas_conv_params *p)
{
    return clnas_conv_out_dim(p->w, p->ksize, p->stride, p->pad);
}

/* The kernels index tensors with int. */
static int fits_int(long a, long b, long c, long d)
{
    return a * b <= INT_MAX && a * b * c <= INT_MAX && a * b * c * d <= INT_MAX;
}

static clnas_status conv_check(const clnas_conv_params *p, const char *pass, clnas_error *err)
{
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s: params is NULL", pass);
    const struct {
        const char *name;
        int value, min;
    } fields[] = {{"n", p->n, 1},       {"ci", p->ci, 1},         {"co", p->co, 1},   {"h", p->h, 1},
                  {"w", p->w, 1},       {"ksize", p->ksize, 1},   {"stride", p->stride, 1},
                  {"pad", p->pad, 0}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].value < fields[i].min)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s: %s = %d, expected at least %d", pass,
                                   fields[i].name, fields[i].value, fields[i].min);
    if (p->relu_in != 0 && p->relu_in != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s: relu_in = %d, expected 0 or 1", pass,
                               p->relu_in);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s: accum = %d, expected 0 or 1", pass, p->accum);
    if (p->stride > 2)
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "conv %s: stride = %d, the kernels support 1 and 2", pass,
                               p->stride);
    if (conv_ho(p) < 1 || conv_wo(p) < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "conv %s: input %dx%d with pad %d is smaller than the %dx%d kernel", pass, p->h,
                               p->w, p->pad, p->ksize, p->ksize);
    if (p->split < 0 || p->split > (long)p->n * conv_ho(p) * conv_wo(p) ||
        (p->split > 1 && strcmp(pass, "bwd_filter") != 0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s: split = %d, expected 0 or 1%s", pass, p->split,
                               strcmp(pass, "bwd_filter") == 0 ? ", or at most one range per output pixel" : "");
    if (!fits_int(p->n, p->ci, p->h, p->w) || !fits_int(p->n, p->co, conv_ho(p), conv_wo(p)) ||
        !fits_int(p->co, p->ci, p->ksize, p->ksize))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "conv %s: n=%d ci=%d co=%d %dx%d k=%d gives a tensor of more than %d elements", pass,
                               p->n, p->ci, p->co, p->h, p->w, p->ksize, INT_MAX);
    return CLNAS_OK;
}

/* Work-group size of the row kernels (fwd, bwd_data): they have no barriers, so it only sets how many rows a
 * device thread takes at a time. */
#define ROW_LOCAL 16

/* Vector accumulators of a row kernel work-item (channels x rows x vectors per row): two rows per work-item
 * where they fit, since each weight loaded then serves both (more spills: measured slower). */
#define ROW_ACCUMULATORS 16

/* Rows a stride-1 row kernel work-item computes for `block` channels of rows `len` long: 2 when their
 * accumulators fit in ROW_ACCUMULATORS vectors (of 8 lanes for rows up to 8, else 16, as conv_rowvec.cl). */
static int rows_per_item(int block, int len)
{
    const int vw = len <= 8 ? 8 : 16, vecs = (len + vw - 1) / vw;
    return block * 2 * vecs <= ROW_ACCUMULATORS ? 2 : 1;
}

/* Work-group size of the weight-gradient reduction (a power of two). */
#define BWD_FILTER_LOCAL 16

/* Vector accumulators a weight-gradient work-item keeps in registers: CO_BLOCK * ksize^2. */
#define BWD_FILTER_MAX_SUMS 18

/* Results of one weight-gradient work-group (CO_GROUP * CI_BLOCK * ksize^2); each work-item keeps as many vector
 * accumulators in private memory. */
#define BWD_FILTER_GROUP_SUMS 576

/* Vector accumulators of the flat weight-gradient kernel: CO_BLOCK * ksize (one row of taps at a time). */
#define BWD_FILTER_FLAT_REGS 12

/* The same bound for the flat weight-gradient kernel (measured: twice the channels per group beat 576 at 14x14
 * and 7x7, since each image's input is then read by half as many groups). */
#define BWD_FILTER_FLAT_GROUP_SUMS 1152

/* Bytes of x and dy the flat weight-gradient kernel walks per accumulator load and store (measured: 64 KiB
 * beat 16 KiB at every NB201 stage, 192 KiB lost at 14x14 and 7x7). */
#define BWD_FILTER_CHUNK_BYTES 65536

/* The staged weight-gradient kernel: vector accumulators of a register tile (CO_BLOCK * ksize), bytes of x and
 * dy staged per chunk of images (float32; 256 KiB did no better at NB201's shapes), bytes of the staged channels
 * (CO_BLOCK + CI_BLOCK of them) a register tile walks between loads of its accumulators (measured at NB201's
 * three stages: 8 and 16 KiB lost 5-15% to 64 KiB, 128 KiB and more did no better), and the largest padding (its
 * zero slack is two vectors). */
#define BWD_FILTER_STAGED_REGS 24
#define BWD_FILTER_STAGE_BYTES 65536
#define BWD_FILTER_SEG_BYTES 65536
#define BWD_FILTER_STAGED_MAX_PAD 7

/* The channel-vectorised weight-gradient kernel: lanes of an output-channel vector, the largest map it takes (in
 * pixels: measured at 7x7 and 14x14, where it beats the staged kernel; at 28x28 with 16 channels it lost), input
 * channels per work-group (at most: more amortise the transposed dy; measured at 7x7 64->64, 16 / 32 / 64 gave
 * 230 / 245 / 262 GFLOP/s), and bytes of transposed dy staged per chunk (within L1). */
#define BWD_FILTER_CVEC_LANES 16
#define BWD_FILTER_CVEC_MAX_HW 256
#define BWD_FILTER_CVEC_CI_GROUP 64
#define BWD_FILTER_CVEC_DY_BYTES 24576

/* Bound on the local-memory tree (LOCAL * results, in elements: 32 KiB in double). */
#define BWD_FILTER_LOCAL_SUMS 4096

/* The largest of 8, 4, 2, 1 that divides c and keeps block * taps <= max_sums: channels a work-item takes. */
static int channel_block(int c, int taps, int max_sums)
{
    for (int b = 8; b > 1; b /= 2)
        if (c % b == 0 && b * taps <= max_sums)
            return b;
    return 1;
}

typedef clnas_conv_define conv_define;

static clnas_status fwd_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_conv_tune_ctx *tc,
                             clnas_error *err);
static clnas_status bwd_data_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_conv_tune_ctx *tc,
                                  clnas_error *err);
static clnas_status bwd_filter_desc(const clnas_conv_params *p, const clnas_device_profile *profile,
                                    clnas_kernel_desc *d, clnas_conv_tune_ctx *tc, clnas_error *err);

/* Starts the descriptor of template `name`: the shape #defines every conv template reads, the kernel's own
 * #defines and its tensor slots. Fails only when the descriptor's tables are full. */
static clnas_status conv_desc(clnas_kernel_desc *d, const char *template_name, const char *name,
                              const clnas_conv_params *p, int accum, const conv_define *own, int nown,
                              const char *const *slots, int nslots, clnas_error *err)
{
    const conv_define shape[] = {{"N", p->n},           {"CI", p->ci},      {"CO", p->co},
                                 {"H", p->h},           {"W", p->w},        {"HO", conv_ho(p)},
                                 {"WO", conv_wo(p)},    {"KSIZE", p->ksize}, {"STRIDE", p->stride},
                                 {"PAD", p->pad},       {"RELU_IN", p->relu_in}, {"ACCUM", accum}};
    clnas_kernel_desc_init(d, template_name, name);
    int bad = 0;
    for (size_t i = 0; i < sizeof shape / sizeof shape[0]; i++)
        bad |= clnas_kernel_desc_define_int(d, shape[i].name, shape[i].value) != CLNAS_OK;
    for (int i = 0; i < nown; i++)
        bad |= clnas_kernel_desc_define_int(d, own[i].name, own[i].value) != CLNAS_OK;
    for (int i = 0; i < nslots; i++)
        bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, slots[i]) != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: kernel descriptor table is full", name);
    return CLNAS_OK;
}

clnas_status clnas_conv_check(const clnas_conv_params *p, const char *pass, clnas_error *err)
{
    return conv_check(p, pass, err);
}

clnas_status clnas_conv_desc_start(clnas_kernel_desc *d, const char *template_name, const char *entry,
                                   const clnas_conv_params *p, int accum, const clnas_conv_define *own, int nown,
                                   const char *const *slots, int nslots, clnas_error *err)
{
    return conv_desc(d, template_name, entry, p, accum, own, nown, slots, nslots, err);
}

/* ---- channel-vectorised kernels (conv2d_cvec.cl) ---- */

/* Lanes of a channel vector in conv2d_cvec.cl. */
#define CVEC_LANES 16

/* Vector accumulators of a channel-vectorised work-item (rows x columns x channel vectors; measured: 28 spill,
 * 14 leave room for the taps' weight vectors). */
#define CVEC_ACCUMULATORS 14

/* Work-items of a channel-vectorised work-group: the group stages its channels' weights once for all of them
 * (measured: 16 per group spent most of the time staging). */
#define CVEC_LOCAL 128

/* Local memory the staged weights may take, in bytes (within the 32 KiB OpenCL 1.2 guarantees). */
#define CVEC_LOCAL_BYTES 24576

/* The largest divisor of c not above limit (at least 1). */
static int largest_divisor_upto(int c, int limit)
{
    for (int d = limit < c ? limit : c; d > 1; d--)
        if (c % d == 0)
            return d;
    return 1;
}

/* Column segments a channel-vectorised output row may be split into: the kernel's loop is compiled once per
 * segment. */
#define CVEC_SEGS_MAX 4

/* Input channels a work-item of a segmented row needs at least, so that its multiply-adds pay for storing its
 * sums element by element. */
#define CVEC_SEGS_MIN_IC 16

typedef struct cvec_blocking {
    int cov, rows, cols;
} cvec_blocking;

/* Segments of an output row ow long: as few as keep a segment's accumulators within the budget. */
static int cvec_segs(int ow)
{
    return (ow + CVEC_ACCUMULATORS - 1) / CVEC_ACCUMULATORS;
}

/* Blocking of the channel-vectorised kernel for a stride-1 pass convolving into oc channels of oh x ow: the row in
 * equal segments (28 -> 2 x 14), as many channel vectors as oc allows with a segment's accumulators within the
 * budget, then two rows if they still fit. */
static cvec_blocking cvec_block(int oc, int oh, int ow)
{
    const int segs = cvec_segs(ow);
    cvec_blocking b = {1, 1, (ow + segs - 1) / segs};
    while (oc % (2 * b.cov * CVEC_LANES) == 0 && 2 * b.cov * b.cols <= CVEC_ACCUMULATORS)
        b.cov *= 2;
    if (2 * b.cov * b.cols <= CVEC_ACCUMULATORS && oh > 1)
        b.rows = 2;
    return b;
}

/* Whether the channel-vectorised kernel takes a pass convolving ic channels into oc channels of rows ow long:
 * stride 1, padding below the kernel size, oc a multiple of 16 and a row in one segment, or in at most
 * CVEC_SEGS_MAX segments where a work-item's sums take enough multiply-adds to pay for storing them element by
 * element (measured at 28x28: 3x3 from 16 channels wins, 1x1 and 3x3 from one channel lose to the row kernels). */
static int cvec_applies(const clnas_conv_params *p, int ic, int oc, int ow)
{
    const int segs = cvec_segs(ow);
    return p->stride == 1 && p->pad < p->ksize && oc % CVEC_LANES == 0 &&
           (segs == 1 || (segs <= CVEC_SEGS_MAX && p->ksize > 1 && ic >= CVEC_SEGS_MIN_IC));
}

static clnas_status cvec_desc(const clnas_conv_params *p, clnas_kernel_desc *d, int bwd_data, clnas_conv_tune_ctx *tc,
                              clnas_error *err)
{
    const int ic = bwd_data ? p->co : p->ci, oc = bwd_data ? p->ci : p->co;
    const int oh = bwd_data ? p->h : conv_ho(p), ow = bwd_data ? p->w : conv_wo(p);
    cvec_blocking b = cvec_block(oc, oh, ow);
    const cvec_blocking def = b;
    b.cov = clnas_conv_tune_take(tc, "COV", b.cov);
    b.rows = clnas_conv_tune_take(tc, "ROWS", b.rows);
    b.cols = clnas_conv_tune_take(tc, "COLS", b.cols);
    const int local = clnas_conv_tune_take(tc, "LOCAL", CVEC_LOCAL);
    const char *pass = bwd_data ? "bwd_data" : "fwd";
    /* the tuner's range, checked where a tuning moves a value off the default (which may lie outside it): whole
     * channel vectors, segments within the row and at most CVEC_SEGS_MAX of them, at most twice the default's
     * accumulators */
    const int cov_moved = b.cov != def.cov, rows_moved = b.rows != def.rows, cols_moved = b.cols != def.cols;
    if (cols_moved && (b.cols < 1 || b.cols > ow || (ow + b.cols - 1) / b.cols > CVEC_SEGS_MAX))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s tuning COLS=%d: expected 1 .. %d with a row of "
                               "%d in at most %d segments", pass, b.cols, ow, ow, CVEC_SEGS_MAX);
    if (cov_moved && (b.cov < 1 || b.cov > 4 || oc % (b.cov * CVEC_LANES) != 0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s tuning COV=%d: expected 1, 2 or 4 with COV*16 "
                               "dividing %d channels", pass, b.cov, oc);
    if ((cov_moved || rows_moved || cols_moved) &&
        (b.rows < 1 || b.rows > 2 || b.rows * b.cov * b.cols > 2 * CVEC_ACCUMULATORS))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s tuning ROWS=%d: expected 1 or 2 with ROWS*COV*COLS "
                               "(COLS=%d) <= %d accumulators", pass, b.rows, b.cols, 2 * CVEC_ACCUMULATORS);
    if (local != CVEC_LOCAL && (local < 16 || local > 256))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s tuning LOCAL=%d: expected 16 .. 256", pass, local);
    const int taps = p->ksize * p->ksize, ocv = b.cov * CVEC_LANES;
    const int chunk_f32 = largest_divisor_upto(ic, CVEC_LOCAL_BYTES / 4 / (taps * ocv));
    const int chunk_f64 = largest_divisor_upto(ic, CVEC_LOCAL_BYTES / 8 / (taps * ocv));
    const size_t items = (size_t)p->n * (size_t)((oh + b.rows - 1) / b.rows) * (size_t)((ow + b.cols - 1) / b.cols);
    const conv_define own[] = {{"BWD_DATA", bwd_data}, {"COV", b.cov},   {"ROWS", b.rows},
                               {"COLS", b.cols},       {"LOCAL", local}, {"CI_CHUNK_F32", chunk_f32},
                               {"CI_CHUNK_F64", chunk_f64}};
    static const char *const fwd_slots[] = {"x", "w", "y"};
    static const char *const bwd_slots_relu[] = {"dy", "w", "x", "dx"}, *const bwd_slots[] = {"dy", "w", "dx"};
    clnas_status st;
    if (!bwd_data)
        st = conv_desc(d, "conv2d_cvec", "conv2d_fwd", p, p->accum, own, 7, fwd_slots, 3, err);
    else if (p->relu_in)
        st = conv_desc(d, "conv2d_cvec", "conv2d_bwd_data", p, p->accum, own, 7, bwd_slots_relu, 4, err);
    else
        st = conv_desc(d, "conv2d_cvec", "conv2d_bwd_data", p, p->accum, own, 7, bwd_slots, 3, err);
    /* One group of `local` work-items per (channel block, run of (image, row block, segment)). */
    const size_t groups = (items + (size_t)local - 1) / (size_t)local;
    clnas_kernel_desc_geometry_1d(d, (size_t)(oc / ocv) * groups * (size_t)local, (size_t)local);
    clnas_kernel_desc_local_mem2(d, (size_t)chunk_f32 * taps * ocv, (size_t)chunk_f64 * taps * ocv);
    return st;
}

/* The row kernels' tunables: the channel block (name) of 1, 2, 4 or 8 dividing c, ROWS 1 or 2 (1 at stride 2) and
 * the work-group size LOCAL (no barriers: any size the device allows). */
static clnas_status row_tuning(const clnas_conv_params *p, const char *pass, const char *name, int c, int *block,
                               int *rows, int *local, clnas_conv_tune_ctx *tc, clnas_error *err)
{
    const int def_block = *block, def_rows = *rows, def_local = *local; /* the default: not range-checked */
    *block = clnas_conv_tune_take(tc, name, *block);
    *rows = clnas_conv_tune_take(tc, "ROWS", *rows);
    *local = clnas_conv_tune_take(tc, "LOCAL", *local);
    if (*block != def_block && (*block < 1 || *block > 8 || (*block & (*block - 1)) || c % *block))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s tuning %s=%d: expected 1, 2, 4 or 8 dividing %d",
                               pass, name, *block, c);
    if (*rows != def_rows && (*rows < 1 || *rows > (p->stride == 1 ? 2 : 1)))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s tuning ROWS=%d: expected 1%s", pass, *rows,
                               p->stride == 1 ? " or 2" : " at stride 2");
    if (*local != def_local && (*local < 1 || *local > 256))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv %s tuning LOCAL=%d: expected 1 .. 256", pass, *local);
    return CLNAS_OK;
}

clnas_status clnas_op_conv_cpu_desc(clnas_conv_pass pass, const clnas_conv_params *p,
                                    const clnas_device_profile *profile, clnas_conv_tune_ctx *tc,
                                    clnas_kernel_desc *d, clnas_error *err)
{
    if (pass == CLNAS_CONV_PASS_BWD_FILTER)
        return bwd_filter_desc(p, profile, d, tc, err);
    return pass == CLNAS_CONV_PASS_BWD_DATA ? bwd_data_desc(p, d, tc, err) : fwd_desc(p, d, tc, err);
}

clnas_status clnas_op_conv_fwd_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return fwd_desc(p, d, NULL, err);
}

clnas_status clnas_op_conv_bwd_data_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return bwd_data_desc(p, d, NULL, err);
}

clnas_status clnas_op_conv_bwd_filter_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return bwd_filter_desc(p, NULL, d, NULL, err);
}

static clnas_status fwd_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_conv_tune_ctx *tc,
                             clnas_error *err)
{
    clnas_status st = conv_check(p, "fwd", err);
    if (st != CLNAS_OK)
        return st;
    if (cvec_applies(p, p->ci, p->co, conv_wo(p)))
        return cvec_desc(p, d, 0, tc, err);
    static const char *const slots[] = {"x", "w", "y"};
    int co_block = channel_block(p->co, 1, 8), local = ROW_LOCAL;
    int rows = p->stride == 1 ? rows_per_item(co_block, conv_wo(p)) : 1;
    if ((st = row_tuning(p, "fwd", "CO_BLOCK", p->co, &co_block, &rows, &local, tc, err)) != CLNAS_OK)
        return st;
    const conv_define own[] = {{"CO_BLOCK", co_block}, {"ROWS", rows}};
    st = conv_desc(d, "conv2d_fwd", "conv2d_fwd", p, p->accum, own, 2, slots, 3, err);
    /* One work-item per block of `rows` output rows of CO_BLOCK channels. */
    clnas_kernel_desc_geometry_1d(d, (size_t)p->n * (size_t)(p->co / co_block) *
                                         (size_t)((conv_ho(p) + rows - 1) / rows), (size_t)local);
    return st;
}

static clnas_status bwd_data_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_conv_tune_ctx *tc,
                                  clnas_error *err)
{
    clnas_status st = conv_check(p, "bwd_data", err);
    if (st != CLNAS_OK)
        return st;
    if (cvec_applies(p, p->co, p->ci, p->w))
        return cvec_desc(p, d, 1, tc, err);
    /* x is read only for the ReLU mask. */
    static const char *const slots_relu[] = {"dy", "w", "x", "dx"}, *const slots[] = {"dy", "w", "dx"};
    int ci_block = channel_block(p->ci, 1, 8), local = ROW_LOCAL;
    int rows = p->stride == 1 ? rows_per_item(ci_block, p->w) : 1;
    if ((st = row_tuning(p, "bwd_data", "CI_BLOCK", p->ci, &ci_block, &rows, &local, tc, err)) != CLNAS_OK)
        return st;
    const conv_define own[] = {{"CI_BLOCK", ci_block}, {"ROWS", rows}};
    st = p->relu_in ? conv_desc(d, "conv2d_bwd_data", "conv2d_bwd_data", p, p->accum, own, 2, slots_relu, 4, err)
                    : conv_desc(d, "conv2d_bwd_data", "conv2d_bwd_data", p, p->accum, own, 2, slots, 3, err);
    /* One work-item per block of `rows` input rows of CI_BLOCK channels. */
    clnas_kernel_desc_geometry_1d(d, (size_t)p->n * (size_t)(p->ci / ci_block) * (size_t)((p->h + rows - 1) / rows),
                                  (size_t)local);
    return st;
}

/* Output channels per weight-gradient work-group: as many register blocks as keep the group's results within
 * group_sums, so each image's input block is read once for all of them. */
static int bwd_filter_co_group(const clnas_conv_params *p, int co_block, int ci_block, int taps, int group_sums)
{
    int co_group = co_block;
    while (p->co % (co_group * 2) == 0 && co_group * 2 * ci_block * taps <= group_sums)
        co_group *= 2;
    return co_group;
}

static int bwd_filter_local(int co_group, int ci_block, int taps)
{
    int local = BWD_FILTER_LOCAL;
    while (local > 1 && local * co_group * ci_block * taps > BWD_FILTER_LOCAL_SUMS)
        local /= 2;
    return local;
}

/* The weight-gradient kernels' tunables, each within the bound the default is chosen under (block_regs vector
 * registers per CO_BLOCK, group_sums results per work-group, BWD_FILTER_LOCAL_SUMS in the local tree). */
typedef struct bwd_filter_tuning {
    int co_block, co_group, ci_block, local;
} bwd_filter_tuning;

/* The device's local memory in bytes (0: no limit known); NULL profile: the CPU family's default. */
static unsigned long long local_limit(const clnas_device_profile *profile)
{
    clnas_device_profile cpu;
    if (!profile) {
        clnas_device_profile_default_cpu(&cpu);
        profile = &cpu;
    }
    return profile->local_mem_bytes;
}

/* Bytes of the weight-gradient tree's partial sums (part[SUMS][LOCAL], in float64). */
static unsigned long long bwd_filter_tree_bytes(const bwd_filter_tuning *b, int taps)
{
    return (unsigned long long)b->local * (unsigned)(b->co_group * b->ci_block * taps) * sizeof(double);
}

/* Shrinks a default tuning's tree to the device's local memory: fewer work-items, then fewer output channels per
 * group, then fewer input channels. */
static void bwd_filter_fit_tree(bwd_filter_tuning *b, int taps, unsigned long long limit)
{
    while (limit && bwd_filter_tree_bytes(b, taps) > limit) {
        if (b->local > 1)
            b->local /= 2;
        else if (b->co_group > b->co_block)
            b->co_group /= 2;
        else if (b->ci_block > 1)
            b->ci_block /= 2;
        else
            break;
    }
}

static clnas_status bwd_filter_tuning_take(const clnas_conv_params *p, bwd_filter_tuning *b, int per_block,
                                           int block_regs, int group_sums, unsigned long long limit,
                                           clnas_conv_tune_ctx *tc, clnas_error *err)
{
    const int taps = p->ksize * p->ksize;
    const bwd_filter_tuning def = *b;
    b->co_block = clnas_conv_tune_take(tc, "CO_BLOCK", b->co_block);
    b->co_group = clnas_conv_tune_take(tc, "CO_GROUP", b->co_group);
    b->ci_block = clnas_conv_tune_take(tc, "CI_BLOCK", b->ci_block);
    b->local = clnas_conv_tune_take(tc, "LOCAL", b->local);
    /* the default (which may lie outside the tuner's range, e.g. 5x5 taps) is the lowering's own: not checked */
    if (b->co_block == def.co_block && b->co_group == def.co_group && b->ci_block == def.ci_block &&
        b->local == def.local)
        return CLNAS_OK;
    if (b->co_block < 1 || b->co_block > 8 || p->co % b->co_block || b->co_block * per_block > block_regs)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning CO_BLOCK=%d: expected a divisor of "
                               "%d up to 8 with CO_BLOCK*%d <= %d", b->co_block, p->co, per_block, block_regs);
    if (b->ci_block < 1 || b->ci_block > 8 || p->ci % b->ci_block)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning CI_BLOCK=%d: expected a divisor of "
                               "%d up to 8", b->ci_block, p->ci);
    if (b->co_group < b->co_block || b->co_group % b->co_block || p->co % b->co_group ||
        (long)b->co_group * b->ci_block * taps > group_sums)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning CO_GROUP=%d: expected a multiple "
                               "of CO_BLOCK=%d dividing %d with CO_GROUP*CI_BLOCK*%d <= %d", b->co_group, b->co_block,
                               p->co, taps, group_sums);
    if (b->local < 1 || b->local > 256 || (b->local & (b->local - 1)) ||
        (long)b->local * b->co_group * b->ci_block * taps > BWD_FILTER_LOCAL_SUMS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning LOCAL=%d: expected a power of two "
                               "with LOCAL*%d results <= %d", b->local, b->co_group * b->ci_block * taps,
                               BWD_FILTER_LOCAL_SUMS);
    if (limit && bwd_filter_tree_bytes(b, taps) > limit)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning LOCAL=%d CO_GROUP=%d CI_BLOCK=%d: "
                               "its tree needs %llu bytes of local memory in float64, the device has %llu", b->local,
                               b->co_group, b->ci_block, bwd_filter_tree_bytes(b, taps), limit);
    return CLNAS_OK;
}

/* Stride 1 with "same" padding: the flat kernel (conv2d_bwd_filter_flat.cl), whose taps are loads at fixed
 * offsets of a channel walked as one run. */
static clnas_status bwd_filter_flat_desc(const clnas_conv_params *p, const clnas_device_profile *profile,
                                         clnas_kernel_desc *d, clnas_conv_tune_ctx *tc, clnas_error *err)
{
    static const char *const slots[] = {"dy", "x", "dw"};
    const int taps = p->ksize * p->ksize, hw = p->h * p->w;
    bwd_filter_tuning b;
    b.co_block = channel_block(p->co, p->ksize, BWD_FILTER_FLAT_REGS);
    b.ci_block = channel_block(p->ci, 1, 8);
    b.co_group = bwd_filter_co_group(p, b.co_block, b.ci_block, taps, BWD_FILTER_FLAT_GROUP_SUMS);
    b.local = bwd_filter_local(b.co_group, b.ci_block, taps);
    const unsigned long long limit = local_limit(profile);
    bwd_filter_fit_tree(&b, taps, limit);
    clnas_status st =
        bwd_filter_tuning_take(p, &b, p->ksize, BWD_FILTER_FLAT_REGS, BWD_FILTER_FLAT_GROUP_SUMS, limit, tc, err);
    if (st != CLNAS_OK)
        return st;
    const int co_block = b.co_block, ci_block = b.ci_block, co_group = b.co_group, local = b.local;
    int chunk = BWD_FILTER_CHUNK_BYTES / ((co_group + ci_block) * hw * (int)sizeof(float));
    chunk = clnas_conv_tune_take(tc, "IMG_CHUNK", chunk < 1 ? 1 : chunk);
    if (chunk < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning IMG_CHUNK=%d: expected at least 1",
                               chunk);
    /* The vector width follows the channel's length, not a row's. */
    const conv_define own[] = {{"CO_BLOCK", co_block}, {"CO_GROUP", co_group}, {"CI_BLOCK", ci_block},
                               {"LOCAL", local},       {"IMG_CHUNK", chunk},   {"ROW_HINT", hw}};
    st = conv_desc(d, "conv2d_bwd_filter_flat", "conv2d_bwd_filter", p, 0, own, 6, slots, 3, err);
    clnas_kernel_desc_geometry_1d(d, (size_t)(p->co / co_group) * (size_t)(p->ci / ci_block) * (size_t)local,
                                  (size_t)local);
    clnas_kernel_desc_local_mem(d, (size_t)co_group * ci_block * taps * local, 0); /* part[SUMS][LOCAL] */
    return st;
}

/* Elements of a staged image's channel and of the border before the first image (kernels/conv_stage.cl: rows of
 * S = W + PAD, then PAD zero rows; PAD rows and PAD more before). */
static size_t staged_image_len(const clnas_conv_params *p)
{
    return ((size_t)p->h + (size_t)p->pad) * ((size_t)p->w + (size_t)p->pad);
}

static size_t staged_border_len(const clnas_conv_params *p)
{
    return (size_t)p->pad * ((size_t)p->w + (size_t)p->pad) + (size_t)p->pad;
}

/* Local memory of the staged weight-gradient kernel in elements of a vector width vw (as
 * conv2d_bwd_filter_staged.cl sizes its arrays): the tree's partial sums and every work-item's staged channels. */
static size_t bwd_filter_staged_elems(const clnas_conv_params *p, const bwd_filter_tuning *b, int chunk, int vw)
{
    const size_t img_len = staged_image_len(p);
    const size_t x_off = (staged_border_len(p) + (size_t)vw - 1) / (size_t)vw * (size_t)vw;
    const size_t dy_vecs = ((size_t)chunk * img_len + 2 * (size_t)vw - 1) / (size_t)vw;
    const size_t x_vecs = (x_off + (size_t)chunk * img_len + 3 * (size_t)vw - 1) / (size_t)vw;
    const size_t sums = (size_t)b->co_group * (size_t)b->ci_block * (size_t)(p->ksize * p->ksize);
    return (size_t)b->local * (sums + ((size_t)b->ci_block * x_vecs + (size_t)b->co_group * dy_vecs) * (size_t)vw);
}

/* Stride 1 with "same" padding, when its stage fits the device's local memory (in float64: one descriptor serves
 * both precisions): the staged kernel (conv2d_bwd_filter_staged.cl), which copies a chunk of images into local
 * memory with zero borders so that its inner loop is plain loads and FMAs. *fits = 0 (and nothing else done)
 * when its default stage (one image per chunk at least) does not fit: the flat kernel is the lowering then, and
 * a tuning is that kernel's. NULL profile: the CPU family's default. */
static clnas_status bwd_filter_staged_desc(const clnas_conv_params *p, const clnas_device_profile *profile,
                                           clnas_kernel_desc *d, clnas_conv_tune_ctx *tc, int *fits,
                                           clnas_error *err)
{
    static const char *const slots[] = {"dy", "x", "dw"};
    const int taps = p->ksize * p->ksize, hw = p->h * p->w;
    const int vw32 = hw <= 8 ? 8 : 16, vw64 = 8;
    const unsigned long long limit = local_limit(profile);
    bwd_filter_tuning b;
    b.co_block = channel_block(p->co, p->ksize, BWD_FILTER_STAGED_REGS);
    b.ci_block = channel_block(p->ci, 1, 8);
    b.co_group = bwd_filter_co_group(p, b.co_block, b.ci_block, taps, BWD_FILTER_FLAT_GROUP_SUMS);
    b.local = 1;
    const long img_bytes = (long)(b.co_group + b.ci_block) * (long)staged_image_len(p) * (long)sizeof(float);
    int chunk = (int)(BWD_FILTER_STAGE_BYTES / img_bytes);
    chunk = chunk < 1 ? 1 : chunk > p->n ? p->n : chunk;
    while (chunk > 1 && limit && bwd_filter_staged_elems(p, &b, chunk, vw64) * sizeof(double) > limit)
        chunk /= 2;
    *fits = !limit || bwd_filter_staged_elems(p, &b, 1, vw64) * sizeof(double) <= limit;
    int seg = BWD_FILTER_SEG_BYTES / ((b.co_block + b.ci_block) * vw32 * (int)sizeof(float));
    seg = seg < 1 ? 1 : seg;
    if (!*fits)
        return CLNAS_OK;
    clnas_status st =
        bwd_filter_tuning_take(p, &b, p->ksize, BWD_FILTER_STAGED_REGS, BWD_FILTER_FLAT_GROUP_SUMS, 0, tc, err);
    if (st != CLNAS_OK)
        return st;
    chunk = clnas_conv_tune_take(tc, "IMG_CHUNK", chunk);
    seg = clnas_conv_tune_take(tc, "SEG", seg);
    if (chunk < 1 || chunk > p->n)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning IMG_CHUNK=%d: expected 1 .. %d "
                               "(the images)", chunk, p->n);
    if (seg < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning SEG=%d: expected at least 1", seg);
    const size_t e32 = bwd_filter_staged_elems(p, &b, chunk, vw32), e64 = bwd_filter_staged_elems(p, &b, chunk, vw64);
    if (limit && e64 * sizeof(double) > limit)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning IMG_CHUNK=%d LOCAL=%d: its stage "
                               "needs %zu bytes of local memory in float64, the device has %llu", chunk, b.local,
                               e64 * sizeof(double), limit);
    *fits = 1;
    const conv_define own[] = {{"CO_BLOCK", b.co_block}, {"CO_GROUP", b.co_group}, {"CI_BLOCK", b.ci_block},
                               {"LOCAL", b.local},       {"IMG_CHUNK", chunk},     {"SEG", seg},
                               {"ROW_HINT", hw}};
    st = conv_desc(d, "conv2d_bwd_filter_staged", "conv2d_bwd_filter", p, 0, own, 7, slots, 3, err);
    clnas_kernel_desc_geometry_1d(d, (size_t)(p->co / b.co_group) * (size_t)(p->ci / b.ci_block) * (size_t)b.local,
                                  (size_t)b.local);
    clnas_kernel_desc_local_mem2(d, e32, e64);
    return st;
}

/* Local memory of the channel-vectorised weight-gradient kernel in elements (conv2d_bwd_filter_cvec.cl: the staged
 * x channels in rows of vw lanes' copies, and the transposed dy). */
static size_t bwd_filter_cvec_elems(const clnas_conv_params *p, int cov, int ci_group, int chunk, int vw)
{
    const size_t x_len = staged_border_len(p) + (size_t)chunk * staged_image_len(p) + (size_t)vw;
    return (size_t)ci_group * x_len + (size_t)chunk * (size_t)(p->h * p->w) * (size_t)(cov * BWD_FILTER_CVEC_LANES);
}

/* Stride 1, "same" padding, a kernel of at least 3x3 (a register tile of COV x KSIZE^2 independent sums), output
 * channels a multiple of 32 (two channel vectors per tile) and maps of at most BWD_FILTER_CVEC_MAX_HW pixels (where
 * a row vector of pixels wastes lanes), when its stage fits the device's local memory in float64: the
 * channel-vectorised kernel (conv2d_bwd_filter_cvec.cl), with as many input channels per work-group as leave a
 * work-group for every compute unit. *fits = 0 (and nothing else done) otherwise. */
static clnas_status bwd_filter_cvec_desc(const clnas_conv_params *p, const clnas_device_profile *profile,
                                         clnas_kernel_desc *d, clnas_conv_tune_ctx *tc, int *fits, clnas_error *err)
{
    *fits = 0;
    const int hw = p->h * p->w;
    if (p->ksize < 3 || p->co % (2 * BWD_FILTER_CVEC_LANES) || hw > BWD_FILTER_CVEC_MAX_HW ||
        p->pad > BWD_FILTER_STAGED_MAX_PAD)
        return CLNAS_OK;
    const unsigned long long limit = local_limit(profile);
    const long units = profile && profile->compute_units ? (long)profile->compute_units : 1;
    int cov = 2;
    int ci_group = largest_divisor_upto(p->ci, BWD_FILTER_CVEC_CI_GROUP);
    while (ci_group > 1 && (long)(p->co / (cov * BWD_FILTER_CVEC_LANES)) * (p->ci / ci_group) < units)
        ci_group = largest_divisor_upto(p->ci, ci_group / 2);
    int chunk = BWD_FILTER_CVEC_DY_BYTES / (hw * cov * BWD_FILTER_CVEC_LANES * (int)sizeof(float));
    chunk = chunk < 1 ? 1 : chunk > p->n ? p->n : chunk;
    while (limit && bwd_filter_cvec_elems(p, cov, ci_group, chunk, 8) * sizeof(double) > limit && ci_group > 1)
        ci_group = largest_divisor_upto(p->ci, ci_group / 2);
    if (limit && bwd_filter_cvec_elems(p, cov, ci_group, chunk, 8) * sizeof(double) > limit)
        return CLNAS_OK;
    const int def_cov = cov, def_group = ci_group, def_chunk = chunk;
    cov = clnas_conv_tune_take(tc, "COV", cov);
    ci_group = clnas_conv_tune_take(tc, "CI_GROUP", ci_group);
    chunk = clnas_conv_tune_take(tc, "IMG_CHUNK", chunk);
    *fits = 1;
    if (cov != def_cov && (cov < 1 || cov > 4 || p->co % (cov * BWD_FILTER_CVEC_LANES)))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning COV=%d: expected 1, 2 or 4 with "
                               "COV*16 dividing %d", cov, p->co);
    if (ci_group != def_group && (ci_group < 1 || p->ci % ci_group))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning CI_GROUP=%d: expected a divisor "
                               "of %d", ci_group, p->ci);
    if (chunk != def_chunk && (chunk < 1 || chunk > p->n))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning IMG_CHUNK=%d: expected 1 .. %d",
                               chunk, p->n);
    const int vw32 = p->w <= 8 ? 8 : 16;
    const size_t e32 = bwd_filter_cvec_elems(p, cov, ci_group, chunk, vw32);
    const size_t e64 = bwd_filter_cvec_elems(p, cov, ci_group, chunk, 8);
    if (limit && e64 * sizeof(double) > limit)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter tuning COV=%d CI_GROUP=%d IMG_CHUNK=%d: "
                               "its stage needs %zu bytes of local memory in float64, the device has %llu", cov,
                               ci_group, chunk, e64 * sizeof(double), limit);
    static const char *const slots[] = {"dy", "x", "dw"};
    const conv_define own[] = {{"COV", cov}, {"CI_GROUP", ci_group}, {"IMG_CHUNK", chunk}};
    clnas_status st = conv_desc(d, "conv2d_bwd_filter_cvec", "conv2d_bwd_filter", p, 0, own, 3, slots, 3, err);
    clnas_kernel_desc_geometry_1d(d, (size_t)(p->co / (cov * BWD_FILTER_CVEC_LANES)) * (size_t)(p->ci / ci_group), 1);
    clnas_kernel_desc_local_mem2(d, e32, e64);
    return st;
}

static clnas_status bwd_filter_desc(const clnas_conv_params *p, const clnas_device_profile *profile,
                                    clnas_kernel_desc *d, clnas_conv_tune_ctx *tc, clnas_error *err)
{
    clnas_status st = conv_check(p, "bwd_filter", err);
    if (st != CLNAS_OK)
        return st;
    if (p->split > 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv bwd_filter: split = %d, the CPU family's kernels "
                               "take no pixel split (0 or 1)", p->split);
    if (p->stride == 1 && 2 * p->pad == p->ksize - 1) {
        int fits;
        if ((st = bwd_filter_cvec_desc(p, profile, d, tc, &fits, err)) != CLNAS_OK || fits)
            return st;
    }
    /* 1x1: no borders to stage, and the flat kernel has no masks there (measured: staging it lost in DARTS_V2's
     * pointwise convolutions) */
    if (p->stride == 1 && 2 * p->pad == p->ksize - 1 && p->ksize >= 3 && p->pad <= BWD_FILTER_STAGED_MAX_PAD) {
        int fits;
        if ((st = bwd_filter_staged_desc(p, profile, d, tc, &fits, err)) != CLNAS_OK || fits)
            return st;
    }
    if (p->stride == 1 && 2 * p->pad == p->ksize - 1)
        return bwd_filter_flat_desc(p, profile, d, tc, err);
    static const char *const slots[] = {"dy", "x", "dw"};
    int taps = p->ksize * p->ksize;
    bwd_filter_tuning b;
    b.co_block = channel_block(p->co, taps, BWD_FILTER_MAX_SUMS);
    b.ci_block = channel_block(p->ci, 1, 8);
    b.co_group = bwd_filter_co_group(p, b.co_block, b.ci_block, taps, BWD_FILTER_GROUP_SUMS);
    b.local = bwd_filter_local(b.co_group, b.ci_block, taps);
    const unsigned long long limit = local_limit(profile);
    bwd_filter_fit_tree(&b, taps, limit);
    if ((st = bwd_filter_tuning_take(p, &b, taps, BWD_FILTER_MAX_SUMS, BWD_FILTER_GROUP_SUMS, limit, tc, err)) !=
        CLNAS_OK)
        return st;
    const int co_block = b.co_block, ci_block = b.ci_block, co_group = b.co_group, local = b.local;
    const conv_define own[] = {
        {"CO_BLOCK", co_block}, {"CO_GROUP", co_group}, {"CI_BLOCK", ci_block}, {"LOCAL", local}};
    /* ACCUM 0 whatever p->accum says: the weight gradient overwrites. */
    st = conv_desc(d, "conv2d_bwd_filter", "conv2d_bwd_filter", p, 0, own, 4, slots, 3, err);
    /* One work-group per (CO_GROUP output channels, CI_BLOCK input channels). */
    clnas_kernel_desc_geometry_1d(d, (size_t)(p->co / co_group) * (size_t)(p->ci / ci_block) * (size_t)local,
                                  (size_t)local);
    clnas_kernel_desc_local_mem(d, (size_t)co_group * ci_block * taps * local, 0); /* part[SUMS][LOCAL] */
    return st;
}

/* ---- references ---- */

static double relu_if(int relu, double v)
{
    return relu && v < 0 ? 0.0 : v;
}

void clnas_ref_conv_fwd(const clnas_conv_params *p, const double *x, const double *w, double *y)
{
    int ho_n = conv_ho(p), wo_n = conv_wo(p), k = p->ksize;
    for (int n = 0; n < p->n; n++)
        for (int co = 0; co < p->co; co++)
            for (int ho = 0; ho < ho_n; ho++)
                for (int wo = 0; wo < wo_n; wo++) {
                    double s = 0.0;
                    for (int ci = 0; ci < p->ci; ci++)
                        for (int kh = 0; kh < k; kh++)
                            for (int kw = 0; kw < k; kw++) {
                                int hi = ho * p->stride - p->pad + kh, wi = wo * p->stride - p->pad + kw;
                                if (hi < 0 || hi >= p->h || wi < 0 || wi >= p->w)
                                    continue;
                                double xv = x[(((size_t)n * p->ci + ci) * p->h + hi) * p->w + wi];
                                s += w[(((size_t)co * p->ci + ci) * k + kh) * k + kw] * relu_if(p->relu_in, xv);
                            }
                    double *out = &y[(((size_t)n * p->co + co) * ho_n + ho) * wo_n + wo];
                    *out = p->accum ? *out + s : s;
                }
}

void clnas_ref_conv_bwd_data(const clnas_conv_params *p, const double *dy, const double *w, const double *x,
                             double *dx)
{
    int ho_n = conv_ho(p), wo_n = conv_wo(p), k = p->ksize;
    /* Gathers, like the kernel: every dx element is written once. */
    for (int n = 0; n < p->n; n++)
        for (int ci = 0; ci < p->ci; ci++)
            for (int hi = 0; hi < p->h; hi++)
                for (int wi = 0; wi < p->w; wi++) {
                    double s = 0.0;
                    for (int co = 0; co < p->co; co++)
                        for (int kh = 0; kh < k; kh++)
                            for (int kw = 0; kw < k; kw++) {
                                int th = hi + p->pad - kh, tw = wi + p->pad - kw;
                                if (th < 0 || tw < 0 || th % p->stride || tw % p->stride)
                                    continue;
                                int ho = th / p->stride, wo = tw / p->stride;
                                if (ho >= ho_n || wo >= wo_n)
                                    continue;
                                s += w[(((size_t)co * p->ci + ci) * k + kh) * k + kw] *
                                     dy[(((size_t)n * p->co + co) * ho_n + ho) * wo_n + wo];
                            }
                    size_t i = (((size_t)n * p->ci + ci) * p->h + hi) * p->w + wi;
                    if (p->relu_in && !(x[i] > 0.0))
                        s = 0.0;
                    dx[i] = p->accum ? dx[i] + s : s;
                }
}

long clnas_conv_split_pixels(const clnas_conv_params *p)
{
    const long pixels = (long)p->n * conv_ho(p) * conv_wo(p), split = p->split > 1 ? p->split : 1;
    return (pixels + split - 1) / split;
}

void clnas_ref_conv_bwd_filter(const clnas_conv_params *p, const double *dy, const double *x, double *dw)
{
    int ho_n = conv_ho(p), wo_n = conv_wo(p), k = p->ksize;
    const long pixels = (long)p->n * ho_n * wo_n, range = clnas_conv_split_pixels(p);
    const size_t count = (size_t)p->co * p->ci * k * k;
    for (int r = 0; r < (p->split > 1 ? p->split : 1); r++)
        for (int co = 0; co < p->co; co++)
            for (int ci = 0; ci < p->ci; ci++)
                for (int kh = 0; kh < k; kh++)
                    for (int kw = 0; kw < k; kw++) {
                        double s = 0.0;
                        for (long q = r * range; q < (r + 1) * range && q < pixels; q++) {
                            const int n = (int)(q / (ho_n * wo_n)), ho = (int)(q / wo_n % ho_n), wo = (int)(q % wo_n);
                            int hi = ho * p->stride - p->pad + kh, wi = wo * p->stride - p->pad + kw;
                            if (hi < 0 || hi >= p->h || wi < 0 || wi >= p->w)
                                continue;
                            double xv = x[(((size_t)n * p->ci + ci) * p->h + hi) * p->w + wi];
                            s += dy[(((size_t)n * p->co + co) * ho_n + ho) * wo_n + wo] * relu_if(p->relu_in, xv);
                        }
                        dw[(size_t)r * count + (((size_t)co * p->ci + ci) * k + kh) * k + kw] = s;
                    }
}

/* ---- the graph ops: conv, its input gradient and its weight gradient ---- */

/* x [n][ci][h][w] (the forward's input), y [n][co][..] (its output). */
clnas_conv_params clnas_conv_node_params(const clnas_graph *g, const clnas_graph_node *n, int x, int y)
{
    const clnas_graph_tensor *tx = &g->tensors[x], *ty = &g->tensors[y];
    clnas_conv_params p = {0};
    p.n = tx->shape[0];
    p.ci = tx->shape[1];
    p.h = tx->shape[2];
    p.w = tx->shape[3];
    p.co = ty->shape[1];
    p.ksize = n->ksize;
    p.stride = n->stride;
    p.pad = n->pad;
    p.relu_in = n->relu_in;
    return p;
}

int clnas_conv_node_macs(const clnas_graph *g, const clnas_graph_node *n)
{
    return g->tensors[n->in[0]].shape[1] * n->ksize * n->ksize;
}

static clnas_conv_params fwd_params(const clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_conv_params p = clnas_conv_node_params(l->g, n, n->in[0], n->out[0]);
    p.accum = n->accum[0];
    return p;
}

static clnas_conv_params bwd_data_params(const clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_conv_params p = clnas_conv_node_params(l->g, n, n->out[0], n->in[0]);
    p.accum = n->accum[0];
    return p;
}

static clnas_conv_params bwd_filter_params(const clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_conv_params p = clnas_conv_node_params(l->g, n, n->in[1], n->in[0]);
    p.split = n->split;
    return p;
}

static clnas_status lower_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_conv_params p = fwd_params(l, n);
    CLNAS_TRY(clnas_op_conv_fwd_desc_for(&p, l->profile, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "w", n->in[1]));
    return clnas_lower_bind(l, "y", n->out[0]);
}

static clnas_status lower_bwd_data(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_conv_params p = bwd_data_params(l, n);
    CLNAS_TRY(clnas_op_conv_bwd_data_desc_for(&p, l->profile, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "w", n->in[1]));
    if (n->relu_in)
        CLNAS_TRY(clnas_lower_bind(l, "x", n->in[2]));
    return clnas_lower_bind(l, "dx", n->out[0]);
}

static clnas_status lower_bwd_filter(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_conv_params p = bwd_filter_params(l, n);
    CLNAS_TRY(clnas_op_conv_bwd_filter_desc_for(&p, l->profile, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[1]));
    return clnas_lower_bind(l, "dw", n->out[0]);
}

static clnas_status gemm_fwd(const clnas_lowering *l, const clnas_graph_node *n, clnas_gemm_desc *g)
{
    clnas_conv_params p = fwd_params(l, n);
    return clnas_gemm_desc_conv_fwd(&p, &l->desc, l->cfg->fp64, g, l->err);
}

static clnas_status gemm_bwd_data(const clnas_lowering *l, const clnas_graph_node *n, clnas_gemm_desc *g)
{
    clnas_conv_params p = bwd_data_params(l, n);
    return clnas_gemm_desc_conv_bwd_data(&p, &l->desc, l->cfg->fp64, g, l->err);
}

static clnas_status gemm_bwd_filter(const clnas_lowering *l, const clnas_graph_node *n, clnas_gemm_desc *g)
{
    clnas_conv_params p = bwd_filter_params(l, n);
    return clnas_gemm_desc_conv_bwd_filter(&p, &l->desc, l->cfg->fp64, g, l->err);
}

/* y [n][co][ho][wo]: co from the weight [co][ci][k][k], ho and wo from the node's ksize, stride and pad. */
static int shape(const clnas_graph *g, const clnas_graph_node *n, int out[4])
{
    const clnas_graph_tensor *x = &g->tensors[n->in[0]], *w = &g->tensors[n->in[1]];
    out[0] = x->shape[0];
    out[1] = w->shape[0];
    out[2] = clnas_conv_out_dim(x->shape[2], n->ksize, n->stride, n->pad);
    out[3] = clnas_conv_out_dim(x->shape[3], n->ksize, n->stride, n->pad);
    return 4;
}

/* dw always (the optimizer wants it), dx when the input wants a gradient. */
static void backward(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    clnas_op_backward_conv_like(c, fwd, dy, CLNAS_NODE_CONV_BWD_FILTER, CLNAS_NODE_CONV_BWD_DATA);
}

/* Fusion: a ReLU before the node is read as max(x, 0) in the forward and the weight gradient, and masks the input
 * gradient (the shared hooks of codegen/op.h). */
const clnas_op_def clnas_op_def_conv = {
    .kind = CLNAS_NODE_CONV, .name = "conv", .shape = shape, .backward = backward, .accum_mask = 1, .relu_slot = 0,
    .fold_relu = clnas_op_fold_relu_slot0, .lower = lower_fwd, .gemm = gemm_fwd};
const clnas_op_def clnas_op_def_conv_bwd_data = {
    .kind = CLNAS_NODE_CONV_BWD_DATA, .name = "conv_backward_data", .accum_mask = 1, .relu_slot = -1,
    .fold_relu_bwd = clnas_op_fold_relu_bwd_mask, .lower = lower_bwd_data, .gemm = gemm_bwd_data};
const clnas_op_def clnas_op_def_conv_bwd_filter = {
    .kind = CLNAS_NODE_CONV_BWD_FILTER, .name = "conv_backward_filter", .relu_slot = 1, .fold_relu = clnas_op_fold_relu_slot1,
    .lower = lower_bwd_filter, .gemm = gemm_bwd_filter};
