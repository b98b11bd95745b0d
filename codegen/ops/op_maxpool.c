/* clnas — 3x3 max pooling: checks, descriptors for kernels/maxpool.cl, references, op table rows. */
#include "op_maxpool.h"

#include <limits.h>
#include <math.h>

#include "op.h"

#define MAXPOOL_LOCAL 256
#define MAXPOOL_BWD_LOCAL 64 /* one work-item per plane: smaller groups keep a 16-plane batch on several cores */

clnas_status clnas_op_maxpool3_check(const clnas_pool_params *p, clnas_error *err)
{
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "max_pool: params must not be NULL");
    if (p->n < 1 || p->c < 1 || p->h < 1 || p->w < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "max_pool: n, c, h and w must be >= 1, got n=%d c=%d h=%d w=%d", p->n, p->c, p->h,
                               p->w);
    long long total = (long long)p->n * p->c * p->h * p->w;
    if (total > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "max_pool: tensor of n*c*h*w = %lld elements exceeds the kernel's limit of %d", total,
                               INT_MAX);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "max_pool: accum must be 0 or 1, got %d", p->accum);
    if (p->stride != 1 && p->stride != 2)
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "max_pool: stride must be 1 or 2, got %d", p->stride);
    return CLNAS_OK;
}

/* The forward runs one work-item per output row, the backward one per plane. */
static clnas_status maxpool_desc(const clnas_pool_params *p, int backward, clnas_kernel_desc *d, clnas_error *err)
{
    CLNAS_TRY(clnas_op_maxpool3_check(p, err));
    const char *entry = backward ? "maxpool3_bwd" : "maxpool3_fwd";
    if (!d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: descriptor must not be NULL", entry);
    clnas_kernel_desc_init(d, "maxpool", entry);
    const struct { const char *name; long value; } defs[] = {
        {"BATCH", p->n}, {"CHANNELS", p->c}, {"HEIGHT", p->h},          {"WIDTH", p->w},
        {"STRIDE", p->stride}, {"ACCUM", p->accum}, {"LOCAL", backward ? MAXPOOL_BWD_LOCAL : MAXPOOL_LOCAL}};
    int bad = 0;
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        bad |= clnas_kernel_desc_define_int(d, defs[i].name, defs[i].value) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, backward ? "dy" : "x") != CLNAS_OK;
    if (backward)
        bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "x") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, backward ? "dx" : "y") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: descriptor table full", entry);
    size_t planes = (size_t)p->n * (size_t)p->c;
    if (backward)
        clnas_kernel_desc_geometry_1d(d, planes, MAXPOOL_BWD_LOCAL);
    else
        clnas_kernel_desc_geometry_1d(d, planes * (size_t)clnas_op_pool3_out_dim(p->h, p->stride), MAXPOOL_LOCAL);
    return CLNAS_OK;
}

clnas_status clnas_op_maxpool3_fwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return maxpool_desc(p, 0, d, err);
}

clnas_status clnas_op_maxpool3_bwd_desc(const clnas_pool_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return maxpool_desc(p, 1, d, err);
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

/* The kernel's rule: the first maximum in row-major window order from -inf, a NaN replacing it. */
static int ref_argmax(const clnas_pool_params *p, const double *plane, int oh, int ow, double *m)
{
    int s = p->stride, r0 = max_int(oh * s - 1, 0), q0 = max_int(ow * s - 1, 0), best = r0 * p->w + q0;
    double top = -INFINITY;
    for (int r = r0; r <= min_int(oh * s + 1, p->h - 1); r++)
        for (int q = q0; q <= min_int(ow * s + 1, p->w - 1); q++) {
            double v = plane[r * p->w + q];
            if (v > top || isnan(v)) {
                top = v;
                best = r * p->w + q;
            }
        }
    *m = top;
    return best;
}

void clnas_ref_maxpool3_fwd(const clnas_pool_params *p, const double *x, double *y)
{
    int oh_n = clnas_op_pool3_out_dim(p->h, p->stride), ow_n = clnas_op_pool3_out_dim(p->w, p->stride);
    for (long plane = 0; plane < (long)p->n * p->c; plane++)
        for (int oh = 0; oh < oh_n; oh++)
            for (int ow = 0; ow < ow_n; ow++) {
                double m, *out = &y[(plane * oh_n + oh) * ow_n + ow];
                ref_argmax(p, x + plane * p->h * p->w, oh, ow, &m);
                *out = p->accum ? *out + m : m;
            }
}

/* Scatters each window's dy to its argmax in a zeroed plane; the kernel gathers the same terms in the same order
 * (windows in ascending output order). */
void clnas_ref_maxpool3_bwd(const clnas_pool_params *p, const double *dy, const double *x, double *dx)
{
    int oh_n = clnas_op_pool3_out_dim(p->h, p->stride), ow_n = clnas_op_pool3_out_dim(p->w, p->stride);
    size_t hw = (size_t)p->h * p->w;
    for (long plane = 0; plane < (long)p->n * p->c; plane++) {
        double *dxp = dx + plane * hw;
        if (!p->accum)
            for (size_t i = 0; i < hw; i++)
                dxp[i] = 0.0;
        for (int oh = 0; oh < oh_n; oh++)
            for (int ow = 0; ow < ow_n; ow++) {
                double m;
                dxp[ref_argmax(p, x + plane * hw, oh, ow, &m)] += dy[(plane * oh_n + oh) * ow_n + ow];
            }
    }
}

/* ---- the graph ops ---- */

/* Over the input [n][c][h][w] (tensor x: the forward's input, the backward's output). */
static clnas_pool_params node_params(const clnas_lowering *l, const clnas_graph_node *n, int x)
{
    const clnas_graph_tensor *t = clnas_lower_tensor(l, x);
    clnas_pool_params p = {t->shape[0], t->shape[1], t->shape[2], t->shape[3], n->accum[0],
                           n->stride > 1 ? n->stride : 1, l->profile};
    return p;
}

static clnas_status lower_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_pool_params p = node_params(l, n, n->in[0]);
    CLNAS_TRY(clnas_op_maxpool3_fwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[0]));
    return clnas_lower_bind(l, "y", n->out[0]);
}

static clnas_status lower_bwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_pool_params p = node_params(l, n, n->out[0]);
    CLNAS_TRY(clnas_op_maxpool3_bwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[1]));
    return clnas_lower_bind(l, "dx", n->out[0]);
}

static void backward(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    int x = fwd->in[0];
    if (!clnas_backward_wants(c, x))
        return;
    int dx = clnas_backward_grad(c, x);
    int in[2] = {dy, x};
    clnas_backward_emit(c, CLNAS_NODE_MAXPOOL3_BWD, in, 2, &dx, 1, fwd, ":backward");
    clnas_backward_contribute(c, x, dx);
}

const clnas_op_def clnas_op_def_maxpool3 = {
    .kind = CLNAS_NODE_MAXPOOL3, .name = "max_pool_3x3", .shape = clnas_op_pool3_shape, .backward = backward,
    .accum_mask = 1, .relu_slot = -1, .slice_mask = 1u << CLNAS_SLICE_OUT, .lower = lower_fwd};
const clnas_op_def clnas_op_def_maxpool3_bwd = {
    .kind = CLNAS_NODE_MAXPOOL3_BWD, .name = "max_pool_3x3_backward", .accum_mask = 1, .relu_slot = -1,
    .slice_mask = 1u, .lower = lower_bwd};
