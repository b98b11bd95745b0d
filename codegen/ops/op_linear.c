/* clnas — fully connected layer: checks, descriptors, GEMM alternatives, references, op table rows. */
#include "op_linear.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

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

/* ---- the GEMM alternatives ---- */

clnas_status clnas_gemm_desc_linear_fwd(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                        clnas_gemm_desc *g, clnas_error *err)
{
    memset(g, 0, sizeof *g);
    static const char *const names[] = {"x", "w", "b", "y"};
    int s[4];
    clnas_status st = clnas_gemm_find_slots(kd, names, 4, s, err);
    if (st != CLNAS_OK)
        return st;
    size_t n = (size_t)p->n, in = (size_t)p->in, out = (size_t)p->out;
    /* Y (=/+=) ones[n x 1] * b[1 x out]: the bias broadcast (a rank-1 product keeps every call a GEMM) */
    clnas_gemm_step *bias = &g->step[0];
    *bias = clnas_gemm_step_make(CLNAS_GEMM_ROUTINE_GEMM, n, out, 1, 1, p->accum ? 1.0 : 0.0);
    bias->a = clnas_gemm_buffer_operand(CLNAS_GEMM_SRC_ONES, 1, 0);
    bias->b = clnas_gemm_slot_operand(s[2], out, 0);
    bias->c = clnas_gemm_slot_operand(s[3], out, 0);
    /* Y += X[n x in] * W^T (W is stored [out][in]) */
    clnas_gemm_step *mm = &g->step[1];
    *mm = clnas_gemm_step_make(CLNAS_GEMM_ROUTINE_GEMM, n, out, in, 1, 1.0);
    mm->trans_b = 1;
    mm->a = clnas_gemm_slot_operand(s[0], in, 0);
    mm->b = clnas_gemm_slot_operand(s[1], in, 0);
    mm->c = clnas_gemm_slot_operand(s[3], out, 0);
    g->nsteps = 2;
    g->ones_elems = n;
    g->nout = 1;
    g->out_slot[0] = s[3];
    snprintf(g->sig, sizeof g->sig, "linear_fwd %s n%d in%d out%d acc%d", clnas_gemm_type_name(fp64), p->n, p->in,
             p->out, p->accum);
    return clnas_gemm_sig_versus(g->sig, sizeof g->sig, kd, err);
}

clnas_status clnas_gemm_desc_linear_bwd_data(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                             clnas_gemm_desc *g, clnas_error *err)
{
    memset(g, 0, sizeof *g);
    static const char *const names[] = {"dy", "w", "dx"};
    int s[3];
    clnas_status st = clnas_gemm_find_slots(kd, names, 3, s, err);
    if (st != CLNAS_OK)
        return st;
    size_t n = (size_t)p->n, in = (size_t)p->in, out = (size_t)p->out;
    /* dX[n x in] (=/+=) dY[n x out] * W[out x in] */
    clnas_gemm_step *mm = &g->step[0];
    *mm = clnas_gemm_step_make(CLNAS_GEMM_ROUTINE_GEMM, n, in, out, 1, p->accum ? 1.0 : 0.0);
    mm->a = clnas_gemm_slot_operand(s[0], out, 0);
    mm->b = clnas_gemm_slot_operand(s[1], in, 0);
    mm->c = clnas_gemm_slot_operand(s[2], in, 0);
    g->nsteps = 1;
    g->nout = 1;
    g->out_slot[0] = s[2];
    snprintf(g->sig, sizeof g->sig, "linear_bwd_data %s n%d in%d out%d acc%d", clnas_gemm_type_name(fp64), p->n, p->in,
             p->out, p->accum);
    return clnas_gemm_sig_versus(g->sig, sizeof g->sig, kd, err);
}

clnas_status clnas_gemm_desc_linear_bwd_weight(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                               clnas_gemm_desc *g, clnas_error *err)
{
    memset(g, 0, sizeof *g);
    static const char *const names[] = {"dy", "x", "dw", "db"};
    int s[4];
    clnas_status st = clnas_gemm_find_slots(kd, names, 4, s, err);
    if (st != CLNAS_OK)
        return st;
    size_t n = (size_t)p->n, in = (size_t)p->in, out = (size_t)p->out;
    /* dW[out x in] = dY^T (dY is stored [n][out]) * X[n x in] */
    clnas_gemm_step *mm = &g->step[0];
    *mm = clnas_gemm_step_make(CLNAS_GEMM_ROUTINE_GEMM, out, in, n, 1, 0.0);
    mm->trans_a = 1;
    mm->a = clnas_gemm_slot_operand(s[0], out, 0);
    mm->b = clnas_gemm_slot_operand(s[1], in, 0);
    mm->c = clnas_gemm_slot_operand(s[2], in, 0);
    /* db[out x 1] = dY^T * ones[n x 1] */
    clnas_gemm_step *sum = &g->step[1];
    *sum = clnas_gemm_step_make(CLNAS_GEMM_ROUTINE_GEMM, out, 1, n, 1, 0.0);
    sum->trans_a = 1;
    sum->a = clnas_gemm_slot_operand(s[0], out, 0);
    sum->b = clnas_gemm_buffer_operand(CLNAS_GEMM_SRC_ONES, 1, 0);
    sum->c = clnas_gemm_slot_operand(s[3], 1, 0);
    g->nsteps = 2;
    g->ones_elems = n;
    g->nout = 2;
    g->out_slot[0] = s[2];
    g->out_slot[1] = s[3];
    snprintf(g->sig, sizeof g->sig, "linear_bwd_weight %s n%d in%d out%d", clnas_gemm_type_name(fp64), p->n, p->in,
             p->out);
    return clnas_gemm_sig_versus(g->sig, sizeof g->sig, kd, err);
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

/* x [n][in], w [out][in] -> y [n][out] */
static int shape(const clnas_graph *g, const clnas_graph_node *n, int out[4])
{
    out[0] = g->tensors[n->in[0]].shape[0];
    out[1] = g->tensors[n->in[1]].shape[0];
    return 2;
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
    .kind = CLNAS_NODE_LINEAR, .name = "linear", .shape = shape, .backward = backward, .relu_slot = -1,
    .lower = lower_fwd, .gemm = gemm_fwd};
const clnas_op_def clnas_op_def_linear_bwd_data = {
    .kind = CLNAS_NODE_LINEAR_BWD_DATA, .name = "linear_backward_data", .accum_mask = 1, .relu_slot = -1,
    .lower = lower_bwd_data, .gemm = gemm_bwd_data};
const clnas_op_def clnas_op_def_linear_bwd_weight = {
    .kind = CLNAS_NODE_LINEAR_BWD_WEIGHT, .name = "linear_backward_weight", .relu_slot = -1, .lower = lower_bwd_weight,
    .gemm = gemm_bwd_weight};
