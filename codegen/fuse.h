/* clnas — fusion: folds ReLUs into their consumers, sums into their producers' epilogues, and every SGD
 * node into one launch; sets the launch order. */
#ifndef CLNAS_FUSE_H
#define CLNAS_FUSE_H

#include "graph.h"

typedef struct clnas_fuse_stats {
    int ops_before; /* live nodes before fusion */
    int launches;   /* nodes in the launch order after fusion */
} clnas_fuse_stats;

/* Rewrites g in place and fills g->order. Every node kind left in the order has a kernel. */
clnas_status clnas_fuse(clnas_graph *g, clnas_fuse_stats *stats, clnas_error *err);

#endif
