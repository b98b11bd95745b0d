/* clnas — the training evaluator: proxy-train an architecture on the device, fitness = validation accuracy. */
#ifndef CLNAS_TRAIN_EVALUATOR_H
#define CLNAS_TRAIN_EVALUATOR_H

#include "algo_choice.h"
#include "clnas/data.h"
#include "clnas/device.h"
#include "clnas/network.h"
#include "evaluator.h"

struct clnas_program_cache;

typedef struct clnas_train_evaluator_config {
    const clnas_space_iface *space; /* the genotypes' space (NULL: nb201): clnas_net_config_set_genotype's network */
    int channels, cells, epochs, batch;
    int layers;             /* darts: cells in all (cells is NB201's cells per stage; chain: neither) */
    double lr;
    double memory_budget;   /* clnas_net_config.memory_budget of every trial's network (0: none) */
    uint64_t seed;          /* initialisation and shuffling: the same for every trial, so results are reproducible */
    const clnas_dataset *train, *val; /* borrowed; fitness is accuracy on val, never on the test set */
    double mean[4], std[4];
    const char *choices_path; /* algorithm choices made by timing, recorded here and reused on resume (may be NULL) */
} clnas_train_evaluator_config;

/* A line about the trial in training, at most every 10 s while it trains (a long trial is not silent); for the
 * run's step event. */
typedef void (*clnas_train_evaluator_step_fn)(const char *line, void *user);
void clnas_train_evaluator_set_step(clnas_evaluator *ev, clnas_train_evaluator_step_fn fn, void *user);

/* The proxy network of arch: cfg's space, sizes (channels, cells, layers, batch) and the training split's images. */
clnas_status clnas_train_evaluator_net(const clnas_train_evaluator_config *cfg, const clnas_space_genotype *arch,
                                       clnas_net_config *nc, clnas_error *err);

clnas_status clnas_train_evaluator_new(clnas_device *dev, struct clnas_program_cache *cache,
                                       const clnas_train_evaluator_config *cfg, clnas_evaluator *out, clnas_error *err);

#endif
