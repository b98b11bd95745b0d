/* clnas — an NB201 genotype in and out of the space interface's opaque value, for the parts of the search that are
 * NB201-only (REINFORCE's per-edge policy, BO's encoding, the table evaluator, SPOS' supernet): the adapter
 * (space/space_nb201_iface.c) keeps the clnas_genotype at the start of the blob, the rest zero. */
#ifndef CLNAS_SEARCH_SPACE_NB201_H
#define CLNAS_SEARCH_SPACE_NB201_H

#include <string.h>

#include "clnas/space.h"
#include "space_iface.h"

static inline clnas_genotype clnas_nb201_of(const clnas_space_genotype *g)
{
    clnas_genotype out;
    memcpy(&out, g->u.bytes, sizeof out);
    return out;
}

static inline void clnas_nb201_to(const clnas_genotype *g, clnas_space_genotype *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->u.bytes, g, sizeof *g);
}

/* The space a search component was given, NULL meaning NB201 (the default). */
static inline const clnas_space_iface *clnas_space_or_nb201(const clnas_space_iface *space)
{
    return space ? space : &clnas_space_nb201;
}

#endif
