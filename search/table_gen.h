/* clnas — a synthetic accuracy table over the 15,625 NAS-Bench-201 cells, from a documented formula. */
#ifndef CLNAS_TABLE_GEN_H
#define CLNAS_TABLE_GEN_H

#include <stdint.h>

#include "clnas/space.h"
#include "clnas/status.h"

/* NAS-Bench-201's results file cannot be downloaded here; this stands in for it so that strategies can be
 * compared in seconds with the table evaluator. For a cell g with A(g) = the edges on a path from node 0 to
 * node 3 (op not none, tail reachable from node 0 and head reaching node 3 over non-none edges):
 *
 *   accuracy(g) = 0.1                                                      when A(g) is empty
 *   accuracy(g) = clamp(base + sum_{e in A} score[e][g_e]
 *                        + sum_{e < f in A} interaction[e][g_e][f][g_f]
 *                        + noise_std * z(seed, g), 0, 1)                   otherwise
 *
 * An empty A means no image reaches the output: it is all zeros (clnas_genotype_analyse's zero node 3) or
 * BatchNorm's constant shift; both classify at chance, 0.1. base = 0.60; score[e][op] = mean[op] + 0.01 n with
 * mean = skip_connect 0.020, nor_conv_1x1 0.040, nor_conv_3x3 0.055, avg_pool_3x3 0.018 (none never counts);
 * interaction[e][a][f][b] = 0.005 n; every n a standard normal of clnas_rng seeded with 201, drawn in the order
 * score[e][op] (e, then op, ops 1..4), then interaction[e][a][f][b] (e < f, a and b 1..4, nested e, a, f, b).
 * z(seed, g) is the first clnas_rng_normal of clnas_rng seeded with FNV-1a 64 of the 8 little-endian bytes of
 * seed followed by the 4 of the cell's index (clnas_genotype_to_index): independent per cell, so isomorphic
 * cells differ by noise as separately trained networks do. */
#define CLNAS_TABLE_GEN_BASE 0.60
#define CLNAS_TABLE_GEN_SCORE_SEED 201
#define CLNAS_TABLE_GEN_DEFAULT_NOISE 0.005

typedef struct clnas_table_model {
    double score[CLNAS_NB201_EDGES][CLNAS_NB201_OPS];
    double interaction[CLNAS_NB201_EDGES][CLNAS_NB201_OPS][CLNAS_NB201_EDGES][CLNAS_NB201_OPS]; /* e < f */
    uint64_t noise_seed;
    double noise_std;
} clnas_table_model;

/* Draws the scores and interactions; noise_std must be from 0 to 1. */
clnas_status clnas_table_model_init(clnas_table_model *m, uint64_t noise_seed, double noise_std, clnas_error *err);

/* The formula above; NAN for a genotype with an op outside the enum. */
double clnas_table_model_accuracy(const clnas_table_model *m, const clnas_genotype *g);

/* Writes `arch,accuracy` and one row per cell in index order (accuracy with 6 decimals) to path, through a
 * temporary file renamed into place. */
clnas_status clnas_table_model_write_csv(const clnas_table_model *m, const char *path, clnas_error *err);

#endif
