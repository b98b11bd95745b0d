/* clnas — the LSTM controller of Zoph & Le 2017 for the chain-structured space: a network layer by layer, with
 * anchor points for the skips, trained by REINFORCE. */
#ifndef CLNAS_CHAIN_CONTROLLER_H
#define CLNAS_CHAIN_CONTROLLER_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/chain_genotype.h"
#include "clnas/rng.h"
#include "clnas/status.h"

/* The controller writes a genotype of a fixed number of layers (Zoph & Le fix the depth and raise it on a schedule;
 * here it is the controller's `layers`, and log P is over the genotypes of that many layers). One LSTM layer, h and
 * c zero at the start, runs one step per decision; a step's input is a learned embedding of what the step decides
 * (layer i's anchor point has its own, one per layer; the join, op, kernel size, filters and stride one each) plus
 * a learned embedding of the previous decision's value ("start" before the first), so every choice feeds the next.
 *
 * First a step for the stem's anchor point a_0. Then for layer i = 1 .. layers:
 *   1. a step for its anchor point a_i; for each earlier output j = 0 .. i-2 in that order, whether layer i skips
 *      from it, with Zoph & Le's content-based sigmoid P(skip j) = sigmoid(v . tanh(W_prev a_j + W_curr a_i)).
 *      Only outputs of output i-1's spatial size are asked (the others could not be joined: masked), and none
 *      once 7 are taken (CLNAS_CHAIN_MAX_SKIPS). The skips are listed in increasing order.
 *   2. with at least one skip, a step choosing the join, sum or cat (softmax); sum is masked when a skip's
 *      channels differ from output i-1's (symbolically, as space/chain_validate.c: a C-wide output never sums
 *      with a fixed-width one). Without skips there is no join decision (the genotype's join is sum).
 *   3. a step choosing the op: conv, sepconv, maxpool3x3, avgpool3x3, identity.
 *   4. conv and sepconv: a step choosing the kernel size of 1, 3, 5, 7 (sepconv: 1 and 7 masked), then one
 *      choosing the filters of 16, 32, 64, 128.
 *   5. except identity (never strided): a step choosing the stride, 1 or 2.
 * A masked choice has probability 0 and a decision with one unmasked choice is not asked, so every sampled
 * genotype is valid and every genotype the controller can write is one sequence of decisions: log P is exact. */
#define CLNAS_CHAIN_CONTROLLER_MAX_HIDDEN 256

typedef struct clnas_chain_controller clnas_chain_controller;

/* What a sample leaves for its update: the genotype and its log-probability when sampled. */
typedef struct clnas_chain_record {
    clnas_chain_genotype genotype;
    double log_prob;
} clnas_chain_record;

/* A controller of hidden units (1 .. CLNAS_CHAIN_CONTROLLER_MAX_HIDDEN) writing genotypes of `layers` layers
 * (1 .. CLNAS_CHAIN_MAX_LAYERS); weights uniform in [-0.08, 0.08] (Zoph & Le) from a generator seeded with seed,
 * biases 0; Adam's state at zero. */
clnas_status clnas_chain_controller_create(int hidden, int layers, uint64_t seed, clnas_chain_controller **out,
                                           clnas_error *err);
void clnas_chain_controller_free(clnas_chain_controller *c);

/* Samples one genotype, each decision from one clnas_rng_uniform draw in decision order; its log-probability into
 * *log_prob and, when record is not NULL, both into *record for clnas_chain_controller_update. */
clnas_status clnas_chain_controller_sample(const clnas_chain_controller *c, clnas_rng *rng, clnas_chain_genotype *out,
                                           clnas_chain_record *record, double *log_prob, clnas_error *err);

/* log P(g) (g of any length 1 .. CLNAS_CHAIN_MAX_LAYERS: the probability among genotypes of g's length) and, when
 * grad is not NULL, d log P(g) / d params added to grad (clnas_chain_controller_n_params long). A genotype the
 * controller cannot write (invalid, or a skip list not in increasing order) is CLNAS_ERR_INVALID_ARG. */
clnas_status clnas_chain_controller_log_prob(const clnas_chain_controller *c, const clnas_chain_genotype *g,
                                             double *log_prob, double *grad, clnas_error *err);

/* One REINFORCE step: one Adam step (PyTorch's) at learning rate lr on the loss -advantage * log P(record's
 * genotype), i.e. the log-probability raised when advantage (reward minus a baseline the caller keeps) is
 * positive. */
clnas_status clnas_chain_controller_update(clnas_chain_controller *c, const clnas_chain_record *record,
                                           double advantage, double lr, clnas_error *err);

/* The genotype of every decision's most likely choice (greedy decoding). */
clnas_status clnas_chain_controller_mode(const clnas_chain_controller *c, clnas_chain_genotype *out,
                                         clnas_error *err);

/* The layers it writes, and its weights as one vector (for gradient checks and checkpoints). */
int clnas_chain_controller_layers(const clnas_chain_controller *c);
size_t clnas_chain_controller_n_params(const clnas_chain_controller *c);
double *clnas_chain_controller_params(clnas_chain_controller *c);

#endif
