/* clnas — the GPU family's weight gradients split over pixels: where a convolution's weight gradient has too few
 * tiles to give every compute unit work-groups, it computes partial gradients over ranges of pixels and a
 * split_sum launch adds them up. */
#ifndef CLNAS_WGRAD_SPLIT_H
#define CLNAS_WGRAD_SPLIT_H

#include "device_profile.h"
#include "graph.h"

/* After fusion and the concatenation slices (g->order set), before the memory plan: for every convolution weight
 * gradient that clnas_conv_bwd_filter_split splits on profile into S > 1 ranges, the node writes a new activation
 * tensor "<dw>:parts" [S * co][ci][k][k] (node.split = S) and a SPLIT_SUM node, launched right after it, writes dw.
 * *count (may be NULL) gets the number split. Nothing changes for the CPU family. */
clnas_status clnas_wgrad_split(clnas_graph *g, const clnas_device_profile *profile, int *count, clnas_error *err);

#endif
