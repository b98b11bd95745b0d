/* clnas — the bridge between a genotype of any space (space_iface.h) and a network config: which builder, which
 * genotype field. Every command and evaluator that turns a space's genotype into a network goes through here. */
#ifndef CLNAS_NET_GENOTYPE_H
#define CLNAS_NET_GENOTYPE_H

#include "clnas/network.h"
#include "space_iface.h"

/* Sets cfg->space and the genotype field of that space (genotype, darts_genotype or chain_genotype) from g, a
 * genotype of `space`; the sizes (channels, cells, layers) are left as they are. CLNAS_ERR_INVALID_ARG for a space
 * that has no network builder. */
clnas_status clnas_net_config_set_genotype(clnas_net_config *cfg, const clnas_space_iface *space,
                                           const clnas_space_genotype *g, clnas_error *err);

/* The space of cfg (cfg->space) and its genotype as a space genotype: the inverse of the above. */
clnas_status clnas_net_config_genotype(const clnas_net_config *cfg, const clnas_space_iface **space,
                                       clnas_space_genotype *g, clnas_error *err);

#endif
