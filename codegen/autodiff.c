/* clnas — autodiff: walks the forward graph backwards, emitting each op's backward nodes and summing the
 * gradient contributions of tensors that feed several ops. */
#include "autodiff.h"

#include <stdio.h>
#include <stdlib.h>

#include "op.h"

typedef struct contribution {
    int tensor;
    int next;
} contribution;

struct clnas_backward_ctx {
    clnas_graph *g;
    int *head;             /* per forward tensor: first contribution, -1 none */
    contribution *list;
    int nlist, cap;
    int *param_grad;       /* per tensor: its GRADS tensor for parameters, else -1 */
    int input, input_grad; /* the network's input tensor, and whether it wants a gradient */
    int failed;
};

typedef struct clnas_backward_ctx autodiff;

static int fail(autodiff *ad, int index)
{
    if (index < 0)
        ad->failed = 1;
    return index;
}

void clnas_backward_contribute(autodiff *ad, int t, int grad)
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

const clnas_graph *clnas_backward_graph(const autodiff *ad)
{
    return ad->g;
}

int clnas_backward_tensor(autodiff *ad, const char *name, int ndim, const int *shape)
{
    return fail(ad, clnas_graph_tensor_add(ad->g, name, CLNAS_ARENA_ACT, ndim, shape));
}

int clnas_backward_grad(autodiff *ad, int t)
{
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:grad", ad->g->tensors[t].name);
    clnas_graph_tensor *src = &ad->g->tensors[t];
    int shape[4] = {src->shape[0], src->shape[1], src->shape[2], src->shape[3]};
    return clnas_backward_tensor(ad, name, src->ndim, shape);
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
        int part = clnas_backward_grad(ad, t);
        char label[CLNAS_NAME_MAX];
        snprintf(label, sizeof label, "%s:grad_partial_sum", ad->g->tensors[t].name);
        if (part >= 0)
            fail(ad, clnas_graph_node_add(ad->g, CLNAS_NODE_SUM, CLNAS_PHASE_BACKWARD, terms, n, &part, 1, label));
        ad->head[t] = c;
        clnas_backward_contribute(ad, t, part);
        return gradient_of(ad, t);
    }
    int sum = clnas_backward_grad(ad, t);
    char label[CLNAS_NAME_MAX];
    snprintf(label, sizeof label, "%s:grad_sum", ad->g->tensors[t].name);
    if (sum >= 0)
        fail(ad, clnas_graph_node_add(ad->g, CLNAS_NODE_SUM, CLNAS_PHASE_BACKWARD, terms, n, &sum, 1, label));
    ad->head[t] = -1;
    clnas_backward_contribute(ad, t, sum);
    return sum;
}

int clnas_backward_param_grad(autodiff *ad, int t)
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

int clnas_backward_wants(const autodiff *ad, int t)
{
    clnas_arena a = ad->g->tensors[t].arena;
    if (t == ad->input)
        return ad->input_grad;
    return a == CLNAS_ARENA_ACT;
}

void clnas_backward_emit(autodiff *ad, clnas_node_kind kind, const int *in, int nin, const int *out, int nout,
                         const clnas_graph_node *fwd, const char *suffix)
{
    char label[CLNAS_NAME_MAX];
    snprintf(label, sizeof label, "%s%s", fwd->label, suffix);
    int idx = fail(ad, clnas_graph_node_add(ad->g, kind, CLNAS_PHASE_BACKWARD, in, nin, out, nout, label));
    if (idx >= 0)
        clnas_graph_node_take_attrs(&ad->g->nodes[idx], fwd);
}

/* Backward of one forward node, given dy (the gradient of its first output): its op's backward rule. */
static void backward_node(autodiff *ad, int index, int dy)
{
    const clnas_graph_node fwd = ad->g->nodes[index]; /* copy: adding nodes may move the table */
    const clnas_op_def *def = clnas_op_def_of(fwd.kind);
    if (def->backward)
        def->backward(ad, &fwd, dy);
}

clnas_status clnas_autodiff(clnas_graph *g, const clnas_net_io *io, int input_grad, int *input_grad_tensor,
                            clnas_error *err)
{
    autodiff ad = {g, NULL, NULL, 0, 0, NULL, io->input, input_grad, 0};
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
    clnas_backward_contribute(&ad, io->logits, io->dlogits);
    /* another loss node (DARTS' auxiliary head) seeds its own logits' gradient, which it scaled by its weight */
    for (int i = 0; i < g->nnodes; i++) {
        const clnas_graph_node *n = &g->nodes[i];
        if (n->kind == CLNAS_NODE_SOFTMAX_XENT && n->phase == CLNAS_PHASE_FORWARD && n->nout > 1 &&
            n->out[1] != io->dlogits)
            clnas_backward_contribute(&ad, n->in[0], n->out[1]);
    }

    int nforward = g->nnodes;
    for (int i = nforward - 1; i >= 0 && !ad.failed; i--) {
        if (g->nodes[i].phase != CLNAS_PHASE_FORWARD || g->nodes[i].kind == CLNAS_NODE_SOFTMAX_XENT)
            continue;
        int dy = gradient_of(&ad, g->nodes[i].out[0]);
        if (dy >= 0)
            backward_node(&ad, i, dy);
    }
    *input_grad_tensor = input_grad ? gradient_of(&ad, io->input) : -1;

    for (int i = 0; i < g->nzero_grad && !ad.failed; i++) {
        int dw = clnas_backward_param_grad(&ad, g->zero_grad[i]);
        char label[CLNAS_NAME_MAX];
        snprintf(label, sizeof label, "%s:zero_grad", g->tensors[g->zero_grad[i]].name);
        fail(&ad, clnas_graph_node_add(g, CLNAS_NODE_FILL_ZERO, CLNAS_PHASE_BACKWARD, NULL, 0, &dw, 1, label));
    }
    /* the gradients clipped to a global norm first (the node works on the whole live range of the GRADS arena) */
    if (g->grad_clip > 0 && !ad.failed)
        fail(&ad, clnas_graph_node_add(g, CLNAS_NODE_GRAD_CLIP, CLNAS_PHASE_UPDATE, NULL, 0, NULL, 0,
                                       "grad_clip (all gradients)"));
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
