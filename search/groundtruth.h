/* clnas — building a ground-truth reference: architectures of distinct canonical classes trained stand-alone. */
#ifndef CLNAS_GROUNDTRUTH_H
#define CLNAS_GROUNDTRUTH_H

#include <stdint.h>

#include "evaluator.h"
#include "reference.h"

/* k architectures of distinct canonical classes, uniform over the classes (the 5,390 of clnas_genotype_canonical,
 * chance-level cells included): each class is represented by its lowest-index cell, the classes are shuffled by
 * Fisher-Yates with clnas_rng seeded with seed, and the first k taken. k from 1 to 5,390. */
clnas_status clnas_groundtruth_sample(int k, uint64_t seed, clnas_genotype *out, clnas_error *err);

typedef struct clnas_groundtruth_config {
    int archs;                   /* K */
    uint64_t seed;               /* of the sample */
    clnas_evaluator *trainer[2]; /* stand-alone training with seed 0's and seed 1's settings */
    const char *out;             /* the CSV (CLNAS_REFERENCE_HEADER), rewritten atomically after each row */
    volatile int *stop;          /* set: stop after the row in progress */
    /* after each row trained (skipped: 1 when it was already in the file) */
    void (*progress)(const clnas_reference_row *row, int done, int total, int skipped, void *user);
    void *user;
} clnas_groundtruth_config;

/* Trains the sample's architectures with both trainers and writes each as a row (mean the two accuracies' mean,
 * params and flops the first trainer's). Resumes: rows already in cfg->out (by canonical class) are kept and not
 * trained again; a row of the file that is not in this sample is an error (another K or seed). A trial that fails
 * or diverges is an error naming the architecture. */
clnas_status clnas_groundtruth_run(const clnas_groundtruth_config *cfg, clnas_error *err);

#endif
