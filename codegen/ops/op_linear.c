/* clnas — fully connected layer: checks, kernel descriptors for the three passes, double references. */
#include "op_linear.h"

#include <limits.h>

#include "op.h"

/* No barriers: the work-group size only sets how many outputs a device thread takes at a time. */
#define LINEAR_LOCAL 32

static clnas_status linear_check(const clnas_linear_params *p, const char *pass, clnas_error *err)
{
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "linear %s: params is NULL", pass);
    const struct {
        const char *name;
        int value;
    } fields[] = {{"n", p->n}, {"in", p->in}, {"out", p->out}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].value < 1)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "linear %s: %s = %d, expected at least 1", pass,
                                   fields[i].name, fields[i].value);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "linear %s: accum = %d, expected 0 or 1", pass,
                               p->accum);
    /* Tensors are indexed with int inside the kernels. */
    long in1 = (long)p->in + 1;
    if ((long)p->n * p->in > INT_MAX || (long)p->n * p->out > INT_MAX || (long)p->out * in1 > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "linear %s: n=%d in=%d out=%d gives a tensor of more than %d elements", pass, p->n,
                               p->in, p->out, INT_MAX);
    return CLNAS_OK;
}

/* Starts a linear descriptor: entry point, shape #defines, tensor slots and a 1-D geometry over `work`. */
static clnas_status linear_desc(const clnas_linear_params *p, clnas_kernel_desc *d, const char *entry, int accum,
                                const char *const *slots, int nslots, size_t work, clnas_error *err)
{
    clnas_kernel_desc_init(d, "linear", entry);
    int bad = clnas_kernel_desc_define_int(d, "N", p->n) != CLNAS_OK ||
              clnas_kernel_desc_define_int(d, "IN", p->in) != CLNAS_OK ||
              clnas_kernel_desc_define_int(d, "OUT", p->out) != CLNAS_OK ||
              clnas_kernel_desc_define_int(d, "ACCUM", accum) != CLNAS_OK;
    for (int i = 0; i < nslots && !bad; i++)
        bad = clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, slots[i]) != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: kernel descriptor table is full", entry);
    clnas_kernel_desc_geometry_1d(d, work, LINEAR_LOCAL);
    return CLNAS_OK;
}

clnas_status clnas_op_linear_fwd_desc(const clnas_linear_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = linear_check(p, "fwd", err);
    if (st != CLNAS_OK)
        return st;
    static const char *const slots[] = {"x", "w", "b", "y"};
    return linear_desc(p, d, "linear_fwd", p->accum, slots, 4, (size_t)p->n * (size_t)p->out, err);
}

clnas_status clnas_op_linear_bwd_data_desc(const clnas_linear_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = linear_check(p, "bwd_data", err);
    if (st != CLNAS_OK)
        return st;
    static const char *const slots[] = {"dy", "w", "dx"};
    return linear_desc(p, d, "linear_bwd_data", p->accum, slots, 3, (size_t)p->n * (size_t)p->in, err);
}

clnas_status clnas_op_linear_bwd_weight_desc(const clnas_linear_params *p, clnas_kernel_desc *d,
                                             clnas_error *err)
{
    clnas_status st = linear_check(p, "bwd_weight", err);
    if (st != CLNAS_OK)
        return st;
    static const char *const slots[] = {"dy", "x", "dw", "db"};
    /* Overwrites: ACCUM is 0 whatever p->accum says. */
    return linear_desc(p, d, "linear_bwd_weight", 0, slots, 4, (size_t)p->out * ((size_t)p->in + 1), err);
}

void clnas_ref_linear_fwd(const clnas_linear_params *p, const double *x, const double *w, const double *b,
                          double *y)
{
    for (int n = 0; n < p->n; n++)
        for (int o = 0; o < p->out; o++) {
            double s = 0.0;
            for (int i = 0; i < p->in; i++)
                s += w[(size_t)o * p->in + i] * x[(size_t)n * p->in + i];
            double *out = &y[(size_t)n * p->out + o];
            *out = p->accum ? *out + (s + b[o]) : s + b[o];
        }
}

void clnas_ref_linear_bwd_data(const clnas_linear_params *p, const double *dy, const double *w, double *dx)
{
    for (int n = 0; n < p->n; n++)
        for (int i = 0; i < p->in; i++) {
            double s = 0.0;
            for (int o = 0; o < p->out; o++)
                s += dy[(size_t)n * p->out + o] * w[(size_t)o * p->in + i];
            double *out = &dx[(size_t)n * p->in + i];
            *out = p->accum ? *out + s : s;
        }
}

void clnas_ref_linear_bwd_weight(const clnas_linear_params *p, const double *dy, const double *x, double *dw,
                                 double *db)
{
    for (int o = 0; o < p->out; o++) {
        double sb = 0.0;
        for (int i = 0; i < p->in; i++) {
            double s = 0.0;
            for (int n = 0; n < p->n; n++)
                s += dy[(size_t)n * p->out + o] * x[(size_t)n * p->in + i];
            dw[(size_t)o * p->in + i] = s;
        }
        for (int n = 0; n < p->n; n++)
            sb += dy[(size_t)n * p->out + o];
        db[o] = sb;
    }
}

/* ---- the graph ops: the classifier, its input gradient and its weight gradient ---- */

static clnas_linear_params node_params(const clnas_lowering *l, const clnas_graph_node *n)
{
    int w = n->kind == CLNAS_NODE_LINEAR_BWD_WEIGHT ? n->out[0] : n->in[1];
    clnas_linear_params p = {0};
    p.n = l->cfg->batch;
    p.out = clnas_lower_tensor(l, w)->shape[0];
    p.in = clnas_lower_tensor(l, w)->shape[1];
    p.accum = n->accum[0];
    return p;
}

static clnas_status lower_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_linear_params p = node_params(l, n);
    CLNAS_TRY(clnas_op_linear_fwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "w", n->in[1]));
    CLNAS_TRY(clnas_lower_bind(l, "b", n->in[2]));
    return clnas_lower_bind(l, "y", n->out[0]);
}

static clnas_status lower_bwd_data(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_linear_params p = node_params(l, n);
    CLNAS_TRY(clnas_op_linear_bwd_data_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "w", n->in[1]));
    return clnas_lower_bind(l, "dx", n->out[0]);
}

static clnas_status lower_bwd_weight(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_linear_params p = node_params(l, n);
    CLNAS_TRY(clnas_op_linear_bwd_weight_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[1]));
    CLNAS_TRY(clnas_lower_bind(l, "dw", n->out[0]));
    return clnas_lower_bind(l, "db", n->out[1]);
}

static clnas_status gemm_fwd(const clnas_lowering *l, const clnas_graph_node *n, clnas_gemm_desc *g)
{
    clnas_linear_params p = node_params(l, n);
    return clnas_gemm_desc_linear_fwd(&p, &l->desc, l->cfg->fp64, g, l->err);
}

static clnas_status gemm_bwd_data(const clnas_lowering *l, const clnas_graph_node *n, clnas_gemm_desc *g)
{
    clnas_linear_params p = node_params(l, n);
    return clnas_gemm_desc_linear_bwd_data(&p, &l->desc, l->cfg->fp64, g, l->err);
}

static clnas_status gemm_bwd_weight(const clnas_lowering *l, const clnas_graph_node *n, clnas_gemm_desc *g)
{
    clnas_linear_params p = node_params(l, n);
    return clnas_gemm_desc_linear_bwd_weight(&p, &l->desc, l->cfg->fp64, g, l->err);
}

/* dw and db always, dx when the input wants a gradient. */
static void backward(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    int x = fwd->in[0], w = fwd->in[1], b = fwd->in[2];
    int wout[2] = {clnas_backward_param_grad(c, w), clnas_backward_param_grad(c, b)};
    int win[2] = {dy, x};
    clnas_backward_emit(c, CLNAS_NODE_LINEAR_BWD_WEIGHT, win, 2, wout, 2, fwd, ":backward_weight");
    if (clnas_backward_wants(c, x)) {
        int dx = clnas_backward_grad(c, x);
        int din[2] = {dy, w};
        clnas_backward_emit(c, CLNAS_NODE_LINEAR_BWD_DATA, din, 2, &dx, 1, fwd, ":backward_data");
        clnas_backward_contribute(c, x, dx);
    }
}

const clnas_op_def clnas_op_def_linear = {
    .kind = CLNAS_NODE_LINEAR, .name = "linear", .relu_slot = -1, .lower = lower_fwd, .gemm = gemm_fwd, .backward = backward};
const clnas_op_def clnas_op_def_linear_bwd_data = {.kind = CLNAS_NODE_LINEAR_BWD_DATA, .name = "linear_backward_data",
                                                   .accum_mask = 1, .relu_slot = -1, .lower = lower_bwd_data,
                                                   .gemm = gemm_bwd_data};
const clnas_op_def clnas_op_def_linear_bwd_weight = {.kind = CLNAS_NODE_LINEAR_BWD_WEIGHT,
                                                     .name = "linear_backward_weight", .relu_slot = -1,
                                                     .lower = lower_bwd_weight, .gemm = gemm_bwd_weight};
