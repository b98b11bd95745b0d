/* clnas — what every search strategy shares: checking its parameters and the order of proposals and results. */
#ifndef CLNAS_STRATEGY_COMMON_H
#define CLNAS_STRATEGY_COMMON_H

#include <cjson/cJSON.h>

#include "clnas/status.h"
#include "strategy.h"

/* Checks that params is NULL (all defaults) or an object whose keys are "name" or one of known[0 .. n_known-1];
 * otherwise `strategy.<key>: unknown key (known: a, b, c)` or `strategy: expected an object, got ...`.
 * Adds "name": strategy_name to resolved when resolved has no "name" yet. */
clnas_status clnas_strategy_params_check(const cJSON *params, const char *strategy_name, const char *const *known,
                                         int n_known, cJSON *resolved, clnas_error *err);

/* strategy.<key> as an integer from lo to hi (def when absent); the error reads
 * `strategy.<key>: expected an integer from <lo> to <range_hi>, got <value>`, where range_hi is hi as a number
 * unless hi_text says it in words ("population (10)"). Adds key: value to resolved. */
clnas_status clnas_strategy_param_int(const cJSON *params, const char *key, int def, int lo, int hi,
                                      const char *hi_text, cJSON *resolved, int *out, clnas_error *err);

/* strategy.<key> as a finite number in the range: lo < x when lo_open, else lo <= x; x < hi when hi_open, else
 * x <= hi (def when absent). Adds key: value to resolved. */
clnas_status clnas_strategy_param_number(const cJSON *params, const char *key, double def, double lo, int lo_open,
                                         double hi, int hi_open, cJSON *resolved, double *out, clnas_error *err);

/* strategy.<key> as one of the strings choices[0 .. n_choices-1] (choices[def] when absent); *out is its index.
 * The error reads `strategy.<key>: expected one of "a", "b", got <value>`. Adds key: choice to resolved. */
clnas_status clnas_strategy_param_choice(const cJSON *params, const char *key, int def, const char *const *choices,
                                         int n_choices, cJSON *resolved, int *out, clnas_error *err);

/* strategy.<key> as true or false (def when absent); the error reads `strategy.<key>: expected true or false, got
 * <value>`. Adds key: value to resolved. */
clnas_status clnas_strategy_param_bool(const cJSON *params, const char *key, int def, cJSON *resolved, int *out,
                                       clnas_error *err);

/* The propose / observe handshake: each observation is of an arch that was proposed and not yet observed (a resumed
 * search replays its journal through this check). One proposal at a time unless max_in_flight says more; then the
 * waiting proposals may be observed in any order. */
typedef struct clnas_proposal_order {
    const clnas_space_iface *space; /* the run's space (NULL: nb201), for the arch strings of messages */
    clnas_space_genotype pending[CLNAS_STRATEGY_MAX_IN_FLIGHT]; /* the proposals waiting for their results */
    int pending_trial[CLNAS_STRATEGY_MAX_IN_FLIGHT];      /* their trial indices */
    int waiting;            /* how many proposals wait (0 or 1 unless max_in_flight > 1) */
    int proposed;           /* proposals made so far (the next trial's index) */
    int max_in_flight;      /* 0 or 1: one at a time */
} clnas_proposal_order;

/* Errors when max_in_flight (at least 1) proposals already wait for their results or when all `budget` trials were
 * proposed. */
clnas_status clnas_proposal_order_can_propose(const clnas_proposal_order *o, int budget, const char *strategy_name,
                                              clnas_error *err);
void clnas_proposal_order_proposed(clnas_proposal_order *o, const clnas_space_genotype *arch);
/* Errors (CLNAS_ERR_MISMATCH) when nothing waits or arch is none of the waiting proposals, naming the trial and both
 * arch strings; CLNAS_ERR_INVALID_ARG when fitness is neither NAN nor in 0..1. On success the proposal (the earliest
 * waiting one with this arch) is settled. */
clnas_status clnas_proposal_order_observe(clnas_proposal_order *o, const clnas_space_genotype *arch, double fitness,
                                          const char *strategy_name, clnas_error *err);
/* Allows up to max (1 .. CLNAS_STRATEGY_MAX_IN_FLIGHT) waiting proposals; errors outside that range. */
clnas_status clnas_proposal_order_set_in_flight(clnas_proposal_order *o, int max, const char *strategy_name,
                                                clnas_error *err);

/* {"arch": "<arch string>", "fitness": f or null} for describe(); NULL when out of memory. */
cJSON *clnas_strategy_member_json(const clnas_space_iface *space, const clnas_space_genotype *arch, double fitness);

#endif
