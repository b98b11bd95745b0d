/* clnas — the subsample of FactorizedReduce: checks, descriptors for kernels/subsample.cl, references, op rows. */
#include "op_subsample.h"

#include <limits.h>

#include "op.h"

#define SUBSAMPLE_LOCAL 256

int clnas_op_subsample2_out_dim(int len, int offset)
{
    return (len - offset + 1) / 2;
}

clnas_status clnas_op_subsample2_check(const clnas_subsample_params *p, clnas_error *err)
{
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "subsample: params must not be NULL");
    if (p->n < 1 || p->c < 1 || p->h < 1 || p->w < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "subsample: n, c, h and w must be >= 1, got n=%d c=%d h=%d w=%d", p->n, p->c, p->h,
                               p->w);
    if (p->offset != 0 && p->offset != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "subsample: offset must be 0 or 1, got %d", p->offset);
    if (p->h <= p->offset || p->w <= p->offset)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "subsample: a %dx%d input has no pixel at offset %d (h and w must exceed it)", p->h,
                               p->w, p->offset);
    if ((long long)p->n * p->c * p->h * p->w > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "subsample: n*c*h*w exceeds the kernel's limit of %d",
                               INT_MAX);
    if (p->relu_in != 0 && p->relu_in != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "subsample: relu_in must be 0 or 1, got %d", p->relu_in);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "subsample: accum must be 0 or 1, got %d", p->accum);
    return CLNAS_OK;
}

/* The forward runs one work-item per output element, the backward one per input element. */
static clnas_status subsample_desc(const clnas_subsample_params *p, int backward, clnas_kernel_desc *d,
                                   clnas_error *err)
{
    CLNAS_TRY(clnas_op_subsample2_check(p, err));
    const char *entry = backward ? "subsample2_bwd" : "subsample2_fwd";
    if (!d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: descriptor must not be NULL", entry);
    clnas_kernel_desc_init(d, "subsample", entry);
    const struct { const char *name; long value; } defs[] = {
        {"BATCH", p->n},         {"CHANNELS", p->c},  {"HEIGHT", p->h}, {"WIDTH", p->w}, {"OFFSET", p->offset},
        {"RELU_IN", p->relu_in}, {"ACCUM", p->accum}, {"LOCAL", SUBSAMPLE_LOCAL}};
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
    size_t work = backward ? planes * (size_t)p->h * (size_t)p->w
                           : planes * (size_t)clnas_op_subsample2_out_dim(p->h, p->offset) *
                                 (size_t)clnas_op_subsample2_out_dim(p->w, p->offset);
    clnas_kernel_desc_geometry_1d(d, work, SUBSAMPLE_LOCAL);
    return CLNAS_OK;
}

clnas_status clnas_op_subsample2_fwd_desc(const clnas_subsample_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return subsample_desc(p, 0, d, err);
}

clnas_status clnas_op_subsample2_bwd_desc(const clnas_subsample_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return subsample_desc(p, 1, d, err);
}

void clnas_ref_subsample2_fwd(const clnas_subsample_params *p, const double *x, double *y)
{
    int oh_n = clnas_op_subsample2_out_dim(p->h, p->offset), ow_n = clnas_op_subsample2_out_dim(p->w, p->offset);
    for (long plane = 0; plane < (long)p->n * p->c; plane++)
        for (int oh = 0; oh < oh_n; oh++)
            for (int ow = 0; ow < ow_n; ow++) {
                double v = x[(plane * p->h + 2 * oh + p->offset) * p->w + 2 * ow + p->offset];
                if (p->relu_in && v < 0.0)
                    v = 0.0;
                double *out = &y[(plane * oh_n + oh) * ow_n + ow];
                *out = p->accum ? *out + v : v;
            }
}

void clnas_ref_subsample2_bwd(const clnas_subsample_params *p, const double *dy, const double *x, double *dx)
{
    int oh_n = clnas_op_subsample2_out_dim(p->h, p->offset), ow_n = clnas_op_subsample2_out_dim(p->w, p->offset);
    for (long plane = 0; plane < (long)p->n * p->c; plane++)
        for (int h = 0; h < p->h; h++)
            for (int w = 0; w < p->w; w++) {
                size_t i = ((size_t)plane * p->h + h) * p->w + w;
                int sh = h - p->offset, sw = w - p->offset;
                double g = 0.0;
                if (sh >= 0 && sw >= 0 && sh % 2 == 0 && sw % 2 == 0)
                    g = dy[(plane * oh_n + sh / 2) * ow_n + sw / 2];
                if (p->relu_in && x[i] <= 0.0)
                    g = 0.0;
                dx[i] = p->accum ? dx[i] + g : g;
            }
}

/* ---- the graph ops ---- */

/* Over the input [n][c][h][w] (tensor x: the forward's input, the backward's output). */
static clnas_subsample_params node_params(const clnas_lowering *l, const clnas_graph_node *n, int x)
{
    const clnas_graph_tensor *t = clnas_lower_tensor(l, x);
    clnas_subsample_params p = {t->shape[0], t->shape[1], t->shape[2], t->shape[3],
                                n->offset,   n->relu_in,  n->accum[0]};
    return p;
}

static clnas_status lower_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_subsample_params p = node_params(l, n, n->in[0]);
    CLNAS_TRY(clnas_op_subsample2_fwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[0]));
    return clnas_lower_bind(l, "y", n->out[0]);
}

static clnas_status lower_bwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_subsample_params p = node_params(l, n, n->out[0]);
    CLNAS_TRY(clnas_op_subsample2_bwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    if (n->relu_in)
        CLNAS_TRY(clnas_lower_bind(l, "x", n->in[1]));
    return clnas_lower_bind(l, "dx", n->out[0]);
}

static int shape(const clnas_graph *g, const clnas_graph_node *n, int out[4])
{
    int ndim = clnas_op_shape_of_input(g, n, out);
    out[2] = clnas_op_subsample2_out_dim(out[2], n->offset);
    out[3] = clnas_op_subsample2_out_dim(out[3], n->offset);
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
    clnas_backward_emit(c, CLNAS_NODE_SUBSAMPLE2_BWD, in, fwd->relu_in ? 2 : 1, &dx, 1, fwd, ":backward");
    clnas_backward_contribute(c, x, dx);
}

/* Fusion: ReLU -> subsample reads x and rectifies it; the ReLU's backward becomes the mask of this backward
 * (the shared hooks of codegen/op.h). */
const clnas_op_def clnas_op_def_subsample2 = {
    .kind = CLNAS_NODE_SUBSAMPLE2, .name = "subsample2", .shape = shape, .backward = backward, .accum_mask = 1,
    .relu_slot = 0, .fold_relu = clnas_op_fold_relu_slot0, .lower = lower_fwd};
const clnas_op_def clnas_op_def_subsample2_bwd = {
    .kind = CLNAS_NODE_SUBSAMPLE2_BWD, .name = "subsample2_backward", .accum_mask = 1, .relu_slot = -1,
    .fold_relu_bwd = clnas_op_fold_relu_bwd_mask, .lower = lower_bwd};
