/* clnas — the GPU family's BatchNorms split over ranges of each channel: where one work-group per channel gives too
 * few work-groups for the device, a BatchNorm runs one per range of a channel, its statistics in two launches (the
 * ranges' partial statistics, then their combination applied to each range). */
#ifndef CLNAS_BN_SPLIT_H
#define CLNAS_BN_SPLIT_H

#include "device_profile.h"
#include "graph.h"

/* After fusion, the concatenation slices and recomputation (g->order set), before the memory plan: every BatchNorm
 * (training, evaluation, or the backward's copy from saved statistics) and BatchNorm backward that
 * clnas_bn_split_ranges splits on profile into S > 1 ranges gets node.split = S. A training forward and a backward
 * also get a new activation tensor "<node>:parts" [C][S][2] as their last input, written by a BN_PART (BN_BWD_PART)
 * node launched right before them. *count (may be NULL) gets the number split. Nothing changes for the CPU
 * family. */
clnas_status clnas_bn_split(clnas_graph *g, const clnas_device_profile *profile, int *count, clnas_error *err);

#endif
