/* clnas — GDAS's hard Gumbel-softmax edge weights and alpha's straight-through gradient. */
#include "gdas.h"

#include <stdio.h>
#include <string.h>

#define MIXED_OPS (CLNAS_NB201_OPS - 1) /* the ops a mixed edge holds: all but none */

static void edge_name(int e, const char *suffix, char *out, size_t cap)
{
    snprintf(out, cap, "darts.edges.%d_%d.%s", clnas_nb201_edge_to[e], clnas_nb201_edge_from[e], suffix);
}

clnas_status clnas_gdas_epoch_begin(clnas_gdas *g, int epoch, int epochs, clnas_error *err)
{
    clnas_status st = clnas_arch_params_tau(epoch, epochs, g->tau_max, g->tau_min, &g->tau, err);
    if (st == CLNAS_OK)
        clnas_rng_seed(&g->rng, g->seed ^ (0x67646173ull << 20) ^ (uint64_t)epoch);
    return st;
}

clnas_status clnas_gdas_sample(clnas_model *model, const clnas_arch_params *alpha, clnas_gdas *g, clnas_error *err)
{
    if (alpha->edges != CLNAS_NB201_EDGES || alpha->ops != CLNAS_NB201_OPS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "GDAS: alpha must be %d edges x %d ops, got %d x %d",
                               CLNAS_NB201_EDGES, CLNAS_NB201_OPS, alpha->edges, alpha->ops);
    clnas_status st = clnas_arch_params_gumbel_sample(alpha, &g->rng, g->tau, g->chosen, g->soft, err);
    for (int e = 0; e < CLNAS_NB201_EDGES && st == CLNAS_OK; e++) {
        double h[MIXED_OPS] = {0};
        if (g->chosen[e] != CLNAS_OP_NONE)
            h[g->chosen[e] - 1] = 1.0;
        char name[64];
        edge_name(e, "weight", name, sizeof name);
        st = clnas_model_set(model, name, h, MIXED_OPS, err);
    }
    return st;
}

clnas_status clnas_gdas_alpha_gradient(clnas_model *model, const clnas_arch_params *alpha, const clnas_gdas *g,
                                       double *dalpha, clnas_error *err)
{
    double dh[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];
    memset(dh, 0, sizeof dh);
    clnas_status st = CLNAS_OK;
    for (int e = 0; e < CLNAS_NB201_EDGES && st == CLNAS_OK; e++) {
        if (g->chosen[e] == CLNAS_OP_NONE)
            continue;
        double dw[MIXED_OPS];
        char name[64];
        edge_name(e, "weight_grad", name, sizeof name);
        st = clnas_model_get(model, name, dw, MIXED_OPS, err);
        dh[e * CLNAS_NB201_OPS + g->chosen[e]] = dw[g->chosen[e] - 1];
    }
    if (st == CLNAS_OK)
        st = clnas_arch_params_gumbel_backward(alpha, g->soft, dh, g->tau, dalpha, err);
    return st;
}
