/* clnas — the binary codes of a network's ReLU units after a forward pass (NASWOT, Mellor et al. 2021), read from
 * the activations the training plan keeps for its backward pass. */
#include "clnas/model.h"

#include <stdlib.h>
#include <string.h>

#include "build_network.h"
#include "executor.h"
#include "graph.h"
#include "model_build.h"
#include "plan.h"

/* The plan buffer called name, or -1. */
static int find_buffer(const clnas_plan *plan, const char *name)
{
    for (int b = 0; b < plan->nbuffers; b++)
        if (strcmp(plan->buffers[b].name, name) == 0)
            return b;
    return -1;
}

/* 1 when buffer b holds its forward value at the end of the forward pass: a forward launch writes it and no later
 * forward launch writes memory it overlaps (the memory plan reuses a tensor's memory once nothing reads it). */
static int intact_after_forward(const clnas_plan *plan, int b)
{
    const clnas_plan_buffer *t = &plan->buffers[b];
    int last = -1;
    for (int i = 0; i < plan->ntrain; i++)
        for (int a = 0; plan->train[i].phase == CLNAS_PHASE_FORWARD && a < CLNAS_MAX_KERNEL_ARGS; a++)
            if (plan->train[i].arg[a].tensor == b && plan->train[i].arg[a].writes)
                last = i;
    for (int i = last + 1; last >= 0 && i < plan->ntrain; i++) {
        if (plan->train[i].phase != CLNAS_PHASE_FORWARD)
            continue;
        for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++) {
            const clnas_plan_binding *x = &plan->train[i].arg[a];
            if (x->writes && x->tensor != b && x->arena == t->arena && x->offset < t->offset + t->count
                && t->offset < x->offset + x->count)
                return 0;
        }
    }
    return last >= 0;
}

/* Calls fn for the plan buffer holding each ReLU's input (or output) sign, in network order. */
typedef clnas_status (*relu_fn)(clnas_model *model, const clnas_plan_buffer *t, size_t per_image, void *arg,
                                clnas_error *err);

static clnas_status each_relu(clnas_model *model, relu_fn fn, void *arg, clnas_error *err)
{
    const clnas_plan *plan = clnas_model_plan(model);
    clnas_graph g;
    clnas_graph_init(&g);
    clnas_net_io io;
    clnas_status st = clnas_build_network(&plan->config, 1, &g, &io, err);
    for (int i = 0; i < g.nnodes && st == CLNAS_OK; i++) {
        const clnas_graph_node *n = &g.nodes[i];
        if (n->kind != CLNAS_NODE_RELU || n->phase != CLNAS_PHASE_FORWARD)
            continue;
        int b = find_buffer(plan, g.tensors[n->in[0]].name);
        if (b < 0 || !intact_after_forward(plan, b))
            b = find_buffer(plan, g.tensors[n->out[0]].name);
        if (b < 0 || !intact_after_forward(plan, b)) {
            st = clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "ReLU codes: the plan keeps neither the input (%s) "
                                 "nor the output of ReLU %s after its forward pass", g.tensors[n->in[0]].name,
                                 n->label);
            break;
        }
        const size_t batch = (size_t)plan->config.batch;
        if (plan->buffers[b].count % batch)
            st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "ReLU codes: tensor %s has %zu elements, not a "
                                 "multiple of the batch %zu", plan->buffers[b].name, plan->buffers[b].count, batch);
        else
            st = fn(model, &plan->buffers[b], plan->buffers[b].count / batch, arg, err);
    }
    clnas_graph_free(&g);
    return st;
}

static clnas_status count_units(clnas_model *model, const clnas_plan_buffer *t, size_t per_image, void *arg,
                                clnas_error *err)
{
    (void)model, (void)t, (void)err;
    *(size_t *)arg += per_image;
    return CLNAS_OK;
}

clnas_status clnas_model_relu_units(clnas_model *model, size_t *units, clnas_error *err)
{
    *units = 0;
    return each_relu(model, count_units, units, err);
}

typedef struct code_sink {
    uint64_t *bits;
    size_t words, next; /* next: the first unit of the next ReLU */
} code_sink;

static clnas_status read_codes(clnas_model *model, const clnas_plan_buffer *t, size_t per_image, void *arg,
                               clnas_error *err)
{
    code_sink *s = arg;
    const size_t batch = t->count / per_image;
    if (s->next + per_image > s->words * 64)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "ReLU codes: %zu words per image hold %zu units, the "
                               "network has more", s->words, s->words * 64);
    double *v = malloc(t->count * sizeof *v);
    if (!v)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "ReLU codes: out of memory");
    clnas_status st = clnas_executor_read(clnas_model_executor(model), t->arena, t->offset, v, t->count, err);
    for (size_t n = 0; n < batch && st == CLNAS_OK; n++) {
        uint64_t *row = s->bits + n * s->words;
        for (size_t e = 0; e < per_image; e++) {
            const size_t u = s->next + e;
            if (v[n * per_image + e] > 0.0)
                row[u / 64] |= (uint64_t)1 << (u % 64);
        }
    }
    s->next += per_image;
    free(v);
    return st;
}

clnas_status clnas_model_relu_codes(clnas_model *model, uint64_t *bits, size_t words, clnas_error *err)
{
    memset(bits, 0, (size_t)clnas_model_config(model)->batch * words * sizeof *bits);
    code_sink s = {bits, words, 0};
    return each_relu(model, read_codes, &s, err);
}
