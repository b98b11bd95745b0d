/* clnas — which convolution outputs the backward pass recomputes instead of keeping (clnas_net_config.recompute,
 * memory_budget). BatchNorm's backward reads its input x; where a forward convolution produced x, the backward can
 * run that convolution again just before it, so x dies after the BatchNorm's forward instead of living until the
 * backward. That costs the convolution's multiply-adds per output element (clnas_conv_node_macs) for each element
 * kept out of memory, so the cheapest to recompute are those with the fewest input channels and taps: a graph
 * recomputes those of at most g->recompute_macs. */
#ifndef CLNAS_RECOMPUTE_H
#define CLNAS_RECOMPUTE_H

#include "graph.h"

/* The forward convolution node that produced BatchNorm input x when g->recompute_macs takes it, else -1. */
int clnas_recompute_producer(const clnas_graph *g, int x);

/* The distinct values of recompute_macs that give different plans: at most this many, the smallest. */
#define CLNAS_RECOMPUTE_LEVELS_MAX 32

typedef struct clnas_recompute_stats {
    int candidates; /* forward convolutions whose output a training BatchNorm reads */
    int recomputed; /* those g->recompute_macs takes */
    int levels[CLNAS_RECOMPUTE_LEVELS_MAX]; /* the candidates' distinct multiply-adds per element, ascending */
    int nlevels;
} clnas_recompute_stats;

/* The stats of forward graph g (built for training; before autodiff or after). */
void clnas_recompute_stats_of(const clnas_graph *g, clnas_recompute_stats *s);

#endif
