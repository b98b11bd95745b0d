/* clnas — the zero-cost evaluator: an architecture's fitness from one proxy of its untrained network, no training. */
#ifndef CLNAS_ZERO_COST_EVALUATOR_H
#define CLNAS_ZERO_COST_EVALUATOR_H

#include "evaluator.h"
#include "train_evaluator.h"
#include "zero_cost.h"

/* Sizes, seed, training split and normalisation from cfg (epochs, lr, val and choices_path are not used): each
 * trial builds the network, initialises it from cfg->seed, uploads the first batch of the training split in the
 * order clnas_batcher shuffles with cfg->seed, and scores it (clnas_zero_cost_scores). The fitness is the proxy's
 * score s mapped into 0..1 by s / (1 + s), which keeps the order (every proxy is >= 0); the journal's extra keys
 * hold every proxy's raw score ("zc_snip", "zc_grad_norm", "zc_params", "zc_flops"). */
clnas_status clnas_zero_cost_evaluator_new(clnas_device *dev, struct clnas_program_cache *cache,
                                           const clnas_train_evaluator_config *cfg, clnas_zero_cost_proxy proxy,
                                           clnas_evaluator *out, clnas_error *err);

#endif
