/* clnas — the checks of a chain-structured network's config. */
#ifndef CLNAS_NETWORK_CHAIN_H
#define CLNAS_NETWORK_CHAIN_H

#include "clnas/network.h"

/* Sizes (stem width, input, classes, batch) and the chain genotype (clnas_chain_genotype_validate); refuses the
 * NB201 search-network flags (darts, gdas), which have no meaning here. */
clnas_status clnas_net_config_check_chain(const clnas_net_config *cfg, clnas_error *err);

#endif
