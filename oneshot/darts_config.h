/* clnas — the "strategy" section of a DARTS config: epochs of search and alpha's Adam. */
#ifndef CLNAS_DARTS_CONFIG_H
#define CLNAS_DARTS_CONFIG_H

#include <cjson/cJSON.h>

#include "alpha.h"

typedef struct clnas_darts_config {
    int epochs;             /* "epochs": search epochs over the training split (default 1) */
    clnas_adam_config adam; /* "arch_lr" 3e-4, "arch_beta1" 0.5, "arch_beta2" 0.999, "arch_weight_decay" 1e-3 */
    double beta_decay;      /* "beta_decay": beta-DARTS' lambda, 0 (default) off; 0 .. 100 */
    int beta_decay_linear;  /* "beta_decay_schedule": "constant" (0, default) or "linear" (1: lambda * epoch /
                             * (epochs - 1), 0 in the first epoch) */
    int derive;             /* "derive": -1 absent, 0 "with_none" (NB201's code), 1 "without_none" (DARTS' code) */
    int derive_epochs;      /* "derive_epochs": the derived cell from softmax(alpha) averaged over the last this many
                             * epochs (1, default: the last epoch's alone); 1 .. 1000 */
} clnas_darts_config;

/* alpha's Adam from a strategy section (DARTS and GDAS): "arch_lr" in (0, 1], "arch_beta1" and "arch_beta2" in
 * [0, 1), "arch_weight_decay" in [0, 1], each defaulting to DARTS' value; resolved gets every key. */
clnas_status clnas_alpha_adam_parse(const cJSON *strategy, cJSON *resolved, clnas_adam_config *adam,
                                    clnas_error *err);

/* Checks strategy (name "darts"; keys epochs, arch_lr, arch_beta1, arch_beta2, arch_weight_decay, beta_decay,
 * beta_decay_schedule, derive, derive_epochs; skeleton, which chain_skeleton.h reads). Errors name
 * "strategy.<key>"; resolved gets every key with its value. The weights train with the config's proxy section
 * (channels, cells, batch, lr). */
clnas_status clnas_darts_config_parse(const cJSON *strategy, cJSON *resolved, clnas_darts_config *out,
                                      clnas_error *err);

#endif
