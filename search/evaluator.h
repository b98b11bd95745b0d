/* clnas — the evaluator interface: the fitness of one architecture (proxy training, or a table lookup). */
#ifndef CLNAS_EVALUATOR_H
#define CLNAS_EVALUATOR_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "clnas/data.h"
#include "clnas/device.h"
#include "clnas/network.h"
#include "clnas/space.h"
#include "clnas/status.h"
#include "space_iface.h"

typedef enum clnas_trial_status {
    CLNAS_TRIAL_OK = 0,
    CLNAS_TRIAL_FAILED,   /* build error, out of memory, ... (error text says) */
    CLNAS_TRIAL_DIVERGED, /* non-finite or exploding loss */
    CLNAS_TRIAL_CACHED    /* an isomorphic architecture was evaluated before: its result reused */
} clnas_trial_status;

const char *clnas_trial_status_name(clnas_trial_status status);

typedef struct clnas_evaluator_result {
    clnas_trial_status status;
    double fitness;   /* 0..1; NAN unless ok or cached */
    long params;      /* trained parameters */
    double flops;     /* forward multiply-adds x 2 per image (0 when unknown) */
    double seconds;   /* wall time of the evaluation */
    char error[512];  /* reason when failed or diverged */
    cJSON *extra;     /* more journal keys (e.g. train_seconds, val_loss), owned by the result; may be NULL */
} clnas_evaluator_result;

/* An evaluator scores genotypes of the one space it was made for (the run's space; the table evaluator: nb201). */
typedef struct clnas_evaluator_iface {
    const char *kind; /* "train" or "table" */
    /* An evaluation that fails for the architecture (a kernel that does not build, divergence) is a result with
     * that status, not an error; an error return means the evaluator itself cannot go on (a missing file). */
    clnas_status (*evaluate)(void *state, const clnas_space_genotype *arch, clnas_evaluator_result *out,
                             clnas_error *err);
    void (*destroy)(void *state);
    /* Optional (NULL: the evaluator has one fidelity): the same at `fraction` (0 < fraction < 1) of the evaluator's
     * training budget, for multi-fidelity strategies (Hyperband). The train evaluator trains that fraction of its
     * steps; the table evaluator models the lower fidelity as documented at clnas_table_evaluator_new. */
    clnas_status (*evaluate_fraction)(void *state, const clnas_space_genotype *arch, double fraction,
                                      clnas_evaluator_result *out, clnas_error *err);
    /* The parameters and forward FLOPs per image of the network this evaluator would score for arch, without
     * scoring it (a cached duplicate's own figures); NULL: unknown, the trials loop copies the earlier trial's. */
    clnas_status (*cost)(void *state, const clnas_space_genotype *arch, long *params, double *flops, clnas_error *err);
} clnas_evaluator_iface;

typedef struct clnas_evaluator {
    const clnas_evaluator_iface *iface;
    void *state;
} clnas_evaluator;

/* Table evaluator: `path` is CSV with the header `arch,accuracy` or a JSON object {arch: accuracy}, accuracy a
 * fraction 0..1. Lookup by exact arch string, else by canonical hash (isomorphic cells share a row); an
 * architecture the table lacks is a failed trial naming it. Errors name the file and the line or key. params and
 * flops are 0 in its results; its cost function gives the trials loop those of the NB201 network at its full size
 * (C=16, N=5) on 28x28 one-channel images (clnas_arch_cost) for the journal.
 * At a training fraction b < 1 the fitness is a documented model of a shorter training (a table holds one
 * fidelity): clamp(0.1 + (a - 0.1) (1 - 0.25 (1 - b)) + 0.02 (1 - b) z, 0, 1), a the table's accuracy, z the first
 * clnas_rng_normal of clnas_rng seeded with FNV-1a 64 of the cell's index (4 little-endian bytes) followed by the 8
 * bytes of b: shorter training scores lower, and noisier, deterministic per cell and fraction. */
clnas_status clnas_table_evaluator_new(const char *path, clnas_evaluator *out, clnas_error *err);

void clnas_evaluator_result_clear(clnas_evaluator_result *r);

/* Evaluates at `fraction` of the training budget: the evaluator's evaluate when fraction is 1, its
 * evaluate_fraction when 0 < fraction < 1 (an evaluator without one is CLNAS_ERR_INVALID_ARG naming its kind). */
clnas_status clnas_evaluator_evaluate(const clnas_evaluator *ev, const clnas_space_genotype *arch, double fraction,
                                      clnas_evaluator_result *out, clnas_error *err);
/* Wraps *ev (which the wrapper then owns and destroys) so that a successful trial with more than max_params
 * parameters, as the evaluator reports them, is a failed trial ("N parameters exceed objective.max_params (M)")
 * with its fitness kept as extra "unconstrained_fitness". An evaluator that reports no parameters (0: the table,
 * a user function) is never constrained. max_params <= 0 leaves *ev as it is. */
clnas_status clnas_objective_evaluator_wrap(clnas_evaluator *ev, long max_params, clnas_error *err);

struct clnas_latency_cache;
struct clnas_program_cache;

/* The objective in full: the parameter budget as above, and latency. With measure_latency, every successful trial's
 * network (latency_net with the trial's genotype) is measured on dev, or read from the latency cache
 * (clnas_latency_of), and its extra keys get latency_ms (the training step's or the inference pass's, as
 * latency_train_step says), train_step_ms and inference_ms; a network that cannot be measured fails the trial, and
 * one slower than max_latency_ms (NAN: no budget) fails it naming both figures, its fitness kept as
 * "unconstrained_fitness". */
typedef struct clnas_objective_options {
    long max_params;      /* 0: no parameter budget */
    double max_latency_ms; /* NAN: no latency budget */
    int measure_latency;  /* 1: measure (a latency budget, or REA's pareto "latency"); the fields below then */
    int latency_train_step; /* 0: the inference pass's latency counts, 1: the training step's */
    int latency_launches; /* timed launches of each (10) */
    clnas_net_config latency_net; /* sizes and batch of the measured network; its genotype is each trial's */
    const clnas_space_iface *space; /* the trials' space */
    clnas_device *dev;    /* borrowed, as are the caches */
    struct clnas_program_cache *programs;
    struct clnas_latency_cache *latency_cache;
} clnas_objective_options;

/* Budgets off, no measuring, 10 launches. */
void clnas_objective_options_default(clnas_objective_options *opt);
clnas_status clnas_objective_evaluator_wrap_options(clnas_evaluator *ev, const clnas_objective_options *opt,
                                                    clnas_error *err);

/* The training fraction recorded in a trial's extra keys ("training_fraction"), 1 when absent. */
double clnas_training_fraction_of(const cJSON *extra);
/* Records fraction in *extra (creating the object) when it is below 1; CLNAS_ERR_NO_MEMORY when that fails. */
clnas_status clnas_training_fraction_note(cJSON **extra, double fraction, clnas_error *err);

/* The start of an evaluator that scores on a validation split: refuses a missing or empty val naming the evaluator
 * ("the <what> evaluator needs a validation split ..."), else *state gets size zeroed bytes. */
/* Ends an evaluation: st CLNAS_OK makes an ok trial of fitness `accuracy` whose extra starts with val_loss (1: the
 * caller adds its own keys after it); else a diverged (CLNAS_ERR_DIVERGED) or failed trial with trial_err's
 * message (0). */
int clnas_evaluator_result_end(clnas_evaluator_result *out, clnas_status st, double accuracy, double val_loss,
                               const clnas_error *trial_err);

clnas_status clnas_evaluator_state_new(const char *what, const clnas_dataset *val, size_t size, void **state,
                                       clnas_error *err);

#endif
