/* clnas — the zero-cost evaluator: an architecture's fitness from one proxy of its untrained network, no training. */
#ifndef CLNAS_ZERO_COST_EVALUATOR_H
#define CLNAS_ZERO_COST_EVALUATOR_H

#include "evaluator.h"
#include "train_evaluator.h"
#include "zero_cost.h"

/* Sizes, seed, training split and normalisation from cfg (epochs, lr, val and choices_path are not used): each
 * trial builds the network, initialises it from cfg->seed, uploads the first batch of the training split in the
 * order clnas_batcher shuffles with cfg->seed, and scores it (clnas_zero_cost_scores_of: the one-pass proxies and
 * the chosen one). The fitness is the proxy's score mapped into 0..1 keeping the order (clnas_zero_cost_fitness);
 * the journal's extra keys hold every computed proxy's raw score ("zc_snip", ..., "zc_jacob_cov"; null when not
 * computed). */
clnas_status clnas_zero_cost_evaluator_new(clnas_device *dev, struct clnas_program_cache *cache,
                                           const clnas_train_evaluator_config *cfg, clnas_zero_cost_proxy proxy,
                                           clnas_evaluator *out, clnas_error *err);

/* A proxy's score s as a fitness in 0..1, in the order of s: s / (1 + s) for snip, grad_norm, params and flops
 * (never negative); 0.5 + atan(sign(s) log(1 + |s|)) / pi for synflow (1e6 to 1e11, which s / (1 + s) would round to
 * 1), NASWOT and jacob_cov (either sign). */
double clnas_zero_cost_fitness(clnas_zero_cost_proxy proxy, double s);

#endif
