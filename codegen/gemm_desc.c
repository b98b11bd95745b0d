/* clnas — GEMM alternatives: the plumbing the ops' builders share (operands, steps, slot look-up, names). */
#include "gemm_desc.h"

#include <stdio.h>
#include <string.h>

#include "op_eltwise.h"

const char *clnas_gemm_routine_name(clnas_gemm_routine routine)
{
    switch (routine) {
    case CLNAS_GEMM_ROUTINE_GEMM: return "gemm";
    case CLNAS_GEMM_ROUTINE_GEMM_STRIDED_BATCHED: return "gemm_strided_batched";
    case CLNAS_GEMM_ROUTINE_CONVGEMM: return "convgemm";
    }
    return "unknown";
}

clnas_gemm_operand clnas_gemm_slot_operand(int slot, size_t ld, size_t stride)
{
    clnas_gemm_operand o = {CLNAS_GEMM_SRC_SLOT, slot, 0, ld, stride};
    return o;
}

clnas_gemm_operand clnas_gemm_buffer_operand(clnas_gemm_source src, size_t ld, size_t stride)
{
    clnas_gemm_operand o = {src, -1, 0, ld, stride};
    return o;
}

clnas_status clnas_gemm_find_slots(const clnas_kernel_desc *kd, const char *const *names, int count, int *slots,
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

clnas_gemm_step clnas_gemm_step_make(clnas_gemm_routine routine, size_t m, size_t n, size_t k, size_t batch,
                                     double beta)
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

clnas_status clnas_gemm_sig_versus(char *sig, size_t cap, const clnas_kernel_desc *kd, clnas_error *err)
{
    char id[CLNAS_KERNEL_TEMPLATE_ID_MAX];
    clnas_status st = clnas_kernel_template_id(kd->template_name, id, sizeof id, err);
    const size_t n = strlen(sig);
    if (st == CLNAS_OK && n < cap)
        snprintf(sig + n, cap - n, " vs %s", id);
    return st;
}

const char *clnas_gemm_type_name(int fp64)
{
    return fp64 ? "f64" : "f32";
}

clnas_status clnas_gemm_desc_relu_kernel(const clnas_gemm_desc *g, clnas_kernel_desc *d, clnas_error *err)
{
    if (g->relu_elems == 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: %s reads no rectified input", g->sig);
    const clnas_eltwise_params p = {(long)g->relu_elems, 0, 0.0};
    return clnas_op_relu_desc(&p, d, err);
}
