/* clnas — GEMM alternatives of linear and convolution launches: which CLBlast calls compute the same tensors. */
#include "gemm_desc.h"

#include <stdio.h>
#include <string.h>

const char *clnas_gemm_routine_name(clnas_gemm_routine routine)
{
    switch (routine) {
    case CLNAS_GEMM_ROUTINE_GEMM: return "gemm";
    case CLNAS_GEMM_ROUTINE_GEMM_STRIDED_BATCHED: return "gemm_strided_batched";
    case CLNAS_GEMM_ROUTINE_CONVGEMM: return "convgemm";
    }
    return "unknown";
}

static clnas_gemm_operand slot_operand(int slot, size_t ld, size_t stride)
{
    clnas_gemm_operand o = {CLNAS_GEMM_SRC_SLOT, slot, 0, ld, stride};
    return o;
}

static clnas_gemm_operand buffer_operand(clnas_gemm_source src, size_t ld, size_t stride)
{
    clnas_gemm_operand o = {src, -1, 0, ld, stride};
    return o;
}

/* Looks up the kernel descriptor's slots by name; fails (an internal error) when one is missing. */
static clnas_status find_slots(const clnas_kernel_desc *kd, const char *const *names, int count, int *slots,
                               clnas_error *err)
{
    for (int i = 0; i < count; i++) {
        slots[i] = clnas_kernel_desc_find_arg(kd, names[i]);
        if (slots[i] < 0)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: kernel %s has no slot '%s' for its GEMM form",
                                   kd->entry, names[i]);
    }
    return CLNAS_OK;
}

static clnas_gemm_step gemm_step(clnas_gemm_routine routine, size_t m, size_t n, size_t k, size_t batch, double beta)
{
    clnas_gemm_step s;
    memset(&s, 0, sizeof s);
    s.routine = routine;
    s.m = m;
    s.n = n;
    s.k = k;
    s.batch = batch;
    s.alpha = 1.0;
    s.beta = beta;
    return s;
}

static const char *type_name(int fp64)
{
    return fp64 ? "f64" : "f32";
}

clnas_status clnas_gemm_desc_linear_fwd(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                        clnas_gemm_desc *g, clnas_error *err)
{
    memset(g, 0, sizeof *g);
    static const char *const names[] = {"x", "w", "b", "y"};
    int s[4];
    clnas_status st = find_slots(kd, names, 4, s, err);
    if (st != CLNAS_OK)
        return st;
    size_t n = (size_t)p->n, in = (size_t)p->in, out = (size_t)p->out;
    /* Y (=/+=) ones[n x 1] * b[1 x out]: the bias broadcast (a rank-1 product keeps every call a GEMM) */
    clnas_gemm_step *bias = &g->step[0];
    *bias = gemm_step(CLNAS_GEMM_ROUTINE_GEMM, n, out, 1, 1, p->accum ? 1.0 : 0.0);
    bias->a = buffer_operand(CLNAS_GEMM_SRC_ONES, 1, 0);
    bias->b = slot_operand(s[2], out, 0);
    bias->c = slot_operand(s[3], out, 0);
    /* Y += X[n x in] * W^T (W is stored [out][in]) */
    clnas_gemm_step *mm = &g->step[1];
    *mm = gemm_step(CLNAS_GEMM_ROUTINE_GEMM, n, out, in, 1, 1.0);
    mm->trans_b = 1;
    mm->a = slot_operand(s[0], in, 0);
    mm->b = slot_operand(s[1], in, 0);
    mm->c = slot_operand(s[3], out, 0);
    g->nsteps = 2;
    g->ones_elems = n;
    g->nout = 1;
    g->out_slot[0] = s[3];
    snprintf(g->sig, sizeof g->sig, "linear_fwd %s n%d in%d out%d acc%d", type_name(fp64), p->n, p->in, p->out,
             p->accum);
    return CLNAS_OK;
}

clnas_status clnas_gemm_desc_linear_bwd_data(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                             clnas_gemm_desc *g, clnas_error *err)
{
    memset(g, 0, sizeof *g);
    static const char *const names[] = {"dy", "w", "dx"};
    int s[3];
    clnas_status st = find_slots(kd, names, 3, s, err);
    if (st != CLNAS_OK)
        return st;
    size_t n = (size_t)p->n, in = (size_t)p->in, out = (size_t)p->out;
    /* dX[n x in] (=/+=) dY[n x out] * W[out x in] */
    clnas_gemm_step *mm = &g->step[0];
    *mm = gemm_step(CLNAS_GEMM_ROUTINE_GEMM, n, in, out, 1, p->accum ? 1.0 : 0.0);
    mm->a = slot_operand(s[0], out, 0);
    mm->b = slot_operand(s[1], in, 0);
    mm->c = slot_operand(s[2], in, 0);
    g->nsteps = 1;
    g->nout = 1;
    g->out_slot[0] = s[2];
    snprintf(g->sig, sizeof g->sig, "linear_bwd_data %s n%d in%d out%d acc%d", type_name(fp64), p->n, p->in,
             p->out, p->accum);
    return CLNAS_OK;
}

clnas_status clnas_gemm_desc_linear_bwd_weight(const clnas_linear_params *p, const clnas_kernel_desc *kd, int fp64,
                                               clnas_gemm_desc *g, clnas_error *err)
{
    memset(g, 0, sizeof *g);
    static const char *const names[] = {"dy", "x", "dw", "db"};
    int s[4];
    clnas_status st = find_slots(kd, names, 4, s, err);
    if (st != CLNAS_OK)
        return st;
    size_t n = (size_t)p->n, in = (size_t)p->in, out = (size_t)p->out;
    /* dW[out x in] = dY^T (dY is stored [n][out]) * X[n x in] */
    clnas_gemm_step *mm = &g->step[0];
    *mm = gemm_step(CLNAS_GEMM_ROUTINE_GEMM, out, in, n, 1, 0.0);
    mm->trans_a = 1;
    mm->a = slot_operand(s[0], out, 0);
    mm->b = slot_operand(s[1], in, 0);
    mm->c = slot_operand(s[2], in, 0);
    /* db[out x 1] = dY^T * ones[n x 1] */
    clnas_gemm_step *sum = &g->step[1];
    *sum = gemm_step(CLNAS_GEMM_ROUTINE_GEMM, out, 1, n, 1, 0.0);
    sum->trans_a = 1;
    sum->a = slot_operand(s[0], out, 0);
    sum->b = buffer_operand(CLNAS_GEMM_SRC_ONES, 1, 0);
    sum->c = slot_operand(s[3], 1, 0);
    g->nsteps = 2;
    g->ones_elems = n;
    g->nout = 2;
    g->out_slot[0] = s[2];
    g->out_slot[1] = s[3];
    snprintf(g->sig, sizeof g->sig, "linear_bwd_weight %s n%d in%d out%d", type_name(fp64), p->n, p->in, p->out);
    return CLNAS_OK;
}

/* A 1x1 convolution with stride 1 and no padding is a matrix product per image: [co x ci] * [ci x h*w]. The ReLU
 * folded into the input load has no GEMM form (it would need the rectified input materialised). */
static int pointwise(const clnas_conv_params *p)
{
    return p->ksize == 1 && p->stride == 1 && p->pad == 0 && !p->relu_in;
}

static void conv_sig(clnas_gemm_desc *g, const char *op, const clnas_conv_params *p, int fp64, int accum)
{
    snprintf(g->sig, sizeof g->sig, "%s %s n%d ci%d co%d %dx%d k%d s%d p%d relu%d acc%d", op, type_name(fp64), p->n,
             p->ci, p->co, p->h, p->w, p->ksize, p->stride, p->pad, p->relu_in, accum);
}

clnas_status clnas_gemm_desc_conv_fwd(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                      clnas_gemm_desc *g, clnas_error *err)
{
    memset(g, 0, sizeof *g);
    static const char *const names[] = {"x", "w", "y"};
    int s[3];
    if (p->relu_in || (!pointwise(p) && p->accum))
        return CLNAS_OK; /* no GEMM form: convgemm overwrites its result */
    clnas_status st = find_slots(kd, names, 3, s, err);
    if (st != CLNAS_OK)
        return st;
    size_t n = (size_t)p->n, ci = (size_t)p->ci, co = (size_t)p->co, hw = (size_t)p->h * (size_t)p->w;
    clnas_gemm_step *mm = &g->step[0];
    if (pointwise(p)) {
        /* Y_n[co x hw] (=/+=) W[co x ci] * X_n[ci x hw], the same W for every image */
        *mm = gemm_step(CLNAS_GEMM_ROUTINE_GEMM_STRIDED_BATCHED, co, hw, ci, n, p->accum ? 1.0 : 0.0);
        mm->a = slot_operand(s[1], ci, 0);
        mm->b = slot_operand(s[0], hw, ci * hw);
        mm->c = slot_operand(s[2], hw, co * hw);
    } else {
        *mm = gemm_step(CLNAS_GEMM_ROUTINE_CONVGEMM, 0, 0, 0, n, 0.0);
        mm->conv = (clnas_gemm_conv){ci, (size_t)p->h, (size_t)p->w, (size_t)p->ksize, (size_t)p->pad,
                                     (size_t)p->stride, co};
        mm->a = slot_operand(s[0], 0, 0);
        mm->b = slot_operand(s[1], 0, 0);
        mm->c = slot_operand(s[2], 0, 0);
    }
    g->nsteps = 1;
    g->nout = 1;
    g->out_slot[0] = s[2];
    conv_sig(g, "conv_fwd", p, fp64, p->accum);
    return CLNAS_OK;
}

clnas_status clnas_gemm_desc_conv_bwd_data(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                           clnas_gemm_desc *g, clnas_error *err)
{
    memset(g, 0, sizeof *g);
    static const char *const names[] = {"dy", "w", "dx"};
    int s[3];
    if (!pointwise(p))
        return CLNAS_OK;
    clnas_status st = find_slots(kd, names, 3, s, err);
    if (st != CLNAS_OK)
        return st;
    size_t n = (size_t)p->n, ci = (size_t)p->ci, co = (size_t)p->co, hw = (size_t)p->h * (size_t)p->w;
    /* dX_n[ci x hw] (=/+=) W^T (W is stored [co][ci]) * dY_n[co x hw] */
    clnas_gemm_step *mm = &g->step[0];
    *mm = gemm_step(CLNAS_GEMM_ROUTINE_GEMM_STRIDED_BATCHED, ci, hw, co, n, p->accum ? 1.0 : 0.0);
    mm->trans_a = 1;
    mm->a = slot_operand(s[1], ci, 0);
    mm->b = slot_operand(s[0], hw, co * hw);
    mm->c = slot_operand(s[2], hw, ci * hw);
    g->nsteps = 1;
    g->nout = 1;
    g->out_slot[0] = s[2];
    conv_sig(g, "conv_bwd_data", p, fp64, p->accum);
    return CLNAS_OK;
}

clnas_status clnas_gemm_desc_conv_bwd_filter(const clnas_conv_params *p, const clnas_kernel_desc *kd, int fp64,
                                             clnas_gemm_desc *g, clnas_error *err)
{
    memset(g, 0, sizeof *g);
    static const char *const names[] = {"dy", "x", "dw"};
    int s[3];
    if (!pointwise(p))
        return CLNAS_OK;
    clnas_status st = find_slots(kd, names, 3, s, err);
    if (st != CLNAS_OK)
        return st;
    size_t n = (size_t)p->n, ci = (size_t)p->ci, co = (size_t)p->co, hw = (size_t)p->h * (size_t)p->w;
    /* S_n[co x ci] = dY_n[co x hw] * X_n^T (X_n is stored [ci][hw]), one matrix per image in scratch ... */
    clnas_gemm_step *mm = &g->step[0];
    *mm = gemm_step(CLNAS_GEMM_ROUTINE_GEMM_STRIDED_BATCHED, co, ci, hw, n, 0.0);
    mm->trans_b = 1;
    mm->a = slot_operand(s[0], hw, co * hw);
    mm->b = slot_operand(s[1], hw, ci * hw);
    mm->c = buffer_operand(CLNAS_GEMM_SRC_SCRATCH, ci, co * ci);
    /* ... then dW[1 x co*ci] = ones[1 x n] * S[n x co*ci]: a fixed-order sum over the batch (no atomics) */
    clnas_gemm_step *sum = &g->step[1];
    *sum = gemm_step(CLNAS_GEMM_ROUTINE_GEMM, 1, co * ci, n, 1, 0.0);
    sum->a = buffer_operand(CLNAS_GEMM_SRC_ONES, n, 0);
    sum->b = buffer_operand(CLNAS_GEMM_SRC_SCRATCH, co * ci, 0);
    sum->c = slot_operand(s[2], co * ci, 0);
    g->nsteps = 2;
    g->scratch_elems = n * co * ci;
    g->ones_elems = n;
    g->nout = 1;
    g->out_slot[0] = s[2];
    conv_sig(g, "conv_bwd_filter", p, fp64, 0);
    return CLNAS_OK;
}
