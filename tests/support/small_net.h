/* clnas tests — the small networks, datasets and batches the training tests set up, one place for all. */
#ifndef CLNAS_SMALL_NET_H
#define CLNAS_SMALL_NET_H

#include <stdint.h>

#include "clnas/data.h"
#include "clnas/network.h"
#include "clnas/rng.h"

/* The default config with arch's genotype (NULL: the default one), channels, cells, batch and side x side input;
 * a genotype that does not parse fails the test. */
void small_net_config(clnas_net_config *cfg, const char *arch, int channels, int cells, int batch, int side);

/* The DARTS cell space's default config with the named genotype (DARTS_V2, ALL_OPS, ...), channels, layers, batch and
 * side x side input, in float64 (the gradient checks' and the bit-for-bit comparisons' precision); a name that is
 * not known fails the test. */
void small_net_darts_config(clnas_net_config *cfg, const char *genotype, int channels, int layers, int batch,
                            int side);

/* The chain genotype of text; one that does not parse fails the test, naming the text. */
clnas_chain_genotype small_net_chain(const char *text);

/* A one-channel dataset of count side x side images in 10 classes: pixels and labels malloc'ed but not filled,
 * and rng seeded with seed for the caller to fill them. */
void small_dataset_alloc(clnas_dataset *ds, clnas_rng *rng, int count, int side, uint64_t seed);

/* A fixed batch from seed: n side x side images of normal pixels, then n labels below 10. */
void small_fixed_batch(float *images, int32_t *labels, int n, int side, uint64_t seed);

#endif
