/* clnas — one search run, whatever its strategy: what it is asked (config, run directory, device, stop flag), what
 * it tells as it goes (events: callbacks, since the library never prints) and how it ended (outcome). */
#ifndef CLNAS_SEARCH_RUN_H
#define CLNAS_SEARCH_RUN_H

#include "clnas/search.h"
#include "grad_shares.h"
#include "run_setup.h"
#include "trials.h"

struct clnas_program_cache;

/* What a run reports. Every member may be NULL. */
typedef struct clnas_run_events {
    void (*info)(const char *line, void *user);       /* the run's account: set-up, phases, epochs (one line or a
                                                        * few, no final newline) */
    void (*warning)(const char *message, void *user); /* e.g. a torn journal line dropped on resume */
    void (*failure)(const clnas_error *err, void *user); /* an error the run survives (algo_choices.tsv unsaved) */
    void (*step)(const char *line, void *user);       /* a training step's progress line */
    void (*trial)(const clnas_trials_progress *p, void *user); /* after each trial (multi-trial, SPOS' search) */
    void (*report)(const clnas_search_report *r, void *user);   /* after each trial or epoch, for the public API */
    void *user;
} clnas_run_events;

typedef struct clnas_run_request {
    const clnas_search_config *cfg;
    const char *out;        /* a new run's directory; NULL: runs/<name>-<timestamp> */
    const char *resume_dir; /* non-NULL: continue the run in this directory */
    const char *device;     /* device selector overriding the config's (when dev is NULL) */
    clnas_device *dev;      /* NULL: opened from the selector when the evaluator needs one */
    struct clnas_program_cache *cache;
    clnas_search_evaluate_fn evaluate; /* non-NULL: replaces the config's evaluator (multi-trial strategies) */
    void *evaluate_user;
    volatile int *stop;
    clnas_run_events ev;
    /* SPOS, DARTS, GDAS: NULL, or each step's batch in K shares, over K processes or in turn (grad_shares.h); a
     * process other than 0 writes no file (no run directory: it trains, process 0 records) */
    const clnas_grad_shares *shares;
} clnas_run_request;

typedef enum clnas_run_kind { CLNAS_RUN_TRIALS, CLNAS_RUN_SPOS, CLNAS_RUN_DIFFERENTIABLE } clnas_run_kind;

typedef struct clnas_run_outcome {
    clnas_run_kind kind;
    char run_dir[1024];
    int done, total;    /* trials (DARTS, GDAS: epochs; SPOS stopped in training: supernet steps) */
    int resumed_from;
    int stopped;        /* stopped through request.stop before the budget was spent */
    int stopped_training; /* SPOS: the stop came while the supernet trained */
    int top_k;          /* SPOS: architectures to list for retraining */
    int best_index;     /* -1 when nothing succeeded */
    double best_fitness;
    char best_arch[CLNAS_SPACE_STR_MAX];
} clnas_run_outcome;

/* Formats a line and passes it to ev->info (nothing when it is NULL). */
void clnas_run_info(const clnas_run_events *ev, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Kernel builds during a run, shown through ev->info as `clnas train` shows them (issue 17): the announcement, a
 * line every 2 s at most, and the last. Lives as long as the run; clnas_run_watch_builds_end detaches it. */
typedef struct clnas_run_build_watch {
    const clnas_run_events *ev;
    struct clnas_program_cache *cache;
    double start, last;
} clnas_run_build_watch;
void clnas_run_watch_builds(clnas_run_build_watch *w, const clnas_run_events *ev, struct clnas_program_cache *cache);
void clnas_run_watch_builds_end(clnas_run_build_watch *w);

/* A multi-trial search (strategies random, rea, reinforce): run directory, evaluator, trials. */
clnas_status clnas_run_trials(const clnas_run_request *req, clnas_run_outcome *out, clnas_error *err);

/* The trials of `strategy` over `evaluator` in out->run_dir, reported through req->ev; fills out's figures. */
clnas_status clnas_run_trials_loop(const clnas_run_request *req, const clnas_strategy_iface *strategy, void *state,
                                   clnas_evaluator *evaluator, clnas_run_outcome *out, clnas_error *err);

/* A user-supplied evaluate function as an evaluator (search/evaluator.h); failures are failed trials. */
void clnas_user_evaluator(clnas_search_evaluate_fn fn, void *user, const clnas_space_iface *space,
                          clnas_evaluator *out);

#endif
