/* clnas — alpha of a chain skeleton: layer weights of the chain search network, their gradient, the derived
 * network. */
#include "darts_chain.h"

#include <stdio.h>
#include <string.h>

#include "build_chain_search.h"
#include "chain_paths.h"

#define OPS CLNAS_CHAIN_PATH_OPS

static clnas_status check_shape(const clnas_alpha *alpha, int layers, clnas_error *err)
{
    if (alpha->ops != OPS || (layers > 0 && alpha->edges != layers))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain space: alpha must be a row per layer (%d) x %d "
                               "ops, got %d x %d", layers, OPS, alpha->edges, alpha->ops);
    return CLNAS_OK;
}

clnas_status clnas_darts_chain_alpha_init(clnas_alpha *alpha, const clnas_chain_genotype *skeleton, uint64_t seed,
                                          clnas_error *err)
{
    uint16_t mask[CLNAS_CHAIN_MAX_LAYERS];
    clnas_status st = clnas_chain_path_masks(skeleton, mask, err);
    if (st == CLNAS_OK)
        st = clnas_alpha_init(alpha, skeleton->nlayers, OPS, seed, err);
    if (st == CLNAS_OK)
        st = clnas_alpha_set_mask(alpha, mask, err);
    return st;
}

/* The weights of layer e + 1's MIXED nodes as the search network holds them: its held ops' values of v (one row
 * of `OPS`), in op order, into out; their count. */
static int held(const clnas_alpha *alpha, int e, const double *v, double *out)
{
    int n = 0;
    for (int k = 0; k < OPS; k++)
        if (clnas_alpha_holds(alpha, e, k))
            out[n++] = v[k];
    return n;
}

/* darts.layers.I.<weight|weight2><suffix> of row e. */
static void names(int e, const char *suffix, char *a, char *b, size_t cap)
{
    snprintf(a, cap, "darts.layers.%d.weight%s", e + 1, suffix);
    snprintf(b, cap, "darts.layers.%d.weight2%s", e + 1, suffix);
}

/* Row e's held values in v (in op order, their count n) to or from the layer's MIXED nodes' tensors
 * darts.layers.I.weight<suffix> (the first CLNAS_CHAIN_SEARCH_W0) and weight2<suffix> (the rest). */
static clnas_status layer_io(clnas_model *model, int e, const char *suffix, double *v, int n, int get,
                             clnas_error *err)
{
    char a[64], b[64];
    names(e, suffix, a, b, sizeof a);
    const int n0 = n < CLNAS_CHAIN_SEARCH_W0 ? n : CLNAS_CHAIN_SEARCH_W0;
    clnas_status st = get ? clnas_model_get(model, a, v, (size_t)n0, err)
                          : clnas_model_set(model, a, v, (size_t)n0, err);
    if (st == CLNAS_OK && n > n0)
        st = get ? clnas_model_get(model, b, v + n0, (size_t)(n - n0), err)
                 : clnas_model_set(model, b, v + n0, (size_t)(n - n0), err);
    return st;
}

clnas_status clnas_darts_chain_set_edge_weights(clnas_model *model, const clnas_alpha *alpha, clnas_error *err)
{
    double probs[CLNAS_ARCH_MAX_EDGES * OPS];
    clnas_status st = check_shape(alpha, 0, err);
    if (st == CLNAS_OK)
        st = clnas_alpha_softmax(alpha, probs, err);
    for (int e = 0; e < alpha->edges && st == CLNAS_OK; e++) {
        double w[OPS];
        st = layer_io(model, e, "", w, held(alpha, e, probs + e * OPS, w), 0, err);
    }
    return st;
}

clnas_status clnas_darts_chain_alpha_gradient(clnas_model *model, const clnas_alpha *alpha, double *dalpha,
                                              clnas_error *err)
{
    double probs[CLNAS_ARCH_MAX_EDGES * OPS], dprobs[CLNAS_ARCH_MAX_EDGES * OPS];
    clnas_status st = check_shape(alpha, 0, err);
    if (st == CLNAS_OK)
        st = clnas_alpha_softmax(alpha, probs, err);
    for (int e = 0; e < alpha->edges && st == CLNAS_OK; e++) {
        double g[OPS];
        st = layer_io(model, e, "_grad", g, held(alpha, e, probs + e * OPS, g), 1, err);
        for (int k = 0, i = 0; k < OPS; k++) /* an op the layer does not hold: no output, no gradient */
            dprobs[e * OPS + k] = clnas_alpha_holds(alpha, e, k) ? g[i++] : 0.0;
    }
    if (st == CLNAS_OK)
        st = clnas_alpha_softmax_backward(alpha, probs, dprobs, dalpha, err);
    return st;
}

clnas_status clnas_darts_chain_derive(const clnas_alpha *alpha, const clnas_chain_genotype *skeleton,
                                      clnas_chain_genotype *out, clnas_error *err)
{
    clnas_status st = check_shape(alpha, skeleton->nlayers, err);
    if (st != CLNAS_OK)
        return st;
    *out = *skeleton;
    for (int e = 0; e < alpha->edges; e++) {
        int best = -1;
        for (int k = 0; k < OPS; k++)
            if (clnas_alpha_holds(alpha, e, k) && (best < 0 || alpha->alpha[e][k] > alpha->alpha[e][best]))
                best = k;
        clnas_chain_path_set_layer(out, e, best);
    }
    return CLNAS_OK;
}

void clnas_darts_chain_identity_stats(const clnas_alpha *alpha, const clnas_chain_genotype *derived, double *share,
                                      double *mean_prob)
{
    double probs[CLNAS_ARCH_MAX_EDGES * OPS];
    *share = *mean_prob = 0.0;
    if (check_shape(alpha, derived->nlayers, NULL) != CLNAS_OK || clnas_alpha_softmax(alpha, probs, NULL) != CLNAS_OK)
        return;
    for (int e = 0; e < alpha->edges; e++) {
        *share += (derived->layer[e].op == CLNAS_CHAIN_IDENTITY) / (double)alpha->edges;
        *mean_prob += probs[e * OPS + CLNAS_CHAIN_PATH_IDENTITY] / alpha->edges;
    }
}
