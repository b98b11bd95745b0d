/* clnas — channel concatenation: checks, descriptors for kernels/concat.cl, references, op table rows. */
#include "op_concat.h"

#include <limits.h>
#include <stdio.h>

#include "op.h"

#define CONCAT_LOCAL 256

static clnas_status size_check(const char *op, int n, int c, int hw, clnas_error *err)
{
    if (n < 1 || c < 1 || hw < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: n, channels and hw must be >= 1, got n=%d c=%d hw=%d",
                               op, n, c, hw);
    if ((long long)n * c * hw > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: n*c*hw exceeds the kernel's limit of %d", op,
                               INT_MAX);
    return CLNAS_OK;
}

static clnas_status accum_check(const char *op, int accum, clnas_error *err)
{
    if (accum != 0 && accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: accum must be 0 or 1, got %d", op, accum);
    return CLNAS_OK;
}

clnas_status clnas_op_concat_fwd_desc(const clnas_concat_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    if (!p || !d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "concat: params and descriptor must not be NULL");
    if (p->nin < 1 || p->nin > CLNAS_CONCAT_MAX_IN)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "concat: nin (inputs) must be 1..%d, got %d",
                               CLNAS_CONCAT_MAX_IN, p->nin);
    long long ct = 0;
    for (int k = 0; k < p->nin; k++) {
        if (p->c[k] < 1)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "concat: input %d has %d channels, expected >= 1", k,
                                   p->c[k]);
        ct += p->c[k];
    }
    CLNAS_TRY(size_check("concat", p->n, ct > INT_MAX ? INT_MAX : (int)ct, p->hw, err));
    CLNAS_TRY(accum_check("concat", p->accum, err));
    clnas_kernel_desc_init(d, "concat", "concat_fwd");
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "BATCH", p->n) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "HW", p->hw) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "NIN", p->nin) != CLNAS_OK;
    for (int k = 0; k < p->nin; k++) {
        char name[8];
        snprintf(name, sizeof name, "C%d", k);
        bad |= clnas_kernel_desc_define_int(d, name, p->c[k]) != CLNAS_OK;
    }
    bad |= clnas_kernel_desc_define_int(d, "CT", (long)ct) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "ACCUM", p->accum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", CONCAT_LOCAL) != CLNAS_OK;
    for (int k = 0; k < p->nin; k++) {
        char name[8];
        snprintf(name, sizeof name, "x%d", k);
        bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, name) != CLNAS_OK;
    }
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "y") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "concat: descriptor table full");
    clnas_kernel_desc_geometry_1d(d, (size_t)p->n * (size_t)ct * (size_t)p->hw, CONCAT_LOCAL);
    return CLNAS_OK;
}

clnas_status clnas_op_concat_inplace(const clnas_concat_params *p, unsigned mask, clnas_kernel_desc *d,
                                     clnas_error *err)
{
    const int nin = p->nin;
    const unsigned all = nin >= 1 && nin <= CLNAS_CONCAT_MAX_IN ? (1u << nin) - 1 : 0;
    if (mask == 0 || (mask & ~all) != 0 || mask == all)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "concat: in-place mask 0x%x must name some but not all of the %d inputs", mask, nin);
    long cc = 0;
    for (int k = 0; k < nin; k++)
        cc += mask >> k & 1u ? 0 : p->c[k];
    if (clnas_kernel_desc_define_int(d, "INPLACE", (long)mask) != CLNAS_OK ||
        clnas_kernel_desc_define_int(d, "CC", cc) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "concat: descriptor table full");
    clnas_kernel_desc_geometry_1d(d, (size_t)p->n * (size_t)cc * (size_t)p->hw, CONCAT_LOCAL);
    return CLNAS_OK;
}

clnas_status clnas_op_concat_slice_desc(const clnas_concat_slice_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    if (!p || !d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "concat slice: params and descriptor must not be NULL");
    CLNAS_TRY(size_check("concat slice", p->n, p->ct, p->hw, err));
    if (p->cs < 1 || p->offset < 0 || p->offset + p->cs > p->ct)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "concat slice: channels [%d, %d) are not inside dy's %d channels", p->offset,
                               p->offset + p->cs, p->ct);
    CLNAS_TRY(accum_check("concat slice", p->accum, err));
    clnas_kernel_desc_init(d, "concat", "concat_slice");
    const struct { const char *name; long value; } defs[] = {{"BATCH", p->n},       {"HW", p->hw},
                                                             {"CT", p->ct},         {"CS", p->cs},
                                                             {"OFFSET", p->offset}, {"ACCUM", p->accum},
                                                             {"LOCAL", CONCAT_LOCAL}};
    int bad = 0;
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        bad |= clnas_kernel_desc_define_int(d, defs[i].name, defs[i].value) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "dy") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "dx") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "concat slice: descriptor table full");
    clnas_kernel_desc_geometry_1d(d, (size_t)p->n * (size_t)p->cs * (size_t)p->hw, CONCAT_LOCAL);
    return CLNAS_OK;
}

void clnas_ref_concat_fwd(const clnas_concat_params *p, const double *const *x, double *y)
{
    int ct = 0;
    for (int k = 0; k < p->nin; k++)
        ct += p->c[k];
    for (int b = 0; b < p->n; b++)
        for (int k = 0, c0 = 0; k < p->nin; c0 += p->c[k], k++)
            for (size_t j = 0; j < (size_t)p->c[k] * p->hw; j++) {
                double v = x[k][(size_t)b * p->c[k] * p->hw + j], *out = &y[((size_t)b * ct + c0) * p->hw + j];
                *out = p->accum ? *out + v : v;
            }
}

void clnas_ref_concat_slice(const clnas_concat_slice_params *p, const double *dy, double *dx)
{
    for (int b = 0; b < p->n; b++)
        for (size_t j = 0; j < (size_t)p->cs * p->hw; j++) {
            double v = dy[((size_t)b * p->ct + p->offset) * p->hw + j], *out = &dx[(size_t)b * p->cs * p->hw + j];
            *out = p->accum ? *out + v : v;
        }
}

/* ---- the graph ops ---- */

static int hw_of(const clnas_graph_tensor *t)
{
    return t->ndim == 4 ? t->shape[2] * t->shape[3] : 1;
}

/* Every input must be shaped like y but for its channels. */
static clnas_status lower_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    const clnas_graph_tensor *y = clnas_lower_tensor(l, n->out[0]);
    clnas_concat_params p = {.n = y->shape[0], .hw = hw_of(y), .nin = n->nin, .accum = n->accum[0]};
    for (int k = 0; k < n->nin && k < CLNAS_CONCAT_MAX_IN; k++) {
        const clnas_graph_tensor *x = clnas_lower_tensor(l, n->in[k]);
        if (x->ndim != y->ndim || x->shape[0] != y->shape[0] || hw_of(x) != hw_of(y))
            return clnas_error_set(l->err, CLNAS_ERR_INVALID_ARG,
                                   "internal: %s: input %d (%s) is %dx%dx%dx%d, the output %s is %dx%dx%dx%d: only the "
                                   "channels may differ",
                                   n->label, k, x->name, x->shape[0], x->shape[1], x->shape[2], x->shape[3], y->name,
                                   y->shape[0], y->shape[1], y->shape[2], y->shape[3]);
        p.c[k] = x->shape[1];
    }
    CLNAS_TRY(clnas_op_concat_fwd_desc(&p, &l->desc, l->err));
    /* inputs that codegen/concat_slices.c placed in y's channels: their producers wrote them there */
    unsigned inplace = 0;
    for (int k = 0; k < n->nin; k++) {
        const clnas_graph_tensor *s = clnas_lower_tensor(l, clnas_graph_storage(l->g, n->in[k]));
        if (s->view_of >= 0 && clnas_graph_storage(l->g, s->view_of) == clnas_graph_storage(l->g, n->out[0]))
            inplace |= 1u << k;
    }
    if (inplace)
        CLNAS_TRY(clnas_op_concat_inplace(&p, inplace, &l->desc, l->err));
    for (int k = 0; k < n->nin; k++) {
        char slot[8];
        snprintf(slot, sizeof slot, "x%d", k);
        CLNAS_TRY(clnas_lower_bind(l, slot, n->in[k]));
    }
    return clnas_lower_bind(l, "y", n->out[0]);
}

/* dx is input k's gradient; the node's offset is input k's first channel in dy. */
static clnas_status lower_bwd(clnas_lowering *l, const clnas_graph_node *n)
{
    const clnas_graph_tensor *dy = clnas_lower_tensor(l, n->in[0]), *dx = clnas_lower_tensor(l, n->out[0]);
    clnas_concat_slice_params p = {dy->shape[0], hw_of(dy), dy->shape[1], dx->shape[1], n->offset, n->accum[0]};
    CLNAS_TRY(clnas_op_concat_slice_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    return clnas_lower_bind(l, "dx", n->out[0]);
}

/* [n][sum of the inputs' channels][h][w]. */
static int shape(const clnas_graph *g, const clnas_graph_node *n, int out[4])
{
    int ndim = clnas_op_shape_of_input(g, n, out);
    for (int k = 1; k < n->nin; k++)
        out[1] += g->tensors[n->in[k]].shape[1];
    return ndim;
}

/* Each input that wants a gradient gets its channel slice of dy, one launch each. */
static void backward(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    const clnas_graph *g = clnas_backward_graph(c);
    clnas_graph_node slice = *fwd;
    slice.offset = 0;
    for (int k = 0; k < fwd->nin; k++) {
        int x = fwd->in[k], cx = g->tensors[x].shape[1];
        if (clnas_backward_wants(c, x)) {
            int dx = clnas_backward_grad(c, x);
            char suffix[24];
            snprintf(suffix, sizeof suffix, ":backward%d", k);
            clnas_backward_emit(c, CLNAS_NODE_CONCAT_BWD, &dy, 1, &dx, 1, &slice, suffix);
            clnas_backward_contribute(c, x, dx);
        }
        slice.offset += cx;
        g = clnas_backward_graph(c); /* adding tensors may move the table */
    }
}

const clnas_op_def clnas_op_def_concat = {
    .kind = CLNAS_NODE_CONCAT, .name = "concat", .shape = shape, .backward = backward, .accum_mask = 1,
    .relu_slot = -1, .lower = lower_fwd};
const clnas_op_def clnas_op_def_concat_bwd = {
    .kind = CLNAS_NODE_CONCAT_BWD, .name = "concat_backward", .accum_mask = 1, .relu_slot = -1, .lower = lower_bwd};
