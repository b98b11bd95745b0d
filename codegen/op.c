/* clnas — the op table: node kind -> its row, defined in the op files (codegen/ops/op_<family>.c). */
#include "op.h"

static const clnas_op_def *const table[CLNAS_NODE_KIND_COUNT] = {
    [CLNAS_NODE_RELU] = &clnas_op_def_relu,
    [CLNAS_NODE_CONV] = &clnas_op_def_conv,
    [CLNAS_NODE_BN] = &clnas_op_def_bn,
    [CLNAS_NODE_BN_CONST] = &clnas_op_def_bn_const,
    [CLNAS_NODE_AVGPOOL3] = &clnas_op_def_avgpool3,
    [CLNAS_NODE_AVGPOOL2] = &clnas_op_def_avgpool2,
    [CLNAS_NODE_SUM] = &clnas_op_def_sum,
    [CLNAS_NODE_GAP] = &clnas_op_def_gap,
    [CLNAS_NODE_LINEAR] = &clnas_op_def_linear,
    [CLNAS_NODE_SOFTMAX_XENT] = &clnas_op_def_softmax_xent,
    [CLNAS_NODE_MIXED] = &clnas_op_def_mixed,
    [CLNAS_NODE_RELU_BWD] = &clnas_op_def_relu_bwd,
    [CLNAS_NODE_CONV_BWD_DATA] = &clnas_op_def_conv_bwd_data,
    [CLNAS_NODE_CONV_BWD_FILTER] = &clnas_op_def_conv_bwd_filter,
    [CLNAS_NODE_BN_BWD] = &clnas_op_def_bn_bwd,
    [CLNAS_NODE_BN_CONST_BWD] = &clnas_op_def_bn_const_bwd,
    [CLNAS_NODE_AVGPOOL3_BWD] = &clnas_op_def_avgpool3_bwd,
    [CLNAS_NODE_AVGPOOL2_BWD] = &clnas_op_def_avgpool2_bwd,
    [CLNAS_NODE_GAP_BWD] = &clnas_op_def_gap_bwd,
    [CLNAS_NODE_LINEAR_BWD_DATA] = &clnas_op_def_linear_bwd_data,
    [CLNAS_NODE_LINEAR_BWD_WEIGHT] = &clnas_op_def_linear_bwd_weight,
    [CLNAS_NODE_FILL_ZERO] = &clnas_op_def_fill_zero,
    [CLNAS_NODE_MIXED_BWD] = &clnas_op_def_mixed_bwd,
    [CLNAS_NODE_MIXED_WGRAD] = &clnas_op_def_mixed_wgrad,
    [CLNAS_NODE_SGD] = &clnas_op_def_sgd,
    [CLNAS_NODE_DWCONV] = &clnas_op_def_dwconv,
    [CLNAS_NODE_DWCONV_BWD_DATA] = &clnas_op_def_dwconv_bwd_data,
    [CLNAS_NODE_DWCONV_BWD_FILTER] = &clnas_op_def_dwconv_bwd_filter,
    [CLNAS_NODE_MAXPOOL3] = &clnas_op_def_maxpool3,
    [CLNAS_NODE_SUBSAMPLE2] = &clnas_op_def_subsample2,
    [CLNAS_NODE_CONCAT] = &clnas_op_def_concat,
    [CLNAS_NODE_DROP_PATH] = &clnas_op_def_drop_path,
    [CLNAS_NODE_MAXPOOL3_BWD] = &clnas_op_def_maxpool3_bwd,
    [CLNAS_NODE_SUBSAMPLE2_BWD] = &clnas_op_def_subsample2_bwd,
    [CLNAS_NODE_CONCAT_BWD] = &clnas_op_def_concat_bwd,
    [CLNAS_NODE_DROP_PATH_BWD] = &clnas_op_def_drop_path_bwd,
    [CLNAS_NODE_GAP_RELU] = &clnas_op_def_gap_relu,
    [CLNAS_NODE_GAP_RELU_BWD] = &clnas_op_def_gap_relu_bwd,
    [CLNAS_NODE_ADD] = &clnas_op_def_add,
    [CLNAS_NODE_SGD_ARENA] = &clnas_op_def_sgd_arena,
    [CLNAS_NODE_GRAD_CLIP] = &clnas_op_def_grad_clip,
    [CLNAS_NODE_AVGPOOL_K] = &clnas_op_def_avgpool_k,
    [CLNAS_NODE_AVGPOOL_K_BWD] = &clnas_op_def_avgpool_k_bwd,
    [CLNAS_NODE_SPLIT_SUM] = &clnas_op_def_split_sum,
    [CLNAS_NODE_BN_PART] = &clnas_op_def_bn_part,
    [CLNAS_NODE_BN_BWD_PART] = &clnas_op_def_bn_bwd_part,
    [CLNAS_NODE_BN_SAVED] = &clnas_op_def_bn_saved,
};

static const clnas_op_def unknown = {.kind = CLNAS_NODE_KIND_COUNT, .name = "?", .relu_slot = -1};

const clnas_op_def *clnas_op_def_of(clnas_node_kind kind)
{
    return kind >= 0 && kind < CLNAS_NODE_KIND_COUNT && table[kind] ? table[kind] : &unknown;
}

int clnas_op_shape_of_input(const clnas_graph *g, const clnas_graph_node *n, int shape[4])
{
    const clnas_graph_tensor *x = &g->tensors[n->in[0]];
    for (int i = 0; i < 4; i++)
        shape[i] = x->shape[i];
    return x->ndim;
}

void clnas_op_fold_relu_slot0(clnas_graph_node *n, int x)
{
    n->in[0] = x;
    n->relu_in = 1;
}

void clnas_op_fold_relu_slot1(clnas_graph_node *n, int x)
{
    n->in[1] = x;
    n->relu_in = 1;
}

void clnas_op_fold_relu_bwd_mask(clnas_graph_node *n, int dx, int x)
{
    n->out[0] = dx;
    n->in[n->nin++] = x;
    n->relu_in = 1;
}

void clnas_op_backward_conv_like(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy,
                                 clnas_node_kind filter_kind, clnas_node_kind data_kind)
{
    int x = fwd->in[0], w = fwd->in[1];
    int dw = clnas_backward_param_grad(c, w);
    int fin[2] = {dy, x};
    clnas_backward_emit(c, filter_kind, fin, 2, &dw, 1, fwd, ":backward_filter");
    if (clnas_backward_wants(c, x)) {
        int dx = clnas_backward_grad(c, x);
        int din[2] = {dy, w};
        clnas_backward_emit(c, data_kind, din, 2, &dx, 1, fwd, ":backward_data");
        clnas_backward_contribute(c, x, dx);
    }
}

clnas_status clnas_op_check_shapes(const clnas_graph *g, clnas_error *err)
{
    for (int i = 0; i < g->nnodes; i++) {
        const clnas_graph_node *n = &g->nodes[i];
        const clnas_op_def *def = clnas_op_def_of(n->kind);
        if (n->dead || n->phase != CLNAS_PHASE_FORWARD || !def->shape || n->nout < 1)
            continue;
        int shape[4] = {0, 0, 0, 0}, ndim = def->shape(g, n, shape);
        const clnas_graph_tensor *y = &g->tensors[n->out[0]];
        int same = ndim == y->ndim;
        for (int d = 0; d < ndim && same; d++)
            same = shape[d] == y->shape[d];
        if (!same)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                   "internal: %s (%s) has an output of %dx%dx%dx%d (ndim %d), its shape rule says "
                                   "%dx%dx%dx%d (ndim %d)",
                                   n->label, def->name, y->shape[0], y->shape[1], y->shape[2], y->shape[3], y->ndim,
                                   shape[0], shape[1], shape[2], shape[3], ndim);
    }
    return CLNAS_OK;
}
