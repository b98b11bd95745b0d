/* clnas — the search-strategy interface: propose an architecture, observe its fitness; one file per strategy. */
#ifndef CLNAS_STRATEGY_H
#define CLNAS_STRATEGY_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "clnas/space.h"
#include "clnas/status.h"
#include "space_iface.h"

/* The most proposals that may wait for their results at once (one per asynchronous worker). */
#define CLNAS_STRATEGY_MAX_IN_FLIGHT 1024

/* A strategy is deterministic given its parameters, its seed and the fitnesses it observes: resuming a search
 * replays the journal (propose, check it is the journal's arch, observe the journal's fitness), which rebuilds
 * the exact state (RNG included) without a state file. */
typedef struct clnas_strategy_iface {
    const char *name; /* "rea", "random", "reinforce", "bo", "hyperband" (the config's strategy.name) */
    /* Validates `params` (the config's "strategy" object; unknown keys are an error naming
     * "strategy.<key>", a bad value names "strategy.<key>: expected ..., got ...") and fills the resolved
     * parameters into `resolved` (a cJSON object the caller owns, written to the run directory). `space` is the run's
     * search space (space_iface.h; NULL: nb201): a strategy proposes its genotypes; one that works on some spaces
     * only refuses the others here (`strategy.name "bo": works on space nb201 only (this run's space is darts)`). */
    clnas_status (*create)(const cJSON *params, uint64_t seed, const clnas_space_iface *space, cJSON *resolved,
                           void **state, clnas_error *err);
    /* Total number of trials the strategy will propose (REA: population + cycles). */
    int (*budget)(const void *state);
    clnas_status (*propose)(void *state, clnas_space_genotype *out, clnas_error *err);
    /* fitness in 0..1, or NAN for a failed trial (the strategy decides how to treat it: REA and random never pick
     * a failed member as a parent or best; REINFORCE gives it reward 0). Observations arrive in proposal order
     * unless set_in_flight allowed several waiting proposals: then in any order (asynchronous workers). */
    clnas_status (*observe)(void *state, const clnas_space_genotype *arch, double fitness, clnas_error *err);
    /* Allows up to max proposals (1 .. CLNAS_STRATEGY_MAX_IN_FLIGHT) to wait for their results at once: each
     * proposal then uses the observations made so far (REA samples its population as it stands). Default 1. */
    clnas_status (*set_in_flight)(void *state, int max, clnas_error *err);
    /* A JSON snapshot for people and the journal's extra keys (REINFORCE's per-edge probabilities, REA's
     * population); may return NULL. */
    cJSON *(*describe)(const void *state);
    void (*destroy)(void *state);
    /* Optional (NULL: always 1): the fraction of the evaluator's training budget, in (0, 1], at which the last
     * proposal is to be evaluated (Hyperband's rungs). The trials loop journals a fraction below 1 as the extra key
     * "training_fraction", reuses a cached result only at the same fraction, and counts only full-budget trials for
     * the best architecture. */
    double (*training_fraction)(const void *state);
    /* Optional: the cost figures of the trial about to be observed (the evaluator's parameter count and forward
     * FLOPs, 0 when it reports none; its latency in ms as the objective measured it, NAN when none), called by the trials loop just before observe, for multi-objective selection
     * (REA's pareto). */
    void (*observe_cost)(void *state, double params, double flops, double latency_ms);
    /* Optional: a zero-cost warm start the strategy asks for (REA's warm_start_proxy): 1 with the proxy's name
     * (zero_cost.h) and the candidates to score, 0 when none. The run scores them before the first proposal, resumed
     * or not, and hands the scores (same order; NAN for a failed one) to warm_start. */
    int (*warm_start_request)(const void *state, const char **proxy, const clnas_space_genotype **candidates, int *n);
    clnas_status (*warm_start)(void *state, const double *scores, clnas_error *err);
} clnas_strategy_iface;

extern const clnas_strategy_iface clnas_strategy_bo;
extern const clnas_strategy_iface clnas_strategy_hyperband;

extern const clnas_strategy_iface clnas_strategy_rea;
extern const clnas_strategy_iface clnas_strategy_random;
extern const clnas_strategy_iface clnas_strategy_reinforce;

/* The strategy called `name`, or NULL. */
const clnas_strategy_iface *clnas_strategy_find(const char *name);

/* For a strategy that does not work on space (NULL: nb201): CLNAS_ERR_INVALID_ARG `strategy.name "<name>": works on
 * space <supported> only (this run's space is <space>)`, then `; <instead>` when instead is not NULL. */
clnas_status clnas_strategy_space_unsupported(const char *strategy_name, const clnas_space_iface *space,
                                              const char *supported, const char *instead, clnas_error *err);

#endif
