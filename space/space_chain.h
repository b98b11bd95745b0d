/* clnas — a chain genotype in the space interface's opaque value: what the chain space's adapter and the space of a
 * chain supernet's paths share. */
#ifndef CLNAS_SPACE_CHAIN_H
#define CLNAS_SPACE_CHAIN_H

#include <string.h>

#include "clnas/chain_genotype.h"
#include "space_iface.h"

/* The chain genotype g holds (at the value's start). */
static inline clnas_chain_genotype clnas_chain_of(const clnas_space_genotype *g)
{
    clnas_chain_genotype out;
    memcpy(&out, g->u.bytes, sizeof out);
    return out;
}

/* g normalized (clnas_chain_normalize) into out, the rest of the value zero: equal genotypes, equal bytes. */
void clnas_chain_to_space(const clnas_chain_genotype *g, clnas_space_genotype *out);

#endif
