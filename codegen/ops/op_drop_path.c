/* clnas — drop-path: checks, descriptors for kernels/drop_path.cl, reference, op table rows. */
#include "op_drop_path.h"

#include <limits.h>

#include "op.h"

#define DROP_PATH_LOCAL 256

static clnas_status drop_path_desc(const clnas_drop_path_params *p, int backward, clnas_kernel_desc *d,
                                   clnas_error *err)
{
    const char *entry = backward ? "drop_path_bwd" : "drop_path_fwd";
    if (!p || !d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: params and descriptor must not be NULL", entry);
    if (p->n < 1 || p->per < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: n and per must be >= 1, got n=%d per=%ld", entry,
                               p->n, p->per);
    if ((long long)p->n * p->per > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: n*per exceeds the kernel's limit of %d", entry,
                               INT_MAX);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: accum must be 0 or 1, got %d", entry, p->accum);
    clnas_kernel_desc_init(d, "drop_path", entry);
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "BATCH", p->n) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "PER", p->per) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "ACCUM", p->accum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", DROP_PATH_LOCAL) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, backward ? "dy" : "x") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "mask") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, backward ? "dx" : "y") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: descriptor table full", entry);
    clnas_kernel_desc_geometry_1d(d, (size_t)p->n * (size_t)p->per, DROP_PATH_LOCAL);
    return CLNAS_OK;
}

clnas_status clnas_op_drop_path_fwd_desc(const clnas_drop_path_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return drop_path_desc(p, 0, d, err);
}

clnas_status clnas_op_drop_path_bwd_desc(const clnas_drop_path_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return drop_path_desc(p, 1, d, err);
}

void clnas_ref_drop_path(const clnas_drop_path_params *p, const double *in, const double *mask, double *out)
{
    for (size_t i = 0; i < (size_t)p->n * (size_t)p->per; i++) {
        double v = in[i] * mask[i / (size_t)p->per];
        out[i] = p->accum ? out[i] + v : v;
    }
}

/* ---- the graph ops ---- */

/* Over x [n][...] (the forward's input, the backward's output) and the mask [n]. */
static clnas_status node_params(const clnas_lowering *l, const clnas_graph_node *n, int x,
                                clnas_drop_path_params *p)
{
    const clnas_graph_tensor *t = clnas_lower_tensor(l, x), *mask = clnas_lower_tensor(l, n->in[1]);
    p->n = t->shape[0];
    p->per = (long)(t->count / (size_t)(t->shape[0] > 0 ? t->shape[0] : 1));
    p->accum = n->accum[0];
    if (mask->count != (size_t)p->n)
        return clnas_error_set(l->err, CLNAS_ERR_INVALID_ARG,
                               "internal: %s: the mask %s has %zu elements, expected one per sample (%d)", n->label,
                               mask->name, mask->count, p->n);
    return CLNAS_OK;
}

static clnas_status lower_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_drop_path_params p;
    CLNAS_TRY(node_params(l, n, n->in[0], &p));
    CLNAS_TRY(clnas_op_drop_path_fwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "mask", n->in[1]));
    return clnas_lower_bind(l, "y", n->out[0]);
}

static clnas_status lower_bwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_drop_path_params p;
    CLNAS_TRY(node_params(l, n, n->out[0], &p));
    CLNAS_TRY(clnas_op_drop_path_bwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "mask", n->in[1]));
    return clnas_lower_bind(l, "dx", n->out[0]);
}

/* The mask is written by the host and gets no gradient. */
static void backward(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    int x = fwd->in[0];
    if (!clnas_backward_wants(c, x))
        return;
    int dx = clnas_backward_grad(c, x);
    int in[2] = {dy, fwd->in[1]};
    clnas_backward_emit(c, CLNAS_NODE_DROP_PATH_BWD, in, 2, &dx, 1, fwd, ":backward");
    clnas_backward_contribute(c, x, dx);
}

const clnas_op_def clnas_op_def_drop_path = {
    .kind = CLNAS_NODE_DROP_PATH, .name = "drop_path", .shape = clnas_op_shape_of_input, .backward = backward,
    .accum_mask = 1, .relu_slot = -1, .slice_mask = 1u << CLNAS_SLICE_OUT, .lower = lower_fwd};
const clnas_op_def clnas_op_def_drop_path_bwd = {
    .kind = CLNAS_NODE_DROP_PATH_BWD, .name = "drop_path_backward", .accum_mask = 1, .relu_slot = -1,
    .slice_mask = 1u, .lower = lower_bwd};
