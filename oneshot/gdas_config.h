/* clnas — the "strategy" section of a GDAS config: epochs, tau's schedule and alpha's Adam. */
#ifndef CLNAS_GDAS_CONFIG_H
#define CLNAS_GDAS_CONFIG_H

#include <cjson/cJSON.h>

#include "alpha.h"

typedef struct clnas_gdas_config {
    int epochs;              /* "epochs": search epochs over the training split (default 1) */
    double tau_max, tau_min; /* "tau_max" 10, "tau_min" 0.1: linear per epoch from tau_max to tau_min */
    clnas_adam_config adam;  /* as DARTS: "arch_lr" 3e-4, "arch_beta1" 0.5, "arch_beta2" 0.999,
                              * "arch_weight_decay" 1e-3 */
    int max_paths;           /* "max_paths": compiled paths kept, least recently used out (default 64) */
    int warm_up;             /* "warm_up": build every program a path can need before the search (default true) */
} clnas_gdas_config;

/* Checks strategy (name "gdas"; keys epochs, tau_max, tau_min, arch_lr, arch_beta1, arch_beta2,
 * arch_weight_decay, max_paths, warm_up; skeleton, which chain_skeleton.h reads; 0 < tau_min <= tau_max). Errors
 * name "strategy.<key>"; resolved gets every key with its value. The weights train with the config's proxy section
 * (channels, cells, batch, lr). */
clnas_status clnas_gdas_config_parse(const cJSON *strategy, cJSON *resolved, clnas_gdas_config *out,
                                     clnas_error *err);

#endif
