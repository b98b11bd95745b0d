/* clnas — a space's genotype into the network config's field for it, and back. Each adapter (space_*_iface.c) keeps
 * its genotype struct at the start of the opaque blob, bytes past it zero, so a copy of the struct is the value. */
#include "net_genotype.h"

#include <string.h>

clnas_status clnas_net_config_set_genotype(clnas_net_config *cfg, const clnas_space_iface *space,
                                           const clnas_space_genotype *g, clnas_error *err)
{
    if (space == &clnas_space_nb201) {
        cfg->space = CLNAS_NET_NB201;
        memcpy(&cfg->genotype, g->u.bytes, sizeof cfg->genotype);
    } else if (space == &clnas_space_darts) {
        cfg->space = CLNAS_NET_DARTS;
        memcpy(&cfg->darts_genotype, g->u.bytes, sizeof cfg->darts_genotype);
    } else if (space == &clnas_space_chain) {
        cfg->space = CLNAS_NET_CHAIN;
        memcpy(&cfg->chain_genotype, g->u.bytes, sizeof cfg->chain_genotype);
    } else {
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "space %s: no network builder for it (known: nb201, darts, chain)",
                               space ? space->name : "(null)");
    }
    return CLNAS_OK;
}

/* Through the space's string, so that the blob is the adapter's own (slots a genotype does not use zeroed) and
 * compares equal with clnas_space_genotype_equal to the same genotype parsed or sampled. */
clnas_status clnas_net_config_genotype(const clnas_net_config *cfg, const clnas_space_iface **space,
                                       clnas_space_genotype *g, clnas_error *err)
{
    clnas_space_genotype raw;
    memset(&raw, 0, sizeof raw);
    switch (cfg->space) {
    case CLNAS_NET_NB201:
        *space = &clnas_space_nb201;
        memcpy(raw.u.bytes, &cfg->genotype, sizeof cfg->genotype);
        break;
    case CLNAS_NET_DARTS:
        *space = &clnas_space_darts;
        memcpy(raw.u.bytes, &cfg->darts_genotype, sizeof cfg->darts_genotype);
        break;
    case CLNAS_NET_CHAIN:
        *space = &clnas_space_chain;
        memcpy(raw.u.bytes, &cfg->chain_genotype, sizeof cfg->chain_genotype);
        break;
    default:
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "space: expected nb201 (0), darts (1) or chain (2), got %d",
                               (int)cfg->space);
    }
    char text[CLNAS_SPACE_STR_MAX];
    clnas_status st = (*space)->format(&raw, text, sizeof text, err);
    if (st == CLNAS_OK)
        st = (*space)->parse(text, g, err);
    return st;
}
