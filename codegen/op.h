/* clnas — the op table: everything the compiler knows about one node kind, each row defined by its op file. */
#ifndef CLNAS_OP_H
#define CLNAS_OP_H

#include <stddef.h>

#include "clnas/network.h"
#include "clnas/status.h"
#include "gemm_desc.h"
#include "graph.h"
#include "kernel_desc.h"
#include "plan.h"

/* Lowering one launch: the op's `lower` fills desc (the kernel descriptor) and binds the node's tensors to its
 * slots in launch->arg; its `gemm` fills launch->gemm afterwards. */
typedef struct clnas_lowering {
    const clnas_graph *g;
    const clnas_net_config *cfg;
    const clnas_device_profile *profile; /* the device lowered for: its family picks the kernel variant */
    clnas_plan_launch *launch;
    clnas_kernel_desc desc;
    size_t live_params; /* the optimizer's range of PARAMS */
    clnas_error *err;
} clnas_lowering;

/* The graph tensor t. */
const clnas_graph_tensor *clnas_lower_tensor(const clnas_lowering *l, int t);
/* Binds tensor t (its storage, after fusion's aliases) to the descriptor's slot named `slot`. */
clnas_status clnas_lower_bind(clnas_lowering *l, const char *slot, int t);

/* Differentiating one forward node (codegen/autodiff.c): the state the ops' backward rules build on. */
typedef struct clnas_backward_ctx clnas_backward_ctx;

const clnas_graph *clnas_backward_graph(const clnas_backward_ctx *c);
/* Does forward tensor t want a gradient: activations yes, the input only when asked, labels and state never. */
int clnas_backward_wants(const clnas_backward_ctx *c, int t);
/* A new activation tensor for a gradient of t (its shape, named "<t>:grad"). */
int clnas_backward_grad(clnas_backward_ctx *c, int t);
/* The gradient tensor of parameter t (GRADS arena), made on first use. */
int clnas_backward_param_grad(clnas_backward_ctx *c, int t);
/* A new activation tensor (scratch of a backward node); -1 when out of memory (the pass then fails). */
int clnas_backward_tensor(clnas_backward_ctx *c, const char *name, int ndim, const int *shape);
/* Records grad as one contribution to the gradient of forward tensor t (summed with the others later). */
void clnas_backward_contribute(clnas_backward_ctx *c, int t, int grad);
/* Appends a backward node labelled "<fwd label><suffix>" carrying fwd's conv attributes. */
void clnas_backward_emit(clnas_backward_ctx *c, clnas_node_kind kind, const int *in, int nin, const int *out,
                         int nout, const clnas_graph_node *fwd, const char *suffix);

/* Output shape rule of a forward node: fills shape and returns ndim of out[0] from its inputs and attributes. */
typedef int (*clnas_op_shape_fn)(const clnas_graph *g, const clnas_graph_node *n, int shape[4]);
/* Backward rule of a forward node: given dy (the gradient of out[0]) emits the backward nodes and contributes
 * the gradients of the inputs that want one. fwd is a copy: adding nodes may move the table. */
typedef void (*clnas_op_backward_fn)(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy);
/* Fusion of a ReLU into a reader: the node reads x (the ReLU's input) in its relu_slot and applies the ReLU. */
typedef void (*clnas_op_fold_relu_fn)(clnas_graph_node *n, int x);
/* Fusion of a ReLU's backward into the producer of its dy: the node writes dx masked by (x > 0) instead. */
typedef void (*clnas_op_fold_relu_bwd_fn)(clnas_graph_node *n, int dx, int x);
typedef clnas_status (*clnas_op_lower_fn)(clnas_lowering *l, const clnas_graph_node *n);
typedef clnas_status (*clnas_op_gemm_fn)(const clnas_lowering *l, const clnas_graph_node *n, clnas_gemm_desc *g);

/* One node kind. NULL hooks: no such rule (no shape rule, no gradient, no ReLU fusion, no kernel: fusion
 * removes it before emission, no GEMM alternative). */
typedef struct clnas_op_def {
    clnas_node_kind kind;
    const char *name;               /* clnas_node_kind_name */
    clnas_op_shape_fn shape;
    clnas_op_backward_fn backward;
    unsigned accum_mask;            /* bit s: output s may add into storage another node wrote (in-place sums) */
    int relu_slot;                  /* the input slot fold_relu applies to (-1: none) */
    unsigned slice_mask;            /* bit k: input k, bit CLNAS_SLICE_OUT + s: output s may be a channel slice of a
                                     * larger tensor (its kernel takes <SLOT>_BSTRIDE; codegen/concat_slices.c) */
    clnas_op_fold_relu_fn fold_relu;
    clnas_op_fold_relu_bwd_fn fold_relu_bwd;
    clnas_op_lower_fn lower;
    clnas_op_gemm_fn gemm;
} clnas_op_def;

#define CLNAS_SLICE_OUT 8

/* The row of kind (a row with every hook NULL and name "?" for a kind out of range). */
const clnas_op_def *clnas_op_def_of(clnas_node_kind kind);

/* The shape rule of ops whose output is shaped like their first input. */
int clnas_op_shape_of_input(const clnas_graph *g, const clnas_graph_node *n, int shape[4]);

/* ReLU fusion hooks shared by the ops that read a rectified input: the node reads x in input slot 0 (slot 1: a weight
 * gradient's input) with relu_in set; the backward form writes dx and reads x (appended) for the ReLU's mask. */
void clnas_op_fold_relu_slot0(clnas_graph_node *n, int x);
void clnas_op_fold_relu_slot1(clnas_graph_node *n, int x);
void clnas_op_fold_relu_bwd_mask(clnas_graph_node *n, int dx, int x);

/* The backward rule of a convolution-like node (ins x w): dw by a filter_kind node (ins dy x) always, dx by a
 * data_kind node (ins dy w) when x wants a gradient. */
void clnas_op_backward_conv_like(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy,
                                 clnas_node_kind filter_kind, clnas_node_kind data_kind);
/* Checks every live forward node's out[0] against its shape rule; an internal error names the first mismatch. */
clnas_status clnas_op_check_shapes(const clnas_graph *g, clnas_error *err);

#define CLNAS_TRY(expr)                                                                                               \
    do {                                                                                                              \
        clnas_status st_ = (expr);                                                                                    \
        if (st_ != CLNAS_OK)                                                                                          \
            return st_;                                                                                               \
    } while (0)

/* The rows, one per kind, defined in codegen/ops/op_<family>.c. */
extern const clnas_op_def clnas_op_def_relu, clnas_op_def_relu_bwd, clnas_op_def_sum, clnas_op_def_add,
    clnas_op_def_fill_zero;
extern const clnas_op_def clnas_op_def_conv, clnas_op_def_conv_bwd_data, clnas_op_def_conv_bwd_filter;
extern const clnas_op_def clnas_op_def_dwconv, clnas_op_def_dwconv_bwd_data, clnas_op_def_dwconv_bwd_filter;
extern const clnas_op_def clnas_op_def_bn, clnas_op_def_bn_const, clnas_op_def_bn_bwd, clnas_op_def_bn_const_bwd,
    clnas_op_def_bn_part, clnas_op_def_bn_bwd_part, clnas_op_def_bn_saved;
extern const clnas_op_def clnas_op_def_avgpool3, clnas_op_def_avgpool2, clnas_op_def_avgpool3_bwd,
    clnas_op_def_avgpool2_bwd;
extern const clnas_op_def clnas_op_def_gap, clnas_op_def_gap_bwd, clnas_op_def_gap_relu, clnas_op_def_gap_relu_bwd;
extern const clnas_op_def clnas_op_def_linear, clnas_op_def_linear_bwd_data, clnas_op_def_linear_bwd_weight;
extern const clnas_op_def clnas_op_def_softmax_xent;
extern const clnas_op_def clnas_op_def_mixed, clnas_op_def_mixed_bwd, clnas_op_def_mixed_wgrad;
extern const clnas_op_def clnas_op_def_sgd, clnas_op_def_sgd_arena, clnas_op_def_grad_clip;
extern const clnas_op_def clnas_op_def_maxpool3, clnas_op_def_maxpool3_bwd, clnas_op_def_subsample2,
    clnas_op_def_subsample2_bwd, clnas_op_def_concat, clnas_op_def_concat_bwd, clnas_op_def_drop_path,
    clnas_op_def_drop_path_bwd;
extern const clnas_op_def clnas_op_def_avgpool_k, clnas_op_def_avgpool_k_bwd;
extern const clnas_op_def clnas_op_def_split_sum;

#endif
