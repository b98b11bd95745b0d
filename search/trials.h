/* clnas — the multi-trial loop: propose, evaluate (or reuse an isomorphic result), journal, observe. */
#ifndef CLNAS_TRIALS_H
#define CLNAS_TRIALS_H

#include "evaluator.h"
#include "journal.h"
#include "strategy.h"

typedef struct clnas_trials_progress {
    const clnas_journal_entry *entry; /* the trial just finished */
    int trials;                       /* the strategy's budget */
    int best_trial;                   /* -1 while nothing succeeded */
    double best_fitness;
    const clnas_genotype *best_arch;  /* NULL while nothing succeeded */
    double seconds_per_trial, seconds_left;
} clnas_trials_progress;

typedef struct clnas_trials_options {
    const char *run_dir; /* journal.jsonl, best.json, progress.svg go here (it must exist) */
    const char *title;   /* for the plot */
    volatile int *stop;  /* set (Ctrl-C) to stop after the trial in progress is written */
    void (*progress)(const clnas_trials_progress *p, void *user);
    void (*warning)(const char *message, void *user); /* e.g. a torn journal line dropped on resume */
    void *user;
    /* Recorded in each new journal line after the evaluator's keys, with clnas_version and timestamp (UTC, ISO 8601):
     * where the trial ran. NULL: no device (a table). Replay compares architectures only, so resuming on another
     * device, driver or version still checks every earlier trial. */
    const char *device, *driver;
} clnas_trials_options;

typedef struct clnas_trials_summary {
    int trials_done;   /* journal entries at the end */
    int resumed_from;  /* entries found in the journal at the start */
    int best_trial;
    double best_fitness;
    char best_arch[128];
    int stopped;
} clnas_trials_summary;

/* Runs (or resumes: whatever journal.jsonl already holds is replayed into the strategy first, and a torn last
 * line is dropped) until the strategy's budget is spent or opt->stop is set. Results are cached by canonical
 * hash: an isomorphic duplicate is not evaluated again but journaled as "cached" with the earlier fitness. */
clnas_status clnas_trials_run(const clnas_strategy_iface *strategy, void *strategy_state, clnas_evaluator *evaluator,
                              const clnas_trials_options *opt, clnas_trials_summary *summary, clnas_error *err);

#endif
