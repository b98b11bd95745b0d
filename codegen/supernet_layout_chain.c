/* clnas — the supernet layout of the chain space: every (layer, op) the skeleton's layers hold (chain_paths.h)
 * named once, taken from the chain networks that compute one op on every layer holding it, so a path's network has
 * its parameters as slices of the supernet's arenas. */
#include "supernet_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_chain.h"
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

/* Appends the parameters of the network of g (its layers' modules, and module 0 when with_fixed). */
static clnas_status add_network(const clnas_net_config *net, const clnas_chain_genotype *cg, int with_fixed,
                                clnas_supernet_layout *l, clnas_error *err)
{
    clnas_net_config cfg = *net;
    cfg.chain_genotype = *cg;
    clnas_graph g;
    clnas_graph_init(&g);
    clnas_net_io io;
    clnas_status st = clnas_build_chain(&cfg, 0, &g, &io, err);
    if (st == CLNAS_OK)
        st = clnas_supernet_layout_reserve(l, g.nparams, err);
    for (int i = 0; i < g.nparams && st == CLNAS_OK; i++) {
        int layer, n;
        const int in_layer = layer_of(cg, g.params[i].name, &layer, &n);
        char name[CLNAS_NAME_MAX];
        st = clnas_supernet_chain_param_name(cg, g.params[i].name, name, sizeof name, err);
        if (st != CLNAS_OK || (in_layer ? clnas_supernet_layout_find(l, name) >= 0 : !with_fixed))
            continue;
        clnas_supernet_param *sp = &l->params[l->nparams++];
        sp->info = g.params[i];
        snprintf(sp->info.name, sizeof sp->info.name, "%s", name);
        sp->info.live = 1;
        sp->info.offset = (size_t)i; /* registration order, for the sort */
        sp->module = in_layer ? clnas_chain_supernet_module(layer, clnas_chain_path_op_of(&cg->layer[layer - 1])) : 0;
    }
    clnas_graph_free(&g);
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
