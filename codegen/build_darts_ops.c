/* clnas — DARTS' operations as graph pieces (build_darts_ops.h), for a genotype's network and the search network. */
#include "build_darts_ops.h"

#include <stdio.h>
#include <string.h>

#define ZERO CLNAS_BUILD_ZERO

int clnas_darts_half(int n)
{
    return (n + 1) / 2; /* every stride-2 op of the space gives ceil(n/2) */
}

int clnas_darts_relu(clnas_build_ctx *b, int x, const char *label, clnas_fmap m)
{
    return clnas_build_unary(b, CLNAS_NODE_RELU, x, label, m.c, m.h, m.w);
}

int clnas_darts_dwconv(clnas_build_ctx *b, int x, int wt, const char *label, clnas_fmap out, int k, int stride,
                       int pad, int dilation)
{
    if (x == ZERO) {
        if (clnas_graph_zero_grad_add(b->g, wt) < 0)
            clnas_build_checked(b, -1);
        return ZERO;
    }
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:out", label);
    int y = clnas_build_activation(b, name, out.c, out.h, out.w);
    int in[2] = {x, wt};
    int n = clnas_build_node(b, CLNAS_NODE_DWCONV, in, 2, &y, 1, label);
    if (n >= 0) {
        b->g->nodes[n].ksize = k;
        b->g->nodes[n].stride = stride;
        b->g->nodes[n].pad = pad;
        b->g->nodes[n].dilation = dilation;
    }
    return y;
}

int clnas_darts_strided(clnas_build_ctx *b, clnas_node_kind kind, int x, const char *label, clnas_fmap out,
                        int stride, int offset)
{
    if (x == ZERO)
        return ZERO;
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:out", label);
    int y = clnas_build_activation(b, name, out.c, out.h, out.w);
    int n = clnas_build_node(b, kind, &x, 1, &y, 1, label);
    if (n >= 0) {
        b->g->nodes[n].stride = stride;
        b->g->nodes[n].offset = offset;
    }
    return y;
}

int clnas_darts_materialise(clnas_build_ctx *b, int x, const char *label, clnas_fmap m)
{
    if (x != ZERO)
        return x;
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:zeros", label);
    int y = clnas_build_activation(b, name, m.c, m.h, m.w);
    clnas_build_node(b, CLNAS_NODE_FILL_ZERO, NULL, 0, &y, 1, name);
    return y;
}

int clnas_darts_concat(clnas_build_ctx *b, const int *parts, const int *parts_c, int n, const char *label,
                       clnas_fmap out)
{
    int zero = 1;
    for (int i = 0; i < n; i++)
        zero = zero && parts[i] == ZERO;
    if (zero)
        return ZERO;
    if (n == 1)
        return parts[0];
    int in[CLNAS_NODE_MAX_IN];
    for (int i = 0; i < n; i++) {
        char part[CLNAS_NAME_MAX];
        snprintf(part, sizeof part, "%s.%d", label, i);
        in[i] = clnas_darts_materialise(b, parts[i], part, (clnas_fmap){parts_c[i], out.h, out.w});
    }
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:out", label);
    int y = clnas_build_activation(b, name, out.c, out.h, out.w);
    clnas_build_node(b, CLNAS_NODE_CONCAT, in, n, &y, 1, label);
    return y;
}

int clnas_darts_relu_conv_bn(clnas_build_ctx *b, int x, const char *prefix, int ci, clnas_fmap out)
{
    char p1[CLNAS_NAME_MAX], p2[CLNAS_NAME_MAX], l0[CLNAS_NAME_MAX];
    snprintf(p1, sizeof p1, "%sop.1.", prefix);
    snprintf(p2, sizeof p2, "%sop.2.", prefix);
    snprintf(l0, sizeof l0, "%sop.0", prefix);
    int wt = clnas_build_conv_register(b, p1, ci, out.c, 1, 1);
    clnas_bn_params bn = clnas_build_bn_register(b, p2, out.c, 1);
    int r = clnas_darts_relu(b, x, l0, (clnas_fmap){ci, out.h, out.w});
    p1[strlen(p1) - 1] = p2[strlen(p2) - 1] = '\0'; /* the labels: module names without the trailing dot */
    int y = clnas_build_conv(b, r, wt, p1, out.c, out.h, out.w, 1, 1, 0);
    return clnas_build_batchnorm(b, y, &bn, p2, out.c, out.h, out.w);
}

int clnas_darts_factorized_reduce(clnas_build_ctx *b, int x, const char *prefix, int ci, int co, int h, int w)
{
    char p[3][CLNAS_NAME_MAX], label[CLNAS_NAME_MAX];
    static const char *const parts[3] = {"conv_1", "conv_2", "bn"};
    for (int i = 0; i < 3; i++)
        snprintf(p[i], sizeof p[i], "%s%s.", prefix, parts[i]);
    int w1 = clnas_build_conv_register(b, p[0], ci, co / 2, 1, 1);
    int w2 = clnas_build_conv_register(b, p[1], ci, co / 2, 1, 1);
    clnas_bn_params bn = clnas_build_bn_register(b, p[2], co, 1);
    for (int i = 0; i < 3; i++)
        p[i][strlen(p[i]) - 1] = '\0';
    const clnas_fmap out = {co, h / 2, w / 2};
    /* one ReLU node per reader, so fusion folds each into its reader's input load */
    snprintf(label, sizeof label, "%srelu", prefix);
    int r = clnas_darts_relu(b, x, label, (clnas_fmap){ci, h, w});
    int halves[2], halves_c[2] = {co / 2, co / 2};
    halves[0] = clnas_build_conv(b, r, w1, p[0], co / 2, out.h, out.w, 1, 2, 0);
    snprintf(label, sizeof label, "%srelu.1", prefix);
    r = clnas_darts_relu(b, x, label, (clnas_fmap){ci, h, w});
    snprintf(label, sizeof label, "%s.shift", p[1]);
    int shifted = clnas_darts_strided(b, CLNAS_NODE_SUBSAMPLE2, r, label, (clnas_fmap){ci, out.h, out.w}, 2, 1);
    halves[1] = clnas_build_conv(b, shifted, w2, p[1], co / 2, out.h, out.w, 1, 1, 0);
    snprintf(label, sizeof label, "%scat", prefix);
    int cat = clnas_darts_concat(b, halves, halves_c, 2, label, out);
    return clnas_build_batchnorm(b, cat, &bn, p[2], out.c, out.h, out.w);
}

int clnas_darts_conv_op(clnas_build_ctx *b, int x, const char *prefix, clnas_fmap in, int k, int stride,
                        int dilated)
{
    const int blocks = dilated ? 1 : 2, pad = dilated ? k - 1 : k / 2, dil = dilated ? 2 : 1;
    int dw[2], pw[2];
    clnas_bn_params bn[2];
    char p[CLNAS_NAME_MAX];
    for (int i = 0; i < blocks; i++) { /* module order: dw, pw, BN of block 0, then of block 1 */
        snprintf(p, sizeof p, "%sop.%d.", prefix, 4 * i + 1);
        dw[i] = clnas_build_conv_register(b, p, 1, in.c, k, 1);
        snprintf(p, sizeof p, "%sop.%d.", prefix, 4 * i + 2);
        pw[i] = clnas_build_conv_register(b, p, in.c, in.c, 1, 1);
        snprintf(p, sizeof p, "%sop.%d.", prefix, 4 * i + 3);
        bn[i] = clnas_build_bn_register(b, p, in.c, 1);
    }
    clnas_fmap m = in;
    for (int i = 0; i < blocks; i++) {
        const int s = i == 0 ? stride : 1;
        const clnas_fmap out = {in.c, s == 2 ? clnas_darts_half(m.h) : m.h, s == 2 ? clnas_darts_half(m.w) : m.w};
        snprintf(p, sizeof p, "%sop.%d", prefix, 4 * i);
        x = clnas_darts_relu(b, x, p, m);
        snprintf(p, sizeof p, "%sop.%d", prefix, 4 * i + 1);
        x = clnas_darts_dwconv(b, x, dw[i], p, out, k, s, pad, dil);
        snprintf(p, sizeof p, "%sop.%d", prefix, 4 * i + 2);
        x = clnas_build_conv(b, x, pw[i], p, in.c, out.h, out.w, 1, 1, 0);
        snprintf(p, sizeof p, "%sop.%d", prefix, 4 * i + 3);
        x = clnas_build_batchnorm(b, x, &bn[i], p, in.c, out.h, out.w);
        m = out;
    }
    return x;
}

void clnas_darts_head(clnas_build_ctx *b, int x, clnas_fmap m, int loss_aux, clnas_net_io *io)
{
    const clnas_net_config *cfg = b->cfg;
    x = clnas_darts_materialise(b, x, "global_pooling", m);
    int gshape[2] = {cfg->batch, m.c};
    int gp = clnas_build_checked(b, clnas_graph_tensor_add(b->g, "global_pooling:out", CLNAS_ARENA_ACT, 2,
                                                               gshape));
    clnas_build_node(b, CLNAS_NODE_GAP, &x, 1, &gp, 1, "global_pooling");
    int wshape[2] = {cfg->classes, m.c};
    int cw = clnas_build_param(b, "classifier.", "weight", CLNAS_ARENA_PARAMS, 2, wshape,
                               CLNAS_INIT_KAIMING_UNIFORM, m.c, 1);
    int cb = clnas_build_param(b, "classifier.", "bias", CLNAS_ARENA_PARAMS, 1, &cfg->classes,
                               CLNAS_INIT_FAN_IN_UNIFORM, m.c, 1);
    int lshape[2] = {cfg->batch, cfg->classes};
    io->logits = clnas_build_checked(b, clnas_graph_tensor_add(b->g, "logits", CLNAS_ARENA_ACT, 2, lshape));
    int lin[3] = {gp, cw, cb};
    clnas_build_node(b, CLNAS_NODE_LINEAR, lin, 3, &io->logits, 1, "classifier");
    if (!b->training)
        return;
    int one = 1;
    io->loss = clnas_build_checked(b, clnas_graph_tensor_add(b->g, "loss", CLNAS_ARENA_ACT, 1, &one));
    io->dlogits = clnas_build_checked(b, clnas_graph_tensor_add(b->g, "logits:grad", CLNAS_ARENA_ACT, 2,
                                                                    lshape));
    int main_loss = loss_aux >= 0 ? clnas_build_checked(b, clnas_graph_tensor_add(b->g, "loss_main",
                                                                                      CLNAS_ARENA_ACT, 1, &one))
                                  : io->loss;
    int in[2] = {io->logits, io->labels};
    int out[2] = {main_loss, io->dlogits};
    clnas_build_node(b, CLNAS_NODE_SOFTMAX_XENT, in, 2, out, 2, "loss");
    if (loss_aux >= 0) { /* loss = loss_main + auxiliary_weight * loss_aux (DARTS' train.py) */
        int terms[2] = {main_loss, loss_aux};
        clnas_build_node(b, CLNAS_NODE_SUM, terms, 2, &io->loss, 1, "loss_total");
    }
}
