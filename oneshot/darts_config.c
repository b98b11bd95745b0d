/* clnas — DARTS strategy section. */
#include "darts_config.h"

#include <string.h>

#include "strategy_common.h"

clnas_status clnas_alpha_adam_parse(const cJSON *strategy, cJSON *resolved, clnas_adam_config *adam,
                                    clnas_error *err)
{
    *adam = clnas_adam_config_darts();
    clnas_status st = clnas_strategy_param_number(strategy, "arch_lr", adam->lr, 0.0, 1, 1.0, 0, resolved,
                                                  &adam->lr, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_number(strategy, "arch_beta1", adam->beta1, 0.0, 0, 1.0, 1, resolved,
                                         &adam->beta1, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_number(strategy, "arch_beta2", adam->beta2, 0.0, 0, 1.0, 1, resolved,
                                         &adam->beta2, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_number(strategy, "arch_weight_decay", adam->weight_decay, 0.0, 0, 1.0, 0,
                                         resolved, &adam->weight_decay, err);
    return st;
}

clnas_status clnas_darts_config_parse(const cJSON *strategy, cJSON *resolved, clnas_darts_config *out,
                                      clnas_error *err)
{
    static const char *const known[] = {"epochs",     "arch_lr",    "arch_beta1",          "arch_beta2",
                                        "arch_weight_decay", "beta_decay", "beta_decay_schedule", "derive",
                                        "derive_epochs", "skeleton"};
    static const char *const schedules[] = {"constant", "linear"}, *const rules[] = {"with_none", "without_none"};
    memset(out, 0, sizeof *out);
    clnas_status st = clnas_strategy_params_check(strategy, "darts", known, 10, resolved, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(strategy, "epochs", 1, 1, 1000, NULL, resolved, &out->epochs, err);
    if (st == CLNAS_OK)
        st = clnas_alpha_adam_parse(strategy, resolved, &out->adam, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_number(strategy, "beta_decay", 0.0, 0.0, 0, 100.0, 0, resolved, &out->beta_decay,
                                         err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_choice(strategy, "beta_decay_schedule", 0, schedules, 2, resolved,
                                         &out->beta_decay_linear, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(strategy, "derive_epochs", 1, 1, 1000, NULL, resolved, &out->derive_epochs,
                                      err);
    out->derive = -1;
    if (st == CLNAS_OK && strategy && cJSON_GetObjectItemCaseSensitive(strategy, "derive"))
        st = clnas_strategy_param_choice(strategy, "derive", 0, rules, 2, resolved, &out->derive, err);
    return st;
}
