/* clnas — the supernet layout of the chain space: every (layer, op) the skeleton's layers hold (chain_paths.h)
 * named once, taken from the chain networks that compute one op on every layer holding it, so a path's network has
 * its parameters as slices of the supernet's arenas; for GDAS (net.darts_search and gdas) the same from the GDAS
 * paths of the chain search network (build_chain_search.h), whose layers' BatchNorm has no affine parameters. */
#include "supernet_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_chain.h"
#include "build_chain_search.h"
#include "chain_paths.h"

int clnas_chain_supernet_module(int layer, int op)
{
    return 1 + (layer - 1) * CLNAS_CHAIN_PATH_OPS + op;
}

/* Layer (1-based) of a path parameter "layers.I.rest" with I >= 1, and the prefix length; 0 for the stem
 * (layers.0) and the classifier. */
static int layer_of(const clnas_chain_genotype *g, const char *name, int *layer, int *prefix_len)
{
    int i, n = 0;
    if (sscanf(name, "layers.%d.%n", &i, &n) != 1 || n == 0 || i < 1 || i > g->nlayers)
        return 0;
    *layer = i;
    *prefix_len = n;
    return 1;
}

clnas_status clnas_supernet_chain_param_name(const clnas_chain_genotype *g, const char *path_name, char *out,
                                             size_t cap, clnas_error *err)
{
    int layer, n, len;
    if (layer_of(g, path_name, &layer, &n))
        len = snprintf(out, cap, "layers.%d.%s.%s", layer,
                       clnas_chain_path_op_name(clnas_chain_path_op_of(&g->layer[layer - 1])), path_name + n);
    else
        len = snprintf(out, cap, "%s", path_name);
    if (len < 0 || (size_t)len >= cap)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "supernet name of '%s' is too long", path_name);
    return CLNAS_OK;
}

/* A chain network's parameter: module (layer, its op) in a layer, named with the op; 0 for the others. */
static clnas_status classify_chain(const void *ctx, const char *path_name, int *module, char *name, size_t cap,
                                   clnas_error *err)
{
    const clnas_chain_genotype *cg = ctx;
    int layer, n;
    *module = layer_of(cg, path_name, &layer, &n)
                  ? clnas_chain_supernet_module(layer, clnas_chain_path_op_of(&cg->layer[layer - 1]))
                  : 0;
    return clnas_supernet_chain_param_name(cg, path_name, name, cap, err);
}

/* Appends the parameters of the network of g (its layers' modules not laid out yet, and module 0 when
 * with_fixed). */
static clnas_status add_network(const clnas_net_config *net, const clnas_chain_genotype *cg, int with_fixed,
                                clnas_supernet_layout *l, clnas_error *err)
{
    clnas_net_config cfg = *net;
    cfg.chain_genotype = *cg;
    return clnas_supernet_layout_add_network(l, &cfg, clnas_build_chain, with_fixed, classify_chain,
                                             &cfg.chain_genotype, err);
}

/* Layer and path op of a search-network parameter "layers.I.<op name>.rest" with I >= 1; 0 for the others (the
 * stem, the classifier, the layers' h). */
static int search_module_of(const clnas_chain_genotype *g, const char *name, int *layer, int *op)
{
    int n = 0;
    if (!layer_of(g, name, layer, &n))
        return 0;
    for (int k = 0; k < CLNAS_CHAIN_PATH_OPS; k++) {
        const char *op_name = clnas_chain_path_op_name(k);
        const size_t len = strlen(op_name);
        if (strncmp(name + n, op_name, len) == 0 && name[n + len] == '.') {
            *op = k;
            return 1;
        }
    }
    return 0;
}

/* A chain search network's parameter: module (layer, op) of "layers.I.<op name>.rest", named as the search network
 * names it; 0 for the others (the stem, the classifier, the layers' h). */
static clnas_status classify_chain_search(const void *ctx, const char *path_name, int *module, char *name,
                                          size_t cap, clnas_error *err)
{
    int layer = 0, k = 0;
    *module = search_module_of(ctx, path_name, &layer, &k) ? clnas_chain_supernet_module(layer, k) : 0;
    (void)name, (void)cap, (void)err; /* named as the network names it */
    return CLNAS_OK;
}

/* Appends the parameters of the GDAS path ops (the search network computing ops[i] on layer i + 1): the modules not
 * laid out yet, and module 0 when with_fixed. */
static clnas_status add_gdas_path(const clnas_net_config *net, const uint8_t *ops, int with_fixed,
                                  clnas_supernet_layout *l, clnas_error *err)
{
    clnas_net_config cfg = *net;
    memcpy(cfg.gdas_ops, ops, sizeof cfg.gdas_ops);
    return clnas_supernet_layout_add_network(l, &cfg, clnas_build_chain_search, with_fixed, classify_chain_search,
                                             &net->chain_genotype, err);
}

/* GDAS' chain supernet: the search network's (layer, op) modules, from the paths that compute op k on every layer
 * holding it (the others their first op). */
static clnas_status build_gdas(const clnas_net_config *net, const uint16_t *mask, clnas_supernet_layout *out,
                               clnas_error *err)
{
    const clnas_chain_genotype *skeleton = &net->chain_genotype;
    clnas_status st = CLNAS_OK;
    for (int k = 0; k < CLNAS_CHAIN_PATH_OPS && st == CLNAS_OK; k++) {
        uint8_t ops[CLNAS_NET_GDAS_DARTS_EDGES] = {0};
        int holds = 0;
        for (int i = 0; i < skeleton->nlayers; i++) {
            int first = 0;
            while (!(mask[i] >> first & 1u))
                first++;
            holds |= mask[i] >> k & 1u;
            ops[i] = (uint8_t)(mask[i] >> k & 1u ? k : first);
        }
        if (holds || k == 0)
            st = add_gdas_path(net, ops, k == 0, out, err);
    }
    return st;
}

clnas_status clnas_supernet_layout_build_chain(const clnas_net_config *net, clnas_supernet_layout *out,
                                               clnas_error *err)
{
    memset(out, 0, sizeof *out);
    if (net->space != CLNAS_NET_CHAIN)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: the chain supernet is laid out from a chain "
                               "skeleton (space chain)");
    const clnas_chain_genotype *skeleton = &net->chain_genotype;
    uint16_t mask[CLNAS_CHAIN_MAX_LAYERS];
    clnas_status st = clnas_chain_path_masks(skeleton, mask, err);
    if (st == CLNAS_OK && net->darts_search) {
        st = build_gdas(net, mask, out, err);
        if (st == CLNAS_OK)
            clnas_supernet_layout_place(out);
        else
            clnas_supernet_layout_free(out);
        return st;
    }
    /* op k's network: every layer holding k computes it, the others their skeleton's op (laid out with another k,
     * or without parameters); module 0 from the first network. Pools and identity have no parameters. */
    for (int k = 0; k < CLNAS_CHAIN_PATH_OPS && st == CLNAS_OK; k++) {
        clnas_chain_genotype g = *skeleton;
        int holds = 0;
        for (int i = 0; i < g.nlayers; i++)
            if (mask[i] & (1u << k)) {
                clnas_chain_path_set_layer(&g, i, k);
                holds = 1;
            }
        if (holds || k == 0)
            st = add_network(net, &g, k == 0, out, err);
    }
    if (st != CLNAS_OK) {
        clnas_supernet_layout_free(out);
        return st;
    }
    clnas_supernet_layout_place(out);
    return CLNAS_OK;
}
