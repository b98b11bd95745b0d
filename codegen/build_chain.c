/* clnas — forward graph of a chain-structured network: stem, layers (ReLU-conv-BN, pools, identity) joined with
 * their skips by sum or concatenation, ReLU, global average pooling, classifier. */
#include "build_chain.h"

#include <stdio.h>
#include <string.h>

#include "build_common.h"
#include "network_chain.h"

typedef clnas_build_ctx builder; /* codegen/build_common.h */
typedef clnas_chain_fmap chain_out;

/* A node of one input x producing a new [c, h, w] activation named after label, at the given stride (pools). */
static int unary(builder *b, clnas_node_kind kind, int x, const char *label, int c, int h, int w, int stride)
{
    int y = clnas_build_unary(b, kind, x, label, c, h, w);
    if (!b->failed)
        b->g->nodes[b->g->nnodes - 1].stride = stride;
    return y;
}

/* BatchNorm over c channels registered under prefix "layers.I.bn." (PyTorch's BatchNorm2d order). */
static int batchnorm(builder *b, int x, const char *prefix, int c, int h, int w)
{
    char p[CLNAS_NAME_MAX], label[CLNAS_NAME_MAX];
    snprintf(p, sizeof p, "%sbn.", prefix);
    snprintf(label, sizeof label, "%sbn", prefix);
    clnas_bn_params bn = clnas_build_bn_register(b, p, c, 1);
    return clnas_build_batchnorm(b, x, &bn, label, c, h, w);
}

/* Convolution of x (k x k, stride, padding k/2, no bias) to co channels; the weight is prefix+"weight". */
static int conv(builder *b, int x, const char *prefix, const char *label, int ci, int co, int ho, int wo, int k,
                int stride)
{
    int wt = clnas_build_conv_register(b, prefix, ci, co, k, 1);
    return clnas_build_conv(b, x, wt, label, co, ho, wo, k, stride, k / 2);
}

/* Depthwise k x k convolution of x (stride, padding k/2) over c channels; the weight [c, 1, k, k] is
 * prefix+"weight". */
static int dwconv(builder *b, int x, const char *prefix, const char *label, int c, int ho, int wo, int k, int stride)
{
    int shape[4] = {c, 1, k, k};
    int wt = clnas_build_param(b, prefix, "weight", CLNAS_ARENA_PARAMS, 4, shape, CLNAS_INIT_KAIMING_UNIFORM, k * k,
                               1);
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:out", label);
    int y = clnas_build_activation(b, name, c, ho, wo);
    int in[2] = {x, wt};
    int n = clnas_build_node(b, CLNAS_NODE_DWCONV, in, 2, &y, 1, label);
    if (n >= 0) {
        b->g->nodes[n].ksize = k;
        b->g->nodes[n].stride = stride;
        b->g->nodes[n].pad = k / 2;
        b->g->nodes[n].dilation = 1;
    }
    return y;
}

chain_out clnas_chain_build_join(builder *b, const clnas_chain_layer *l, int i, const chain_out *outs)
{
    chain_out in = outs[i - 1];
    if (l->nskips == 0)
        return in;
    int terms[CLNAS_NODE_MAX_IN];
    terms[0] = in.t;
    for (int s = 0; s < l->nskips; s++) {
        terms[1 + s] = outs[l->skip[s]].t;
        if (l->join == CLNAS_CHAIN_CAT)
            in.c += outs[l->skip[s]].c;
    }
    char label[CLNAS_NAME_MAX];
    snprintf(label, sizeof label, "layers.%d.%s", i, l->join == CLNAS_CHAIN_CAT ? "cat" : "sum");
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:out", label);
    in.t = clnas_build_activation(b, name, in.c, in.h, in.w);
    clnas_build_node(b, l->join == CLNAS_CHAIN_CAT ? CLNAS_NODE_CONCAT : CLNAS_NODE_SUM, terms, 1 + l->nskips, &in.t, 1, label);
    return in;
}

chain_out clnas_chain_build_op(builder *b, const clnas_chain_layer *l, const char *prefix, chain_out x)
{
    char label[CLNAS_NAME_MAX], p[CLNAS_NAME_MAX];
    chain_out y = x;
    y.h = (x.h - 1) / l->stride + 1;
    y.w = (x.w - 1) / l->stride + 1;
    switch ((clnas_chain_op)l->op) {
    case CLNAS_CHAIN_CONV:
        y.c = l->filters;
        snprintf(label, sizeof label, "%srelu", prefix);
        y.t = unary(b, CLNAS_NODE_RELU, x.t, label, x.c, x.h, x.w, 0);
        snprintf(p, sizeof p, "%sconv.", prefix);
        snprintf(label, sizeof label, "%sconv", prefix);
        y.t = conv(b, y.t, p, label, x.c, y.c, y.h, y.w, l->ksize, l->stride);
        y.t = batchnorm(b, y.t, prefix, y.c, y.h, y.w);
        break;
    case CLNAS_CHAIN_SEPCONV:
        y.c = l->filters;
        snprintf(label, sizeof label, "%srelu", prefix);
        y.t = unary(b, CLNAS_NODE_RELU, x.t, label, x.c, x.h, x.w, 0);
        snprintf(p, sizeof p, "%sdepthwise.", prefix);
        snprintf(label, sizeof label, "%sdepthwise", prefix);
        y.t = dwconv(b, y.t, p, label, x.c, y.h, y.w, l->ksize, l->stride);
        snprintf(p, sizeof p, "%spointwise.", prefix);
        snprintf(label, sizeof label, "%spointwise", prefix);
        y.t = conv(b, y.t, p, label, x.c, y.c, y.h, y.w, 1, 1);
        y.t = batchnorm(b, y.t, prefix, y.c, y.h, y.w);
        break;
    case CLNAS_CHAIN_MAXPOOL:
        snprintf(label, sizeof label, "%smax_pool", prefix);
        y.t = unary(b, CLNAS_NODE_MAXPOOL3, x.t, label, x.c, y.h, y.w, l->stride);
        break;
    case CLNAS_CHAIN_AVGPOOL:
        snprintf(label, sizeof label, "%savg_pool", prefix);
        y.t = unary(b, CLNAS_NODE_AVGPOOL3, x.t, label, x.c, y.h, y.w, l->stride);
        break;
    case CLNAS_CHAIN_IDENTITY:
        break;
    }
    return y;
}

void clnas_chain_build_head(builder *b, chain_out x, clnas_net_io *io)
{
    const clnas_net_config *cfg = b->cfg;
    int r = unary(b, CLNAS_NODE_RELU, x.t, "head.relu", x.c, x.h, x.w, 0);
    int gshape[2] = {cfg->batch, x.c};
    int gp = clnas_build_checked(b, clnas_graph_tensor_add(b->g, "head.pool:out", CLNAS_ARENA_ACT, 2, gshape));
    clnas_build_node(b, CLNAS_NODE_GAP, &r, 1, &gp, 1, "head.pool");
    int wshape[2] = {cfg->classes, x.c};
    int cw = clnas_build_param(b, "classifier.", "weight", CLNAS_ARENA_PARAMS, 2, wshape, CLNAS_INIT_KAIMING_UNIFORM,
                               x.c, 1);
    int cb = clnas_build_param(b, "classifier.", "bias", CLNAS_ARENA_PARAMS, 1, &cfg->classes,
                               CLNAS_INIT_FAN_IN_UNIFORM, x.c, 1);
    int lshape[2] = {cfg->batch, cfg->classes};
    io->logits = clnas_build_checked(b, clnas_graph_tensor_add(b->g, "logits", CLNAS_ARENA_ACT, 2, lshape));
    int lin[3] = {gp, cw, cb};
    clnas_build_node(b, CLNAS_NODE_LINEAR, lin, 3, &io->logits, 1, "classifier");
    if (b->training) {
        int one = 1;
        io->loss = clnas_build_checked(b, clnas_graph_tensor_add(b->g, "loss", CLNAS_ARENA_ACT, 1, &one));
        io->dlogits = clnas_build_checked(b, clnas_graph_tensor_add(b->g, "logits:grad", CLNAS_ARENA_ACT, 2, lshape));
        int in[2] = {io->logits, io->labels};
        int out[2] = {io->loss, io->dlogits};
        clnas_build_node(b, CLNAS_NODE_SOFTMAX_XENT, in, 2, out, 2, "loss");
    }
}

chain_out clnas_chain_build_stem(builder *b, clnas_net_io *io)
{
    const clnas_net_config *cfg = b->cfg;
    b->g->fp64 = cfg->fp64;
    memset(io, -1, sizeof *io);
    int ishape[4] = {cfg->batch, cfg->in_channels, cfg->height, cfg->width};
    io->input = clnas_build_checked(b, clnas_graph_tensor_add(b->g, "input", CLNAS_ARENA_INPUT, 4, ishape));
    io->labels = clnas_build_checked(b, clnas_graph_tensor_add(b->g, "labels", CLNAS_ARENA_LABELS, 1, ishape));
    chain_out x = {-1, cfg->channels, cfg->height, cfg->width};
    x.t = conv(b, io->input, "layers.0.conv.", "layers.0.conv", cfg->in_channels, cfg->channels, cfg->height,
               cfg->width, 3, 1);
    x.t = batchnorm(b, x.t, "layers.0.", cfg->channels, cfg->height, cfg->width);
    return x;
}

clnas_status clnas_build_chain(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                               clnas_error *err)
{
    clnas_status st = clnas_net_config_check_chain(cfg, err);
    if (st != CLNAS_OK)
        return st;
    builder b = {.g = g, .cfg = cfg, .training = training, .err = err, .affine = 1};
    const clnas_chain_genotype *gt = &cfg->chain_genotype;
    chain_out outs[CLNAS_CHAIN_MAX_LAYERS + 1];
    outs[0] = clnas_chain_build_stem(&b, io);
    for (int i = 1; i <= gt->nlayers && !b.failed; i++) {
        const clnas_chain_layer *l = &gt->layer[i - 1];
        char prefix[CLNAS_NAME_MAX];
        snprintf(prefix, sizeof prefix, "layers.%d.", i);
        outs[i] = clnas_chain_build_op(&b, l, prefix, clnas_chain_build_join(&b, l, i, outs));
    }
    if (!b.failed)
        clnas_chain_build_head(&b, outs[gt->nlayers], io);
    return b.failed ? err->status : CLNAS_OK;
}
