/* clnas — running a search from a config: any strategy (multi-trial or one-shot), progress by callback, and the
 * fitness of a multi-trial search from the config's evaluator or from one the caller supplies. */
#ifndef CLNAS_PUBLIC_SEARCH_H
#define CLNAS_PUBLIC_SEARCH_H

#include "clnas/context.h"
#include "clnas/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A search config: the JSON `clnas search --config` reads (configs/README.md), with overrides. */
typedef struct clnas_config clnas_config;

/* Reads a config file; path NULL: the built-in default (configs/default.json). Errors name the file and field. */
clnas_status clnas_config_load(const char *path, clnas_config **out, clnas_error *err);
/* Parses config text held in memory; name labels it in errors. */
clnas_status clnas_config_parse(const char *text, const char *name, clnas_config **out, clnas_error *err);
/* One override, "key=value" as `--set` takes it (e.g. "strategy.trials=20", "evaluator.kind=table"). */
clnas_status clnas_config_set(clnas_config *cfg, const char *assignment, clnas_error *err);
void clnas_config_free(clnas_config *cfg);

/* What a progress callback sees after each trial (multi-trial) or epoch (DARTS, GDAS) or phase step (SPOS). */
typedef struct clnas_search_report {
    int done, total;          /* trials (or epochs) finished and planned */
    const char *arch;         /* the architecture just evaluated (or derived) */
    double fitness;           /* its fitness; NAN when its trial failed */
    const char *status;       /* "ok", "failed", "diverged", "cached" */
    int best_index;           /* -1 while nothing succeeded */
    double best_fitness;
    const char *best_arch;    /* NULL while nothing succeeded */
    double seconds, seconds_left;
} clnas_search_report;

typedef void (*clnas_search_progress_fn)(const clnas_search_report *report, void *user);

/* A user-supplied evaluator: the fitness (higher is better, conventionally an accuracy 0..1) of one architecture
 * in the space's string format. A failure for that architecture returns a status and a message: the trial is
 * journaled as failed and the search goes on. */
typedef clnas_status (*clnas_search_evaluate_fn)(const char *arch, void *user, double *fitness, clnas_error *err);

typedef struct clnas_search_params {
    const clnas_config *config;       /* required */
    const char *run_dir;              /* the run directory: created if missing; a directory that already holds a
                                       * search is refused unless resume is set. NULL: runs/<name>-<timestamp> */
    int resume;                       /* continue the search in run_dir from its journal and checkpoints */
    clnas_search_progress_fn progress; /* may be NULL */
    clnas_search_evaluate_fn evaluate; /* NULL: the config's evaluator; else replaces it (multi-trial strategies) */
    void *user;                       /* passed to progress and evaluate */
    volatile int *stop;               /* may be NULL; set non-zero to stop after the trial (epoch) in progress */
} clnas_search_params;

clnas_search_params clnas_search_default_params(void);

typedef struct clnas_search_result {
    int done;              /* trials (epochs) in the journal at the end */
    int resumed_from;      /* found in the journal at the start */
    int best_index;        /* -1 when nothing succeeded */
    double best_fitness;
    char best_arch[1024];  /* in the space's string form (a DARTS genotype is up to 640 bytes) */
    char run_dir[1024];
    int stopped;           /* stopped through params.stop before the budget was spent */
} clnas_search_result;

/* Runs the config's strategy on the context's device, writing the run directory as `clnas search` does
 * (config.json, journal.jsonl, best.json, progress.svg, checkpoints). Prints nothing. */
clnas_status clnas_search_run(clnas_context *ctx, const clnas_search_params *params, clnas_search_result *result,
                              clnas_error *err);

#ifdef __cplusplus
}
#endif
#endif
