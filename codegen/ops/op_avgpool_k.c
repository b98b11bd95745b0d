/* clnas — K x K average pooling without padding: checks, descriptors for kernels/avgpool_k.cl, references, op table
 * rows (CLNAS_NODE_AVGPOOL_K: the node's ksize and stride). */
#include "op_avgpool_k.h"

#include <limits.h>
#include <stdlib.h>

#include "op.h"

#define AVGPOOL_K_LOCAL 64
#define AVGPOOL_K_MAX 16

int clnas_op_avgpool_k_out_dim(int len, int ksize, int stride)
{
    return len < ksize || stride < 1 ? 0 : (len - ksize) / stride + 1;
}

clnas_status clnas_op_avgpool_k_check(const clnas_avgpool_k_params *p, clnas_error *err)
{
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "avg_pool_k: params must not be NULL");
    if (p->n < 1 || p->c < 1 || p->h < 1 || p->w < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "avg_pool_k: n, c, h and w must be >= 1, got n=%d c=%d h=%d w=%d", p->n, p->c, p->h,
                               p->w);
    if (p->ksize < 1 || p->ksize > AVGPOOL_K_MAX || p->stride < 1 || p->stride > AVGPOOL_K_MAX)
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED,
                               "avg_pool_k: kernel size and stride must be 1 to %d, got %d and %d", AVGPOOL_K_MAX,
                               p->ksize, p->stride);
    if (p->ksize > p->h || p->ksize > p->w)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "avg_pool_k: a %dx%d window without padding does not fit a %dx%d map", p->ksize,
                               p->ksize, p->h, p->w);
    long long total = (long long)p->n * p->c * p->h * p->w;
    if (total > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "avg_pool_k: tensor of n*c*h*w = %lld elements exceeds the kernel's limit of %d", total,
                               INT_MAX);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "avg_pool_k: accum must be 0 or 1, got %d", p->accum);
    if (p->relu_in != 0 && p->relu_in != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "avg_pool_k: relu_in must be 0 or 1, got %d", p->relu_in);
    return CLNAS_OK;
}

static clnas_status avgpool_k_desc(const clnas_avgpool_k_params *p, int backward, clnas_kernel_desc *d,
                                   clnas_error *err)
{
    CLNAS_TRY(clnas_op_avgpool_k_check(p, err));
    const char *entry = backward ? "avgpool_k_bwd" : "avgpool_k_fwd";
    if (!d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: descriptor must not be NULL", entry);
    clnas_kernel_desc_init(d, "avgpool_k", entry);
    const struct { const char *name; long value; } defs[] = {
        {"BATCH", p->n},        {"CHANNELS", p->c},      {"HEIGHT", p->h},  {"WIDTH", p->w},
        {"KSIZE", p->ksize},    {"STRIDE", p->stride},   {"RELU_IN", p->relu_in}, {"ACCUM", p->accum},
        {"LOCAL", AVGPOOL_K_LOCAL}};
    int bad = 0;
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        bad |= clnas_kernel_desc_define_int(d, defs[i].name, defs[i].value) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, backward ? "dy" : "x") != CLNAS_OK;
    if (backward && p->relu_in)
        bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "x") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, backward ? "dx" : "y") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: descriptor table full", entry);
    size_t planes = (size_t)p->n * (size_t)p->c;
    size_t rows = backward ? (size_t)p->h : (size_t)clnas_op_avgpool_k_out_dim(p->h, p->ksize, p->stride);
    clnas_kernel_desc_geometry_1d(d, planes * rows, AVGPOOL_K_LOCAL);
    return CLNAS_OK;
}

clnas_status clnas_op_avgpool_k_fwd_desc(const clnas_avgpool_k_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return avgpool_k_desc(p, 0, d, err);
}

clnas_status clnas_op_avgpool_k_bwd_desc(const clnas_avgpool_k_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return avgpool_k_desc(p, 1, d, err);
}

static void store(int accum, double *out, double value)
{
    *out = accum ? *out + value : value;
}

void clnas_ref_avgpool_k_fwd(const clnas_avgpool_k_params *p, const double *x, double *y)
{
    const int k = p->ksize, s = p->stride;
    const int oh_n = clnas_op_avgpool_k_out_dim(p->h, k, s), ow_n = clnas_op_avgpool_k_out_dim(p->w, k, s);
    for (long plane = 0; plane < (long)p->n * p->c; plane++) {
        const double *xp = x + plane * p->h * p->w;
        double *yp = y + plane * oh_n * ow_n;
        for (int oh = 0; oh < oh_n; oh++)
            for (int ow = 0; ow < ow_n; ow++) {
                double sum = 0.0;
                for (int r = oh * s; r < oh * s + k; r++)
                    for (int q = ow * s; q < ow * s + k; q++) {
                        double v = xp[r * p->w + q];
                        sum += p->relu_in && v < 0.0 ? 0.0 : v;
                    }
                store(p->accum, &yp[oh * ow_n + ow], sum / (double)(k * k));
            }
    }
}

/* Scatters each window's dy / k^2 over its pixels into a zeroed plane (a different order from the kernel's gather:
 * the two agree within rounding, which the tolerance covers), then masks by x > 0 when relu_in. */
void clnas_ref_avgpool_k_bwd(const clnas_avgpool_k_params *p, const double *dy, const double *x, double *dx)
{
    const int k = p->ksize, s = p->stride;
    const int oh_n = clnas_op_avgpool_k_out_dim(p->h, k, s), ow_n = clnas_op_avgpool_k_out_dim(p->w, k, s);
    const size_t hw = (size_t)p->h * p->w;
    for (long plane = 0; plane < (long)p->n * p->c; plane++) {
        const double *dyp = dy + plane * oh_n * ow_n;
        double *dxp = dx + plane * hw, *g = calloc(hw, sizeof *g);
        if (!g)
            return; /* a test reference: the comparison then fails */
        for (int oh = 0; oh < oh_n; oh++)
            for (int ow = 0; ow < ow_n; ow++)
                for (int r = oh * s; r < oh * s + k; r++)
                    for (int q = ow * s; q < ow * s + k; q++)
                        g[r * p->w + q] += dyp[oh * ow_n + ow];
        for (size_t i = 0; i < hw; i++) {
            double v = p->relu_in && x[plane * hw + i] <= 0.0 ? 0.0 : g[i] / (double)(k * k);
            store(p->accum, &dxp[i], v);
        }
        free(g);
    }
}

/* ---- the graph ops ---- */

/* Over the input [n][c][h][w] (tensor x: the forward's input, the backward's output). */
static clnas_avgpool_k_params node_params(const clnas_lowering *l, const clnas_graph_node *n, int x)
{
    const clnas_graph_tensor *t = clnas_lower_tensor(l, x);
    clnas_avgpool_k_params p = {t->shape[0], t->shape[1], t->shape[2], t->shape[3], n->ksize, n->stride,
                                n->relu_in, n->accum[0]};
    return p;
}

static clnas_status lower_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_avgpool_k_params p = node_params(l, n, n->in[0]);
    CLNAS_TRY(clnas_op_avgpool_k_fwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[0]));
    return clnas_lower_bind(l, "y", n->out[0]);
}

static clnas_status lower_bwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_avgpool_k_params p = node_params(l, n, n->out[0]);
    CLNAS_TRY(clnas_op_avgpool_k_bwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    if (n->relu_in)
        CLNAS_TRY(clnas_lower_bind(l, "x", n->in[1]));
    return clnas_lower_bind(l, "dx", n->out[0]);
}

static int shape(const clnas_graph *g, const clnas_graph_node *n, int out[4])
{
    int ndim = clnas_op_shape_of_input(g, n, out);
    out[2] = clnas_op_avgpool_k_out_dim(out[2], n->ksize, n->stride);
    out[3] = clnas_op_avgpool_k_out_dim(out[3], n->ksize, n->stride);
    return ndim;
}

/* A builder that set relu_in itself (no ReLU node) gets the mask's x as the backward's second input. */
static void backward(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    int x = fwd->in[0];
    if (!clnas_backward_wants(c, x))
        return;
    int dx = clnas_backward_grad(c, x);
    int in[2] = {dy, x};
    clnas_backward_emit(c, CLNAS_NODE_AVGPOOL_K_BWD, in, fwd->relu_in ? 2 : 1, &dx, 1, fwd, ":backward");
    clnas_backward_contribute(c, x, dx);
}

/* Fusion: ReLU -> pool reads x and rectifies it (a ReLU must fold into its reader); the ReLU's backward becomes the
 * mask of this backward (the shared hooks of codegen/op.h). */
const clnas_op_def clnas_op_def_avgpool_k = {
    .kind = CLNAS_NODE_AVGPOOL_K, .name = "avg_pool_k", .shape = shape, .backward = backward, .accum_mask = 1,
    .relu_slot = 0, .fold_relu = clnas_op_fold_relu_slot0, .lower = lower_fwd};
const clnas_op_def clnas_op_def_avgpool_k_bwd = {
    .kind = CLNAS_NODE_AVGPOOL_K_BWD, .name = "avg_pool_k_backward", .accum_mask = 1, .relu_slot = -1,
    .fold_relu_bwd = clnas_op_fold_relu_bwd_mask, .lower = lower_bwd};
