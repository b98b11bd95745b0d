/* clnas — the LSTM controller of Zoph & Le 2017 for NAS-Bench-201 cells: one choice per step, anchor points. */
#ifndef CLNAS_RNN_CONTROLLER_H
#define CLNAS_RNN_CONTROLLER_H

#include <stddef.h>

#include "clnas/rng.h"
#include "clnas/space.h"
#include "clnas/status.h"

/* The controller writes a cell node by node. For node i = 0, 1, 2, 3 it runs one LSTM step, the node's anchor
 * point, whose hidden state a_i is kept. Then for each earlier node j < i it decides whether edge j->i exists
 * with the content-based sigmoid of Zoph & Le's anchor points,
 *     P(j -> i) = sigmoid(v . tanh(W_prev a_j + W_curr a_i)),
 * and for each edge that exists, in arch-string order, it runs one more LSTM step whose hidden state chooses the
 * edge's op with a softmax over skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3 (an edge that does not
 * exist is "none"). Every step's input is the sum of a learned embedding of the step's position (node i's
 * anchor, or edge j->i) and a learned embedding of the op chosen at the previous op step ("none yet" before the
 * first), so each decision feeds the next, as in Zoph & Le. One LSTM layer; h and c start at zero. A cell is one
 * sequence of decisions, so its probability is exact: the product of its 6 connection and up to 6 op choices. */
#define CLNAS_RNN_MAX_HIDDEN 256

typedef struct clnas_rnn_controller {
    int hidden;       /* H */
    size_t n_params;  /* length of params */
    double *params;   /* all weights, one vector (the optimizer and gradient checks see it flat) */
} clnas_rnn_controller;

/* Weights uniform in [-init_range, init_range] (Zoph & Le: 0.08), biases 0; hidden from 1 to
 * CLNAS_RNN_MAX_HIDDEN. */
clnas_status clnas_rnn_controller_init(clnas_rnn_controller *c, int hidden, double init_range, clnas_rng *rng,
                                       clnas_error *err);
void clnas_rnn_controller_free(clnas_rnn_controller *c);

/* Samples one cell, each decision from one clnas_rng_uniform draw in decision order. */
clnas_status clnas_rnn_controller_sample(const clnas_rnn_controller *c, clnas_rng *rng, clnas_genotype *out,
                                         clnas_error *err);

/* log P(g) under the controller, and when grad is not NULL adds d log P(g) / d params to grad (n_params long). */
clnas_status clnas_rnn_controller_log_prob(const clnas_rnn_controller *c, const clnas_genotype *g, double *log_prob,
                                           double *grad, clnas_error *err);

/* The cell made of every decision's most likely choice (greedy decoding). */
clnas_status clnas_rnn_controller_mode(const clnas_rnn_controller *c, clnas_genotype *out, clnas_error *err);

#endif
