/* clnas — autodiff: walks the forward graph backwards, emitting each op's backward nodes and summing the
 * gradient contributions of tensors that feed several ops. */
#include "autodiff.h"

#include <stdio.h>
#include <stdlib.h>

#include "op_mixed.h"

typedef struct contribution {
    int tensor;
    int next;
} contribution;

typedef struct autodiff {
    clnas_graph *g;
    int *head;          /* per forward tensor: first contribution, -1 none */
    contribution *list;
    int nlist, cap;
    int *param_grad;    /* per tensor: its GRADS tensor for parameters, else -1 */
    int failed;
} autodiff;

static int fail(autodiff *ad, int index)
{
    if (index < 0)
        ad->failed = 1;
    return index;
}

static void contribute(autodiff *ad, int t, int grad)
{
    if (ad->nlist == ad->cap) {
        int ncap = ad->cap ? ad->cap * 2 : 256;
        contribution *p = realloc(ad->list, (size_t)ncap * sizeof *p);
        if (!p) {
            ad->failed = 1;
            return;
        }
        ad->list = p;
        ad->cap = ncap;
    }
    ad->list[ad->nlist] = (contribution){grad, ad->head[t]};
    ad->head[t] = ad->nlist++;
}

static int grad_tensor(autodiff *ad, int t)
{
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:grad", ad->g->tensors[t].name);
    clnas_graph_tensor *src = &ad->g->tensors[t];
    int shape[4] = {src->shape[0], src->shape[1], src->shape[2], src->shape[3]};
    return fail(ad, clnas_graph_tensor_add(ad->g, name, CLNAS_ARENA_ACT, src->ndim, shape));
}

/* The gradient of forward tensor t: its one contribution, or the SUM of several (more than a node takes are
 * summed in groups first: a DARTS node feeds up to 12 op gradients); -1 when none reached it. */
static int gradient_of(autodiff *ad, int t)
{
    int first = ad->head[t];
    if (first < 0)
        return -1;
    if (ad->list[first].next < 0)
        return ad->list[first].tensor;
    int terms[CLNAS_NODE_MAX_IN], n = 0, c = first;
    for (; c >= 0 && n < CLNAS_NODE_MAX_IN; c = ad->list[c].next)
        terms[n++] = ad->list[c].tensor;
    if (c >= 0) { /* more remain: this group's sum becomes one contribution among them */
        int part = grad_tensor(ad, t);
        char label[CLNAS_NAME_MAX];
        snprintf(label, sizeof label, "%s:grad_partial_sum", ad->g->tensors[t].name);
        if (part >= 0)
            fail(ad, clnas_graph_node_add(ad->g, CLNAS_NODE_SUM, CLNAS_PHASE_BACKWARD, terms, n, &part, 1, label));
        ad->head[t] = c;
        contribute(ad, t, part);
        return gradient_of(ad, t);
    }
    int sum = grad_tensor(ad, t);
    char label[CLNAS_NAME_MAX];
    snprintf(label, sizeof label, "%s:grad_sum", ad->g->tensors[t].name);
    if (sum >= 0)
        fail(ad, clnas_graph_node_add(ad->g, CLNAS_NODE_SUM, CLNAS_PHASE_BACKWARD, terms, n, &sum, 1, label));
    ad->head[t] = -1;
    contribute(ad, t, sum);
    return sum;
}

static int param_grad(autodiff *ad, int t)
{
    if (ad->param_grad[t] < 0) {
        const clnas_graph_tensor *p = &ad->g->tensors[t];
        char name[CLNAS_NAME_MAX];
        snprintf(name, sizeof name, "grad.%s", p->name);
        int shape[4] = {p->shape[0], p->shape[1], p->shape[2], p->shape[3]};
        int param = p->param, ndim = p->ndim; /* adding a tensor may move the table */
        int gt = fail(ad, clnas_graph_tensor_add(ad->g, name, CLNAS_ARENA_GRADS, ndim, shape));
        if (gt >= 0)
            ad->g->tensors[gt].param = param;
        ad->param_grad[t] = gt;
    }
    return ad->param_grad[t];
}

/* Does forward tensor t want a gradient: activations yes, the input only when asked, labels and state never. */
static int wants_grad(const autodiff *ad, int t, int input, int input_grad)
{
    clnas_arena a = ad->g->tensors[t].arena;
    if (t == input)
        return input_grad;
    return a == CLNAS_ARENA_ACT;
}

static void emit(autodiff *ad, clnas_node_kind kind, const int *in, int nin, const int *out, int nout,
                 const clnas_graph_node *fwd, const char *suffix)
{
    char label[CLNAS_NAME_MAX];
    snprintf(label, sizeof label, "%s%s", fwd->label, suffix);
    int idx = fail(ad, clnas_graph_node_add(ad->g, kind, CLNAS_PHASE_BACKWARD, in, nin, out, nout, label));
    if (idx >= 0) {
        clnas_graph_node *n = &ad->g->nodes[idx];
        n->ksize = fwd->ksize;
        n->stride = fwd->stride;
        n->pad = fwd->pad;
        n->relu_in = fwd->relu_in;
    }
}

/* Backward of one forward node, given dy (the gradient of its first output). */
static void backward_node(autodiff *ad, int index, int dy, int input, int input_grad)
{
    const clnas_graph_node fwd = ad->g->nodes[index]; /* copy: adding nodes may move the table */
    int x = fwd.nin > 0 ? fwd.in[0] : -1;
    int want_x = x >= 0 && wants_grad(ad, x, input, input_grad);
    switch (fwd.kind) {
    case CLNAS_NODE_RELU:
    case CLNAS_NODE_AVGPOOL3:
    case CLNAS_NODE_AVGPOOL2:
    case CLNAS_NODE_GAP: {
        if (!want_x)
            return;
        static const clnas_node_kind bwd[] = {[CLNAS_NODE_RELU] = CLNAS_NODE_RELU_BWD,
                                              [CLNAS_NODE_AVGPOOL3] = CLNAS_NODE_AVGPOOL3_BWD,
                                              [CLNAS_NODE_AVGPOOL2] = CLNAS_NODE_AVGPOOL2_BWD,
                                              [CLNAS_NODE_GAP] = CLNAS_NODE_GAP_BWD};
        int dx = grad_tensor(ad, x);
        int in[2] = {dy, x};
        emit(ad, bwd[fwd.kind], in, fwd.kind == CLNAS_NODE_RELU ? 2 : 1, &dx, 1, &fwd, ":backward");
        contribute(ad, x, dx);
        return;
    }
    case CLNAS_NODE_CONV: {
        int w = fwd.in[1];
        int dw = param_grad(ad, w);
        int fin[2] = {dy, x};
        emit(ad, CLNAS_NODE_CONV_BWD_FILTER, fin, 2, &dw, 1, &fwd, ":backward_filter");
        if (want_x) {
            int dx = grad_tensor(ad, x);
            int din[2] = {dy, w};
            emit(ad, CLNAS_NODE_CONV_BWD_DATA, din, 2, &dx, 1, &fwd, ":backward_data");
            contribute(ad, x, dx);
        }
        return;
    }
    case CLNAS_NODE_BN: {
        int gamma = fwd.in[1], beta = fwd.in[2];
        /* gamma and beta held constant (STATE, BatchNorm without affine parameters): their gradients go to
         * scratch, never to the optimizer */
        int fixed = ad->g->tensors[gamma].arena != CLNAS_ARENA_PARAMS;
        int out[3] = {want_x ? grad_tensor(ad, x) : -1, fixed ? grad_tensor(ad, gamma) : param_grad(ad, gamma),
                      fixed ? grad_tensor(ad, beta) : param_grad(ad, beta)};
        int in[5] = {dy, x, gamma, fwd.out[1], fwd.out[2]};
        if (want_x) {
            emit(ad, CLNAS_NODE_BN_BWD, in, 5, out, 3, &fwd, ":backward");
            contribute(ad, x, out[0]);
        } else {
            emit(ad, CLNAS_NODE_BN_BWD, in, 5, out + 1, 2, &fwd, ":backward");
        }
        return;
    }
    case CLNAS_NODE_BN_CONST: {
        if (ad->g->tensors[fwd.in[0]].arena != CLNAS_ARENA_PARAMS)
            return; /* BatchNorm without affine parameters (GDAS paths): a constant, no gradient to anyone */
        int out[2] = {param_grad(ad, fwd.in[0]), param_grad(ad, fwd.in[1])};
        emit(ad, CLNAS_NODE_BN_CONST_BWD, &dy, 1, out, 2, &fwd, ":backward");
        return;
    }
    case CLNAS_NODE_SUM:
        /* the gradient of a sum reaches each term unchanged */
        for (int i = 0; i < fwd.nin; i++)
            if (wants_grad(ad, fwd.in[i], input, input_grad))
                contribute(ad, fwd.in[i], dy);
        return;
    case CLNAS_NODE_MIXED: {
        /* ins y_1..y_K w dw: dy_k = w[k] dy, and <dy, y_k> per work-group into partials, summed into dw */
        const int k = fwd.nin - 2, w = fwd.in[k], dwt = fwd.in[k + 1];
        const clnas_graph_tensor *yt = &ad->g->tensors[dy];
        clnas_mixed_params p = {(long)yt->count, k, 0, (1 << k) - 1, 0, 0};
        int pshape[1] = {(int)(k * clnas_op_mixed_bwd_groups(&p))};
        char name[CLNAS_NAME_MAX];
        snprintf(name, sizeof name, "%s:partials", fwd.label);
        int partials = fail(ad, clnas_graph_tensor_add(ad->g, name, CLNAS_ARENA_ACT, 1, pshape));
        int in[CLNAS_NODE_MAX_IN], out[CLNAS_NODE_MAX_OUT];
        in[0] = dy;
        out[0] = partials;
        for (int i = 0; i < k; i++) {
            in[1 + i] = fwd.in[i];
            out[1 + i] = grad_tensor(ad, fwd.in[i]);
        }
        in[1 + k] = w;
        emit(ad, CLNAS_NODE_MIXED_BWD, in, k + 2, out, k + 1, &fwd, ":backward");
        int win[2] = {partials, dy};
        emit(ad, CLNAS_NODE_MIXED_WGRAD, win, 2, &dwt, 1, &fwd, ":weight_grad");
        for (int i = 0; i < k; i++)
            if (wants_grad(ad, fwd.in[i], input, input_grad))
                contribute(ad, fwd.in[i], out[1 + i]);
        return;
    }
    case CLNAS_NODE_LINEAR: {
        int w = fwd.in[1], b = fwd.in[2];
        int wout[2] = {param_grad(ad, w), param_grad(ad, b)};
        int win[2] = {dy, x};
        emit(ad, CLNAS_NODE_LINEAR_BWD_WEIGHT, win, 2, wout, 2, &fwd, ":backward_weight");
        if (want_x) {
            int dx = grad_tensor(ad, x);
            int din[2] = {dy, w};
            emit(ad, CLNAS_NODE_LINEAR_BWD_DATA, din, 2, &dx, 1, &fwd, ":backward_data");
            contribute(ad, x, dx);
        }
        return;
    }
    default:
        return;
    }
}

clnas_status clnas_autodiff(clnas_graph *g, const clnas_net_io *io, int input_grad, int *input_grad_tensor,
                            clnas_error *err)
{
    autodiff ad = {g, NULL, NULL, 0, 0, NULL, 0};
    int nt = g->ntensors + 1;
    /* tensors are added while differentiating: size the per-tensor tables for the worst case */
    size_t cap = (size_t)nt * 4 + 64;
    ad.head = malloc(cap * sizeof *ad.head);
    ad.param_grad = malloc(cap * sizeof *ad.param_grad);
    if (!ad.head || !ad.param_grad) {
        free(ad.head);
        free(ad.param_grad);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory in autodiff");
    }
    for (size_t i = 0; i < cap; i++)
        ad.head[i] = ad.param_grad[i] = -1;
    contribute(&ad, io->logits, io->dlogits);

    int nforward = g->nnodes;
    for (int i = nforward - 1; i >= 0 && !ad.failed; i--) {
        if (g->nodes[i].phase != CLNAS_PHASE_FORWARD || g->nodes[i].kind == CLNAS_NODE_SOFTMAX_XENT)
            continue;
        int dy = gradient_of(&ad, g->nodes[i].out[0]);
        if (dy >= 0)
            backward_node(&ad, i, dy, io->input, input_grad);
    }
    *input_grad_tensor = input_grad ? gradient_of(&ad, io->input) : -1;

    for (int i = 0; i < g->nzero_grad && !ad.failed; i++) {
        int dw = param_grad(&ad, g->zero_grad[i]);
        char label[CLNAS_NAME_MAX];
        snprintf(label, sizeof label, "%s:zero_grad", g->tensors[g->zero_grad[i]].name);
        fail(&ad, clnas_graph_node_add(g, CLNAS_NODE_FILL_ZERO, CLNAS_PHASE_BACKWARD, NULL, 0, &dw, 1, label));
    }
    /* one SGD node per trained parameter, in parameter order */
    int nparams_t = g->ntensors;
    for (int t = 0; t < nparams_t && !ad.failed; t++) {
        if (g->tensors[t].arena != CLNAS_ARENA_PARAMS || ad.param_grad[t] < 0)
            continue;
        char name[CLNAS_NAME_MAX];
        snprintf(name, sizeof name, "momentum.%s", g->tensors[t].name);
        clnas_graph_tensor *p = &g->tensors[t];
        int shape[4] = {p->shape[0], p->shape[1], p->shape[2], p->shape[3]};
        int v = fail(&ad, clnas_graph_tensor_add(g, name, CLNAS_ARENA_MOMENTUM, p->ndim, shape));
        if (v < 0)
            break;
        g->tensors[v].param = g->tensors[t].param;
        int in[3] = {t, ad.param_grad[t], v};
        fail(&ad, clnas_graph_node_add(g, CLNAS_NODE_SGD, CLNAS_PHASE_UPDATE, in, 3, NULL, 0, g->tensors[t].name));
    }
    free(ad.head);
    free(ad.param_grad);
    free(ad.list);
    if (ad.failed)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory in autodiff");
    return CLNAS_OK;
}
