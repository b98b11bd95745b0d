/* clnas — many asynchronous workers without MPI: a strategy on a table evaluator with simulated trial durations, to
 * see how far one master scales and what asynchrony costs REA against synchronous generations. */
#ifndef CLNAS_SIMULATE_H
#define CLNAS_SIMULATE_H

#include <stdint.h>

#include "clnas/rng.h"
#include "evaluator.h"
#include "strategy.h"

/* Trial durations in seconds: a distribution ("const:S", "uniform:A:B", "exp:MEAN", "lognormal:MEDIAN:SIGMA") or a
 * file (one number a line, or a journal.jsonl whose "seconds" are used) drawn from uniformly. */
typedef struct clnas_sim_durations {
    int kind;
    double a, b;
    double *table; /* the file's durations */
    int n;
} clnas_sim_durations;

/* Errors name the spec or the file and line, and say what was expected. */
clnas_status clnas_sim_durations_parse(const char *spec, clnas_sim_durations *d, clnas_error *err);
double clnas_sim_duration_draw(const clnas_sim_durations *d, clnas_rng *rng);
void clnas_sim_durations_free(clnas_sim_durations *d);

/* The best fitness after a result came back at simulated time t. */
typedef struct clnas_sim_point {
    double t, best;
} clnas_sim_point;

typedef struct clnas_sim_result {
    int workers, barrier, trials;
    double finish;            /* simulated seconds until the budget was done */
    double best;              /* the best fitness at the end (NAN: nothing succeeded) */
    double best_at;           /* the simulated time it was first reached */
    clnas_sim_point *curve;   /* one point per result, in order (owned) */
    int ncurve;
    double master_mean, master_max; /* the master's measured real seconds per result: journal line with fsync,
                                     * best.json, observation, the next proposals */
    double master_busy;       /* the fraction of simulated time the master was busy */
    double worker_busy;       /* the fraction of worker time spent on trials */
} clnas_sim_result;

/* Runs the strategy (fresh state) to its budget with `workers` simulated workers in run_dir (journal.jsonl and the
 * rest are real files). A result is handled by the master when it is free, taking the real time it took; the
 * worker then gets its next trial. barrier = 1: synchronous generations (the next `workers` proposals are made when
 * all trials of the last generation are back); 0: asynchronous (a free worker gets the next proposal at once). */
clnas_status clnas_simulate(const clnas_strategy_iface *strategy, void *state, clnas_evaluator *evaluator,
                            const clnas_sim_durations *durations, uint64_t seed, int workers, int barrier,
                            const char *run_dir, clnas_sim_result *out, clnas_error *err);
void clnas_sim_result_free(clnas_sim_result *r);

/* An SVG of best fitness against simulated time (log scale), one line per result (dashed: barrier). */
clnas_status clnas_sim_plot_write(const char *path, const clnas_sim_result *results, int n, const char *title,
                                  clnas_error *err);

#endif
