/* clnas — the two roles of an MPI search: the master (rank 0: strategy, journal, resume) and a worker (an evaluator
 * on its own device). */
#ifndef CLNAS_MPI_ROLES_H
#define CLNAS_MPI_ROLES_H

#include "search_run.h"
#include "strategy.h"

/* The master's state between preparing (strategy created, run directory made, config text for the workers) and
 * running the trials. */
typedef struct clnas_mpi_master {
    const clnas_strategy_iface *strategy;
    void *state;
    char *config_text; /* the resolved config as JSON, sent to every worker */
    int lock_fd;       /* the run directory's lock (clnas_run_dir_lock), -1 when not held */
} clnas_mpi_master;

clnas_status clnas_mpi_master_prepare(const clnas_run_request *req, clnas_mpi_master *m, clnas_run_outcome *out,
                                      clnas_error *err);
/* Hands out trials to `workers` workers (ranks 1 .. workers) as each becomes free, until the budget is spent or
 * req->stop is set and the trials in flight are back; then sends every worker STOP. */
clnas_status clnas_mpi_master_run(const clnas_run_request *req, clnas_mpi_master *m, int workers,
                                  clnas_run_outcome *out, clnas_error *err);
void clnas_mpi_master_free(clnas_mpi_master *m);

/* A worker: builds the config's evaluator on the device picked for node-local index `local` (device_list: the
 * --device option, may be NULL), says READY, then evaluates each JOB until STOP. A failure to set up is sent as QUIT
 * (the master ends the run with it) and returned after STOP. */
clnas_status clnas_mpi_worker_run(const char *config_text, const char *device_list, int local, clnas_error *err);

/* Whether a strategy runs data-parallel over MPI (spos, darts, gdas) rather than as trials for workers. */
int clnas_mpi_dp_strategy(const char *name);
/* A one-shot search data-parallel over the `size` ranks: every rank trains share `rank` of each batch on its own
 * device (its index among its node's ranks picks it) and the ranks sum the shares by MPI_Allreduce; rank 0 runs
 * req (its directory, journal, checkpoints, SPOS' search over paths) and fills out, the others the config_text rank 0
 * sent, writing no file. A rank that fails makes every rank fail at its next collective. */
clnas_status clnas_mpi_dp_search(const clnas_run_request *req, const char *config_text, int rank, int size,
                                 clnas_run_outcome *out, clnas_error *err);

#endif
