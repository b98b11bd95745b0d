/* clnas — the multi-trial loop: propose, evaluate (or reuse an isomorphic result), journal, observe. */
#ifndef CLNAS_TRIALS_H
#define CLNAS_TRIALS_H

#include "evaluator.h"
#include "journal.h"
#include "strategy.h"

typedef struct clnas_trials_progress {
    const clnas_journal_entry *entry; /* the trial just finished */
    int done;                         /* trials finished so far (asynchronous workers finish them out of order) */
    int trials;                       /* the strategy's budget */
    int best_trial;                   /* -1 while nothing succeeded */
    double best_fitness;
    const clnas_space_genotype *best_arch; /* NULL while nothing succeeded */
    const clnas_space_iface *space;   /* the run's space (never NULL): entry->arch and best_arch are its genotypes */
    double seconds_per_trial, seconds_left;
} clnas_trials_progress;

typedef struct clnas_trials_options {
    const char *run_dir; /* journal.jsonl, best.json, progress.svg go here (it must exist) */
    const char *title;   /* for the plot */
    const clnas_space_iface *space; /* the run's space (NULL: nb201): the journal's arch strings are its format */
    volatile int *stop;  /* set (Ctrl-C) to stop after the trial in progress is written */
    void (*progress)(const clnas_trials_progress *p, void *user);
    void (*warning)(const char *message, void *user); /* e.g. a torn journal line dropped on resume */
    void *user;
    int with_workers; /* 1: set by a driver with workers (clnas_trials_open): journal lines carry "completion" and
                  * "proposals" even with one worker, and progress.svg is rewritten at most once a second */
    /* Recorded in each new journal line after the evaluator's keys, with clnas_version and timestamp (UTC, ISO 8601):
     * where the trial ran. NULL: no device (a table). Replay compares architectures only, so resuming on another
     * device, driver or version still checks every earlier trial. */
    const char *device, *driver;
    /* The evaluator whose cost function gives a cached duplicate (and a result without them, a table's) its own
     * parameters and FLOPs; NULL: figures as reported (clnas_trials_run sets its evaluator). */
    clnas_evaluator *evaluator;
} clnas_trials_options;

typedef struct clnas_trials_summary {
    int trials_done;   /* journal entries at the end */
    int resumed_from;  /* entries found in the journal at the start */
    int best_trial;
    double best_fitness;
    char best_arch[CLNAS_SPACE_STR_MAX];
    int stopped;
} clnas_trials_summary;

/* A run of trials in progress, for a driver that evaluates several at once (asynchronous workers): the journal so
 * far, the strategy, the best. clnas_trials_run is the one-worker driver over it. */
typedef struct clnas_trials clnas_trials;

/* One trial to evaluate: its index (the order of proposal) and its arch. */
typedef struct clnas_trials_job {
    int trial;
    clnas_space_genotype arch;
    double fraction; /* of the evaluator's training budget (1; less on Hyperband's lower rungs) */
} clnas_trials_job;

/* Opens a run in opt->run_dir: reads journal.jsonl and replays it into the strategy in the order results came back,
 * each after as many proposals as the journal says had been made by then, which rebuilds the strategy's exact state
 * whatever the number of workers was; trials that were in flight when the run stopped are handed out again first.
 * max_in_flight: how many jobs the driver may have out at once (its workers; 1 writes the journal of today, more
 * adds the keys "completion" and "proposals" to each line). */
clnas_status clnas_trials_open(const clnas_strategy_iface *strategy, void *strategy_state, int max_in_flight,
                               const clnas_trials_options *opt, clnas_trials **out, clnas_error *err);
/* The next job: a trial in flight when the run stopped, else a new proposal. An isomorphic duplicate of an earlier
 * success is not a job: it is journaled as "cached" here and the next proposal follows. *got = 0 when every trial of
 * the budget has been handed out, or opt->stop is set. */
clnas_status clnas_trials_next(clnas_trials *t, clnas_trials_job *job, int *got, clnas_error *err);
/* A job's result: journaled (fsync'ed), observed by the strategy, best.json, the plot and the progress callback
 * updated. Takes r->extra (set to NULL). */
clnas_status clnas_trials_complete(clnas_trials *t, const clnas_trials_job *job, clnas_evaluator_result *r,
                                   clnas_error *err);
/* Trials finished (journaled), and the strategy's budget. */
int clnas_trials_done(const clnas_trials *t);
int clnas_trials_budget(const clnas_trials *t);
/* The run's space (opt->space, nb201 when NULL): the jobs' archs are its genotypes. */
const clnas_space_iface *clnas_trials_space(const clnas_trials *t);
/* Ends the run: fills summary (when st is CLNAS_OK, a resume with nothing left writes best.json) and frees t;
 * returns st or the error of that last write. */
clnas_status clnas_trials_close(clnas_trials *t, clnas_status st, clnas_trials_summary *summary, clnas_error *err);

/* Runs (or resumes: whatever journal.jsonl already holds is replayed into the strategy first, and a torn last
 * line is dropped) until the strategy's budget is spent or opt->stop is set. Results are cached by canonical
 * hash (the space's): an isomorphic duplicate is not evaluated again but journaled as "cached" with the earlier
 * fitness. */
clnas_status clnas_trials_run(const clnas_strategy_iface *strategy, void *strategy_state, clnas_evaluator *evaluator,
                              const clnas_trials_options *opt, clnas_trials_summary *summary, clnas_error *err);

#endif
