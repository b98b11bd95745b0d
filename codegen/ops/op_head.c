/* clnas — ReLU + global average pool head: checks, descriptors for kernels/head.cl, references, op table rows. */
#include "op_head.h"

#include <limits.h>

#include "op.h"

#define HEAD_FWD_LOCAL 64  /* one work-item per (n, c) */
#define HEAD_BWD_LOCAL 256 /* one work-item per input element */

/* per_element: one work-item per input element (backward), else one per (n, c) (forward); templ: kernels/<templ>.cl. */
static clnas_status head_desc(const clnas_head_params *p, const char *templ, const char *entry,
                              const char *const *slots, int nslots, int per_element, clnas_kernel_desc *d,
                              clnas_error *err)
{
    if (!p || !d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: params and descriptor must not be NULL", entry);
    if (p->n < 1 || p->c < 1 || p->hw < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: n, c and hw must be >= 1, got n=%d c=%d hw=%d",
                               entry, p->n, p->c, p->hw);
    long long total = (long long)p->n * p->c * p->hw;
    if (total > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "%s: tensor of n*c*hw = %lld elements exceeds the kernel's limit of %d", entry, total,
                               INT_MAX);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: accum must be 0 or 1, got %d", entry, p->accum);
    int local = per_element ? HEAD_BWD_LOCAL : HEAD_FWD_LOCAL;
    size_t work = (size_t)p->n * (size_t)p->c * (per_element ? (size_t)p->hw : 1);
    clnas_kernel_desc_init(d, templ, entry);
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "BATCH", p->n) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "CHANNELS", p->c) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "HW", p->hw) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "ACCUM", p->accum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", local) != CLNAS_OK;
    for (int i = 0; i < nslots; i++)
        bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, slots[i]) != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: descriptor table full", entry);
    clnas_kernel_desc_geometry_1d(d, work, (size_t)local);
    return CLNAS_OK;
}

clnas_status clnas_op_gap_relu_fwd_desc(const clnas_head_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"x", "y"};
    return head_desc(p, "head", "gap_relu_fwd", slots, 2, 0, d, err);
}

clnas_status clnas_op_gap_relu_bwd_desc(const clnas_head_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"dy", "x", "dx"};
    return head_desc(p, "head", "gap_relu_bwd", slots, 3, 1, d, err);
}

clnas_status clnas_op_gap_fwd_desc(const clnas_head_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"x", "y"};
    return head_desc(p, "gap", "gap_fwd", slots, 2, 0, d, err);
}

clnas_status clnas_op_gap_bwd_desc(const clnas_head_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"dy", "dx"};
    return head_desc(p, "gap", "gap_bwd", slots, 2, 1, d, err);
}

void clnas_ref_gap_relu_fwd(const clnas_head_params *p, const double *x, double *y)
{
    for (long nc = 0; nc < (long)p->n * p->c; nc++) {
        double sum = 0.0;
        for (int s = 0; s < p->hw; s++)
            sum += x[nc * p->hw + s] < 0.0 ? 0.0 : x[nc * p->hw + s];
        y[nc] = p->accum ? y[nc] + sum / p->hw : sum / p->hw;
    }
}

void clnas_ref_gap_fwd(const clnas_head_params *p, const double *x, double *y)
{
    for (long nc = 0; nc < (long)p->n * p->c; nc++) {
        double sum = 0.0;
        for (int s = 0; s < p->hw; s++)
            sum += x[nc * p->hw + s];
        y[nc] = p->accum ? y[nc] + sum / p->hw : sum / p->hw;
    }
}

void clnas_ref_gap_bwd(const clnas_head_params *p, const double *dy, double *dx)
{
    for (long i = 0; i < (long)p->n * p->c * p->hw; i++)
        dx[i] = p->accum ? dx[i] + dy[i / p->hw] / p->hw : dy[i / p->hw] / p->hw;
}

void clnas_ref_gap_relu_bwd(const clnas_head_params *p, const double *dy, const double *x, double *dx)
{
    for (long i = 0; i < (long)p->n * p->c * p->hw; i++) {
        double g = x[i] > 0.0 ? dy[i / p->hw] / p->hw : 0.0;
        dx[i] = p->accum ? dx[i] + g : g;
    }
}

/* ---- the graph ops: global average pool (with the head's ReLU folded in by fusion) and its backward ---- */

static clnas_status lower_gap_relu(clnas_lowering *l, const clnas_graph_node *n)
{
    int fwd = n->kind == CLNAS_NODE_GAP_RELU, x = fwd ? n->in[0] : n->in[1];
    const clnas_graph_tensor *t = clnas_lower_tensor(l, x);
    clnas_head_params p = {0};
    p.n = t->shape[0];
    p.c = t->shape[1];
    p.hw = t->shape[2] * t->shape[3];
    p.accum = n->accum[0];
    if (fwd) {
        CLNAS_TRY(clnas_op_gap_relu_fwd_desc(&p, &l->desc, l->err));
        CLNAS_TRY(clnas_lower_bind(l, "x", x));
        return clnas_lower_bind(l, "y", n->out[0]);
    }
    CLNAS_TRY(clnas_op_gap_relu_bwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "x", x));
    return clnas_lower_bind(l, "dx", n->out[0]);
}

/* A global average pool no ReLU folded into (DARTS' head): kernels/gap.cl. */
static clnas_status lower_gap(clnas_lowering *l, const clnas_graph_node *n)
{
    int fwd = n->kind == CLNAS_NODE_GAP;
    const clnas_graph_tensor *t = clnas_lower_tensor(l, fwd ? n->in[0] : n->out[0]);
    clnas_head_params p = {t->shape[0], t->shape[1], t->shape[2] * t->shape[3], n->accum[0]};
    CLNAS_TRY((fwd ? clnas_op_gap_fwd_desc : clnas_op_gap_bwd_desc)(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, fwd ? "x" : "dy", n->in[0]));
    return clnas_lower_bind(l, fwd ? "y" : "dx", n->out[0]);
}

/* [n][c][h][w] -> [n][c] */
static int shape_gap(const clnas_graph *g, const clnas_graph_node *n, int out[4])
{
    const clnas_graph_tensor *x = &g->tensors[n->in[0]];
    out[0] = x->shape[0];
    out[1] = x->shape[1];
    return 2;
}

static void backward_gap(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    int x = fwd->in[0];
    if (!clnas_backward_wants(c, x))
        return;
    int dx = clnas_backward_grad(c, x);
    clnas_backward_emit(c, CLNAS_NODE_GAP_BWD, &dy, 1, &dx, 1, fwd, ":backward");
    clnas_backward_contribute(c, x, dx);
}

/* Fusion: the head's ReLU folds into the pool (GAP becomes GAP_RELU) and its backward (GAP_RELU_BWD). */
static void fold_relu_fwd(clnas_graph_node *n, int x)
{
    n->kind = CLNAS_NODE_GAP_RELU;
    n->in[0] = x;
}

static void fold_relu_bwd(clnas_graph_node *n, int dx, int x)
{
    n->kind = CLNAS_NODE_GAP_RELU_BWD;
    n->out[0] = dx;
    n->in[n->nin++] = x;
}

/* GAP and its backward: the NB201 head's ReLU folds into them; DARTS' head has none. */
const clnas_op_def clnas_op_def_gap = {
    .kind = CLNAS_NODE_GAP, .name = "global_avg_pool", .shape = shape_gap, .backward = backward_gap, .relu_slot = 0,
    .fold_relu = fold_relu_fwd, .lower = lower_gap};
const clnas_op_def clnas_op_def_gap_bwd = {
    .kind = CLNAS_NODE_GAP_BWD, .name = "global_avg_pool_backward", .accum_mask = 1, .relu_slot = -1,
    .fold_relu_bwd = fold_relu_bwd, .lower = lower_gap};
const clnas_op_def clnas_op_def_gap_relu = {
    .kind = CLNAS_NODE_GAP_RELU, .name = "relu_global_avg_pool", .relu_slot = -1, .lower = lower_gap_relu};
const clnas_op_def clnas_op_def_gap_relu_bwd = {
    .kind = CLNAS_NODE_GAP_RELU_BWD, .name = "relu_global_avg_pool_backward", .accum_mask = 1, .relu_slot = -1,
    .lower = lower_gap_relu};
