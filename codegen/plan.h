/* clnas — a compiled network: the ordered kernel launches of a training step and of evaluation, the
 * distinct kernels, the arenas and the parameter table. A plan is data: `clnas compile` writes it out. */
#ifndef CLNAS_PLAN_H
#define CLNAS_PLAN_H

#include <stddef.h>

#include "clnas/network.h"
#include "clnas/status.h"


#include "device_profile.h"
#include "gemm_desc.h"
#include "graph.h"
#include "kernel_desc.h"
#include "recompute.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clnas_plan_kernel {
    clnas_kernel_desc desc;
    int program; /* index of its distinct OpenCL program (equal sources share one) */
} clnas_plan_kernel;

typedef struct clnas_plan_binding {
    clnas_arena arena;
    size_t offset; /* elements */
    size_t count;  /* elements from the first to the last (a channel slice: with its parent's other channels between) */
    int tensor;    /* index into the plan's buffers (for plan.json), -1 for scalars */
    int writes;    /* 0: the launch reads the tensor; 1: overwrites it (its node's output); 2: adds into it */
    size_t bstride, per; /* a channel slice (codegen/concat_slices.h): samples of `per` elements `bstride` apart; 0 */
} clnas_plan_binding;

typedef struct clnas_plan_launch {
    int kernel;
    clnas_phase phase;
    clnas_node_kind kind;
    char label[CLNAS_NAME_MAX];
    clnas_plan_binding arg[CLNAS_MAX_KERNEL_ARGS];
    clnas_gemm_desc gemm; /* the CLBlast alternative to the kernel (gemm.nsteps == 0: none); the executor picks */
} clnas_plan_launch;

typedef struct clnas_plan_buffer {
    char name[CLNAS_NAME_MAX];
    clnas_arena arena;
    size_t offset, count;
} clnas_plan_buffer;

typedef struct clnas_plan {
    clnas_net_config config;
    clnas_device_profile profile; /* the device the kernels are lowered for, and its family */
    clnas_plan_kernel *kernels;
    int nkernels;
    char **program_sources; /* nprograms OpenCL C sources */
    int nprograms;
    clnas_plan_launch *train; /* forward, backward, update, in order */
    int ntrain;
    clnas_plan_launch *eval;  /* forward with running statistics */
    int neval;
    clnas_plan_buffer *buffers; /* the training step's tensors (bindings' `tensor` index these) */
    int nbuffers;
    clnas_plan_buffer *eval_buffers; /* evaluation's tensors */
    int neval_buffers;
    size_t arena_elems[CLNAS_ARENA_COUNT]; /* ACT: the larger of training and evaluation */
    size_t live_params;                    /* the optimizer updates PARAMS[0, live_params) */
    clnas_param_info *params;
    int nparams;
    size_t logits_offset, loss_offset, eval_logits_offset, input_grad_offset; /* ACT arena */
    int has_input_grad;
    int has_logits_aux;       /* DARTS' auxiliary head (training only): its logits at logits_aux_offset (ACT) */
    size_t logits_aux_offset;
    int ndrop_masks;                       /* DARTS drop-path: rows of per-sample scales the host writes before each
                                            * training forward (0: none), in DARTS' draw order */
    size_t drop_masks_offset, drop_mask_stride; /* INPUT arena: row r at offset + r * stride, batch values each */
    double forward_flops; /* per image, of the evaluation graph (clnas_graph_forward_flops, codegen/flops.h) */
    int descs_only;    /* compiled by clnas_plan_compile_descs: kernels have descriptors, no sources or programs */
    int ops;           /* nodes of the training graph (forward + backward + update) before fusion */
    int eval_ops;
    /* the training graph's concatenation inputs computed in their slice of the output (no copy), those still copied,
     * and the concatenation launches gone (codegen/concat_slices.h) */
    int concat_slices, concat_copies, concat_removed;
    int concat_grad_slices, concat_grad_copies; /* the same in the backward: input gradients read in their slice of the
                                                 * output's gradient (one copy launch gone each), still copied */
    int wgrad_splits; /* weight gradients split over pixels, a split_sum launch each (codegen/wgrad_split.h) */
    int bn_splits;    /* training BatchNorms and their backwards split over ranges of each channel, a launch of
                       * partial statistics before each (codegen/bn_split.h) */
    /* the convolution outputs the backward recomputes: those of at most recompute_macs multiply-adds per element
     * (0: none, INT_MAX: all; codegen/recompute.h), and the training graph's counts and levels */
    int recompute_macs;
    int recompute_more;  /* and the first this many of the next level (in the forward's order) */
    int recompute_nodes; /* the BatchNorm outputs too (codegen/recompute.h) */
    clnas_recompute_stats recompute;
    /* with CLNAS_RECOMPUTE_AUTO, what a plan recomputing less exceeded: the memory budget, the caller's fits (the
     * device's memory) */
    int recompute_for_budget, recompute_for_fits;
} clnas_plan;

/* Compiles a network: graph IR -> autodiff -> fusion -> memory plan -> kernel descriptors and sources.
 * cfg->recompute 0 and 1 keep and recompute every convolution output BatchNorm's backward reads (1: and the BatchNorm
 * outputs the backward reads, codegen/recompute.h); with CLNAS_RECOMPUTE_AUTO the plan recomputes the fewest,
 * cheapest first (the BatchNorm outputs, then with them the smallest recompute_macs, then as few of the next level
 * as fit), that make it fit cfg->memory_budget (clnas_plan_device_bytes; no budget: none recomputed). A budget that
 * even recomputing all (or, with recompute 0 or 1, the plan asked for) exceeds is CLNAS_ERR_UNSUPPORTED, naming both
 * sizes. Then config.recompute is 1 where any is recomputed, else 0. */
clnas_status clnas_plan_compile(const clnas_net_config *cfg, clnas_plan **out, clnas_error *err);
/* As clnas_plan_compile for a device profile (NULL: the default CPU profile, what clnas_plan_compile uses):
 * each op's lowering picks its kernel variant by the profile's family and sizes it within the profile's limits. */
clnas_status clnas_plan_compile_for(const clnas_net_config *cfg, const clnas_device_profile *profile,
                                    clnas_plan **out, clnas_error *err);
/* As clnas_plan_compile without generating kernel sources (program_sources empty, kernels[].program -1): the
 * launches and distinct kernel descriptors only, for passes that enumerate what many networks need. */
clnas_status clnas_plan_compile_descs(const clnas_net_config *cfg, clnas_plan **out, clnas_error *err);
clnas_status clnas_plan_compile_descs_for(const clnas_net_config *cfg, const clnas_device_profile *profile,
                                          clnas_plan **out, clnas_error *err);
/* As clnas_plan_compile_for where a plan must also pass fits (a device's memory): with CLNAS_RECOMPUTE_AUTO the
 * fewest recomputed that pass both fits and the budget; where recomputing all still fails fits, that plan (whose
 * admission then fails with its own message). fits NULL: the budget alone. */
typedef int (*clnas_plan_fits_fn)(const clnas_plan *plan, void *ctx);
clnas_status clnas_plan_compile_fitting(const clnas_net_config *cfg, const clnas_device_profile *profile,
                                        clnas_plan_fits_fn fits, void *ctx, clnas_plan **out, clnas_error *err);
void clnas_plan_free(clnas_plan *plan);

/* The network's sizes for a message: "C=16, N=5, batch 256" (NB201), "C=36, layers 20, batch 96" (DARTS),
 * "C=16, batch 256" (chain). */
void clnas_net_config_sizes(const clnas_net_config *cfg, char *buf, size_t cap);

/* The device memory an executor of plan allocates: *total over its arenas, *largest the largest of them. */
void clnas_plan_device_bytes(const clnas_plan *plan, double *total, double *largest);

/* Element size of the plan's element type. */
size_t clnas_plan_elem_size(const clnas_plan *plan);
/* Forward floating-point operations per image: 2 x the multiply-adds of the convolutions (dense and depthwise) and
 * the classifier; ops without multiply-adds of weights count 0 (the convention: codegen/flops.h). */
double clnas_plan_forward_flops(const clnas_plan *plan);
const char *clnas_arena_name(clnas_arena arena);
/* Index of a parameter by its PyTorch name, or -1. */
int clnas_plan_find_param(const clnas_plan *plan, const char *name);

#ifdef __cplusplus
}
#endif
#endif
