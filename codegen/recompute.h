/* clnas — which forward tensors the backward pass recomputes instead of keeping (clnas_net_config.recompute,
 * memory_budget). The backward reads some of the forward's tensors: BatchNorm's backward its input x, a convolution's
 * weight gradient its input (a node of the cell). Each it reads lives from the forward until then, unless the
 * backward makes it again just before its first read there:
 *  - a convolution's output x that a training BatchNorm reads, by that convolution again. That costs its
 *    multiply-adds per output element (clnas_conv_node_macs) for each element kept out of memory, so the cheapest are
 *    those with the fewest input channels and taps: a graph recomputes those of at most g->recompute_macs, and the
 *    first g->recompute_more (in the forward's order) of the next level above;
 *  - with g->recompute_nodes, a tensor that only training BatchNorms of convolution outputs write (a BatchNorm's
 *    output, or a node summing several), by a launch per BatchNorm from the statistics its forward saved
 *    (CLNAS_NODE_BN_SAVED): next to nothing against a convolution, and it reads a convolution output that is kept,
 *    or made again anyway for the BatchNorm's backward (then made once, earlier).
 * A copy is made by the same kernels from the same inputs, so it holds the same values. */
#ifndef CLNAS_RECOMPUTE_H
#define CLNAS_RECOMPUTE_H

#include "clnas/status.h"
#include "graph.h"

/* After fusion and the concatenation slices (g->order set), before the GPU splits and the memory plan: every
 * backward node's read of a tensor recomputed by the rules above goes to its copy ("<tensor>:again"), written by
 * copies of its forward writers ("<label>:recompute", their own reads likewise) inserted in g->order right before
 * the first backward node that reads it; the forward's tensor then dies after its last forward reader. *nodes gets
 * the number of BatchNorm outputs recomputed. */
clnas_status clnas_recompute(clnas_graph *g, int *nodes, clnas_error *err);

/* The distinct values of recompute_macs that give different plans: at most this many, the smallest. */
#define CLNAS_RECOMPUTE_LEVELS_MAX 32

typedef struct clnas_recompute_stats {
    int candidates; /* forward convolutions whose output a training BatchNorm reads */
    int recomputed; /* those g->recompute_macs takes */
    int levels[CLNAS_RECOMPUTE_LEVELS_MAX]; /* the candidates' distinct multiply-adds per element, ascending */
    int counts[CLNAS_RECOMPUTE_LEVELS_MAX]; /* the candidates at each level */
    int nlevels;
    int macs_max;   /* the most multiply-adds per element of those recomputed (0: none) */
    int nodes;      /* BatchNorm outputs recomputed (g->recompute_nodes; set by clnas_recompute) */
} clnas_recompute_stats;

/* The stats of forward graph g (built for training; before autodiff or after); nodes is 0. */
void clnas_recompute_stats_of(const clnas_graph *g, clnas_recompute_stats *s);

#endif
