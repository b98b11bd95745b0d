/* clnas — network configuration defaults and checks (NAS-Bench-201's, and DARTS' in network_darts.c). */
#include "clnas/network.h"

#include <string.h>

#include "build_darts_search.h"
#include "network_darts.h"
#include "network_chain.h"

void clnas_net_config_default(clnas_net_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->channels = 16;
    cfg->cells = 5;
    cfg->in_channels = 1;
    cfg->height = cfg->width = 28;
    cfg->classes = 10;
    cfg->batch = 256;
    cfg->bn_eps = 1e-5;
    cfg->bn_momentum = 0.1;
    cfg->sgd_momentum = 0.9;
    cfg->weight_decay = 5e-4;
    cfg->nesterov = 1;
    cfg->auxiliary_weight = CLNAS_DARTS_AUX_WEIGHT;
    cfg->recompute = CLNAS_RECOMPUTE_AUTO;
}

clnas_status clnas_net_config_check(const clnas_net_config *cfg, clnas_error *err)
{
    if (cfg->recompute != 0 && cfg->recompute != 1 && cfg->recompute != CLNAS_RECOMPUTE_AUTO)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "recompute: expected 0, 1 or CLNAS_RECOMPUTE_AUTO (-1), "
                               "got %d", cfg->recompute);
    if (!(cfg->memory_budget >= 0 && cfg->memory_budget < CLNAS_MEMORY_BUDGET_MAX))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "memory_budget: expected bytes >= 0 (0: none), got %g",
                               cfg->memory_budget);
    if (cfg->no_batchnorm && (cfg->space != CLNAS_NET_NB201 || cfg->darts || cfg->gdas))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "no_batchnorm: only plain NB201 networks (not DARTS, "
                               "GDAS or chain) can be built without BatchNorm");
    if (cfg->space == CLNAS_NET_DARTS && cfg->darts_search)
        return clnas_net_config_check_darts_search(cfg, err);
    if (cfg->space == CLNAS_NET_DARTS)
        return clnas_net_config_check_darts(cfg, err);
    if (cfg->space == CLNAS_NET_CHAIN)
        return clnas_net_config_check_chain(cfg, err);
    if (cfg->space != CLNAS_NET_NB201)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "space: expected nb201 (0), darts (1) or chain (2), got %d",
                               (int)cfg->space);
    if (cfg->channels < 1 || cfg->channels > 4096)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "channels: expected 1 to 4096, got %d", cfg->channels);
    if (cfg->cells < 1 || cfg->cells > 64)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "cells: expected 1 to 64 cells per stage, got %d",
                               cfg->cells);
    if (cfg->in_channels < 1 || cfg->classes < 2)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "input channels must be >= 1 and classes >= 2 (got %d and %d)", cfg->in_channels,
                               cfg->classes);
    if (cfg->height < 4 || cfg->width < 4 || cfg->height % 4 || cfg->width % 4)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "input %dx%d: height and width must be positive multiples of 4 (the residual "
                               "reduction block adds a stride-2 3x3 convolution to a 2x2 average pool, twice)",
                               cfg->height, cfg->width);
    if (cfg->batch < 2)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "batch: expected at least 2 (BatchNorm needs batch statistics), got %d", cfg->batch);
    if (!(cfg->grad_clip >= 0.0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "grad_clip: expected >= 0 (0: off), got %g",
                               cfg->grad_clip);
    if (cfg->darts && cfg->gdas)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "darts and gdas: a network is one or the other, not both");
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        if (cfg->genotype.ops[e] >= CLNAS_NB201_OPS)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "genotype edge %d: op %d is not an NB201 op", e,
                                   cfg->genotype.ops[e]);
    return CLNAS_OK;
}
