/* clnas — 2-D convolution (NCHW, no bias, optional ReLU on the input): shape rule, kernel descriptors, reference. */
#ifndef CLNAS_OP_CONV_H
#define CLNAS_OP_CONV_H

#include "clnas/status.h"
#include "device_profile.h"
#include "gemm_desc.h"
#include "kernel_desc.h"

/* x [n][ci][h][w], w [co][ci][ksize][ksize], y [n][co][ho][wo]. relu_in: the conv reads ReLU(x) (the
 * ReLU of ReLU-Conv-BN folded into the load). accum: the output is added to what is there instead of
 * overwriting it (a node's sum of edges). split (the GPU family's weight gradient only; 0 or 1 elsewhere): S > 1
 * writes S partial weight gradients, [S][co][ci][ksize][ksize], each over a range of consecutive pixels
 * (clnas_conv_bwd_filter_split), for a SPLIT_SUM launch to add up (codegen/wgrad_split.c). */
typedef struct clnas_conv_params {
    int n, ci, co, h, w, ksize, stride, pad, relu_in, accum, split;
} clnas_conv_params;

/* The convolution of graph node n of g (codegen/graph.h): x (the forward's input) and y (its output) are tensors of
 * g; the node's kernel size, stride, padding and ReLU; accum and split 0 (each pass sets its own). */
struct clnas_graph;
struct clnas_graph_node;
clnas_conv_params clnas_conv_node_params(const struct clnas_graph *g, const struct clnas_graph_node *n, int x, int y);
/* A forward convolution node's multiply-adds per output element (input channels x ksize^2): what recomputing its
 * output costs per element kept out of memory (clnas_graph.recompute_macs). */
int clnas_conv_node_macs(const struct clnas_graph *g, const struct clnas_graph_node *n);

/* (in + 2*pad - ksize) / stride + 1 */
int clnas_conv_out_dim(int in, int ksize, int stride, int pad);

/* y[n][co][ho][wo] (=/+=) sum_{ci,kh,kw} w[co][ci][kh][kw] * f(x[n][ci][ho*s-p+kh][wo*s-p+kw]), zero outside
 * the image, f = ReLU when relu_in. Slots: x, w, y. accum applies to y. */
clnas_status clnas_op_conv_fwd_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_error *err);

/* dx[n][ci][h][w] (=/+=) g(x) * sum over (co,kh,kw,ho,wo with ho*s-p+kh == h, wo*s-p+kw == w) of
 * w[co][ci][kh][kw] * dy[n][co][ho][wo], g(x) = (x > 0) when relu_in, else 1.
 * Slots: dy, w, x, dx when relu_in; dy, w, dx otherwise. accum applies to dx. */
clnas_status clnas_op_conv_bwd_data_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_error *err);

/* dw[co][ci][kh][kw] = sum_{n,ho,wo} dy[n][co][ho][wo] * f(x[n][ci][ho*s-p+kh][wo*s-p+kw]); always overwrites
 * (p->accum is ignored). Slots: dy, x, dw. The CPU family takes no split (p->split 0 or 1). */
clnas_status clnas_op_conv_bwd_filter_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_error *err);

/* The pixel split the GPU family's weight gradient takes on profile (1: none; always 1 for the CPU family): where
 * the kernel's tiles of dW give fewer work-groups than CLNAS_CONV_SPLIT_GROUPS_PER_UNIT per compute unit, the
 * pixels are split into as many ranges as make up the difference, each of at least CLNAS_CONV_SPLIT_MIN_PIXELS
 * pixels (at C=16 a 3x3 weight gradient is 2 tiles: 2 work-groups of a GPU's dozens of compute units). */
#define CLNAS_CONV_SPLIT_GROUPS_PER_UNIT 4
#define CLNAS_CONV_SPLIT_MIN_PIXELS 1024
int clnas_conv_bwd_filter_split(const clnas_conv_params *p, const clnas_device_profile *profile);

/* The same three passes lowered for a device profile: the GPU family's kernels (codegen/ops/op_conv_gpu.c:
 * work-group tiled, within the profile's work-group and local-memory limits) when profile->family is gpu, the
 * kernels above otherwise (NULL profile: the CPU family). Same slots and semantics. */
clnas_status clnas_op_conv_fwd_desc_for(const clnas_conv_params *p, const clnas_device_profile *profile,
                                        clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_conv_bwd_data_desc_for(const clnas_conv_params *p, const clnas_device_profile *profile,
                                             clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_conv_bwd_filter_desc_for(const clnas_conv_params *p, const clnas_device_profile *profile,
                                               clnas_kernel_desc *d, clnas_error *err);

/* ---- tuning (codegen/ops/op_conv_tune.c): the kernel variants of a convolution pass ----
 * Each family's kernels have named tunable parameters, read where the lowering sizes them (work-group size LOCAL,
 * channels per work-item CO_BLOCK / CI_BLOCK / COV / RM, rows per work-item ROWS, tile sizes RN TK, groups
 * CO_GROUP, pixels per staged step TP, images per chunk IMG_CHUNK,
 * vectors per segment SEG). A tuning names some of them;
 * the rest keep the lowering's defaults, so the empty tuning is exactly the kernel the lowering emits. The runtime
 * times the candidates and keeps the fastest correct one per device (runtime/tuner.c). */
typedef enum clnas_conv_pass { CLNAS_CONV_PASS_FWD = 0, CLNAS_CONV_PASS_BWD_DATA, CLNAS_CONV_PASS_BWD_FILTER } clnas_conv_pass;

#define CLNAS_CONV_TUNE_MAX 8
#define CLNAS_CONV_TUNE_NAME_MAX 12
/* "CO_BLOCK=4 ROWS=2 LOCAL=16": at most CLNAS_CONV_TUNE_MAX names of 11 characters and values below 10^6 */
#define CLNAS_CONV_TUNE_TEXT_MAX 160
typedef struct clnas_conv_tuning {
    int n;
    char name[CLNAS_CONV_TUNE_MAX][CLNAS_CONV_TUNE_NAME_MAX];
    int value[CLNAS_CONV_TUNE_MAX];
} clnas_conv_tuning;

/* "NAME=V NAME=V ..." in the tuning's order ("" for the empty tuning). */
void clnas_conv_tuning_format(const clnas_conv_tuning *t, char *out, size_t cap);
/* Parses what clnas_conv_tuning_format writes, strictly: upper-case names of [A-Z0-9_] (at most 11 characters),
 * each at most once, values 1 .. 999999, single spaces; the error names the position and what was expected. */
clnas_status clnas_conv_tuning_parse(const char *text, clnas_conv_tuning *t, clnas_error *err);

/* What a lowering reads its tunables through: in (may be NULL) the overrides, used (may be NULL) gets every tunable
 * the kernel read with the value it took. */
typedef struct clnas_conv_tune_ctx {
    const clnas_conv_tuning *in;
    unsigned taken; /* bit i: in->name[i] was read */
    clnas_conv_tuning *used;
} clnas_conv_tune_ctx;
/* The value of tunable `name`: the override, else def. NULL ctx: def. */
int clnas_conv_tune_take(clnas_conv_tune_ctx *ctx, const char *name, int def);

/* The descriptor of one pass for a profile's family with tuning t (NULL: the defaults, what the _for functions
 * above emit); used (may be NULL) gets the kernel's tunables with their values. A tunable the kernel does not have
 * or a value outside its range is CLNAS_ERR_INVALID_ARG naming it. */
clnas_status clnas_op_conv_desc_tuned(clnas_conv_pass pass, const clnas_conv_params *p,
                                      const clnas_device_profile *profile, const clnas_conv_tuning *t,
                                      clnas_kernel_desc *d, clnas_conv_tuning *used, clnas_error *err);
/* The CPU family's lowering of one pass (codegen/ops/op_conv.c), reading its tunables through tc (may be NULL). */
clnas_status clnas_op_conv_cpu_desc(clnas_conv_pass pass, const clnas_conv_params *p,
                                    const clnas_device_profile *profile, clnas_conv_tune_ctx *tc,
                                    clnas_kernel_desc *d, clnas_error *err);
/* The candidates of one pass, at most max (>= 1): out[0] is the default (its full tunables), then variants that
 * differ from it in one tunable or in two, ordered by their distance from it in factors of 2 (one tunable before
 * two at the same distance) and round-robin over the tunables, each within the kernel's ranges and the profile's work-group and local-memory limits and giving a kernel
 * that differs from every earlier candidate's; so a small budget still tries the likeliest ones. */
clnas_status clnas_conv_tune_candidates(clnas_conv_pass pass, const clnas_conv_params *p,
                                        const clnas_device_profile *profile, int max, clnas_conv_tuning *out,
                                        int *count, clnas_error *err);
/* The convolution pass a plan kernel descriptor kd lowers (entry conv2d_fwd, conv2d_bwd_data, conv2d_bwd_filter
 * with op_conv.h's shape #defines, lowered by clnas_op_conv_desc_tuned for profile with some tuning): *has = 1,
 * pass, params and the tuning signature (cap bytes: "tune <pass> <template>@<source hash> f32 n.. ci.. co.. HxW k s p
 * relu acc", " split.." after it for a split weight gradient) filled; otherwise *has = 0. */
clnas_status clnas_conv_tune_target(const clnas_kernel_desc *kd, int fp64, clnas_conv_pass *pass,
                                    clnas_conv_params *p, char *sig, size_t cap, int *has, clnas_error *err);
/* The shape #defines of a convolution descriptor as params (split from SPLIT where it has one, else 0): 1 when kd
 * has all of them, else 0. */
int clnas_conv_params_of_desc(const clnas_kernel_desc *kd, clnas_conv_params *p);
/* Whether two descriptors give the same launch (template, entry, #defines, geometry, slots). */
int clnas_kernel_desc_same(const clnas_kernel_desc *a, const clnas_kernel_desc *b);

/* What the convolution kernels of every family share: the parameter check (pass names the pass in messages) and
 * the start of a descriptor with the shape #defines (N CI CO H W HO WO KSIZE STRIDE PAD RELU_IN ACCUM), the
 * kernel's own #defines and its tensor slots. */
typedef struct clnas_conv_define {
    const char *name;
    long value;
} clnas_conv_define;
clnas_status clnas_conv_check(const clnas_conv_params *p, const char *pass, clnas_error *err);
clnas_status clnas_conv_desc_start(clnas_kernel_desc *d, const char *template_name, const char *entry,
                                   const clnas_conv_params *p, int accum, const clnas_conv_define *own, int nown,
                                   const char *const *slots, int nslots, clnas_error *err);

/* Winograd F(2x2,3x3) (codegen/ops/op_conv_winograd.c, kernels/conv2d_winograd.cl): an alternative kernel for the
 * forward pass and the input gradient of a 3x3 stride-1 pad-1 convolution (clnas_conv_winograd_applies), same
 * slots and semantics as clnas_op_conv_fwd_desc / clnas_op_conv_bwd_data_desc (ReLU on load and accum included),
 * 16 multiplies per 2x2 output tile and channel pair instead of 36. The executor measures it against the launch's
 * kernel per signature (clnas_conv_winograd_sig) and device (runtime/algo_choice.c); other convolutions get
 * CLNAS_ERR_UNSUPPORTED. */
int clnas_conv_winograd_applies(const clnas_conv_params *p);
/* Its two kernels: lanes over 16 tiles of one to four tile rows with every output channel per work-item
 * (conv2d_winograd_tiles.cl; their filters staged in local memory), or one tile per work-item with lanes over 16
 * output channels (conv2d_winograd.cl). AUTO (what the two functions below and the alternative use) takes the tiles
 * where they fit, on the GPU family unless a tile row has at most 4 tiles and there are more than 32 output
 * channels. profile (NULL: the CPU family's default) sets what the tiles' chunks of input channels may take: more
 * on the CPU family, where local and private memory are the caches. The two functions below take NULL. */
typedef enum clnas_winograd_variant {
    CLNAS_WINOGRAD_AUTO = 0,
    CLNAS_WINOGRAD_TILES,
    CLNAS_WINOGRAD_CHANNELS
} clnas_winograd_variant;
clnas_status clnas_op_conv_winograd_variant_desc(const clnas_conv_params *p, const clnas_device_profile *profile,
                                                 int bwd_data, clnas_winograd_variant variant, clnas_kernel_desc *d,
                                                 clnas_error *err);
clnas_status clnas_op_conv_fwd_winograd_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_error *err);
clnas_status clnas_op_conv_bwd_data_winograd_desc(const clnas_conv_params *p, clnas_kernel_desc *d, clnas_error *err);
void clnas_conv_winograd_sig(const clnas_conv_params *p, int bwd_data, int fp64, char *out, size_t cap);
/* The Winograd alternative of a launch whose kernel kd is a convolution's forward pass or input gradient (entry
 * conv2d_fwd or conv2d_bwd_data with op_conv.h's shape #defines, either family) that Winograd takes, lowered for
 * profile (the plan's): *has = 1, alt (same slots in the same order) and sig (cap bytes) filled; otherwise
 * *has = 0. sig is clnas_conv_winograd_sig's with the Winograd template's hash after the pass's name and the
 * kernel's template id after "vs", e.g. "conv_fwd_winograd@1a2b3c4d f32 n2 ... vs conv2d_cvec@5e6f7a8b": a choice
 * holds for these two kernels only. */
clnas_status clnas_conv_winograd_alternative(const clnas_kernel_desc *kd, int fp64, const clnas_device_profile *profile,
                                             clnas_kernel_desc *alt, char *sig, size_t cap, int *has, clnas_error *err);

/* Plain C references in double, honouring relu_in and accum exactly as the kernels do. */
void clnas_ref_conv_fwd(const clnas_conv_params *p, const double *x, const double *w, double *y);
void clnas_ref_conv_bwd_data(const clnas_conv_params *p, const double *dy, const double *w, const double *x,
                             double *dx);
/* With p->split > 1 the weight gradient's reference writes the S partial sums as the split kernel does. */
void clnas_ref_conv_bwd_filter(const clnas_conv_params *p, const double *dy, const double *x, double *dw);
/* Output pixels (n, ho, wo) per range of a weight gradient's split: range r takes pixels [r*R, (r+1)*R) of the
 * n*ho*wo (the last range may be short); R = n*ho*wo without a split. */
long clnas_conv_split_pixels(const clnas_conv_params *p);

/* GEMM alternatives (codegen/ops/op_conv_gemm.c; see gemm_desc.h): fill g for a launch whose kernel descriptor is
 * kd, or set g->nsteps = 0 when the convolution has no GEMM form.
 * forward, 1x1 stride 1 pad 0: Y_n (=/+=) W X_n per image (strided batched);
 *   3x3 (any stride and pad) without accum: convgemm.
 * input gradient, 1x1 stride 1 pad 0 without relu_in: dX_n (=/+=) W^T dY_n.
 * weight gradient, 1x1 stride 1 pad 0, no split: S_n = dY_n X_n^T into scratch, dW = ones^T S.
 * The forward pass and the weight gradient with relu_in read ReLU(x) materialised in scratch first (g->relu_elems,
 * clnas_gemm_desc_relu_kernel): where that wins over the kernel with the ReLU folded in, the choice says so. */
clnas_status clnas_gemm_desc_conv_fwd(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                      clnas_gemm_desc *g, clnas_error *err);
clnas_status clnas_gemm_desc_conv_bwd_data(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                           clnas_gemm_desc *g, clnas_error *err);
clnas_status clnas_gemm_desc_conv_bwd_filter(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                             clnas_gemm_desc *g, clnas_error *err);

#endif
