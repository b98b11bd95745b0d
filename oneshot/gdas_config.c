/* clnas — GDAS strategy section. */
#include "gdas_config.h"

#include <string.h>

#include "darts_config.h"
#include "strategy_common.h"

clnas_status clnas_gdas_config_parse(const cJSON *strategy, cJSON *resolved, clnas_gdas_config *out,
                                     clnas_error *err)
{
    static const char *const known[] = {"epochs",     "tau_max",    "tau_min",           "arch_lr", "arch_beta1",
                                        "arch_beta2", "arch_weight_decay", "max_paths", "warm_up", "skeleton"};
    memset(out, 0, sizeof *out);
    clnas_status st = clnas_strategy_params_check(strategy, "gdas", known, 10, resolved, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(strategy, "epochs", 1, 1, 1000, NULL, resolved, &out->epochs, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_number(strategy, "tau_max", 10.0, 0.0, 1, 1000.0, 0, resolved, &out->tau_max, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_number(strategy, "tau_min", 0.1, 0.0, 1, 1000.0, 0, resolved, &out->tau_min, err);
    if (st == CLNAS_OK && out->tau_min > out->tau_max)
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.tau_min: expected at most tau_max (%g), got %g",
                             out->tau_max, out->tau_min);
    if (st == CLNAS_OK)
        st = clnas_alpha_adam_parse(strategy, resolved, &out->adam, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(strategy, "max_paths", 64, 1, 4096, NULL, resolved, &out->max_paths, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_bool(strategy, "warm_up", 1, resolved, &out->warm_up, err);
    return st;
}
