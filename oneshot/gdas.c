/* clnas — GDAS's sampled paths over the supernet and alpha's straight-through gradient. */
#include "gdas.h"

#include <stdio.h>
#include <string.h>

#include "build_darts_search.h"
#include "chain_paths.h"
#include "clnas/darts_genotype.h"
#include "model_build.h"
#include "plan.h"

/* The supernet's space: CLNAS_NET_NB201, CLNAS_NET_DARTS (paths of DARTS' search network) or CLNAS_NET_CHAIN
 * (paths of a skeleton's search network). */
static clnas_net_space space_of(const clnas_gdas *g)
{
    return g->supernet ? clnas_supernet_config(g->supernet)->space : CLNAS_NET_NB201;
}

static int edges_of(const clnas_gdas *g)
{
    switch (space_of(g)) {
    case CLNAS_NET_DARTS:
        return CLNAS_NET_GDAS_DARTS_EDGES;
    case CLNAS_NET_CHAIN:
        return clnas_supernet_config(g->supernet)->chain_genotype.nlayers;
    default:
        return CLNAS_NB201_EDGES;
    }
}

static int ops_of(const clnas_gdas *g)
{
    const clnas_net_space s = space_of(g);
    return s == CLNAS_NET_DARTS ? CLNAS_DARTS_OPS : s == CLNAS_NET_CHAIN ? CLNAS_CHAIN_PATH_OPS : CLNAS_NB201_OPS;
}

/* The op that computes nothing (no dL/dh): none in NB201 and the DARTS space; the chain space has none (-1). */
static int none_op(const clnas_gdas *g)
{
    const clnas_net_space s = space_of(g);
    return s == CLNAS_NET_DARTS ? CLNAS_DARTS_NONE : s == CLNAS_NET_CHAIN ? -1 : CLNAS_OP_NONE;
}

static void h_grad_name(const clnas_gdas *g, int e, char *out, size_t cap)
{
    if (space_of(g) == CLNAS_NET_CHAIN)
        snprintf(out, cap, "gdas.layers.%d.h_grad", e + 1);
    else if (space_of(g) == CLNAS_NET_DARTS)
        snprintf(out, cap, "gdas.%s.%d.h_grad", e < CLNAS_DARTS_SEARCH_EDGES ? "normal" : "reduce",
                 e % CLNAS_DARTS_SEARCH_EDGES);
    else
        snprintf(out, cap, "gdas.edges.%d_%d.h_grad", clnas_nb201_edge_to[e], clnas_nb201_edge_from[e]);
}

clnas_status clnas_gdas_epoch_begin(clnas_gdas *g, int epoch, int epochs, clnas_error *err)
{
    clnas_status st = clnas_alpha_tau(epoch, epochs, g->tau_max, g->tau_min, &g->tau, err);
    if (st == CLNAS_OK)
        clnas_rng_seed(&g->rng, g->seed ^ (0x67646173ull << 20) ^ (uint64_t)epoch);
    return st;
}

clnas_status clnas_gdas_clear_dh(clnas_gdas *g, clnas_error *err)
{
    clnas_status st = CLNAS_OK;
    for (int e = 0; e < edges_of(g) && st == CLNAS_OK; e++) {
        const double zero = 0.0;
        char name[64];
        h_grad_name(g, e, name, sizeof name);
        if (g->chosen[e] != none_op(g))
            st = clnas_supernet_set(g->supernet, name, &zero, 1, err);
    }
    return st;
}

clnas_status clnas_gdas_sample(clnas_gdas *g, const clnas_alpha *alpha, clnas_model **path, clnas_error *err)
{
    *path = NULL;
    if (!g->supernet || !clnas_supernet_config(g->supernet)->gdas)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "GDAS: needs a supernet built with net.gdas = 1");
    const int searched = clnas_supernet_config(g->supernet)->darts_search, edges = edges_of(g), ops = ops_of(g);
    if (alpha->edges != edges || alpha->ops != ops)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "GDAS: alpha must be %d edges x %d ops, got %d x %d",
                               edges, ops, alpha->edges, alpha->ops);
    clnas_status st = clnas_alpha_gumbel_sample(alpha, &g->rng, g->tau, g->chosen, g->soft, err);
    if (st == CLNAS_OK)
        st = clnas_gdas_clear_dh(g, err);
    if (st == CLNAS_OK && searched) { /* DARTS or chain space: paths of the search network */
        uint8_t chosen[CLNAS_NET_GDAS_DARTS_EDGES] = {0};
        for (int e = 0; e < edges; e++)
            chosen[e] = (uint8_t)g->chosen[e];
        return clnas_supernet_path_gdas(g->supernet, chosen, path, err);
    }
    clnas_genotype cell;
    memset(&cell, 0, sizeof cell);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        cell.ops[e] = (uint8_t)g->chosen[e];
    if (st == CLNAS_OK)
        st = clnas_supernet_path(g->supernet, &cell, path, err);
    return st;
}

clnas_status clnas_gdas_alpha_gradient(const clnas_gdas *g, const clnas_alpha *alpha, double *dalpha,
                                       clnas_error *err)
{
    double dh[CLNAS_GDAS_EDGES_MAX * CLNAS_GDAS_OPS_MAX];
    memset(dh, 0, sizeof dh);
    clnas_status st = CLNAS_OK;
    for (int e = 0; e < edges_of(g) && st == CLNAS_OK; e++) {
        if (g->chosen[e] == none_op(g))
            continue; /* none's output is zero: so is its dL/dh */
        char name[64];
        h_grad_name(g, e, name, sizeof name);
        st = clnas_supernet_get(g->supernet, name, &dh[e * alpha->ops + g->chosen[e]], 1, err);
    }
    if (st == CLNAS_OK)
        st = clnas_alpha_gumbel_backward(alpha, g->soft, dh, g->tau, dalpha, err);
    return st;
}

/* The GDAS rule: each forward runs a freshly sampled path; the training paths' launches are counted. */
static clnas_status gdas_config(void *state, const clnas_net_config **cfg, clnas_error *err)
{
    const clnas_gdas *g = state;
    if (!g->supernet)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS: no search network (GDAS: no supernet)");
    *cfg = clnas_supernet_config(g->supernet);
    if (!(*cfg)->gdas)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "GDAS: the network is not a GDAS supernet (net.gdas)");
    return CLNAS_OK;
}

static clnas_status gdas_epoch_begin(void *state, int epoch, int epochs, clnas_error *err)
{
    return clnas_gdas_epoch_begin(state, epoch, epochs, err);
}

static clnas_status gdas_network(void *state, const clnas_alpha *alpha, int training, clnas_model **net,
                                 clnas_error *err)
{
    clnas_gdas *g = state;
    clnas_status st = clnas_gdas_sample(g, alpha, net, err);
    if (st == CLNAS_OK && training) {
        g->train_launches += clnas_model_plan(*net)->ntrain;
        g->train_paths++;
    }
    return st;
}

static clnas_status gdas_gradient(void *state, const clnas_alpha *alpha, double *dalpha, clnas_error *err)
{
    return clnas_gdas_alpha_gradient(state, alpha, dalpha, err);
}

static double gdas_tau(const void *state)
{
    return ((const clnas_gdas *)state)->tau;
}

const clnas_arch_rule_iface clnas_arch_rule_gdas = {"GDAS", gdas_config, gdas_epoch_begin, gdas_network, gdas_gradient,
                                                  gdas_tau};
