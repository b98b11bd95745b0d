/* clnas — the checks of a chain-structured network's config. */
#include "network_chain.h"

clnas_status clnas_net_config_check_chain(const clnas_net_config *cfg, clnas_error *err)
{
    if (cfg->channels < 1 || cfg->channels > 4096)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "channels: expected 1 to 4096 (the stem's width), got %d",
                               cfg->channels);
    if (cfg->in_channels < 1 || cfg->classes < 2)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "input channels must be >= 1 and classes >= 2 (got %d and %d)", cfg->in_channels,
                               cfg->classes);
    if (cfg->height < 1 || cfg->width < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "input %dx%d: height and width must be positive",
                               cfg->height, cfg->width);
    if (cfg->batch < 2)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "batch: expected at least 2 (BatchNorm needs batch statistics), got %d", cfg->batch);
    if (cfg->darts || (cfg->gdas && !cfg->darts_search))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "darts, and gdas without darts_search: NB201 search "
                               "networks, not chain ones (the chain space's is darts_search)");
    clnas_status st = clnas_chain_genotype_validate(&cfg->chain_genotype, NULL, err);
    if (st != CLNAS_OK)
        clnas_error_prefix(err, "chain network");
    return st;
}
