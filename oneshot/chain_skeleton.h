/* clnas — strategy.skeleton: the chain genotype whose layers, strides and skips a one-shot search of the chain
 * space keeps (SPOS' supernet, DARTS' search network, GDAS' paths), each layer searching the ops that keep its
 * output's shape (chain_paths.h). */
#ifndef CLNAS_CHAIN_SKELETON_H
#define CLNAS_CHAIN_SKELETON_H

#include <cjson/cJSON.h>

#include "clnas/chain_genotype.h"
#include "clnas/status.h"
#include "space_iface.h"

/* The default skeleton: six layers of 32 then 64 filters, one stride 2, two sum skips; 6 x 9 x 9 x 6 x 9 x 9 =
 * 236,196 paths. */
#define CLNAS_CHAIN_SKELETON_DEFAULT                                                                              \
    "conv3x3-32 | conv3x3-32 | conv3x3-32 + skip(1) | conv3x3-64/s2 | conv3x3-64 | conv3x3-64 + skip(4)"

/* strategy.skeleton of a run over `space`: on the chain space the string given (else the default) parsed into *out
 * and its canonical form into resolved; *found 1. On another space it is refused when given (naming the run's
 * space) and *found is 0. Errors name "strategy.skeleton". */
clnas_status clnas_chain_skeleton_parse(const cJSON *strategy, const clnas_space_iface *space, cJSON *resolved,
                                        clnas_chain_genotype *out, int *found, clnas_error *err);

#endif
