/* clnas — an LSTM controller over any space's categorical decisions (space_iface.h), for REINFORCE. */
#ifndef CLNAS_DECISION_CONTROLLER_H
#define CLNAS_DECISION_CONTROLLER_H

#include <stddef.h>

#include "clnas/rng.h"
#include "clnas/status.h"
#include "space_iface.h"

/* Zoph & Le's controller without anchor points, over a fixed decision sequence: one LSTM step per decision d, its
 * input the sum of a learned embedding of d and a learned embedding of the value chosen at d-1 ("none" before the
 * first and after a decision left at -1), its hidden state choosing d's value with a softmax head of d's own
 * (W_d h + b_d). One LSTM layer (lstm_cell.h); h and c start at zero. log P of a decision vector is the sum over
 * its decisions of log softmax; decisions at -1 (to_decisions: the genotype does not depend on them) add nothing
 * and feed "none" to the next step. Weights uniform in [-init_range, init_range] in parameter order, biases 0. */
typedef struct clnas_decision_controller clnas_decision_controller;

clnas_status clnas_decision_controller_create(const clnas_space_iface *space, int hidden, double init_range,
                                              clnas_rng *rng, clnas_decision_controller **out, clnas_error *err);
void clnas_decision_controller_free(clnas_decision_controller *c);

/* All weights as one vector (for the optimiser and gradient checks), and its length. */
double *clnas_decision_controller_params(clnas_decision_controller *c);
size_t clnas_decision_controller_n_params(const clnas_decision_controller *c);

/* Draws every decision in order, one clnas_rng_uniform each (inverse CDF); choice has space->decisions entries. */
clnas_status clnas_decision_controller_sample(const clnas_decision_controller *c, clnas_rng *rng, int *choice,
                                              clnas_error *err);

/* log P(choice) and, when grad is not NULL, d log P / d params added to grad. CLNAS_ERR_INVALID_ARG names a choice
 * out of range. */
clnas_status clnas_decision_controller_log_prob(const clnas_decision_controller *c, const int *choice,
                                                double *log_prob, double *grad, clnas_error *err);

/* Each decision's likeliest value given the earlier ones (greedy decoding). */
clnas_status clnas_decision_controller_mode(const clnas_decision_controller *c, int *choice, clnas_error *err);

#endif
