/* clnas — element-wise ops (relu, sum, add, fill): checks, descriptors for kernels/eltwise.cl, references, rows. */
#include "op_eltwise.h"

#include <math.h>

#include "op.h"

#define ELTWISE_LOCAL 256

static clnas_status eltwise_check(const clnas_eltwise_params *p, const char *op, clnas_kernel_desc *d,
                                  clnas_error *err)
{
    if (!p || !d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: params and descriptor must not be NULL", op);
    if (p->count < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: count must be >= 1, got %ld", op, p->count);
    return CLNAS_OK;
}

/* An x -> y kernel of the template over p->count elements: add, with its ACCUM, or relu (accum < 0: none). */
static clnas_status xy_desc(const clnas_eltwise_params *p, const char *op, const char *entry, int accum,
                            clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = eltwise_check(p, op, d, err);
    if (st != CLNAS_OK)
        return st;
    clnas_kernel_desc_init(d, "eltwise", entry);
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "COUNT", p->count) != CLNAS_OK;
    if (accum >= 0)
        bad |= clnas_kernel_desc_define_int(d, "ACCUM", accum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", ELTWISE_LOCAL) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "x") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "y") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: descriptor table full", op);
    clnas_kernel_desc_geometry_1d(d, (size_t)p->count, ELTWISE_LOCAL);
    return CLNAS_OK;
}

clnas_status clnas_op_add_desc(const clnas_eltwise_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    if (p && p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "add: accum must be 0 or 1, got %d", p->accum);
    return xy_desc(p, "add", "eltwise_add", p ? p->accum : 0, d, err);
}

clnas_status clnas_op_relu_desc(const clnas_eltwise_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    return xy_desc(p, "relu", "eltwise_relu", -1, d, err);
}

clnas_status clnas_op_fill_desc(const clnas_eltwise_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = eltwise_check(p, "fill", d, err);
    if (st != CLNAS_OK)
        return st;
    if (!isfinite(p->value))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "fill: value must be finite, got %g", p->value);
    clnas_kernel_desc_init(d, "eltwise", "eltwise_fill");
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "COUNT", p->count) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_real(d, "VALUE", p->value) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", ELTWISE_LOCAL) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "y") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "fill: descriptor table full");
    clnas_kernel_desc_geometry_1d(d, (size_t)p->count, ELTWISE_LOCAL);
    return CLNAS_OK;
}

void clnas_ref_add(const clnas_eltwise_params *p, const double *x, double *y)
{
    for (long i = 0; i < p->count; i++)
        y[i] = p->accum ? y[i] + x[i] : x[i];
}

void clnas_ref_fill(const clnas_eltwise_params *p, double *y)
{
    for (long i = 0; i < p->count; i++)
        y[i] = p->value;
}

void clnas_ref_relu(const clnas_eltwise_params *p, const double *x, double *y)
{
    for (long i = 0; i < p->count; i++)
        y[i] = x[i] > 0.0 ? x[i] : 0.0;
}

/* ---- the graph ops: ReLU and sums (folded away by fusion), the ADD launches fusion leaves, zero fills ---- */

static clnas_status lower_add_fill(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_eltwise_params p = {0};
    p.count = (long)clnas_lower_tensor(l, n->out[0])->count;
    p.accum = n->accum[0];
    if (n->kind == CLNAS_NODE_ADD) {
        CLNAS_TRY(clnas_op_add_desc(&p, &l->desc, l->err));
        CLNAS_TRY(clnas_lower_bind(l, "x", n->in[0]));
    } else {
        CLNAS_TRY(clnas_op_fill_desc(&p, &l->desc, l->err));
    }
    return clnas_lower_bind(l, "y", n->out[0]);
}

static void backward_relu(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    int x = fwd->in[0];
    if (!clnas_backward_wants(c, x))
        return;
    int dx = clnas_backward_grad(c, x);
    int in[2] = {dy, x};
    clnas_backward_emit(c, CLNAS_NODE_RELU_BWD, in, 2, &dx, 1, fwd, ":backward");
    clnas_backward_contribute(c, x, dx);
}

/* the gradient of a sum reaches each term unchanged */
static void backward_sum(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    for (int i = 0; i < fwd->nin; i++)
        if (clnas_backward_wants(c, fwd->in[i]))
            clnas_backward_contribute(c, fwd->in[i], dy);
}

const clnas_op_def clnas_op_def_relu = {
    .kind = CLNAS_NODE_RELU, .name = "relu", .shape = clnas_op_shape_of_input, .backward = backward_relu,
    .relu_slot = -1};
const clnas_op_def clnas_op_def_relu_bwd = {
    .kind = CLNAS_NODE_RELU_BWD, .name = "relu_backward", .relu_slot = -1};
const clnas_op_def clnas_op_def_sum = {
    .kind = CLNAS_NODE_SUM, .name = "sum", .shape = clnas_op_shape_of_input, .backward = backward_sum, .relu_slot = -1};
const clnas_op_def clnas_op_def_add = {
    .kind = CLNAS_NODE_ADD, .name = "add", .accum_mask = 1, .relu_slot = -1, .slice_mask = 1u | 1u << CLNAS_SLICE_OUT,
    .lower = lower_add_fill};
const clnas_op_def clnas_op_def_fill_zero = {
    .kind = CLNAS_NODE_FILL_ZERO, .name = "fill_zero", .relu_slot = -1, .lower = lower_add_fill};
