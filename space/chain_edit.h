/* clnas — edits of a chain-structured genotype that renumber skips: insert and remove a layer. */
#ifndef CLNAS_CHAIN_EDIT_H
#define CLNAS_CHAIN_EDIT_H

#include "clnas/chain_genotype.h"

/* Removes layer r (1-based): later skips from outputs after r shift down by one; a skip from r itself becomes a
 * skip from r-1 (the same tensor when layer r is a plain identity) when redirect is set, else it is dropped. The
 * result is not validated. g must have more than one layer. */
void clnas_chain_remove_layer(clnas_chain_genotype *g, int r, int redirect);

/* Inserts l as layer p (1-based, 1..nlayers+1): later skips from outputs p and after shift up by one. The result is
 * not validated. g must have fewer than CLNAS_CHAIN_MAX_LAYERS layers. */
void clnas_chain_insert_layer(clnas_chain_genotype *g, int p, const clnas_chain_layer *l);

/* Draws layer i's op and hyper-parameters (op, kernel size, filters, stride; no skips), each uniform. */
void clnas_chain_draw_op(clnas_rng *rng, clnas_chain_layer *l);

/* g with every unused field zero (layers past nlayers, skips past nskips, the join of a layer without skips), so
 * that equal genotypes have equal bytes. */
void clnas_chain_normalize(const clnas_chain_genotype *g, clnas_chain_genotype *out);

#endif
