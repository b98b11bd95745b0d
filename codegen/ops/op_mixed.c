/* clnas — the mixed edge: checks, descriptors for kernels/mixed_edge.cl, references, op table rows. */
#include "op_mixed.h"

#include <stdio.h>

#include "op.h"

#define MIXED_LOCAL 64
#define MIXED_MAX_GROUPS 128
/* Elements per work-item step: one float16 (float32) or double8 (float64) row vector; the kernels define the same
 * VW, and the geometry uses the larger so it holds for both element types. */
#define MIXED_VEC 16

static long chunks(long count)
{
    return (count + MIXED_VEC - 1) / MIXED_VEC;
}

static clnas_status mixed_check(const clnas_mixed_params *p, const char *op, clnas_kernel_desc *d, clnas_error *err)
{
    if (!p || !d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: params and descriptor must not be NULL", op);
    if (p->count < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: count must be >= 1, got %ld", op, p->count);
    if (p->k < 1 || p->k > CLNAS_MIXED_MAX_OPS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: k (ops on the edge) must be 1..%d, got %d", op,
                               CLNAS_MIXED_MAX_OPS, p->k);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: accum must be 0 or 1, got %d", op, p->accum);
    if (p->dy_accum < 0 || p->dy_accum >= (1 << p->k))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: dy_accum must be 0..%d for k = %d, got %d", op,
                               (1 << p->k) - 1, p->k, p->dy_accum);
    if (p->dw_accum != 0 && p->dw_accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: dw_accum must be 0 or 1, got %d", op, p->dw_accum);
    if (p->dy_mask < 0 || p->dy_mask >= (1 << p->k))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: dy_mask must be 0..%d for k = %d, got %d", op,
                               (1 << p->k) - 1, p->k, p->dy_mask);
    return CLNAS_OK;
}

long clnas_op_mixed_bwd_groups(const clnas_mixed_params *p)
{
    long groups = (chunks(p->count) + MIXED_LOCAL - 1) / MIXED_LOCAL;
    return groups < MIXED_MAX_GROUPS ? groups : MIXED_MAX_GROUPS;
}

static int add_y_slots(const clnas_mixed_params *p, clnas_kernel_desc *d)
{
    int bad = 0;
    for (int k = 0; k < p->k; k++) {
        char name[8];
        snprintf(name, sizeof name, "y%d", k);
        bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, name) != CLNAS_OK;
    }
    return bad;
}

clnas_status clnas_op_mixed_fwd_desc(const clnas_mixed_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = mixed_check(p, "mixed fwd", d, err);
    if (st != CLNAS_OK)
        return st;
    clnas_kernel_desc_init(d, "mixed_edge", "mixed_fwd");
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "COUNT", p->count) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "K", p->k) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "ACCUM", p->accum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", MIXED_LOCAL) != CLNAS_OK;
    bad |= add_y_slots(p, d);
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "w") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "out") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "mixed fwd: descriptor table full");
    clnas_kernel_desc_geometry_1d(d, (size_t)chunks(p->count), MIXED_LOCAL);
    return CLNAS_OK;
}

clnas_status clnas_op_mixed_bwd_desc(const clnas_mixed_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = mixed_check(p, "mixed bwd", d, err);
    if (st != CLNAS_OK)
        return st;
    const long groups = clnas_op_mixed_bwd_groups(p);
    clnas_kernel_desc_init(d, "mixed_edge", "mixed_bwd");
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "COUNT", p->count) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "K", p->k) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "DY_MASK", p->dy_mask) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "DY_ACCUM", p->dy_accum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "GROUPS", groups) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", MIXED_LOCAL) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "g") != CLNAS_OK;
    bad |= add_y_slots(p, d);
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "w") != CLNAS_OK;
    for (int k = 0; k < p->k; k++)
        if (p->dy_mask & (1 << k)) {
            char name[8];
            snprintf(name, sizeof name, "dy%d", k);
            bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, name) != CLNAS_OK;
        }
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "partials") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "mixed bwd: descriptor table full");
    clnas_kernel_desc_geometry_1d(d, (size_t)(groups * MIXED_LOCAL), MIXED_LOCAL);
    clnas_kernel_desc_local_mem(d, MIXED_LOCAL, 0);
    return CLNAS_OK;
}

clnas_status clnas_op_mixed_wgrad_desc(const clnas_mixed_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = mixed_check(p, "mixed wgrad", d, err);
    if (st != CLNAS_OK)
        return st;
    clnas_kernel_desc_init(d, "mixed_edge", "mixed_wgrad");
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "K", p->k) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "DW_ACCUM", p->dw_accum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "GROUPS", clnas_op_mixed_bwd_groups(p)) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", MIXED_LOCAL) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "partials") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "dw") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "mixed wgrad: descriptor table full");
    clnas_kernel_desc_geometry_1d(d, (size_t)(p->k * MIXED_LOCAL), MIXED_LOCAL);
    clnas_kernel_desc_local_mem(d, MIXED_LOCAL, 0);
    return CLNAS_OK;
}

void clnas_ref_mixed_fwd(const clnas_mixed_params *p, const double *const *y, const double *w, double *out)
{
    for (long i = 0; i < p->count; i++) {
        double v = 0.0;
        for (int k = 0; k < p->k; k++)
            v += w[k] * y[k][i];
        out[i] = p->accum ? out[i] + v : v;
    }
}

void clnas_ref_mixed_bwd(const clnas_mixed_params *p, const double *g, const double *const *y, const double *w,
                         double *const *dy, double *dw)
{
    for (int k = 0; k < p->k; k++) {
        double dot = 0.0;
        for (long i = 0; i < p->count; i++)
            dot += g[i] * y[k][i];
        dw[k] = p->dw_accum ? dw[k] + dot : dot;
        if (p->dy_mask & (1 << k))
            for (long i = 0; i < p->count; i++)
                dy[k][i] = (p->dy_accum & (1 << k)) ? dy[k][i] + w[k] * g[i] : w[k] * g[i];
    }
}

/* ---- the graph ops: the mixed edge, its backward (dy_k and per-group partials of <dy, y_k>) and dw ---- */

/* ins y_1..y_K w dw; out = sum_k w[k] y_k. */
static clnas_status lower_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    const int k = n->nin - 2;
    clnas_mixed_params p = {(long)clnas_lower_tensor(l, n->out[0])->count, k, n->accum[0], 0, 0, 0};
    char slot[8];
    CLNAS_TRY(clnas_op_mixed_fwd_desc(&p, &l->desc, l->err));
    for (int i = 0; i < k; i++) {
        snprintf(slot, sizeof slot, "y%d", i);
        CLNAS_TRY(clnas_lower_bind(l, slot, n->in[i]));
    }
    CLNAS_TRY(clnas_lower_bind(l, "w", n->in[k]));
    return clnas_lower_bind(l, "out", n->out[0]);
}

/* ins dy y_1..y_K w; outs partials dy_1..dy_K. */
static clnas_status lower_bwd(clnas_lowering *l, const clnas_graph_node *n)
{
    const int k = n->nin - 2;
    clnas_mixed_params p = {(long)clnas_lower_tensor(l, n->in[0])->count, k, 0, (1 << k) - 1, 0, 0};
    char slot[8];
    for (int i = 0; i < k; i++)
        p.dy_accum |= n->accum[1 + i] << i;
    CLNAS_TRY(clnas_op_mixed_bwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "g", n->in[0]));
    for (int i = 0; i < k; i++) {
        snprintf(slot, sizeof slot, "y%d", i);
        CLNAS_TRY(clnas_lower_bind(l, slot, n->in[1 + i]));
        snprintf(slot, sizeof slot, "dy%d", i);
        CLNAS_TRY(clnas_lower_bind(l, slot, n->out[1 + i]));
    }
    CLNAS_TRY(clnas_lower_bind(l, "w", n->in[1 + k]));
    return clnas_lower_bind(l, "partials", n->out[0]);
}

/* ins partials dy; out dw. K from the partials' length, `groups` per op (groups depend on the count only). */
static clnas_status lower_wgrad(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_mixed_params p = {(long)clnas_lower_tensor(l, n->in[1])->count, 0, 0, 0, 0, n->accum[0]};
    p.k = (int)(clnas_lower_tensor(l, n->in[0])->count / (size_t)clnas_op_mixed_bwd_groups(&p));
    CLNAS_TRY(clnas_op_mixed_wgrad_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "partials", n->in[0]));
    return clnas_lower_bind(l, "dw", n->out[0]);
}

/* ins y_1..y_K w dw: dy_k = w[k] dy, and <dy, y_k> per work-group into partials, summed into dw */
static void backward(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    const int k = fwd->nin - 2, w = fwd->in[k], dwt = fwd->in[k + 1];
    const clnas_graph_tensor *yt = &clnas_backward_graph(c)->tensors[dy];
    clnas_mixed_params p = {(long)yt->count, k, 0, (1 << k) - 1, 0, 0};
    int pshape[1] = {(int)(k * clnas_op_mixed_bwd_groups(&p))};
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:partials", fwd->label);
    int partials = clnas_backward_tensor(c, name, 1, pshape);
    int in[CLNAS_NODE_MAX_IN], out[CLNAS_NODE_MAX_OUT];
    in[0] = dy;
    out[0] = partials;
    for (int i = 0; i < k; i++) {
        in[1 + i] = fwd->in[i];
        out[1 + i] = clnas_backward_grad(c, fwd->in[i]);
    }
    in[1 + k] = w;
    clnas_backward_emit(c, CLNAS_NODE_MIXED_BWD, in, k + 2, out, k + 1, fwd, ":backward");
    int win[2] = {partials, dy};
    clnas_backward_emit(c, CLNAS_NODE_MIXED_WGRAD, win, 2, &dwt, 1, fwd, ":weight_grad");
    for (int i = 0; i < k; i++)
        if (clnas_backward_wants(c, fwd->in[i]))
            clnas_backward_contribute(c, fwd->in[i], out[1 + i]);
}

/* the forward is a node's sum of edges, the weight gradient the sum over the cells sharing one alpha; the
 * backward's dy_k (outputs 1..K) each by their own bit, the partials (output 0) never */
const clnas_op_def clnas_op_def_mixed = {
    .kind = CLNAS_NODE_MIXED, .name = "mixed_edge", .shape = clnas_op_shape_of_input, .backward = backward,
    .accum_mask = 1, .relu_slot = -1, .lower = lower_fwd};
const clnas_op_def clnas_op_def_mixed_bwd = {
    .kind = CLNAS_NODE_MIXED_BWD, .name = "mixed_edge_backward", .accum_mask = ~1u, .relu_slot = -1,
    .lower = lower_bwd};
const clnas_op_def clnas_op_def_mixed_wgrad = {
    .kind = CLNAS_NODE_MIXED_WGRAD, .name = "mixed_edge_weight_grad", .accum_mask = 1, .relu_slot = -1,
    .lower = lower_wgrad};
