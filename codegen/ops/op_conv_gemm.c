/* clnas — the convolution's GEMM alternatives: which CLBlast calls compute what its kernels compute. */
#include <stdio.h>
#include <string.h>

#include "op_conv.h"

/* A 1x1 convolution with stride 1 and no padding is a matrix product per image: [co x ci] * [ci x h*w]. */
static int pointwise(const clnas_conv_params *p)
{
    return p->ksize == 1 && p->stride == 1 && p->pad == 0;
}

/* The forward pass and the weight gradient read ReLU(x) where relu_in: their alternative first materialises it at
 * the start of scratch (g->relu_elems) and reads x there. Returns where x's operand is: its slot, or scratch. */
static clnas_gemm_source rectified_input(const clnas_conv_params *p, int x_slot, clnas_gemm_desc *g)
{
    if (!p->relu_in)
        return CLNAS_GEMM_SRC_SLOT;
    g->relu_slot = x_slot;
    g->relu_elems = (size_t)p->n * (size_t)p->ci * (size_t)p->h * (size_t)p->w;
    g->scratch_elems += g->relu_elems;
    return CLNAS_GEMM_SRC_SCRATCH;
}

/* The operand of x (slot x_slot): the slot, or the rectified copy in scratch. */
static clnas_gemm_operand input_operand(clnas_gemm_source src, int x_slot, size_t ld, size_t stride)
{
    return src == CLNAS_GEMM_SRC_SLOT ? clnas_gemm_slot_operand(x_slot, ld, stride)
                                      : clnas_gemm_buffer_operand(CLNAS_GEMM_SRC_SCRATCH, ld, stride);
}

static void conv_sig(clnas_gemm_desc *g, const char *op, const clnas_conv_params *p, int fp64, int accum)
{
    snprintf(g->sig, sizeof g->sig, "%s %s n%d ci%d co%d %dx%d k%d s%d p%d relu%d acc%d", op,
             clnas_gemm_type_name(fp64), p->n, p->ci, p->co, p->h, p->w, p->ksize, p->stride, p->pad, p->relu_in,
             accum);
}

/* What the steps are built from: the three slots named (inputs, then the output) and the sizes as size_t. */
typedef struct conv_view {
    int s[3];
    size_t n, ci, co, hw;
} conv_view;

/* Empties g and, where the convolution has a GEMM form, finds its slots and sizes into *cv: 1 to go on and build
 * the steps, 0 to return *st (CLNAS_OK with g empty where there is no GEMM form). */
static int conv_desc_begin(int has_gemm, const clnas_conv_params *p, const clnas_kernel_desc *kd,
                           const char *const names[3], clnas_gemm_desc *g, conv_view *cv, clnas_status *st,
                           clnas_error *err)
{
    memset(g, 0, sizeof *g);
    *st = has_gemm ? clnas_gemm_find_slots(kd, names, 3, cv->s, err) : CLNAS_OK;
    cv->n = (size_t)p->n;
    cv->ci = (size_t)p->ci;
    cv->co = (size_t)p->co;
    cv->hw = (size_t)p->h * (size_t)p->w;
    return has_gemm && *st == CLNAS_OK;
}

/* Every alternative writes one output, the kernel's (slot out), and is keyed by the convolution's signature and the
 * kernel kd it competes with. */
static clnas_status conv_desc_end(clnas_gemm_desc *g, int nsteps, int out, const char *op, const clnas_conv_params *p,
                                  int fp64, int accum, const clnas_kernel_desc *kd, clnas_error *err)
{
    g->nsteps = nsteps;
    g->nout = 1;
    g->out_slot[0] = out;
    conv_sig(g, op, p, fp64, accum);
    return clnas_gemm_sig_versus(g->sig, sizeof g->sig, kd, err);
}

clnas_status clnas_gemm_desc_conv_fwd(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                      clnas_gemm_desc *g, clnas_error *err)
{
    static const char *const names[] = {"x", "w", "y"};
    conv_view cv;
    clnas_status st;
    /* no GEMM form accumulating through convgemm (it overwrites its result) */
    if (!conv_desc_begin(pointwise(p) || !p->accum, p, kd, names, g, &cv, &st, err))
        return st;
    const clnas_gemm_source x = rectified_input(p, cv.s[0], g);
    clnas_gemm_step *mm = &g->step[0];
    if (pointwise(p)) {
        /* Y_n[co x hw] (=/+=) W[co x ci] * X_n[ci x hw], the same W for every image */
        *mm = clnas_gemm_step_make(CLNAS_GEMM_ROUTINE_GEMM_STRIDED_BATCHED, cv.co, cv.hw, cv.ci, cv.n,
                                   p->accum ? 1.0 : 0.0);
        mm->a = clnas_gemm_slot_operand(cv.s[1], cv.ci, 0);
        mm->b = input_operand(x, cv.s[0], cv.hw, cv.ci * cv.hw);
        mm->c = clnas_gemm_slot_operand(cv.s[2], cv.hw, cv.co * cv.hw);
    } else {
        *mm = clnas_gemm_step_make(CLNAS_GEMM_ROUTINE_CONVGEMM, 0, 0, 0, cv.n, 0.0);
        mm->conv = (clnas_gemm_conv){cv.ci, (size_t)p->h, (size_t)p->w, (size_t)p->ksize, (size_t)p->pad,
                                     (size_t)p->stride, cv.co};
        mm->a = input_operand(x, cv.s[0], 0, 0);
        mm->b = clnas_gemm_slot_operand(cv.s[1], 0, 0);
        mm->c = clnas_gemm_slot_operand(cv.s[2], 0, 0);
    }
    return conv_desc_end(g, 1, cv.s[2], "conv_fwd", p, fp64, p->accum, kd, err);
}

clnas_status clnas_gemm_desc_conv_bwd_data(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                           clnas_gemm_desc *g, clnas_error *err)
{
    static const char *const names[] = {"dy", "w", "dx"};
    conv_view cv;
    clnas_status st;
    /* none where relu_in: the input gradient is masked by x > 0, which CLBlast has no form of */
    if (!conv_desc_begin(pointwise(p) && !p->relu_in, p, kd, names, g, &cv, &st, err))
        return st;
    /* dX_n[ci x hw] (=/+=) W^T (W is stored [co][ci]) * dY_n[co x hw] */
    clnas_gemm_step *mm = &g->step[0];
    *mm = clnas_gemm_step_make(CLNAS_GEMM_ROUTINE_GEMM_STRIDED_BATCHED, cv.ci, cv.hw, cv.co, cv.n,
                               p->accum ? 1.0 : 0.0);
    mm->trans_a = 1;
    mm->a = clnas_gemm_slot_operand(cv.s[1], cv.ci, 0);
    mm->b = clnas_gemm_slot_operand(cv.s[0], cv.hw, cv.co * cv.hw);
    mm->c = clnas_gemm_slot_operand(cv.s[2], cv.hw, cv.ci * cv.hw);
    return conv_desc_end(g, 1, cv.s[2], "conv_bwd_data", p, fp64, p->accum, kd, err);
}

clnas_status clnas_gemm_desc_conv_bwd_filter(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                             clnas_gemm_desc *g, clnas_error *err)
{
    static const char *const names[] = {"dy", "x", "dw"};
    conv_view cv;
    clnas_status st;
    /* none for a split weight gradient: its output is the partial sums (codegen/wgrad_split.h) */
    if (!conv_desc_begin(pointwise(p) && p->split <= 1, p, kd, names, g, &cv, &st, err))
        return st;
    /* S_n[co x ci] = dY_n[co x hw] * X_n^T (X_n is stored [ci][hw]), one matrix per image in scratch (after the
     * rectified input where relu_in) ... */
    const clnas_gemm_source x = rectified_input(p, cv.s[1], g);
    const size_t products = g->relu_elems;
    clnas_gemm_step *mm = &g->step[0];
    *mm = clnas_gemm_step_make(CLNAS_GEMM_ROUTINE_GEMM_STRIDED_BATCHED, cv.co, cv.ci, cv.hw, cv.n, 0.0);
    mm->trans_b = 1;
    mm->a = clnas_gemm_slot_operand(cv.s[0], cv.hw, cv.co * cv.hw);
    mm->b = input_operand(x, cv.s[1], cv.hw, cv.ci * cv.hw);
    mm->c = clnas_gemm_buffer_operand(CLNAS_GEMM_SRC_SCRATCH, cv.ci, cv.co * cv.ci);
    mm->c.offset = products;
    /* ... then dW[1 x co*ci] = ones[1 x n] * S[n x co*ci]: a fixed-order sum over the batch (no atomics) */
    clnas_gemm_step *sum = &g->step[1];
    *sum = clnas_gemm_step_make(CLNAS_GEMM_ROUTINE_GEMM, 1, cv.co * cv.ci, cv.n, 1, 0.0);
    sum->a = clnas_gemm_buffer_operand(CLNAS_GEMM_SRC_ONES, cv.n, 0);
    sum->b = clnas_gemm_buffer_operand(CLNAS_GEMM_SRC_SCRATCH, cv.co * cv.ci, 0);
    sum->b.offset = products;
    sum->c = clnas_gemm_slot_operand(cv.s[2], cv.co * cv.ci, 0);
    g->scratch_elems += cv.n * cv.co * cv.ci;
    g->ones_elems = cv.n;
    return conv_desc_end(g, 2, cv.s[2], "conv_bwd_filter", p, fp64, 0, kd, err);
}
