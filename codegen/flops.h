/* clnas — forward FLOPs of a network: one rule per node kind, over the forward graph a builder made. */
#ifndef CLNAS_FLOPS_H
#define CLNAS_FLOPS_H

#include "graph.h"

/* Forward floating-point operations per image of g's live forward nodes, 2 per multiply-add (a fused
 * multiply-add is 2 FLOPs, as the device benchmark counts them). Counted: every op with trained weights by its
 * multiply-adds: convolution CO x CI x K x K per output pixel, depthwise convolution (DARTS' sep_conv and
 * dil_conv, the chain space's sepconv) C x K x K per output pixel, the linear classifier classes x features (its
 * bias not counted). FactorizedReduce counts as its two 1x1 stride-2 convolutions. Counted as 0: ops without
 * multiply-adds of weights — pools (max, average: 3x3, 2x2, K x K), BatchNorm (in evaluation an affine map that
 * folds into the convolution before it), ReLU, sums, concatenation, FactorizedReduce's subsample, drop-path (the
 * identity in evaluation), global average pooling, a DARTS search edge's weighted sum, the loss. NAS-Bench-201's
 * figures are those the conv and linear rule always gave. */
double clnas_graph_forward_flops(const clnas_graph *g);

#endif
