/* clnas — building a ground-truth reference: architectures of distinct canonical classes trained stand-alone. */
#ifndef CLNAS_GROUNDTRUTH_H
#define CLNAS_GROUNDTRUTH_H

#include <stdint.h>

#include "evaluator.h"
#include "reference.h"

/* k architectures of `space` (NULL: nb201) of distinct canonical classes, drawn with clnas_rng seeded with seed.
 * An enumerable space (nb201) is sampled uniformly over its classes: each class is represented by its lowest-index
 * genotype, the classes are shuffled by Fisher-Yates and the first k taken (NB201: the 5,390 classes of
 * clnas_genotype_canonical, chance-level cells included; k from 1 to 5,390). A space that is not enumerable (darts,
 * chain) is sampled uniformly over its genotypes (space->sample), a draw whose canonical class came before skipped:
 * classes with more genotypes are likelier; an error when 1000 draws in a row repeat a class. */
clnas_status clnas_groundtruth_sample(const clnas_space_iface *space, int k, uint64_t seed, clnas_space_genotype *out,
                                      clnas_error *err);

typedef struct clnas_groundtruth_config {
    int archs;                   /* K */
    uint64_t seed;               /* of the sample */
    clnas_evaluator *trainer[2]; /* stand-alone training with seed 0's and seed 1's settings (networks of space) */
    const char *out;             /* the CSV (clnas_reference_write), rewritten atomically after each row */
    volatile int *stop;          /* set: stop after the row in progress */
    /* after each row trained (skipped: 1 when it was already in the file) */
    void (*progress)(const clnas_reference_row *row, int done, int total, int skipped, void *user);
    void *user;
    const clnas_space_iface *space; /* the architectures' space; NULL: nb201 */
} clnas_groundtruth_config;

/* Trains the sample's architectures with both trainers and writes each as a row (mean the two accuracies' mean,
 * params and flops the first trainer's). Resumes: rows already in cfg->out (by canonical class) are kept and not
 * trained again; a row of the file that is not in this sample is an error (another K or seed), and so is a file of
 * another space. A trial that fails or diverges is an error naming the architecture. */
clnas_status clnas_groundtruth_run(const clnas_groundtruth_config *cfg, clnas_error *err);

#endif
