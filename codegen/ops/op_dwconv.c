/* clnas — depthwise 2-D convolution: checks, descriptors for the three passes, references, op table rows. */
#include "op_dwconv.h"

#include <limits.h>

#include "op.h"

/* The largest kernel (the weight gradient keeps KSIZE^2 sums per work-item on the CPU family). */
#define DW_MAX_KSIZE 7

/* Work-items of a forward or input-gradient work-group: the CPU family's (PoCL vectorises across them), and the
 * GPU family's wish, within the profile's limit. */
#define DW_LOCAL_CPU 64
#define DW_LOCAL_GPU 256

/* Work-items of a weight-gradient work-group (powers of two): few on the CPU family, whose work-items each sum
 * every tap of the channel; a GPU's work-group sums one tap, so there are C * KSIZE^2 groups to spread. */
#define DW_FILTER_LOCAL_CPU 16
#define DW_FILTER_LOCAL_GPU 256

int clnas_dwconv_out_dim(int in, int ksize, int stride, int dilation, int pad)
{
    long span = (long)in + 2L * pad - (long)dilation * (ksize - 1) - 1;
    if (stride < 1 || dilation < 1 || span < 0)
        return 0;
    return (int)(span / stride + 1);
}

static int dw_ho(const clnas_dwconv_params *p)
{
    return clnas_dwconv_out_dim(p->h, p->ksize, p->stride, p->dilation, p->pad);
}

static int dw_wo(const clnas_dwconv_params *p)
{
    return clnas_dwconv_out_dim(p->w, p->ksize, p->stride, p->dilation, p->pad);
}

clnas_status clnas_dwconv_check(const clnas_dwconv_params *p, const char *pass, clnas_error *err)
{
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "dwconv %s: params is NULL", pass);
    const struct {
        const char *name;
        int value, min;
    } fields[] = {{"n", p->n, 1},           {"c", p->c, 1},           {"h", p->h, 1},     {"w", p->w, 1},
                  {"ksize", p->ksize, 1},   {"stride", p->stride, 1}, {"dilation", p->dilation, 1},
                  {"pad", p->pad, 0}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].value < fields[i].min)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "dwconv %s: %s = %d, expected at least %d", pass,
                                   fields[i].name, fields[i].value, fields[i].min);
    if (p->ksize > DW_MAX_KSIZE)
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "dwconv %s: ksize = %d, the kernels support 1 to %d", pass,
                               p->ksize, DW_MAX_KSIZE);
    if (p->relu_in != 0 && p->relu_in != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "dwconv %s: relu_in = %d, expected 0 or 1", pass,
                               p->relu_in);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "dwconv %s: accum = %d, expected 0 or 1", pass, p->accum);
    if (dw_ho(p) < 1 || dw_wo(p) < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "dwconv %s: input %dx%d with pad %d is smaller than the %dx%d kernel at dilation %d",
                               pass, p->h, p->w, p->pad, p->ksize, p->ksize, p->dilation);
    /* the kernels index tensors with int */
    long long in = (long long)p->n * p->c * p->h * p->w, out = (long long)p->n * p->c * dw_ho(p) * dw_wo(p);
    if (in > INT_MAX || out > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "dwconv %s: n=%d c=%d %dx%d gives a tensor of more than %d elements", pass, p->n, p->c,
                               p->h, p->w, INT_MAX);
    return CLNAS_OK;
}

/* Work-items of a group: want on the CPU family (or without a profile), else the largest power of two up to
 * want the profile allows. */
static int dw_local(const clnas_device_profile *profile, int want)
{
    return profile ? (int)clnas_device_profile_local(profile, (size_t)want) : want;
}

/* Checks p and starts the descriptor: the shape #defines, the kernel's own, its slots. */
static clnas_status dw_desc(const clnas_dwconv_params *p, const char *pass, const char *entry, int accum, int local,
                            int per_row, int tb, const char *const *slots, int nslots, clnas_kernel_desc *d,
                            clnas_error *err)
{
    CLNAS_TRY(clnas_dwconv_check(p, pass, err));
    if (!d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "dwconv %s: descriptor is NULL", pass);
    const struct {
        const char *name;
        long value;
    } defs[] = {{"N", p->n},           {"C", p->c},           {"H", p->h},         {"W", p->w},
                {"HO", dw_ho(p)},      {"WO", dw_wo(p)},      {"KSIZE", p->ksize}, {"STRIDE", p->stride},
                {"DIL", p->dilation},  {"PAD", p->pad},       {"RELU_IN", p->relu_in}, {"ACCUM", accum},
                {"LOCAL", local},      {"PER_ROW", per_row}, {"TB", tb}};
    const int ndefs = (int)(sizeof defs / sizeof defs[0]) - (tb > 0 ? 0 : 1); /* TB only for the weight gradient */
    clnas_kernel_desc_init(d, "conv_depthwise", entry);
    int bad = 0;
    for (int i = 0; i < ndefs; i++)
        bad |= clnas_kernel_desc_define_int(d, defs[i].name, defs[i].value) != CLNAS_OK;
    for (int i = 0; i < nslots; i++)
        bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, slots[i]) != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: kernel descriptor table is full", entry);
    return CLNAS_OK;
}

clnas_status clnas_op_dwconv_fwd_desc(const clnas_dwconv_params *p, const clnas_device_profile *profile,
                                      clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"x", "w", "y"};
    const int per_row = !clnas_device_profile_gpu(profile);
    const int local = dw_local(profile, per_row ? DW_LOCAL_CPU : DW_LOCAL_GPU);
    CLNAS_TRY(dw_desc(p, "fwd", "dwconv_fwd", p ? p->accum : 0, local, per_row, 0, slots, 3, d, err));
    /* one work-item per output row (CPU family) or element (GPU family) */
    clnas_kernel_desc_geometry_1d(d, (size_t)p->n * (size_t)p->c * (size_t)dw_ho(p) * (size_t)(per_row ? 1 : dw_wo(p)),
                                  (size_t)local);
    return CLNAS_OK;
}

clnas_status clnas_op_dwconv_bwd_data_desc(const clnas_dwconv_params *p, const clnas_device_profile *profile,
                                           clnas_kernel_desc *d, clnas_error *err)
{
    /* x is read only for the ReLU mask */
    static const char *const slots_relu[] = {"dy", "w", "x", "dx"}, *const slots[] = {"dy", "w", "dx"};
    const int per_row = !clnas_device_profile_gpu(profile);
    const int local = dw_local(profile, per_row ? DW_LOCAL_CPU : DW_LOCAL_GPU);
    const int relu = p && p->relu_in;
    CLNAS_TRY(dw_desc(p, "bwd_data", "dwconv_bwd_data", p ? p->accum : 0, local, per_row, 0,
                      relu ? slots_relu : slots, relu ? 4 : 3, d, err));
    /* one work-item per input row (CPU family) or element (GPU family) */
    clnas_kernel_desc_geometry_1d(d, (size_t)p->n * (size_t)p->c * (size_t)p->h * (size_t)(per_row ? 1 : p->w),
                                  (size_t)local);
    return CLNAS_OK;
}

clnas_status clnas_op_dwconv_bwd_filter_desc(const clnas_dwconv_params *p, const clnas_device_profile *profile,
                                             clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"dy", "x", "dw"};
    const int gpu = clnas_device_profile_gpu(profile);
    const int local = dw_local(profile, gpu ? DW_FILTER_LOCAL_GPU : DW_FILTER_LOCAL_CPU);
    const int taps = p ? p->ksize * p->ksize : 1, tb = gpu ? 1 : taps;
    /* ACCUM 0 whatever p->accum says: the weight gradient overwrites */
    CLNAS_TRY(dw_desc(p, "bwd_filter", "dwconv_bwd_filter", 0, local, !gpu, tb, slots, 3, d, err));
    /* one work-group per (channel, block of tb taps) */
    clnas_kernel_desc_geometry_1d(d, (size_t)p->c * (size_t)(taps / tb) * (size_t)local, (size_t)local);
    clnas_kernel_desc_local_mem(d, (size_t)tb * (size_t)local, 0); /* part[TB][LOCAL] */
    return CLNAS_OK;
}

/* ---- references ---- */

static double relu_if(int relu, double v)
{
    return relu && v < 0 ? 0.0 : v;
}

void clnas_ref_dwconv_fwd(const clnas_dwconv_params *p, const double *x, const double *w, double *y)
{
    const int ho_n = dw_ho(p), wo_n = dw_wo(p), k = p->ksize;
    for (int n = 0; n < p->n; n++)
        for (int c = 0; c < p->c; c++)
            for (int ho = 0; ho < ho_n; ho++)
                for (int wo = 0; wo < wo_n; wo++) {
                    double s = 0.0;
                    for (int kh = 0; kh < k; kh++)
                        for (int kw = 0; kw < k; kw++) {
                            int hi = ho * p->stride - p->pad + kh * p->dilation;
                            int wi = wo * p->stride - p->pad + kw * p->dilation;
                            if (hi < 0 || hi >= p->h || wi < 0 || wi >= p->w)
                                continue;
                            double xv = x[(((size_t)n * p->c + c) * p->h + hi) * p->w + wi];
                            s += w[((size_t)c * k + kh) * k + kw] * relu_if(p->relu_in, xv);
                        }
                    double *out = &y[(((size_t)n * p->c + c) * ho_n + ho) * wo_n + wo];
                    *out = p->accum ? *out + s : s;
                }
}

void clnas_ref_dwconv_bwd_data(const clnas_dwconv_params *p, const double *dy, const double *w, const double *x,
                               double *dx)
{
    const int ho_n = dw_ho(p), wo_n = dw_wo(p), k = p->ksize;
    /* gathers: the taps whose output pixel (ho, wo) reads input pixel (hi, wi) */
    for (int n = 0; n < p->n; n++)
        for (int c = 0; c < p->c; c++)
            for (int hi = 0; hi < p->h; hi++)
                for (int wi = 0; wi < p->w; wi++) {
                    double s = 0.0;
                    for (int kh = 0; kh < k; kh++)
                        for (int kw = 0; kw < k; kw++) {
                            int th = hi + p->pad - kh * p->dilation, tw = wi + p->pad - kw * p->dilation;
                            if (th < 0 || tw < 0 || th % p->stride || tw % p->stride)
                                continue;
                            int ho = th / p->stride, wo = tw / p->stride;
                            if (ho >= ho_n || wo >= wo_n)
                                continue;
                            s += w[((size_t)c * k + kh) * k + kw] *
                                 dy[(((size_t)n * p->c + c) * ho_n + ho) * wo_n + wo];
                        }
                    size_t i = (((size_t)n * p->c + c) * p->h + hi) * p->w + wi;
                    if (p->relu_in && !(x[i] > 0.0))
                        s = 0.0;
                    dx[i] = p->accum ? dx[i] + s : s;
                }
}

void clnas_ref_dwconv_bwd_filter(const clnas_dwconv_params *p, const double *dy, const double *x, double *dw)
{
    const int ho_n = dw_ho(p), wo_n = dw_wo(p), k = p->ksize;
    for (int c = 0; c < p->c; c++)
        for (int kh = 0; kh < k; kh++)
            for (int kw = 0; kw < k; kw++) {
                double s = 0.0;
                for (int n = 0; n < p->n; n++)
                    for (int ho = 0; ho < ho_n; ho++)
                        for (int wo = 0; wo < wo_n; wo++) {
                            int hi = ho * p->stride - p->pad + kh * p->dilation;
                            int wi = wo * p->stride - p->pad + kw * p->dilation;
                            if (hi < 0 || hi >= p->h || wi < 0 || wi >= p->w)
                                continue;
                            double xv = x[(((size_t)n * p->c + c) * p->h + hi) * p->w + wi];
                            s += dy[(((size_t)n * p->c + c) * ho_n + ho) * wo_n + wo] * relu_if(p->relu_in, xv);
                        }
                dw[((size_t)c * k + kh) * k + kw] = s;
            }
}

/* ---- the graph ops: depthwise conv, its input gradient and its weight gradient ---- */

/* The node's convolution: x [n][c][h][w] (the forward's input); dilation 0 or 1 both mean 1. */
static clnas_dwconv_params node_params(const clnas_lowering *l, const clnas_graph_node *n, int x)
{
    const clnas_graph_tensor *tx = clnas_lower_tensor(l, x);
    clnas_dwconv_params p = {0};
    p.n = tx->shape[0];
    p.c = tx->shape[1];
    p.h = tx->shape[2];
    p.w = tx->shape[3];
    p.ksize = n->ksize;
    p.stride = n->stride;
    p.dilation = n->dilation > 1 ? n->dilation : 1;
    p.pad = n->pad;
    p.relu_in = n->relu_in;
    return p;
}

/* The weight must be [c][1][k][k] for the node's channels and kernel size. */
static clnas_status check_weight(const clnas_lowering *l, const clnas_graph_node *n, const clnas_dwconv_params *p,
                                 int w)
{
    const clnas_graph_tensor *tw = clnas_lower_tensor(l, w);
    if (tw->count != (size_t)p->c * (size_t)p->ksize * (size_t)p->ksize)
        return clnas_error_set(l->err, CLNAS_ERR_INVALID_ARG,
                               "internal: %s: depthwise weight %s has %zu elements, expected %d x 1 x %d x %d",
                               n->label, tw->name, tw->count, p->c, p->ksize, p->ksize);
    return CLNAS_OK;
}

static clnas_status lower_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_dwconv_params p = node_params(l, n, n->in[0]);
    p.accum = n->accum[0];
    CLNAS_TRY(check_weight(l, n, &p, n->in[1]));
    CLNAS_TRY(clnas_op_dwconv_fwd_desc(&p, l->profile, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "w", n->in[1]));
    return clnas_lower_bind(l, "y", n->out[0]);
}

static clnas_status lower_bwd_data(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_dwconv_params p = node_params(l, n, n->out[0]);
    p.accum = n->accum[0];
    CLNAS_TRY(check_weight(l, n, &p, n->in[1]));
    CLNAS_TRY(clnas_op_dwconv_bwd_data_desc(&p, l->profile, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "w", n->in[1]));
    if (n->relu_in)
        CLNAS_TRY(clnas_lower_bind(l, "x", n->in[2]));
    return clnas_lower_bind(l, "dx", n->out[0]);
}

static clnas_status lower_bwd_filter(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_dwconv_params p = node_params(l, n, n->in[1]);
    CLNAS_TRY(check_weight(l, n, &p, n->out[0]));
    CLNAS_TRY(clnas_op_dwconv_bwd_filter_desc(&p, l->profile, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[1]));
    return clnas_lower_bind(l, "dw", n->out[0]);
}

/* y [n][c][ho][wo]: c from the input, ho and wo from the node's ksize, stride, dilation and pad. */
static int shape(const clnas_graph *g, const clnas_graph_node *n, int out[4])
{
    const clnas_graph_tensor *x = &g->tensors[n->in[0]];
    const int dil = n->dilation > 1 ? n->dilation : 1;
    out[0] = x->shape[0];
    out[1] = x->shape[1];
    out[2] = clnas_dwconv_out_dim(x->shape[2], n->ksize, n->stride, dil, n->pad);
    out[3] = clnas_dwconv_out_dim(x->shape[3], n->ksize, n->stride, dil, n->pad);
    return 4;
}

/* dw always (the optimizer wants it), dx when the input wants a gradient. */
static void backward(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    clnas_op_backward_conv_like(c, fwd, dy, CLNAS_NODE_DWCONV_BWD_FILTER, CLNAS_NODE_DWCONV_BWD_DATA);
}

/* Fusion: a ReLU before the node is read as max(x, 0) in the forward and the weight gradient, and masks the input
 * gradient (the shared hooks of codegen/op.h). */
const clnas_op_def clnas_op_def_dwconv = {
    .kind = CLNAS_NODE_DWCONV, .name = "dwconv", .shape = shape, .backward = backward, .accum_mask = 1,
    .relu_slot = 0, .fold_relu = clnas_op_fold_relu_slot0, .slice_mask = 1u, .lower = lower_fwd};
const clnas_op_def clnas_op_def_dwconv_bwd_data = {
    .kind = CLNAS_NODE_DWCONV_BWD_DATA, .name = "dwconv_backward_data", .accum_mask = 1, .relu_slot = -1,
    .fold_relu_bwd = clnas_op_fold_relu_bwd_mask, .slice_mask = 1u << 2, .lower = lower_bwd_data};
const clnas_op_def clnas_op_def_dwconv_bwd_filter = {
    .kind = CLNAS_NODE_DWCONV_BWD_FILTER, .name = "dwconv_backward_filter", .relu_slot = 1,
    .fold_relu = clnas_op_fold_relu_slot1, .slice_mask = 1u << 1, .lower = lower_bwd_filter};
