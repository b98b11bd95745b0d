/* clnas — the tuner: per convolution kernel of a plan, the variant (codegen/ops/op_conv.h's tunings) chosen by
 * measurement on the device, checked against the default variant first, within a bounded budget, cached with the
 * algorithm choices (runtime/algo_choice.c) and recorded with a run. */
#ifndef CLNAS_TUNER_H
#define CLNAS_TUNER_H

#include "algo_choice.h"
#include "clnas/status.h"

struct clnas_executor;

/* CLNAS_TUNE=on|off (unset or empty: on), CLNAS_TUNE_BUDGET=S (seconds per signature, builds included; default 2),
 * CLNAS_TUNE_MAX=K (candidates per signature besides the default, 1 .. 64; default 20). The tuner runs only when
 * the algorithm mode is auto (CLNAS_ALGO unset): CLNAS_ALGO=kernel, clblast or winograd and CLNAS_TUNE=off run
 * each family's default variants, exactly the kernels of the plan. */
#define CLNAS_TUNE_DEFAULT_BUDGET 2.0
#define CLNAS_TUNE_DEFAULT_MAX 20
typedef struct clnas_tune_config {
    int on;
    double budget_s;
    int max_candidates;
} clnas_tune_config;

clnas_status clnas_tune_config_from_env(clnas_tune_config *out, clnas_error *err);

/* Where the executor keeps the device's choice file while choosing (loaded once, saved when dirty). */
typedef struct clnas_algo_disk {
    clnas_algo_choices set;
    int loaded, dirty;
    const char *path;
} clnas_algo_disk;

/* Loads disk->set once; an unreadable file or line only costs measuring again (its warning goes to the program
 * cache's notices). */
void clnas_algo_disk_load(struct clnas_executor *ex, clnas_algo_disk *disk);

/* For every plan kernel that is a tunable convolution (clnas_conv_tune_target) and that a launch runs: the variant
 * recorded (recorded, may be NULL), already chosen, in the choice file, or measured now (then added to it); a
 * variant other than the default replaces the plan kernel in ex (ex->kernels[k], ex->tuned_descs[k]).
 * ex->variants[k] names the variant each tunable kernel runs. */
clnas_status clnas_tuner_choose(struct clnas_executor *ex, const clnas_tune_config *cfg,
                                const clnas_algo_choices *recorded, clnas_algo_disk *disk, clnas_error *err);

#endif
