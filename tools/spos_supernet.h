/* clnas tool — a SPOS run's trained supernet opened for scoring paths (rank-eval's supernet side and its
 * `--estimator supernet:DIR` against a reference table). */
#ifndef CLNAS_TOOLS_SPOS_SUPERNET_H
#define CLNAS_TOOLS_SPOS_SUPERNET_H

#include <stddef.h>

#include "search_setup.h"
#include "spos.h"

/* The supernet and the evaluator that scores its paths as the search did (validation accuracy with inherited
 * weights after BatchNorm recalibration). */
typedef struct spos_supernet {
    clnas_supernet *sn;
    clnas_evaluator ev;
} spos_supernet;

/* DIR/config.json's strategy.name into name ("" when absent); 1 when it cannot be read (message printed). */
int spos_run_strategy(const char *dir, char *name, size_t cap);

/* 0 for a spos run; for a darts or gdas run 1 after printing why rank-eval cannot score its paths. */
int spos_supernet_refuse(const char *dir, const char *strategy);

/* Opens DIR/supernet.safetensors of a spos run (space nb201 or darts, as its config.json says) with s's config and
 * data (s set up from DIR/config.json, its evaluator built); a darts or gdas run is refused saying why. 1 on failure (message printed), p then empty. */
int spos_supernet_open(const char *dir, const char *strategy, search_setup *s, spos_supernet *p);

/* The validation accuracy of path g with the supernet's weights. */
clnas_status spos_supernet_accuracy(void *state, const clnas_space_genotype *g, double *accuracy, clnas_error *err);

void spos_supernet_close(spos_supernet *p);

#endif
