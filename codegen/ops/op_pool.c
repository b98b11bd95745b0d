/* clnas — average pooling (3x3 at stride 1 or 2, 2x2): checks, descriptors, references, op table rows. */
#include "op_pool.h"

#include <limits.h>

#include "op.h"

#define POOL_LOCAL 256

clnas_status clnas_op_avgpool3_check(const clnas_pool_params *p, clnas_error *err)
{
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "avg_pool: params must not be NULL");
    if (p->n < 1 || p->c < 1 || p->h < 1 || p->w < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "avg_pool: n, c, h and w must be >= 1, got n=%d c=%d h=%d w=%d", p->n, p->c, p->h,
                               p->w);
    long long total = (long long)p->n * p->c * p->h * p->w;
    if (total > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "avg_pool: tensor of n*c*h*w = %lld elements exceeds the kernel's limit of %d", total,
                               INT_MAX);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "avg_pool: accum must be 0 or 1, got %d", p->accum);
    if (p->stride < 0 || p->stride > 2)
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "avg_pool: stride must be 1 or 2, got %d", p->stride);
    return CLNAS_OK;
}

int clnas_op_pool3_out_dim(int len, int stride)
{
    return stride > 1 ? (len - 1) / stride + 1 : len;
}

clnas_status clnas_op_avgpool2_out_shape(const clnas_pool_params *p, int *out_h, int *out_w, clnas_error *err)
{
    clnas_status st = clnas_op_avgpool3_check(p, err);
    if (st != CLNAS_OK)
        return st;
    if (p->h % 2 != 0 || p->w % 2 != 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "avg_pool 2x2 stride 2: h and w must be even, got h=%d w=%d", p->h, p->w);
    if (out_h)
        *out_h = p->h / 2;
    if (out_w)
        *out_w = p->w / 2;
    return CLNAS_OK;
}

/* `work` work-items: one per element written (GPU family), or per output row (the CPU family's 2x2 kernels) or per
 * image row (its 3x3 ones). */
static clnas_status pool_desc_in(const char *template_name, const clnas_pool_params *p, const char *entry,
                                 const char *in, const char *out, size_t work, clnas_kernel_desc *d, clnas_error *err)
{
    if (!d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: descriptor must not be NULL", entry);
    clnas_kernel_desc_init(d, template_name, entry);
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "BATCH", p->n) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "CHANNELS", p->c) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "HEIGHT", p->h) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "WIDTH", p->w) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "ACCUM", p->accum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", POOL_LOCAL) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, in) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, out) != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: descriptor table full", entry);
    clnas_kernel_desc_geometry_1d(d, work, POOL_LOCAL);
    return CLNAS_OK;
}

static clnas_status pool_desc(const clnas_pool_params *p, const char *entry, const char *in, const char *out,
                              size_t work, clnas_kernel_desc *d, clnas_error *err)
{
    return pool_desc_in("pool", p, entry, in, out, work, d, err);
}

/* The 3x3 kernels run one work-item per image row. */
static size_t input_rows(const clnas_pool_params *p)
{
    return (size_t)p->n * (size_t)p->c * (size_t)p->h;
}

static size_t input_count(const clnas_pool_params *p)
{
    return (size_t)p->n * (size_t)p->c * (size_t)p->h * (size_t)p->w;
}

/* Stride 2: one work-item per output row (forward) or per input row (backward, a gather). */
static size_t output_rows_s2(const clnas_pool_params *p)
{
    return (size_t)p->n * (size_t)p->c * (size_t)clnas_op_pool3_out_dim(p->h, 2);
}

clnas_status clnas_op_avgpool3_fwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = clnas_op_avgpool3_check(p, err);
    if (st == CLNAS_OK && p->stride == 2)
        return pool_desc_in("avgpool_s2", p, "avgpool3s2_fwd", "x", "y", output_rows_s2(p), d, err);
    if (st == CLNAS_OK && clnas_device_profile_gpu(p->profile)) /* a work-item per element (pool.cl says why) */
        return pool_desc(p, "avgpool3_el_fwd", "x", "y", input_count(p), d, err);
    return st != CLNAS_OK ? st : pool_desc(p, "avgpool3_fwd", "x", "y", input_rows(p), d, err);
}

clnas_status clnas_op_avgpool3_bwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = clnas_op_avgpool3_check(p, err);
    if (st == CLNAS_OK && p->stride == 2)
        return pool_desc_in("avgpool_s2", p, "avgpool3s2_bwd", "dy", "dx", input_rows(p), d, err);
    if (st == CLNAS_OK && clnas_device_profile_gpu(p->profile))
        return pool_desc(p, "avgpool3_el_bwd", "dy", "dx", input_count(p), d, err);
    return st != CLNAS_OK ? st : pool_desc(p, "avgpool3_bwd", "dy", "dx", input_rows(p), d, err);
}

clnas_status clnas_op_avgpool2_fwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = clnas_op_avgpool2_out_shape(p, NULL, NULL, err);
    if (st != CLNAS_OK)
        return st;
    /* the GPU family: a work-item per element written; the CPU family: one per output row (pool.cl says why) */
    if (clnas_device_profile_gpu(p->profile))
        return pool_desc(p, "avgpool2_fwd", "x", "y", input_count(p) / 4, d, err);
    return pool_desc(p, "avgpool2_rows_fwd", "x", "y", input_rows(p) / 2, d, err);
}

clnas_status clnas_op_avgpool2_bwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = clnas_op_avgpool2_out_shape(p, NULL, NULL, err);
    if (st != CLNAS_OK)
        return st;
    if (clnas_device_profile_gpu(p->profile)) /* the families' kernels as in the forward */
        return pool_desc(p, "avgpool2_bwd", "dy", "dx", input_count(p), d, err);
    return pool_desc(p, "avgpool2_rows_bwd", "dy", "dx", input_rows(p) / 2, d, err);
}

static void store(int accum, double *out, double value)
{
    if (accum)
        *out += value;
    else
        *out = value;
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

/* In-image taps of the 3-wide window centred at position i of an axis of length len. */
static int taps3(int i, int len)
{
    return min_int(i + 1, len - 1) - max_int(i - 1, 0) + 1;
}

static void ref_avgpool3_s1_fwd(const clnas_pool_params *p, const double *x, double *y)
{
    int h = p->h, w = p->w;
    for (long plane = 0; plane < (long)p->n * p->c; plane++) {
        const double *xp = x + plane * h * w;
        double *yp = y + plane * h * w;
        for (int oh = 0; oh < h; oh++)
            for (int ow = 0; ow < w; ow++) {
                double sum = 0.0;
                for (int r = max_int(oh - 1, 0); r <= min_int(oh + 1, h - 1); r++)
                    for (int q = max_int(ow - 1, 0); q <= min_int(ow + 1, w - 1); q++)
                        sum += xp[r * w + q];
                store(p->accum, &yp[oh * w + ow], sum / (double)(taps3(oh, h) * taps3(ow, w)));
            }
    }
}

static void ref_avgpool3_s1_bwd(const clnas_pool_params *p, const double *dy, double *dx)
{
    int h = p->h, w = p->w;
    for (long plane = 0; plane < (long)p->n * p->c; plane++) {
        const double *dyp = dy + plane * h * w;
        double *dxp = dx + plane * h * w;
        for (int ih = 0; ih < h; ih++)
            for (int iw = 0; iw < w; iw++) {
                double sum = 0.0;
                for (int oh = max_int(ih - 1, 0); oh <= min_int(ih + 1, h - 1); oh++)
                    for (int ow = max_int(iw - 1, 0); ow <= min_int(iw + 1, w - 1); ow++)
                        sum += dyp[oh * w + ow] / (double)(taps3(oh, h) * taps3(ow, w));
                store(p->accum, &dxp[ih * w + iw], sum);
            }
    }
}

/* In-image taps of the 3-wide window of output o at stride 2 (centre 2o) along an axis of length len. */
static int taps3_s2(int o, int len)
{
    return min_int(2 * o + 1, len - 1) - max_int(2 * o - 1, 0) + 1;
}

static void ref_avgpool3_s2_fwd(const clnas_pool_params *p, const double *x, double *y)
{
    int h = p->h, w = p->w, oh_n = clnas_op_pool3_out_dim(h, 2), ow_n = clnas_op_pool3_out_dim(w, 2);
    for (long plane = 0; plane < (long)p->n * p->c; plane++) {
        const double *xp = x + plane * h * w;
        double *yp = y + plane * oh_n * ow_n;
        for (int oh = 0; oh < oh_n; oh++)
            for (int ow = 0; ow < ow_n; ow++) {
                double sum = 0.0;
                for (int r = max_int(2 * oh - 1, 0); r <= min_int(2 * oh + 1, h - 1); r++)
                    for (int q = max_int(2 * ow - 1, 0); q <= min_int(2 * ow + 1, w - 1); q++)
                        sum += xp[r * w + q];
                store(p->accum, &yp[oh * ow_n + ow], sum / (double)(taps3_s2(oh, h) * taps3_s2(ow, w)));
            }
    }
}

/* dx[i] gathers dy[o] / count(o) over the outputs o with 2o - 1 <= i <= 2o + 1: o from i / 2 to (i + 1) / 2. */
static void ref_avgpool3_s2_bwd(const clnas_pool_params *p, const double *dy, double *dx)
{
    int h = p->h, w = p->w, oh_n = clnas_op_pool3_out_dim(h, 2), ow_n = clnas_op_pool3_out_dim(w, 2);
    for (long plane = 0; plane < (long)p->n * p->c; plane++) {
        const double *dyp = dy + plane * oh_n * ow_n;
        double *dxp = dx + plane * h * w;
        for (int ih = 0; ih < h; ih++)
            for (int iw = 0; iw < w; iw++) {
                double sum = 0.0;
                for (int oh = ih / 2; oh <= min_int((ih + 1) / 2, oh_n - 1); oh++)
                    for (int ow = iw / 2; ow <= min_int((iw + 1) / 2, ow_n - 1); ow++)
                        sum += dyp[oh * ow_n + ow] / (double)(taps3_s2(oh, h) * taps3_s2(ow, w));
                store(p->accum, &dxp[ih * w + iw], sum);
            }
    }
}

void clnas_ref_avgpool3_fwd(const clnas_pool_params *p, const double *x, double *y)
{
    (p->stride == 2 ? ref_avgpool3_s2_fwd : ref_avgpool3_s1_fwd)(p, x, y);
}

void clnas_ref_avgpool3_bwd(const clnas_pool_params *p, const double *dy, double *dx)
{
    (p->stride == 2 ? ref_avgpool3_s2_bwd : ref_avgpool3_s1_bwd)(p, dy, dx);
}

void clnas_ref_avgpool2_fwd(const clnas_pool_params *p, const double *x, double *y)
{
    int h = p->h, w = p->w, oh_n = h / 2, ow_n = w / 2;
    for (long plane = 0; plane < (long)p->n * p->c; plane++) {
        const double *xp = x + plane * h * w;
        double *yp = y + plane * oh_n * ow_n;
        for (int oh = 0; oh < oh_n; oh++)
            for (int ow = 0; ow < ow_n; ow++) {
                const double *win = xp + 2 * oh * w + 2 * ow;
                store(p->accum, &yp[oh * ow_n + ow], (win[0] + win[1] + win[w] + win[w + 1]) * 0.25);
            }
    }
}

void clnas_ref_avgpool2_bwd(const clnas_pool_params *p, const double *dy, double *dx)
{
    int h = p->h, w = p->w, ow_n = w / 2;
    for (long plane = 0; plane < (long)p->n * p->c; plane++) {
        const double *dyp = dy + plane * (h / 2) * ow_n;
        double *dxp = dx + plane * h * w;
        for (int ih = 0; ih < h; ih++)
            for (int iw = 0; iw < w; iw++)
                store(p->accum, &dxp[ih * w + iw], dyp[(ih / 2) * ow_n + iw / 2] * 0.25);
    }
}

/* ---- the graph ops: the two poolings and their backwards ---- */

/* Over the input [n][c][h][w] (tensor x: the forward's input, the backward's output). */
static clnas_pool_params node_params(const clnas_lowering *l, const clnas_graph_node *n, int x, int accum)
{
    const clnas_graph_tensor *t = clnas_lower_tensor(l, x);
    clnas_pool_params p = {0};
    p.n = t->shape[0];
    p.c = t->shape[1];
    p.h = t->shape[2];
    p.w = t->shape[3];
    p.accum = accum;
    p.stride = n->stride > 1 ? n->stride : 1;
    p.profile = l->profile;
    return p;
}

static clnas_status lower_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_pool_params p = node_params(l, n, n->in[0], n->accum[0]);
    if (n->kind == CLNAS_NODE_AVGPOOL3)
        CLNAS_TRY(clnas_op_avgpool3_fwd_desc(&p, &l->desc, l->err));
    else
        CLNAS_TRY(clnas_op_avgpool2_fwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[0]));
    return clnas_lower_bind(l, "y", n->out[0]);
}

static clnas_status lower_bwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_pool_params p = node_params(l, n, n->out[0], n->accum[0]);
    if (n->kind == CLNAS_NODE_AVGPOOL3_BWD)
        CLNAS_TRY(clnas_op_avgpool3_bwd_desc(&p, &l->desc, l->err));
    else
        CLNAS_TRY(clnas_op_avgpool2_bwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    return clnas_lower_bind(l, "dx", n->out[0]);
}

int clnas_op_pool3_shape(const clnas_graph *g, const clnas_graph_node *n, int out[4])
{
    int ndim = clnas_op_shape_of_input(g, n, out);
    out[2] = clnas_op_pool3_out_dim(out[2], n->stride);
    out[3] = clnas_op_pool3_out_dim(out[3], n->stride);
    return ndim;
}

/* 2x2 stride 2 halves h and w; 3x3 keeps the shape at stride 1 and gives ceil(h / 2) x ceil(w / 2) at 2. */
static int shape2(const clnas_graph *g, const clnas_graph_node *n, int out[4])
{
    int ndim = clnas_op_shape_of_input(g, n, out);
    out[2] /= 2;
    out[3] /= 2;
    return ndim;
}

static void backward(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    int x = fwd->in[0];
    if (!clnas_backward_wants(c, x))
        return;
    int dx = clnas_backward_grad(c, x);
    clnas_node_kind kind = fwd->kind == CLNAS_NODE_AVGPOOL3 ? CLNAS_NODE_AVGPOOL3_BWD : CLNAS_NODE_AVGPOOL2_BWD;
    clnas_backward_emit(c, kind, &dy, 1, &dx, 1, fwd, ":backward");
    clnas_backward_contribute(c, x, dx);
}

const clnas_op_def clnas_op_def_avgpool3 = {
    .kind = CLNAS_NODE_AVGPOOL3, .name = "avg_pool_3x3", .shape = clnas_op_pool3_shape, .backward = backward,
    .accum_mask = 1, .relu_slot = -1, .lower = lower_fwd};
const clnas_op_def clnas_op_def_avgpool2 = {
    .kind = CLNAS_NODE_AVGPOOL2, .name = "avg_pool_2x2", .shape = shape2, .backward = backward, .accum_mask = 1,
    .relu_slot = -1, .lower = lower_fwd};
const clnas_op_def clnas_op_def_avgpool3_bwd = {
    .kind = CLNAS_NODE_AVGPOOL3_BWD, .name = "avg_pool_3x3_backward", .accum_mask = 1, .relu_slot = -1,
    .lower = lower_bwd};
const clnas_op_def clnas_op_def_avgpool2_bwd = {
    .kind = CLNAS_NODE_AVGPOOL2_BWD, .name = "avg_pool_2x2_backward", .accum_mask = 1, .relu_slot = -1,
    .lower = lower_bwd};
