/* clnas — what every network builder shares: named tensors, nodes and parameters, and the ops that fold zeros. */
#include "build_common.h"

#include <stdio.h>

int clnas_build_checked(clnas_build_ctx *b, int index)
{
    if (index < 0 && !b->failed) {
        b->failed = 1;
        clnas_error_set(b->err, CLNAS_ERR_NO_MEMORY, "out of memory building the network graph");
    }
    return index;
}

int clnas_build_activation(clnas_build_ctx *b, const char *name, int c, int h, int w)
{
    int shape[4] = {b->cfg->batch, c, h, w};
    return clnas_build_checked(b, clnas_graph_tensor_add(b->g, name, CLNAS_ARENA_ACT, 4, shape));
}

int clnas_build_node(clnas_build_ctx *b, clnas_node_kind kind, const int *in, int nin, const int *out, int nout,
                     const char *label)
{
    return clnas_build_checked(b, clnas_graph_node_add(b->g, kind, CLNAS_PHASE_FORWARD, in, nin, out, nout, label));
}

int clnas_build_param(clnas_build_ctx *b, const char *prefix, const char *suffix, clnas_arena arena, int ndim,
                      const int *shape, clnas_param_init init, int fan_in, int live)
{
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s%s", prefix, suffix);
    return clnas_build_checked(b, clnas_graph_param_add(b->g, name, arena, ndim, shape, init, fan_in, live));
}

clnas_bn_params clnas_build_bn_register(clnas_build_ctx *b, const char *prefix, int c, int live)
{
    clnas_bn_params p;
    /* Without affine parameters (DARTS search cells) gamma and beta are constants 1 and 0 in STATE: no gradient
     * reaches them and the optimizer never sees them. */
    const clnas_arena affine = b->affine ? CLNAS_ARENA_PARAMS : CLNAS_ARENA_STATE;
    p.gamma = clnas_build_param(b, prefix, "weight", affine, 1, &c, CLNAS_INIT_ONES, 0, live);
    p.beta = clnas_build_param(b, prefix, "bias", affine, 1, &c, CLNAS_INIT_ZEROS, 0, live);
    p.rmean = clnas_build_param(b, prefix, "running_mean", CLNAS_ARENA_STATE, 1, &c, CLNAS_INIT_ZEROS, 0, live);
    p.rvar = clnas_build_param(b, prefix, "running_var", CLNAS_ARENA_STATE, 1, &c, CLNAS_INIT_ONES, 0, live);
    return p;
}

int clnas_build_conv_register(clnas_build_ctx *b, const char *prefix, int ci, int co, int k, int live)
{
    int shape[4] = {co, ci, k, k};
    return clnas_build_param(b, prefix, "weight", CLNAS_ARENA_PARAMS, 4, shape, CLNAS_INIT_KAIMING_UNIFORM,
                             ci * k * k, live);
}

int clnas_build_batchnorm(clnas_build_ctx *b, int x, const clnas_bn_params *p, const char *label, int c, int h, int w)
{
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:out", label);
    int y = clnas_build_activation(b, name, c, h, w);
    if (x == CLNAS_BUILD_ZERO) {
        int in[4] = {p->gamma, p->beta, p->rmean, p->rvar};
        int n = clnas_build_node(b, CLNAS_NODE_BN_CONST, in, 4, &y, 1, label);
        if (n >= 0)
            b->g->nodes[n].training = b->training;
        return y;
    }
    int in[5] = {x, p->gamma, p->beta, p->rmean, p->rvar};
    int out[3] = {y, -1, -1};
    int nout = 1;
    if (b->training) {
        int cshape[1] = {c};
        snprintf(name, sizeof name, "%s:mean", label);
        out[1] = clnas_build_checked(b, clnas_graph_tensor_add(b->g, name, CLNAS_ARENA_ACT, 1, cshape));
        snprintf(name, sizeof name, "%s:invstd", label);
        out[2] = clnas_build_checked(b, clnas_graph_tensor_add(b->g, name, CLNAS_ARENA_ACT, 1, cshape));
        nout = 3;
    }
    int n = clnas_build_node(b, CLNAS_NODE_BN, in, 5, out, nout, label);
    if (n >= 0)
        b->g->nodes[n].training = b->training;
    return y;
}

int clnas_build_conv(clnas_build_ctx *b, int x, int w, const char *label, int co, int h, int wd, int k, int stride,
                     int pad)
{
    if (x == CLNAS_BUILD_ZERO) {
        /* conv of zeros is zeros; its weight still takes part (its gradient is zero, weight decay applies) */
        if (clnas_graph_zero_grad_add(b->g, w) < 0)
            clnas_build_checked(b, -1);
        return CLNAS_BUILD_ZERO;
    }
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:out", label);
    int y = clnas_build_activation(b, name, co, h, wd);
    int in[2] = {x, w};
    int n = clnas_build_node(b, CLNAS_NODE_CONV, in, 2, &y, 1, label);
    if (n >= 0) {
        b->g->nodes[n].ksize = k;
        b->g->nodes[n].stride = stride;
        b->g->nodes[n].pad = pad;
    }
    return y;
}

int clnas_build_unary(clnas_build_ctx *b, clnas_node_kind kind, int x, const char *label, int c, int h, int w)
{
    if (x == CLNAS_BUILD_ZERO)
        return CLNAS_BUILD_ZERO;
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:out", label);
    int y = clnas_build_activation(b, name, c, h, w);
    clnas_build_node(b, kind, &x, 1, &y, 1, label);
    return y;
}

int clnas_build_sum(clnas_build_ctx *b, const int *terms, int nterms, const char *label, int c, int h, int w)
{
    int live[CLNAS_NODE_MAX_IN], n = 0;
    for (int i = 0; i < nterms; i++)
        if (terms[i] != CLNAS_BUILD_ZERO)
            live[n++] = terms[i];
    if (n == 0)
        return CLNAS_BUILD_ZERO;
    if (n == 1)
        return live[0];
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:out", label);
    int y = clnas_build_activation(b, name, c, h, w);
    clnas_build_node(b, CLNAS_NODE_SUM, live, n, &y, 1, label);
    return y;
}

int clnas_build_mixed(clnas_build_ctx *b, const int *ys, int n, int w, int dw, const char *label, int c, int h,
                      int wd)
{
    int in[CLNAS_NODE_MAX_IN];
    for (int i = 0; i < n; i++)
        in[i] = ys[i];
    in[n] = w;
    in[n + 1] = dw;
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:out", label);
    int y = clnas_build_activation(b, name, c, h, wd);
    clnas_build_node(b, CLNAS_NODE_MIXED, in, n + 2, &y, 1, label);
    return y;
}
