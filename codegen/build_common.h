/* clnas — what every network builder shares: tensors, nodes and parameters added with their PyTorch names, and
 * conv, BatchNorm, unary ops and sums that fold an all-zero input to the constant they compute. */
#ifndef CLNAS_BUILD_COMMON_H
#define CLNAS_BUILD_COMMON_H

#include "clnas/network.h"
#include "graph.h"

#define CLNAS_BUILD_ZERO (-2) /* a tensor known to be all zeros: never materialised */

/* One build in progress: the first failure sets err and `failed`; later calls go on without effect on err. */
typedef struct clnas_build_ctx {
    clnas_graph *g;
    const clnas_net_config *cfg;
    int training; /* BatchNorm with batch statistics (1) or running statistics (0) */
    clnas_error *err;
    int failed;
    int affine;   /* 0: BatchNorm's gamma 1 and beta 0 held fixed as STATE (DARTS or GDAS search cells) */
} clnas_build_ctx;

typedef struct clnas_bn_params {
    int gamma, beta, rmean, rvar;
} clnas_bn_params;

/* index, or on a negative index the out-of-memory failure recorded. */
int clnas_build_checked(clnas_build_ctx *b, int index);
/* A [batch, c, h, w] activation. */
int clnas_build_activation(clnas_build_ctx *b, const char *name, int c, int h, int w);
int clnas_build_node(clnas_build_ctx *b, clnas_node_kind kind, const int *in, int nin, const int *out, int nout,
                     const char *label);
/* The parameter or running statistic prefix+suffix. */
int clnas_build_param(clnas_build_ctx *b, const char *prefix, const char *suffix, clnas_arena arena, int ndim,
                      const int *shape, clnas_param_init init, int fan_in, int live);
/* prefix weight, bias, running_mean, running_var, in PyTorch's BatchNorm2d order. */
clnas_bn_params clnas_build_bn_register(clnas_build_ctx *b, const char *prefix, int c, int live);
/* prefix weight [co, ci, k, k], PyTorch's default initialisation (fan in ci*k*k). */
int clnas_build_conv_register(clnas_build_ctx *b, const char *prefix, int ci, int co, int k, int live);
/* BatchNorm of x (label:out, and the batch statistics when training); of ZERO it folds to BN's shift. */
int clnas_build_batchnorm(clnas_build_ctx *b, int x, const clnas_bn_params *p, const char *label, int c, int h,
                          int w);
/* Convolution of x (ksize k, stride, pad) to [co, h, wd]; of ZERO it is ZERO, its weight's gradient zero. */
int clnas_build_conv(clnas_build_ctx *b, int x, int w, const char *label, int co, int h, int wd, int k, int stride,
                     int pad);
/* A node of one input shaped [c, h, w] (ReLU, pools); ZERO stays ZERO (every such op maps 0 to 0). */
int clnas_build_unary(clnas_build_ctx *b, clnas_node_kind kind, int x, const char *label, int c, int h, int w);
/* Sum of terms, ZERO terms dropped; one term is returned as it is; none left: ZERO. */
int clnas_build_sum(clnas_build_ctx *b, const int *terms, int nterms, const char *label, int c, int h, int w);
/* A MIXED node: the sum of ys[i] * w[i] over n ops (w a STATE tensor of n values set per step), the weights'
 * gradient into dw; its [c, h, w] output named label:out. The backward needs n <= CLNAS_NODE_MAX_OUT - 1. */
int clnas_build_mixed(clnas_build_ctx *b, const int *ys, int n, int w, int dw, const char *label, int c, int h,
                      int wd);

#endif
