/* clnas — graph IR storage: growing tables of tensors, nodes and parameters. */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"

void clnas_graph_init(clnas_graph *g)
{
    memset(g, 0, sizeof *g);
}

void clnas_graph_free(clnas_graph *g)
{
    free(g->tensors);
    free(g->nodes);
    free(g->params);
    free(g->zero_grad);
    free(g->order);
    memset(g, 0, sizeof *g);
}

static int grow(void **items, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 0;
    int ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*items, (size_t)ncap * size);
    if (!p)
        return -1;
    *items = p;
    *cap = ncap;
    return 0;
}

int clnas_graph_tensor_add(clnas_graph *g, const char *name, clnas_arena arena, int ndim, const int *shape)
{
    if (ndim < 1 || ndim > 4 || grow((void **)&g->tensors, &g->cap_tensors, g->ntensors + 1, sizeof *g->tensors))
        return -1;
    clnas_graph_tensor *t = &g->tensors[g->ntensors];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->arena = arena;
    t->ndim = ndim;
    t->count = 1;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
        t->count *= (size_t)shape[i];
    }
    t->param = -1;
    t->alias = -1;
    t->view_of = -1;
    t->view_c0 = 0;
    t->first = t->last = -1;
    return g->ntensors++;
}

int clnas_graph_param_add(clnas_graph *g, const char *name, clnas_arena arena, int ndim, const int *shape,
                          clnas_param_init init, int fan_in, int live)
{
    if (grow((void **)&g->params, &g->cap_params, g->nparams + 1, sizeof *g->params))
        return -1;
    int t = clnas_graph_tensor_add(g, name, arena, ndim, shape);
    if (t < 0)
        return -1;
    clnas_param_info *p = &g->params[g->nparams];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->arena = arena;
    p->ndim = ndim;
    memcpy(p->shape, shape, (size_t)ndim * sizeof *shape);
    p->count = g->tensors[t].count;
    p->init = init;
    p->fan_in = fan_in;
    p->live = live;
    g->tensors[t].param = g->nparams++;
    return t;
}

int clnas_graph_node_add(clnas_graph *g, clnas_node_kind kind, clnas_phase phase, const int *in, int nin,
                         const int *out, int nout, const char *label)
{
    if (nin > CLNAS_NODE_MAX_IN || nout > CLNAS_NODE_MAX_OUT ||
        grow((void **)&g->nodes, &g->cap_nodes, g->nnodes + 1, sizeof *g->nodes))
        return -1;
    clnas_graph_node *n = &g->nodes[g->nnodes];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->phase = phase;
    n->nin = nin;
    n->nout = nout;
    for (int i = 0; i < nin; i++)
        n->in[i] = in[i];
    for (int i = 0; i < nout; i++)
        n->out[i] = out[i];
    n->training = 1;
    snprintf(n->label, sizeof n->label, "%s", label ? label : clnas_node_kind_name(kind));
    return g->nnodes++;
}

void clnas_graph_node_take_attrs(clnas_graph_node *n, const clnas_graph_node *from)
{
    n->ksize = from->ksize;
    n->stride = from->stride;
    n->pad = from->pad;
    n->dilation = from->dilation;
    n->relu_in = from->relu_in;
    n->offset = from->offset;
}

int clnas_graph_order_insert(clnas_graph *g, int pos, int node)
{
    int *order = realloc(g->order, (size_t)(g->norder + 1) * sizeof *order);
    if (!order)
        return -1;
    g->order = order;
    memmove(&order[pos + 1], &order[pos], (size_t)(g->norder - pos) * sizeof *order);
    order[pos] = node;
    g->norder++;
    return 0;
}

int clnas_graph_zero_grad_add(clnas_graph *g, int t)
{
    if (grow((void **)&g->zero_grad, &g->cap_zero_grad, g->nzero_grad + 1, sizeof *g->zero_grad))
        return -1;
    g->zero_grad[g->nzero_grad++] = t;
    return 0;
}

int clnas_graph_storage(const clnas_graph *g, int t)
{
    while (t >= 0 && g->tensors[t].alias >= 0)
        t = g->tensors[t].alias;
    return t;
}

int clnas_graph_has_slices(const clnas_graph *g, int t)
{
    for (int u = 0; u < g->ntensors; u++)
        if (g->tensors[u].view_of == t)
            return 1;
    return 0;
}

int clnas_graph_root(const clnas_graph *g, int t)
{
    int s = clnas_graph_storage(g, t);
    while (s >= 0 && g->tensors[s].view_of >= 0)
        s = clnas_graph_storage(g, g->tensors[s].view_of);
    return s;
}

size_t clnas_graph_slice_stride(const clnas_graph *g, int t, size_t *per)
{
    const clnas_graph_tensor *s = &g->tensors[clnas_graph_storage(g, t)];
    *per = s->count / (size_t)(s->shape[0] > 0 ? s->shape[0] : 1);
    if (s->view_of < 0)
        return 0;
    const clnas_graph_tensor *p = &g->tensors[s->view_of];
    return p->count / (size_t)p->shape[0];
}

size_t clnas_graph_span(const clnas_graph *g, int t)
{
    size_t per, stride = clnas_graph_slice_stride(g, t, &per);
    const clnas_graph_tensor *x = &g->tensors[t];
    return stride ? (size_t)(x->shape[0] - 1) * stride + per : x->count;
}

void clnas_graph_count_uses(clnas_graph *g)
{
    for (int t = 0; t < g->ntensors; t++)
        g->tensors[t].producers = g->tensors[t].consumers = 0;
    for (int i = 0; i < g->nnodes; i++) {
        const clnas_graph_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        for (int k = 0; k < n->nin; k++)
            g->tensors[n->in[k]].consumers++;
        for (int k = 0; k < n->nout; k++)
            g->tensors[n->out[k]].producers++;
    }
}

const char *clnas_node_kind_name(clnas_node_kind kind)
{
    return clnas_op_def_of(kind)->name;
}
