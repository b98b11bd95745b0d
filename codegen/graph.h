/* clnas — the graph IR: tensors and op nodes of a training step, before and after fusion. */
#ifndef CLNAS_GRAPH_H
#define CLNAS_GRAPH_H

#include <stddef.h>

#include "clnas/status.h"

/* Where a tensor lives. Parameters, their gradients and momenta share one layout so the optimizer updates the
 * whole arena in one launch; activations (saved tensors and gradients included) share one arena by lifetime. */
typedef enum clnas_arena {
    CLNAS_ARENA_PARAMS = 0,
    CLNAS_ARENA_GRADS,
    CLNAS_ARENA_MOMENTUM,
    CLNAS_ARENA_STATE, /* BatchNorm running statistics */
    CLNAS_ARENA_ACT,
    CLNAS_ARENA_INPUT,
    CLNAS_ARENA_LABELS,
    CLNAS_ARENA_COUNT
} clnas_arena;

typedef enum clnas_node_kind {
    /* forward */
    CLNAS_NODE_RELU,
    CLNAS_NODE_CONV,
    CLNAS_NODE_BN,       /* ins: x gamma beta rmean rvar; outs: y [smean sinvstd when training] */
    CLNAS_NODE_BN_CONST, /* BatchNorm of an all-zero input; ins: gamma beta rmean rvar; outs: y */
    CLNAS_NODE_AVGPOOL3,
    CLNAS_NODE_AVGPOOL2,
    CLNAS_NODE_SUM,      /* n-ary sum of same-shape tensors */
    CLNAS_NODE_GAP,      /* global average pool */
    CLNAS_NODE_LINEAR,   /* ins: x w b */
    CLNAS_NODE_SOFTMAX_XENT, /* ins: logits labels; outs: loss dlogits (the loss gradient comes with it) */
    CLNAS_NODE_MIXED,        /* DARTS edge: ins y_1..y_K w (K values); out = sum_k w[k] y_k */
    /* backward */
    CLNAS_NODE_RELU_BWD,        /* ins: dy x */
    CLNAS_NODE_CONV_BWD_DATA,   /* ins: dy w [x when relu_in] */
    CLNAS_NODE_CONV_BWD_FILTER, /* ins: dy x; outs: dw */
    CLNAS_NODE_BN_BWD,          /* ins: dy x gamma smean sinvstd; outs: dx dgamma dbeta (dx may be absent) */
    CLNAS_NODE_BN_CONST_BWD,    /* ins: dy; outs: dgamma dbeta */
    CLNAS_NODE_AVGPOOL3_BWD,
    CLNAS_NODE_AVGPOOL2_BWD,
    CLNAS_NODE_GAP_BWD,
    CLNAS_NODE_LINEAR_BWD_DATA,   /* ins: dy w */
    CLNAS_NODE_LINEAR_BWD_WEIGHT, /* ins: dy x; outs: dw db */
    CLNAS_NODE_FILL_ZERO,         /* outs: a gradient that is zero (a conv weight whose input is all zeros) */
    CLNAS_NODE_MIXED_BWD,         /* ins: dy y_1..y_K w; outs: partials dy_1..dy_K (dy_k = w[k] dy) */
    CLNAS_NODE_MIXED_WGRAD,       /* ins: partials; outs: dw (dL/dw_k = <dy, y_k>, cells sharing w accumulate) */
    /* update */
    CLNAS_NODE_SGD, /* ins: p g v (one parameter) */
    /* depthwise convolution (DARTS' sep_conv and dil_conv): groups == channels, no bias */
    CLNAS_NODE_DWCONV,              /* ins: x w [c][1][k][k]; ksize stride pad dilation */
    CLNAS_NODE_DWCONV_BWD_DATA,     /* ins: dy w [x when relu_in]; outs: dx */
    CLNAS_NODE_DWCONV_BWD_FILTER,   /* ins: dy x; outs: dw */
    /* the DARTS cell space (issue 13): forward kinds, then their backwards */
    CLNAS_NODE_MAXPOOL3,          /* 3x3, pad 1 (-inf), stride 1 or 2 */
    CLNAS_NODE_SUBSAMPLE2,        /* y = x[:, :, o::2, o::2], o = offset; ReLU folded in when relu_in */
    CLNAS_NODE_CONCAT,            /* ins: x_1..x_n (n <= 8) -> y, channels in order */
    CLNAS_NODE_DROP_PATH,         /* ins: x mask[B] (STATE, the host writes it each step); y = x * mask[n] */
    CLNAS_NODE_MAXPOOL3_BWD,      /* ins: dy x (the argmax recomputed) */
    CLNAS_NODE_SUBSAMPLE2_BWD,    /* ins: dy [x when relu_in]; dx zero off the sampled pixels */
    CLNAS_NODE_CONCAT_BWD,        /* ins: dy; outs: dx = dy's channels [offset, offset + C of dx) */
    CLNAS_NODE_DROP_PATH_BWD,     /* ins: dy mask; dx = dy * mask[n] */
    /* produced by fusion */
    CLNAS_NODE_GAP_RELU,     /* ReLU folded into the global average pool */
    CLNAS_NODE_GAP_RELU_BWD, /* ins: dy x */
    CLNAS_NODE_ADD,          /* out (=/+=) in: a sum term that no producer could write in place */
    CLNAS_NODE_SGD_ARENA,    /* every SGD node in one launch over the live parameter range */
    /* update, before the SGD launch when clnas_graph.grad_clip > 0 */
    CLNAS_NODE_GRAD_CLIP,    /* the live gradients scaled to a global L2 norm of at most grad_clip */
    /* K x K average pool at stride S without padding (DARTS' auxiliary head: 5x5 stride 3); ksize stride */
    CLNAS_NODE_AVGPOOL_K,
    CLNAS_NODE_AVGPOOL_K_BWD,     /* ins: dy; outs: dx */
    /* the GPU family's weight gradient split over pixels (codegen/wgrad_split.c), after fusion */
    CLNAS_NODE_SPLIT_SUM,         /* ins: parts [S][count]; outs: y (=/+=) the sum of the S parts, in order */
    /* the GPU family's BatchNorm split over ranges of each channel (codegen/bn_split.c), after fusion: the ranges'
     * partial statistics [C][S][2], which the split BN (BN_BWD) node then reads as its last input */
    CLNAS_NODE_BN_PART,           /* ins: x; outs: parts (each range's mean and sum of squared deviations) */
    CLNAS_NODE_BN_BWD_PART,       /* ins: dy x smean; outs: parts (each range's sum dy and sum dy * (x - smean)) */
    /* the backward's copy of a training BatchNorm's output it did not keep (codegen/recompute.c), after fusion */
    CLNAS_NODE_BN_SAVED,          /* ins: x gamma beta smean sinvstd (the forward's saved statistics); outs: y */
    CLNAS_NODE_KIND_COUNT
} clnas_node_kind;

typedef enum clnas_phase { CLNAS_PHASE_FORWARD = 0, CLNAS_PHASE_BACKWARD, CLNAS_PHASE_UPDATE } clnas_phase;

#define CLNAS_NODE_MAX_IN 8
#define CLNAS_NODE_MAX_OUT 6
#define CLNAS_NAME_MAX 96

typedef struct clnas_graph_tensor {
    char name[CLNAS_NAME_MAX];
    clnas_arena arena;
    int ndim;
    int shape[4];
    size_t count;
    int param;    /* index into the parameter table for PARAMS/GRADS/MOMENTUM/STATE tensors, else -1 */
    int alias;    /* fusion: this tensor is stored in tensor `alias` (-1: its own storage) */
    /* concat slices (codegen/concat_slices.c): this tensor (NCHW) is channels [view_c0, view_c0 + C) of tensor
     * view_of (same N, H, W), so sample n starts view_of's C*H*W elements after sample n-1 (-1: not a slice) */
    int view_of, view_c0;
    int producers; /* nodes writing it (for in-place sums) */
    int consumers; /* nodes reading it */
    size_t offset; /* memory plan: element offset in its arena */
    int first, last; /* memory plan: live range in launch order */
} clnas_graph_tensor;

typedef struct clnas_graph_node {
    clnas_node_kind kind;
    clnas_phase phase;
    int in[CLNAS_NODE_MAX_IN];
    int nin;
    int out[CLNAS_NODE_MAX_OUT];
    int nout;
    int accum[CLNAS_NODE_MAX_OUT]; /* set after fusion: the output adds to what its storage holds */
    int ksize, stride, pad;        /* conv; stride also of the 3x3 pools */
    int dilation;                  /* depthwise conv: 0 or 1 both mean 1 */
    int offset;                    /* subsample: first row and column taken; concat backward: first channel */
    int relu_in;                   /* conv / conv backward: ReLU folded into the input load */
    int split;                     /* conv weight gradient: S > 1 partial sums over consecutive pixel ranges, one
                                    * after another in out[0] (codegen/wgrad_split.c); 0: the gradient itself.
                                    * BN, BN_BWD and their _PART nodes: S > 1 ranges per channel, a work-group
                                    * each (codegen/bn_split.c); 0: a work-group per channel */
    int training;                  /* BN: batch statistics (1) or running statistics (0) */
    int dead;                      /* removed by fusion */
    double loss_weight;            /* softmax_xent: loss and gradient scaled by it (0 reads as 1; DARTS' aux head) */
    char label[CLNAS_NAME_MAX];
} clnas_graph_node;

typedef enum clnas_param_init {
    CLNAS_INIT_KAIMING_UNIFORM, /* PyTorch's default for conv and linear weights: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) */
    CLNAS_INIT_FAN_IN_UNIFORM,  /* linear bias: the same bound */
    CLNAS_INIT_ONES,
    CLNAS_INIT_ZEROS
} clnas_param_init;

typedef struct clnas_param_info {
    char name[CLNAS_NAME_MAX]; /* the PyTorch module's name, e.g. cells.0.edges.1_0.conv.weight */
    clnas_arena arena;         /* PARAMS (trained) or STATE (running statistics) */
    int ndim;
    int shape[4];
    size_t count;
    size_t offset;             /* in its arena; live PARAMS come first */
    clnas_param_init init;
    int fan_in;
    int live;                  /* part of the computed network (unreachable edges are not) */
} clnas_param_info;

typedef struct clnas_graph {
    clnas_graph_tensor *tensors;
    int ntensors, cap_tensors;
    clnas_graph_node *nodes;
    int nnodes, cap_nodes;
    clnas_param_info *params;
    int nparams, cap_params;
    int *zero_grad; /* parameter tensors whose gradient is identically zero (a conv whose input is all zeros) */
    int nzero_grad, cap_zero_grad;
    int *order; /* launch order of live nodes, set by fusion */
    int norder;
    int fp64;
    double grad_clip; /* > 0: the update clips the gradients' global norm at this value first (clnas_net_config) */
    /* the backward recomputes the output of each convolution BatchNorm's backward reads whose multiply-adds per output
     * element (clnas_conv_node_macs) are at most this: 0 none, INT_MAX all (clnas_net_config.recompute), and the
     * first recompute_more of the next level above; with recompute_nodes also the tensors only BatchNorms of
     * convolution outputs write (codegen/recompute.h) */
    int recompute_macs;
    int recompute_more;
    int recompute_nodes;
} clnas_graph;

void clnas_graph_init(clnas_graph *g);
void clnas_graph_free(clnas_graph *g);
/* Adds a tensor of the given shape (ndim 1..4) and returns its index, or -1 when out of memory. */
int clnas_graph_tensor_add(clnas_graph *g, const char *name, clnas_arena arena, int ndim, const int *shape);
/* Adds a parameter (or running statistic) with its PyTorch name; returns the tensor index holding it. */
int clnas_graph_param_add(clnas_graph *g, const char *name, clnas_arena arena, int ndim, const int *shape,
                          clnas_param_init init, int fan_in, int live);
/* Appends a node; returns its index or -1. */
int clnas_graph_node_add(clnas_graph *g, clnas_node_kind kind, clnas_phase phase, const int *in, int nin,
                         const int *out, int nout, const char *label);
/* Gives n the attributes of `from` that shape its kernel: ksize, stride, pad, dilation, relu_in, offset (a backward
 * or recomputing node takes its forward node's). */
void clnas_graph_node_take_attrs(clnas_graph_node *n, const clnas_graph_node *from);
/* Inserts node into the launch order at position pos (0 <= pos <= norder), after fusion set it; returns 0 or -1
 * when out of memory (the order unchanged). */
int clnas_graph_order_insert(clnas_graph *g, int pos, int node);
/* Records that parameter tensor t takes part in the network with a gradient of zero; returns 0 or -1. */
int clnas_graph_zero_grad_add(clnas_graph *g, int t);
/* The tensor that holds t's storage after fusion (follows aliases). */
int clnas_graph_storage(const clnas_graph *g, int t);
/* Does some tensor lie in tensor t as a channel slice (view_of, codegen/concat_slices.c)? */
int clnas_graph_has_slices(const clnas_graph *g, int t);
/* The tensor whose memory t lies in: its storage, or the tensor that storage is a channel slice of. */
int clnas_graph_root(const clnas_graph *g, int t);
/* When t's storage is a channel slice: returns the elements between its samples (the parent's C*H*W) and sets
 * *per to the elements of one sample of the slice; 0 when t is contiguous. */
size_t clnas_graph_slice_stride(const clnas_graph *g, int t, size_t *per);
/* The elements a binding of t spans: its count, or from its first to its last element when it is a slice. */
size_t clnas_graph_span(const clnas_graph *g, int t);
const char *clnas_node_kind_name(clnas_node_kind kind);
/* Counts producers and consumers of every tensor over live nodes. */
void clnas_graph_count_uses(clnas_graph *g);

#endif
