/* clnas — a strategy's zero-cost warm start: its candidates scored by a proxy before the first proposal. */
#ifndef CLNAS_WARM_START_H
#define CLNAS_WARM_START_H

#include "run_setup.h"
#include "strategy.h"

/* When the strategy asks for a warm start (warm_start_request), scores its candidates with a zero-cost evaluator on
 * the run's device and training split (zero_cost_evaluator.h; raw scores, NAN for a failed candidate) and hands
 * them to warm_start; nothing otherwise. The run needs training data and a device: evaluator.kind "train" or
 * "zero-cost" (else CLNAS_ERR_INVALID_ARG naming strategy.warm_start_proxy). */
clnas_status clnas_warm_start_run(const clnas_strategy_iface *strategy, void *state, const clnas_run_setup *s,
                                  clnas_error *err);

#endif
