/* clnas — scale-out: a multi-trial search over MPI (rank 0 the master, ranks 1..K-1 asynchronous workers). */
#ifndef CLNAS_SCALE_H
#define CLNAS_SCALE_H

#include <stddef.h>

#include "clnas/device.h"
#include "clnas/status.h"
#include "evaluator.h"
#include "search_run.h"

/* The number of processes an MPI launcher (mpirun, mpiexec, srun) started this one among, read from the launchers'
 * environment (Open MPI, MPICH/Hydra, PMIx, Slurm); 1 when not launched so. */
int clnas_scale_env_size(void);
/* This process's rank in that launch per the environment (0 when not launched). */
int clnas_scale_env_rank(void);

/* Whether this clnas was built with MPI (CLNAS_MPI). */
int clnas_scale_have_mpi(void);

/* A multi-trial search over MPI: every rank calls it with the same request (on ranks above 0 req->cfg may be NULL:
 * the master sends its config). Rank 0 owns the strategy, the journal, best.json, the plot and resume, and fills
 * out; ranks 1..K-1 are workers that open their own device (clnas_scale_device_pick) and evaluate the archs they
 * are sent, one at a time, each result sent back at once (*is_master = 0 there, out is untouched). A trial that
 * fails on a worker is a failed trial; a worker that cannot set up (no device, no data) ends the run with its
 * error. Initializes and finalizes MPI. Without MPI (CLNAS_MPI off) it is an error saying so. */
clnas_status clnas_scale_search(const clnas_run_request *req, clnas_run_outcome *out, int *is_master,
                                clnas_error *err);

/* What one rank of an MPI launch sees: its node, the devices there and the selector it would search with. */
typedef struct clnas_scale_rank_devices {
    int rank;
    char node[256];
    char selector[128];         /* clnas_scale_device_pick's choice; "" the default device; "-" on the master */
    clnas_device_info *devices; /* [count] (owned) */
    int count;
} clnas_scale_rank_devices;

/* Every rank lists its devices; rank 0 receives them all (*ranks, *n; free with clnas_scale_devices_free), the
 * others nothing (*is_master = 0). device_list as clnas_scale_device_pick's. Initializes and finalizes MPI. */
clnas_status clnas_scale_devices(const char *device_list, clnas_scale_rank_devices **ranks, int *n, int *is_master,
                                 clnas_error *err);
void clnas_scale_devices_free(clnas_scale_rank_devices *ranks, int n);

/* The device selector of the worker with node-local index `local` (0, 1, ... among the workers on its node):
 * element local % n of `list` when it holds n comma-separated selectors ("0,2,3"), `list` itself when it holds one,
 * else (list NULL or "") the node's GPU local % (number of GPUs), else "" (the default device). */
clnas_status clnas_scale_device_pick(const char *list, int local, char *out, size_t cap, clnas_error *err);

/* A worker's result as the journal line it will become (clnas_journal_format: numbers read back bit for bit), and
 * back into the result (the keys after the journal's fixed ones are its extra); the caller frees the text. */
char *clnas_scale_result_format(const clnas_space_iface *space, int trial, const clnas_space_genotype *arch,
                                const clnas_evaluator_result *r);
clnas_status clnas_scale_result_parse(const char *text, int *trial, clnas_evaluator_result *r, clnas_error *err);

#endif
