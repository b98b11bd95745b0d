/* clnas tool — a SPOS or GDAS run's trained supernet opened for scoring paths (rank-eval's supernet side and its
 * `--estimator supernet:DIR` against a reference table). */
#ifndef CLNAS_TOOLS_SPOS_SUPERNET_H
#define CLNAS_TOOLS_SPOS_SUPERNET_H

#include <stddef.h>

#include "chain_paths.h"
#include "search_setup.h"
#include "spos.h"

/* The supernet and the evaluator that scores its paths as the search did (validation accuracy with inherited
 * weights after BatchNorm recalibration). */
typedef struct spos_supernet {
    clnas_supernet *sn;
    clnas_evaluator ev;
    clnas_chain_paths *paths; /* a chain run's: the space of its skeleton's paths (NULL on nb201 and darts) */
} spos_supernet;

/* DIR/config.json's strategy.name into name ("" when absent); 1 when it cannot be read (message printed). */
int spos_run_strategy(const char *dir, char *name, size_t cap);

/* BatchNorm recalibration batches of a GDAS supernet's paths unless --bn-batches says otherwise (GDAS has no
 * such setting; SPOS' default strategy.bn_batches). */
#define SPOS_SUPERNET_GDAS_BN_BATCHES 20

/* 0 for a spos or gdas run; for a darts run (or another) 1 after printing why rank-eval cannot score its paths. */
int spos_supernet_refuse(const char *dir, const char *strategy);

/* Opens DIR/supernet.safetensors of a spos run, or DIR/gdas_checkpoint.safetensors of a gdas run (its last epoch;
 * paths with GDAS' non-affine BatchNorm and edge scale h = 1), space nb201, darts or (spos) chain as its config.json
 * says (p->paths then the space of the skeleton's paths), with s's
 * config and data (s set up from DIR/config.json, its evaluator built); a darts run is refused saying why. Paths
 * are scored after BatchNorm recalibration over bn_batches training batches (< 1: the SPOS run's
 * strategy.bn_batches, SPOS_SUPERNET_GDAS_BN_BATCHES for GDAS). 1 on failure (message printed), p then empty. */
int spos_supernet_open(const char *dir, const char *strategy, int bn_batches, search_setup *s, spos_supernet *p);

/* The validation accuracy of path g with the supernet's weights. */
clnas_status spos_supernet_accuracy(void *state, const clnas_space_genotype *g, double *accuracy, clnas_error *err);

void spos_supernet_close(spos_supernet *p);

/* The space whose architectures the supernet scores: the skeleton's paths on a chain run, else the run's space. */
const clnas_space_iface *spos_supernet_space(const spos_supernet *p, const clnas_space_iface *run_space);

#endif
