/* clnas — the graph pieces of DARTS' operations, shared by the network of a genotype (build_darts.c) and the search
 * network (build_darts_search.c): the same nodes under DARTS' module names. Each returns the output tensor, or
 * CLNAS_BUILD_ZERO where the input is all zeros and so is the result; a failure is recorded in the context. */
#ifndef CLNAS_BUILD_DARTS_OPS_H
#define CLNAS_BUILD_DARTS_OPS_H

#include "build_common.h"
#include "build_nb201.h"

/* A feature map: channels and size. */
typedef struct clnas_fmap {
    int c, h, w;
} clnas_fmap;

/* The side after a stride-2 op of the space: ceil(n / 2). */
int clnas_darts_half(int n);
int clnas_darts_relu(clnas_build_ctx *b, int x, const char *label, clnas_fmap m);
/* Depthwise k x k convolution (groups = channels) of x; of ZERO it is ZERO and its weight's gradient zero. */
int clnas_darts_dwconv(clnas_build_ctx *b, int x, int wt, const char *label, clnas_fmap out, int k, int stride,
                       int pad, int dilation);
/* A node of one input with a stride (the 3x3 pools, pad 1) or an offset (subsample); ZERO stays ZERO. */
int clnas_darts_strided(clnas_build_ctx *b, clnas_node_kind kind, int x, const char *label, clnas_fmap out,
                        int stride, int offset);
/* x, or a tensor of zeros where x is ZERO (a concat's part, the global pool's input). */
int clnas_darts_materialise(clnas_build_ctx *b, int x, const char *label, clnas_fmap m);
/* Concatenation on channels of parts (each [parts_c[i], h, w]); all ZERO: ZERO; one part: itself. */
int clnas_darts_concat(clnas_build_ctx *b, const int *parts, const int *parts_c, int n, const char *label,
                       clnas_fmap out);
/* ReLUConvBN 1x1: prefix op.1.weight, op.2.* (op.0 is the ReLU). */
int clnas_darts_relu_conv_bn(clnas_build_ctx *b, int x, const char *prefix, int ci, clnas_fmap out);
/* FactorizedReduce: ReLU; conv_1 (1x1 stride 2) on pixels (2i, 2j), conv_2 (1x1) on pixels (2i+1, 2j+1); both
 * halves concatenated [conv_1, conv_2] on channels, then one BN. The input (h, w) is even. */
int clnas_darts_factorized_reduce(clnas_build_ctx *b, int x, const char *prefix, int ci, int co, int h, int w);
/* sep_conv_kxk ([ReLU, depthwise k, pointwise, BN] twice, the stride on the first depthwise only) and dil_conv_kxk
 * (ReLU, depthwise k dilation 2, pointwise, BN): prefix op.<index> as DARTS' Sequential numbers them. */
int clnas_darts_conv_op(clnas_build_ctx *b, int x, const char *prefix, clnas_fmap in, int k, int stride,
                        int dilated);

/* Global average pool, the classifier (Linear with bias) and, when training, the mean cross entropy into io (logits,
 * loss, dlogits), plus loss_aux (the auxiliary head's weighted loss) when it is >= 0: loss = main + loss_aux. */
void clnas_darts_head(clnas_build_ctx *b, int x, clnas_fmap m, int loss_aux, clnas_net_io *io);

#endif
