/* clnas — gradient clipping at a global norm: checks, the descriptor for kernels/grad_clip.cl, reference, op row. */
#include "op_grad_clip.h"

#include <math.h>

#include "op.h"

#define CLIP_LOCAL 256 /* a power of two */

clnas_status clnas_op_grad_clip_desc(const clnas_grad_clip_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    if (!p || !d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "grad_clip: params and descriptor must not be NULL");
    if (p->count < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "grad_clip: count must be >= 1, got %ld", p->count);
    if (!(p->max_norm > 0.0) || !isfinite(p->max_norm))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "grad_clip: max_norm must be > 0 and finite, got %g",
                               p->max_norm);
    clnas_kernel_desc_init(d, "grad_clip", "grad_clip");
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "COUNT", p->count) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_real(d, "MAX_NORM", p->max_norm) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", CLIP_LOCAL) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "g") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "grad_clip: descriptor table full");
    clnas_kernel_desc_geometry_1d(d, CLIP_LOCAL, CLIP_LOCAL);
    clnas_kernel_desc_local_mem(d, CLIP_LOCAL, 0);
    return CLNAS_OK;
}

double clnas_ref_grad_clip(const clnas_grad_clip_params *p, double *g)
{
    double sq = 0.0;
    for (long i = 0; i < p->count; i++)
        sq += g[i] * g[i];
    const double norm = sqrt(sq), coef = p->max_norm / (norm + 1e-6);
    for (long i = 0; coef < 1.0 && i < p->count; i++)
        g[i] *= coef;
    return norm;
}

/* ---- the graph op: one node in the update phase, before the SGD launch, over the live gradients ---- */

static clnas_status lower_grad_clip(clnas_lowering *l, const clnas_graph_node *n)
{
    (void)n;
    clnas_grad_clip_params p = {(long)l->live_params, l->cfg->grad_clip};
    CLNAS_TRY(clnas_op_grad_clip_desc(&p, &l->desc, l->err));
    int a = clnas_kernel_desc_find_arg(&l->desc, "g");
    if (a < 0)
        return clnas_error_set(l->err, CLNAS_ERR_INVALID_ARG, "internal: grad_clip kernel has no slot g");
    l->launch->arg[a] = (clnas_plan_binding){CLNAS_ARENA_GRADS, 0, l->live_params, -1, 2, 0, 0};
    return CLNAS_OK;
}

const clnas_op_def clnas_op_def_grad_clip = {
    .kind = CLNAS_NODE_GRAD_CLIP, .name = "grad_clip", .relu_slot = -1, .lower = lower_grad_clip};
