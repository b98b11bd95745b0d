/* clnas — the forward graph of a network of any space, by clnas_net_config.space. */
#include "build_network.h"

#include "build_chain.h"
#include "build_chain_search.h"
#include "build_darts.h"
#include "build_darts_search.h"

static clnas_status build_space(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                                clnas_error *err)
{
    if (cfg->space == CLNAS_NET_DARTS && cfg->darts_search)
        return clnas_build_darts_search(cfg, training, g, io, err);
    if (cfg->space == CLNAS_NET_DARTS)
        return clnas_build_darts(cfg, training, g, io, err);
    if (cfg->space == CLNAS_NET_CHAIN && cfg->darts_search)
        return clnas_build_chain_search(cfg, training, g, io, err);
    if (cfg->space == CLNAS_NET_CHAIN)
        return clnas_build_chain(cfg, training, g, io, err);
    return clnas_build_nb201(cfg, training, g, io, err);
}

clnas_status clnas_build_network(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                                 clnas_error *err)
{
    g->grad_clip = cfg->grad_clip;
    return build_space(cfg, training, g, io, err);
}
