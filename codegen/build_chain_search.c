/* clnas — forward graph of the chain space's search network: every layer of a skeleton the softmax(alpha)-weighted
 * sum of the ops it can hold, or (a GDAS path, net.gdas) its sampled op alone, scaled by the layer's h. */
#include "build_chain_search.h"

#include <stdio.h>
#include <string.h>

#include "build_chain.h"
#include "build_common.h"
#include "chain_paths.h"
#include "network_chain.h"

typedef clnas_chain_fmap fmap;

/* A MIXED node of a layer (build_common.h). */
static int mixed(clnas_build_ctx *b, const int *ys, int n, int w, int dw, const char *label, fmap out)
{
    return clnas_build_mixed(b, ys, n, w, dw, label, out.c, out.h, out.w);
}

/* Path op k of skeleton layer l (layer i) on x, named layers.I.<op name>.<rest>. */
static fmap path_op(clnas_build_ctx *b, const clnas_chain_genotype *skeleton, int i, int k, fmap x)
{
    clnas_chain_genotype g = *skeleton;
    clnas_chain_path_set_layer(&g, i - 1, k);
    char prefix[CLNAS_NAME_MAX];
    snprintf(prefix, sizeof prefix, "layers.%d.%s.", i, clnas_chain_path_op_name(k));
    return clnas_chain_build_op(b, &g.layer[i - 1], prefix, x);
}

/* The weights of layer i's MIXED nodes and their gradients (DARTS), or its h and dL/dh (GDAS), registered before the
 * stem so that their place in the STATE arena depends on the skeleton's masks alone. */
static void layer_weights(clnas_build_ctx *b, int i, int held, int w[2], int dw[2])
{
    char prefix[CLNAS_NAME_MAX];
    const int one = 1;
    if (b->cfg->gdas) {
        snprintf(prefix, sizeof prefix, "gdas.layers.%d.", i);
        w[0] = clnas_build_param(b, prefix, "h", CLNAS_ARENA_STATE, 1, &one, CLNAS_INIT_ONES, 0, 1);
        dw[0] = clnas_build_param(b, prefix, "h_grad", CLNAS_ARENA_STATE, 1, &one, CLNAS_INIT_ZEROS, 0, 1);
        return;
    }
    static const char *const wname[2] = {"weight", "weight2"}, *const gname[2] = {"weight_grad", "weight2_grad"};
    snprintf(prefix, sizeof prefix, "darts.layers.%d.", i);
    for (int c = 0; c < 2; c++) {
        const int n = c == 0 ? (held < CLNAS_CHAIN_SEARCH_W0 ? held : CLNAS_CHAIN_SEARCH_W0)
                             : held - CLNAS_CHAIN_SEARCH_W0;
        w[c] = dw[c] = -1;
        if (n < 1)
            continue;
        w[c] = clnas_build_param(b, prefix, wname[c], CLNAS_ARENA_STATE, 1, &n, CLNAS_INIT_ONES, 0, 1);
        dw[c] = clnas_build_param(b, prefix, gname[c], CLNAS_ARENA_STATE, 1, &n, CLNAS_INIT_ZEROS, 0, 1);
    }
}

clnas_status clnas_build_chain_search(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                                      clnas_error *err)
{
    if (cfg->space != CLNAS_NET_CHAIN || !cfg->darts_search)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: the chain search builder was given another "
                               "network (clnas_build_network dispatches by space and darts_search)");
    clnas_status st = clnas_net_config_check_chain(cfg, err);
    uint16_t mask[CLNAS_CHAIN_MAX_LAYERS];
    if (st == CLNAS_OK)
        st = clnas_chain_path_masks(&cfg->chain_genotype, mask, err);
    if (st != CLNAS_OK)
        return st;
    const clnas_chain_genotype *sk = &cfg->chain_genotype;
    clnas_build_ctx b = {.g = g, .cfg = cfg, .training = training, .err = err, .affine = 1};
    int w[CLNAS_CHAIN_MAX_LAYERS][2], dw[CLNAS_CHAIN_MAX_LAYERS][2];
    for (int i = 1; i <= sk->nlayers; i++)
        layer_weights(&b, i, __builtin_popcount(mask[i - 1]), w[i - 1], dw[i - 1]);
    fmap outs[CLNAS_CHAIN_MAX_LAYERS + 1];
    outs[0] = clnas_chain_build_stem(&b, io);
    b.affine = 0; /* every layer's BatchNorm: affine=False, as DARTS' search cells */
    for (int i = 1; i <= sk->nlayers && !b.failed; i++) {
        const fmap x = clnas_chain_build_join(&b, &sk->layer[i - 1], i, outs);
        char label[CLNAS_NAME_MAX];
        if (cfg->gdas) {
            if (cfg->gdas_ops[i - 1] >= CLNAS_CHAIN_PATH_OPS || !(mask[i - 1] >> cfg->gdas_ops[i - 1] & 1u)) {
                clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "GDAS path: layer %d cannot compute op %d (%s): its "
                                "output shape needs another op", i, cfg->gdas_ops[i - 1],
                                clnas_chain_path_op_name(cfg->gdas_ops[i - 1]));
                b.failed = 1;
                break;
            }
            const fmap y = path_op(&b, sk, i, cfg->gdas_ops[i - 1], x);
            snprintf(label, sizeof label, "layers.%d.gdas", i);
            outs[i] = y;
            outs[i].t = mixed(&b, &y.t, 1, w[i - 1][0], dw[i - 1][0], label, y);
            continue;
        }
        int ys[CLNAS_CHAIN_PATH_OPS], n = 0;
        fmap y = x;
        for (int k = 0; k < CLNAS_CHAIN_PATH_OPS; k++)
            if (mask[i - 1] >> k & 1u) {
                y = path_op(&b, sk, i, k, x);
                ys[n++] = y.t;
            }
        int terms[2], nterms = 0;
        for (int c = 0; c < 2 && c * CLNAS_CHAIN_SEARCH_W0 < n; c++) {
            const int first = c * CLNAS_CHAIN_SEARCH_W0, count = n - first < CLNAS_CHAIN_SEARCH_W0
                                                                       ? n - first : CLNAS_CHAIN_SEARCH_W0;
            snprintf(label, sizeof label, "layers.%d.mixed%s", i, c ? "2" : "");
            terms[nterms++] = mixed(&b, ys + first, count, w[i - 1][c], dw[i - 1][c], label, y);
        }
        outs[i] = y;
        if (nterms == 1) {
            outs[i].t = terms[0];
        } else {
            snprintf(label, sizeof label, "layers.%d.sum_ops", i);
            outs[i].t = clnas_build_sum(&b, terms, nterms, label, y.c, y.h, y.w);
        }
    }
    b.affine = 1;
    if (!b.failed)
        clnas_chain_build_head(&b, outs[sk->nlayers], io);
    return b.failed ? err->status : CLNAS_OK;
}
