/* clnas — DARTS, first order, on NB201: the search network's weights step on training batches with the NB201 recipe,
 * alpha steps on validation batches with Adam, one shared alpha for every cell. */
#ifndef CLNAS_DARTS_H
#define CLNAS_DARTS_H

#include "alpha.h"
#include "gdas.h"
#include "grad_shares.h"
#include "clnas/data.h"
#include "clnas/model.h"

typedef struct clnas_darts_epoch {
    int epoch, epochs;             /* epoch just finished (0-based) */
    const clnas_alpha *alpha; /* after the epoch */
    int derived_from;              /* epochs whose softmax(alpha) the derived cell averages (1: this epoch's alone) */
    clnas_genotype derived;        /* NB201: strongest op per edge (clnas_alpha_derive) */
    int darts_space;               /* 1: alpha is the DARTS space's (darts_space.h), the cell in derived_darts */
    clnas_darts_genotype derived_darts; /* DARTS space: DARTS' derivation (clnas_darts_space_derive) */
    int chain_space;               /* 1: alpha is a chain skeleton's (darts_chain.h), the network in derived_chain */
    clnas_chain_genotype derived_chain; /* chain space: the strongest held op per layer (clnas_darts_chain_derive) */
    double train_loss, train_accuracy; /* weight steps of the epoch (training-mode BatchNorm) */
    double val_loss, val_accuracy;     /* alpha steps of the epoch: the search network on validation batches */
    double skip_share_derived;     /* derived edges that are skip_connect, of 6 (DARTS space: of 16; chain space: the
                                    * derived layers that are identity) */
    double skip_prob_mean;         /* softmax(alpha)[skip_connect] (chain space: [identity]) averaged over the edges */
    double seconds;                /* the epoch's wall time */
    double tau;                    /* GDAS: the epoch's Gumbel-softmax temperature (0 for DARTS) */
} clnas_darts_epoch;

typedef struct clnas_darts_step {
    int step, steps;               /* steps done in the run, of its total */
    double lr, train_loss, val_loss, seconds, seconds_left;
} clnas_darts_step;

typedef struct clnas_darts_options {
    int epochs;
    int start_epoch;               /* resume: epochs done (weights, momenta and alpha restored by the caller) */
    double lr;                     /* weights: per-step cosine from lr over the run, SGD as the model is built */
    uint64_t seed;                 /* batch order of both splits */
    clnas_adam_config adam;        /* alpha's optimizer */
    double mean[CLNAS_BATCHER_MAX_CHANNELS], std[CLNAS_BATCHER_MAX_CHANNELS];
    int report_every;              /* progress every this many steps (0: 20) */
    void (*progress)(const clnas_darts_step *s, void *user);
    /* after each epoch (journal, heat map, checkpoint); an error stops the search */
    clnas_status (*epoch_done)(const clnas_darts_epoch *e, void *user, clnas_error *err);
    void *user;
    const volatile int *stop;      /* checked between epochs and steps; a stop mid-epoch loses that epoch's part */
    clnas_gdas *gdas;              /* NULL: DARTS; else GDAS: each forward runs a sampled path (gdas.h) */
    /* NULL: whole batches; else each step's batches in K shares (the network compiled for batch / K), over
     * processes or in turn (grad_shares.h): the weights' gradients, the running statistics, d loss / d alpha, the
     * losses and hits averaged over the shares; with a sum over processes a stop is agreed after one step */
    const clnas_grad_shares *shares;
    double beta_decay;             /* > 0: beta-DARTS' regulariser on alpha's step (clnas_alpha_beta_decay) */
    int beta_decay_linear;         /* its weight lambda * epoch / (epochs - 1) instead of lambda */
    int derive_without_none;       /* NB201 epochs' derived cell without none (clnas_alpha_derive_rule) */
    /* > 1: each epoch's cell derived from softmax(alpha) averaged over the last derive_epochs epochs (those done so
     * far when fewer; clnas_alpha_average) instead of the last epoch's alone */
    int derive_epochs;
    const clnas_alpha *history;    /* resume: alpha after each of the nhistory epochs before start_epoch, oldest first
                                    * (the averaging's earlier epochs; may hold more than it needs) */
    int nhistory;
    /* NULL, or the chain space's skeleton: alpha is a row per layer (darts_chain.h), each epoch's network derived
     * from it; the search network (DARTS) or the supernet (GDAS) is that skeleton's */
    const clnas_chain_genotype *chain_skeleton;
} clnas_darts_options;

/* The edge weights of the search network: softmax(alpha) of skip_connect, nor_conv_1x1, nor_conv_3x3,
 * avg_pool_3x3 per edge (none's output is zero, so it only enters through the softmax). */
clnas_status clnas_darts_set_edge_weights(clnas_model *model, const clnas_alpha *alpha, clnas_error *err);

/* The one loop of the differentiable searches, its architecture-gradient rule (arch_rule.h) DARTS' over `model`
 * or GDAS' with opt->gdas. Runs epochs start_epoch .. epochs-1 over `model` (built with net.darts = 1; NULL with
 * opt->gdas): per step, in NB201's order, one SGD step of the weights on a training batch, then one Adam step of
 * alpha on a validation batch with the gradient d loss / d alpha = softmax backward of (0, <dy, y_k> summed over
 * cells) at the current weights (first order).
 * With opt->gdas, each of the two forwards of a step samples one op per edge (hard one-hot at the epoch's tau)
 * and runs that path of opt->gdas->supernet, whose weights, momenta and BatchNorm statistics alone it moves, and
 * alpha's gradient is GDAS' straight-through one (clnas_gdas_alpha_gradient).
 * Whole batches only; steps per epoch = train->count / batch; the validation batches cycle through val. *done
 * is the number of epochs finished. */
clnas_status clnas_darts_search(clnas_model *model, clnas_alpha *alpha, const clnas_dataset *train,
                                const clnas_dataset *val, const clnas_darts_options *opt, int *done,
                                clnas_error *err);

#endif
