/* clnas — emission: lowers each launch of a fused, planned graph to a kernel descriptor with its buffer
 * bindings, and collects the distinct kernels and OpenCL programs of the plan. */
#include "emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_desc.h"
#include "op_bn.h"
#include "op_conv.h"
#include "op_eltwise.h"
#include "op_head.h"
#include "op_linear.h"
#include "op_loss.h"
#include "op_mixed.h"
#include "op_pool.h"
#include "op_sgd.h"

typedef struct lowering {
    const clnas_graph *g;
    const clnas_net_config *cfg;
    clnas_plan_launch *launch;
    clnas_kernel_desc desc;
    clnas_error *err;
} lowering;

static const clnas_graph_tensor *T(const lowering *l, int t)
{
    return &l->g->tensors[t];
}

/* Binds tensor t to the descriptor's slot `slot`. */
static clnas_status bind(lowering *l, const char *slot, int t)
{
    int a = clnas_kernel_desc_find_arg(&l->desc, slot);
    if (a < 0)
        return clnas_error_set(l->err, CLNAS_ERR_INVALID_ARG, "internal: kernel %s has no slot '%s' (%s)",
                               l->desc.entry, slot, l->launch->label);
    int s = clnas_graph_storage(l->g, t);
    clnas_plan_binding *b = &l->launch->arg[a];
    b->arena = T(l, s)->arena;
    b->offset = T(l, t)->offset;
    b->count = T(l, t)->count;
    b->tensor = s;
    return CLNAS_OK;
}

#define TRY(expr)                                                                                                     \
    do {                                                                                                              \
        clnas_status st_ = (expr);                                                                                    \
        if (st_ != CLNAS_OK)                                                                                          \
            return st_;                                                                                               \
    } while (0)

static clnas_conv_params conv_params(const lowering *l, const clnas_graph_node *n, int x, int y)
{
    clnas_conv_params p = {0};
    p.n = T(l, x)->shape[0];
    p.ci = T(l, x)->shape[1];
    p.h = T(l, x)->shape[2];
    p.w = T(l, x)->shape[3];
    p.co = T(l, y)->shape[1];
    p.ksize = n->ksize;
    p.stride = n->stride;
    p.pad = n->pad;
    p.relu_in = n->relu_in;
    return p;
}

static clnas_bn_params bn_params(const lowering *l, int t, int accum)
{
    clnas_bn_params p = {0};
    p.n = T(l, t)->shape[0];
    p.c = T(l, t)->shape[1];
    p.hw = T(l, t)->shape[2] * T(l, t)->shape[3];
    p.eps = l->cfg->bn_eps;
    p.momentum = l->cfg->bn_momentum;
    p.accum = accum;
    return p;
}

static clnas_pool_params pool_params(const lowering *l, int x, int accum)
{
    clnas_pool_params p = {0};
    p.n = T(l, x)->shape[0];
    p.c = T(l, x)->shape[1];
    p.h = T(l, x)->shape[2];
    p.w = T(l, x)->shape[3];
    p.accum = accum;
    return p;
}

static clnas_status lower_node(lowering *l, const clnas_graph_node *n, size_t live_params)
{
    clnas_error *err = l->err;
    clnas_kernel_desc *d = &l->desc;
    int acc = n->accum[0];
    switch (n->kind) {
    case CLNAS_NODE_CONV: {
        clnas_conv_params p = conv_params(l, n, n->in[0], n->out[0]);
        p.accum = acc;
        TRY(clnas_op_conv_fwd_desc(&p, d, err));
        TRY(clnas_gemm_desc_conv_fwd(&p, d, l->cfg->fp64, &l->launch->gemm, err));
        TRY(bind(l, "x", n->in[0]));
        TRY(bind(l, "w", n->in[1]));
        return bind(l, "y", n->out[0]);
    }
    case CLNAS_NODE_CONV_BWD_DATA: {
        clnas_conv_params p = conv_params(l, n, n->out[0], n->in[0]);
        p.accum = acc;
        TRY(clnas_op_conv_bwd_data_desc(&p, d, err));
        TRY(clnas_gemm_desc_conv_bwd_data(&p, d, l->cfg->fp64, &l->launch->gemm, err));
        TRY(bind(l, "dy", n->in[0]));
        TRY(bind(l, "w", n->in[1]));
        if (n->relu_in)
            TRY(bind(l, "x", n->in[2]));
        return bind(l, "dx", n->out[0]);
    }
    case CLNAS_NODE_CONV_BWD_FILTER: {
        clnas_conv_params p = conv_params(l, n, n->in[1], n->in[0]);
        TRY(clnas_op_conv_bwd_filter_desc(&p, d, err));
        TRY(clnas_gemm_desc_conv_bwd_filter(&p, d, l->cfg->fp64, &l->launch->gemm, err));
        TRY(bind(l, "dy", n->in[0]));
        TRY(bind(l, "x", n->in[1]));
        return bind(l, "dw", n->out[0]);
    }
    case CLNAS_NODE_BN: {
        clnas_bn_params p = bn_params(l, n->in[0], acc);
        static const char *const slots[] = {"x", "gamma", "beta", "rmean", "rvar"};
        if (n->training)
            TRY(clnas_op_bn_fwd_train_desc(&p, d, err));
        else
            TRY(clnas_op_bn_fwd_eval_desc(&p, d, err));
        for (int i = 0; i < 5; i++)
            TRY(bind(l, slots[i], n->in[i]));
        if (n->training) {
            TRY(bind(l, "smean", n->out[1]));
            TRY(bind(l, "sinvstd", n->out[2]));
        }
        return bind(l, "y", n->out[0]);
    }
    case CLNAS_NODE_BN_CONST: {
        clnas_bn_params p = bn_params(l, n->out[0], acc);
        if (n->training) {
            TRY(clnas_op_bn_const_fwd_train_desc(&p, d, err));
        } else {
            TRY(clnas_op_bn_const_fwd_eval_desc(&p, d, err));
            TRY(bind(l, "gamma", n->in[0]));
        }
        TRY(bind(l, "beta", n->in[1]));
        TRY(bind(l, "rmean", n->in[2]));
        TRY(bind(l, "rvar", n->in[3]));
        return bind(l, "y", n->out[0]);
    }
    case CLNAS_NODE_BN_BWD: {
        if (n->nout != 3)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: %s has no input gradient", n->label);
        clnas_bn_params p = bn_params(l, n->in[1], acc);
        TRY(clnas_op_bn_bwd_desc(&p, d, err));
        static const char *const in[] = {"dy", "x", "gamma", "smean", "sinvstd"};
        for (int i = 0; i < 5; i++)
            TRY(bind(l, in[i], n->in[i]));
        TRY(bind(l, "dx", n->out[0]));
        TRY(bind(l, "dgamma", n->out[1]));
        return bind(l, "dbeta", n->out[2]);
    }
    case CLNAS_NODE_BN_CONST_BWD: {
        clnas_bn_params p = bn_params(l, n->in[0], 0);
        TRY(clnas_op_bn_const_bwd_desc(&p, d, err));
        TRY(bind(l, "dy", n->in[0]));
        TRY(bind(l, "dgamma", n->out[0]));
        return bind(l, "dbeta", n->out[1]);
    }
    case CLNAS_NODE_AVGPOOL3:
    case CLNAS_NODE_AVGPOOL2: {
        clnas_pool_params p = pool_params(l, n->in[0], acc);
        if (n->kind == CLNAS_NODE_AVGPOOL3)
            TRY(clnas_op_avgpool3_fwd_desc(&p, d, err));
        else
            TRY(clnas_op_avgpool2_fwd_desc(&p, d, err));
        TRY(bind(l, "x", n->in[0]));
        return bind(l, "y", n->out[0]);
    }
    case CLNAS_NODE_AVGPOOL3_BWD:
    case CLNAS_NODE_AVGPOOL2_BWD: {
        clnas_pool_params p = pool_params(l, n->out[0], acc);
        if (n->kind == CLNAS_NODE_AVGPOOL3_BWD)
            TRY(clnas_op_avgpool3_bwd_desc(&p, d, err));
        else
            TRY(clnas_op_avgpool2_bwd_desc(&p, d, err));
        TRY(bind(l, "dy", n->in[0]));
        return bind(l, "dx", n->out[0]);
    }
    case CLNAS_NODE_GAP_RELU:
    case CLNAS_NODE_GAP_RELU_BWD: {
        int x = n->kind == CLNAS_NODE_GAP_RELU ? n->in[0] : n->in[1];
        clnas_head_params p = {0};
        p.n = T(l, x)->shape[0];
        p.c = T(l, x)->shape[1];
        p.hw = T(l, x)->shape[2] * T(l, x)->shape[3];
        p.accum = acc;
        if (n->kind == CLNAS_NODE_GAP_RELU) {
            TRY(clnas_op_gap_relu_fwd_desc(&p, d, err));
            TRY(bind(l, "x", x));
            return bind(l, "y", n->out[0]);
        }
        TRY(clnas_op_gap_relu_bwd_desc(&p, d, err));
        TRY(bind(l, "dy", n->in[0]));
        TRY(bind(l, "x", x));
        return bind(l, "dx", n->out[0]);
    }
    case CLNAS_NODE_LINEAR:
    case CLNAS_NODE_LINEAR_BWD_DATA:
    case CLNAS_NODE_LINEAR_BWD_WEIGHT: {
        int w = n->kind == CLNAS_NODE_LINEAR_BWD_WEIGHT ? n->out[0] : n->in[1];
        clnas_linear_params p = {0};
        p.n = l->cfg->batch;
        p.out = T(l, w)->shape[0];
        p.in = T(l, w)->shape[1];
        p.accum = acc;
        if (n->kind == CLNAS_NODE_LINEAR) {
            TRY(clnas_op_linear_fwd_desc(&p, d, err));
            TRY(clnas_gemm_desc_linear_fwd(&p, d, l->cfg->fp64, &l->launch->gemm, err));
            TRY(bind(l, "x", n->in[0]));
            TRY(bind(l, "w", n->in[1]));
            TRY(bind(l, "b", n->in[2]));
            return bind(l, "y", n->out[0]);
        }
        if (n->kind == CLNAS_NODE_LINEAR_BWD_DATA) {
            TRY(clnas_op_linear_bwd_data_desc(&p, d, err));
            TRY(clnas_gemm_desc_linear_bwd_data(&p, d, l->cfg->fp64, &l->launch->gemm, err));
            TRY(bind(l, "dy", n->in[0]));
            TRY(bind(l, "w", n->in[1]));
            return bind(l, "dx", n->out[0]);
        }
        TRY(clnas_op_linear_bwd_weight_desc(&p, d, err));
        TRY(clnas_gemm_desc_linear_bwd_weight(&p, d, l->cfg->fp64, &l->launch->gemm, err));
        TRY(bind(l, "dy", n->in[0]));
        TRY(bind(l, "x", n->in[1]));
        TRY(bind(l, "dw", n->out[0]));
        return bind(l, "db", n->out[1]);
    }
    case CLNAS_NODE_SOFTMAX_XENT: {
        clnas_loss_params p = {0};
        p.n = T(l, n->in[0])->shape[0];
        p.classes = T(l, n->in[0])->shape[1];
        TRY(clnas_op_softmax_xent_desc(&p, d, err));
        TRY(bind(l, "logits", n->in[0]));
        TRY(bind(l, "labels", n->in[1]));
        TRY(bind(l, "loss", n->out[0]));
        return bind(l, "dlogits", n->out[1]);
    }
    case CLNAS_NODE_MIXED:
    case CLNAS_NODE_MIXED_BWD:
    case CLNAS_NODE_MIXED_WGRAD: {
        /* MIXED: ins y_1..y_K w dw; MIXED_BWD: ins dy y_1..y_K w, outs partials dy_1..dy_K; WGRAD: ins partials dy */
        const int k = n->nin - 2; /* unused by the weight gradient */
        const int g = n->kind == CLNAS_NODE_MIXED ? n->out[0] : n->in[n->kind == CLNAS_NODE_MIXED_BWD ? 0 : 1];
        clnas_mixed_params p = {(long)T(l, g)->count, k, 0, 0, 0, 0};
        char slot[8];
        if (n->kind == CLNAS_NODE_MIXED) {
            p.accum = acc;
            TRY(clnas_op_mixed_fwd_desc(&p, d, err));
            for (int i = 0; i < k; i++) {
                snprintf(slot, sizeof slot, "y%d", i);
                TRY(bind(l, slot, n->in[i]));
            }
            TRY(bind(l, "w", n->in[k]));
            return bind(l, "out", n->out[0]);
        }
        if (n->kind == CLNAS_NODE_MIXED_BWD) {
            p.dy_mask = (1 << k) - 1;
            for (int i = 0; i < k; i++)
                p.dy_accum |= n->accum[1 + i] << i;
            TRY(clnas_op_mixed_bwd_desc(&p, d, err));
            TRY(bind(l, "g", n->in[0]));
            for (int i = 0; i < k; i++) {
                snprintf(slot, sizeof slot, "y%d", i);
                TRY(bind(l, slot, n->in[1 + i]));
                snprintf(slot, sizeof slot, "dy%d", i);
                TRY(bind(l, slot, n->out[1 + i]));
            }
            TRY(bind(l, "w", n->in[1 + k]));
            return bind(l, "partials", n->out[0]);
        }
        /* the weight gradient: K from the partials' length, `groups` per op (groups depend on the count only) */
        p.k = (int)(T(l, n->in[0])->count / (size_t)clnas_op_mixed_bwd_groups(&p));
        p.dw_accum = acc;
        TRY(clnas_op_mixed_wgrad_desc(&p, d, err));
        TRY(bind(l, "partials", n->in[0]));
        return bind(l, "dw", n->out[0]);
    }
    case CLNAS_NODE_ADD:
    case CLNAS_NODE_FILL_ZERO: {
        clnas_eltwise_params p = {0};
        p.count = (long)T(l, n->out[0])->count;
        p.accum = acc;
        if (n->kind == CLNAS_NODE_ADD) {
            TRY(clnas_op_add_desc(&p, d, err));
            TRY(bind(l, "x", n->in[0]));
        } else {
            TRY(clnas_op_fill_desc(&p, d, err));
        }
        return bind(l, "y", n->out[0]);
    }
    case CLNAS_NODE_SGD_ARENA: {
        clnas_sgd_params p = {0};
        p.count = (long)live_params;
        p.momentum = l->cfg->sgd_momentum;
        p.weight_decay = l->cfg->weight_decay;
        p.nesterov = l->cfg->nesterov;
        TRY(clnas_op_sgd_desc(&p, d, err));
        static const char *const slots[] = {"p", "g", "v"};
        static const clnas_arena arenas[] = {CLNAS_ARENA_PARAMS, CLNAS_ARENA_GRADS, CLNAS_ARENA_MOMENTUM};
        for (int i = 0; i < 3; i++) {
            int a = clnas_kernel_desc_find_arg(d, slots[i]);
            if (a < 0)
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: sgd kernel has no slot %s", slots[i]);
            l->launch->arg[a] = (clnas_plan_binding){arenas[i], 0, live_params, -1};
        }
        return CLNAS_OK;
    }
    default:
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "internal: no kernel for node %s (%s) after fusion",
                               n->label, clnas_node_kind_name(n->kind));
    }
}

static int same_desc(const clnas_kernel_desc *a, const clnas_kernel_desc *b)
{
    if (strcmp(a->template_name, b->template_name) || strcmp(a->entry, b->entry) || a->ndefines != b->ndefines ||
        a->dims != b->dims || a->nargs != b->nargs)
        return 0;
    for (int i = 0; i < a->ndefines; i++)
        if (strcmp(a->defines[i].name, b->defines[i].name) || strcmp(a->defines[i].value, b->defines[i].value))
            return 0;
    for (int i = 0; i < 3; i++)
        if (a->global[i] != b->global[i] || a->local[i] != b->local[i])
            return 0;
    return 1;
}

clnas_status clnas_emit_add_kernel(clnas_plan *plan, const clnas_kernel_desc *desc, int *index, clnas_error *err)
{
    for (int i = 0; i < plan->nkernels; i++)
        if (same_desc(&plan->kernels[i].desc, desc)) {
            *index = i;
            return CLNAS_OK;
        }
    int program = -1;
    char *src = NULL;
    clnas_status st = plan->descs_only ? CLNAS_OK : clnas_kernel_source(desc, plan->config.fp64, &src, err);
    if (st != CLNAS_OK)
        return st;
    /* kernels whose source differs only in the entry point share a program: compare without the banner */
    const char *body = src ? strchr(src, '\n') : NULL;
    for (int i = 0; src && i < plan->nprograms && program < 0; i++) {
        const char *other = strchr(plan->program_sources[i], '\n');
        if (strcmp(body, other) == 0)
            program = i;
    }
    if (src && program < 0) {
        char **p = realloc(plan->program_sources, (size_t)(plan->nprograms + 1) * sizeof *p);
        if (!p) {
            free(src);
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        }
        plan->program_sources = p;
        p[plan->nprograms] = src;
        program = plan->nprograms++;
    } else {
        free(src);
    }
    clnas_plan_kernel *k = realloc(plan->kernels, (size_t)(plan->nkernels + 1) * sizeof *k);
    if (!k)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    plan->kernels = k;
    k[plan->nkernels].desc = *desc;
    k[plan->nkernels].program = program;
    *index = plan->nkernels++;
    return CLNAS_OK;
}

clnas_status clnas_emit(const clnas_graph *g, size_t live_params, clnas_plan *plan, clnas_plan_launch **out,
                        int *nout, clnas_error *err)
{
    clnas_plan_launch *launches = calloc((size_t)g->norder + 1, sizeof *launches);
    if (!launches)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory emitting kernels");
    for (int i = 0; i < g->norder; i++) {
        const clnas_graph_node *n = &g->nodes[g->order[i]];
        clnas_plan_launch *launch = &launches[i];
        memcpy(launch->label, n->label, sizeof launch->label);
        launch->phase = n->phase;
        launch->kind = n->kind;
        for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++)
            launch->arg[a].tensor = -1;
        lowering l;
        memset(&l, 0, sizeof l);
        l.g = g;
        l.cfg = &plan->config;
        l.launch = launch;
        l.err = err;
        clnas_status st = lower_node(&l, n, live_params);
        if (st == CLNAS_OK)
            st = clnas_emit_add_kernel(plan, &l.desc, &launch->kernel, err);
        if (st != CLNAS_OK) {
            free(launches);
            return st;
        }
    }
    /* the source banner names the first entry; kernels sharing a program keep the program's banner */
    *out = launches;
    *nout = g->norder;
    return CLNAS_OK;
}
