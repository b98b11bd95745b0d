/* clnas — SGD: checks, the descriptor for kernels/sgd.cl, the reference, op table rows. */
#include "op_sgd.h"

#include <math.h>

#include "op.h"

#define SGD_LOCAL 256

clnas_status clnas_op_sgd_desc(const clnas_sgd_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    if (!p || !d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "sgd: params and descriptor must not be NULL");
    if (p->count < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "sgd: count must be >= 1, got %ld", p->count);
    if (!(p->momentum >= 0.0) || !isfinite(p->momentum))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "sgd: momentum must be >= 0 and finite, got %g",
                               p->momentum);
    if (!(p->weight_decay >= 0.0) || !isfinite(p->weight_decay))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "sgd: weight_decay must be >= 0 and finite, got %g",
                               p->weight_decay);
    if (p->nesterov != 0 && p->nesterov != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "sgd: nesterov must be 0 or 1, got %d", p->nesterov);
    if (p->nesterov && p->momentum == 0.0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "sgd: nesterov needs momentum > 0 (as in PyTorch)");
    clnas_kernel_desc_init(d, "sgd", "sgd");
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "COUNT", p->count) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_real(d, "MOMENTUM", p->momentum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_real(d, "WEIGHT_DECAY", p->weight_decay) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "NESTEROV", p->nesterov) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", SGD_LOCAL) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "p") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "g") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "v") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_REAL, "lr") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "sgd: descriptor table full");
    clnas_kernel_desc_geometry_1d(d, (size_t)p->count, SGD_LOCAL);
    return CLNAS_OK;
}

void clnas_ref_sgd(const clnas_sgd_params *p, double *param, const double *g, double *v, double lr)
{
    for (long i = 0; i < p->count; i++) {
        double grad = g[i] + p->weight_decay * param[i];
        v[i] = p->momentum * v[i] + grad;
        param[i] -= lr * (p->nesterov ? grad + p->momentum * v[i] : v[i]);
    }
}

/* ---- the graph ops: one SGD node per parameter, fused into one launch over the live parameter range ---- */

static clnas_status lower_sgd_arena(clnas_lowering *l, const clnas_graph_node *n)
{
    (void)n;
    clnas_sgd_params p = {0};
    p.count = (long)l->live_params;
    p.momentum = l->cfg->sgd_momentum;
    p.weight_decay = l->cfg->weight_decay;
    p.nesterov = l->cfg->nesterov;
    CLNAS_TRY(clnas_op_sgd_desc(&p, &l->desc, l->err));
    static const char *const slots[] = {"p", "g", "v"};
    static const clnas_arena arenas[] = {CLNAS_ARENA_PARAMS, CLNAS_ARENA_GRADS, CLNAS_ARENA_MOMENTUM};
    for (int i = 0; i < 3; i++) {
        int a = clnas_kernel_desc_find_arg(&l->desc, slots[i]);
        if (a < 0)
            return clnas_error_set(l->err, CLNAS_ERR_INVALID_ARG, "internal: sgd kernel has no slot %s", slots[i]);
        l->launch->arg[a] = (clnas_plan_binding){arenas[i], 0, l->live_params, -1, i == 1 ? 0 : 2, 0, 0};
    }
    return CLNAS_OK;
}

const clnas_op_def clnas_op_def_sgd = {
    .kind = CLNAS_NODE_SGD, .name = "sgd", .relu_slot = -1};
const clnas_op_def clnas_op_def_sgd_arena = {
    .kind = CLNAS_NODE_SGD_ARENA, .name = "sgd_arena", .relu_slot = -1, .lower = lower_sgd_arena};
