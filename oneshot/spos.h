/* clnas — single-path one-shot (SPOS): uniform path sampling, supernet training one path per step, BatchNorm
 * recalibration of a path, and the supernet evaluator that regularized evolution searches with. */
#ifndef CLNAS_SPOS_H
#define CLNAS_SPOS_H

#include "clnas/data.h"
#include "clnas/rng.h"
#include "evaluator.h"
#include "grad_shares.h"
#include "supernet.h"

/* One op per edge, uniform among the ops the edge holds (one clnas_rng_below draw per edge, edge order). */
void clnas_spos_sample(const clnas_edge_op_set *op_set, clnas_rng *rng, clnas_genotype *out);

/* The classes SPOS samples from with strategy.sampling "classes": the representative (smallest cell index among
 * the cells the op set holds) of every canonical class those cells reach, in increasing order into index_out (room for
 * CLNAS_NB201_CLASSES); returns their number, or -1 when out of memory. Ning et al. (arXiv 2008.03064) found
 * sampling uniformly over unique cells instead of over the 15,625 encodings doubling top-5% precision: per edge,
 * 1 in 5 draws of none and the many encodings of cells with dead edges skew training towards small cells. */
int clnas_spos_classes(const clnas_edge_op_set *op_set, uint32_t *index_out);

/* Sets the path's BatchNorm running statistics (every BatchNorm it computes) to the plain average of their
 * batch statistics over `batches` training batches run forward in training mode (mean; variance unbiased, as
 * PyTorch's running_var): the batches are the first of the data shuffled by `seed`, the same for every path. Other
 * STATE tensors (a GDAS path's edge h and dL/dh) keep their values. */
clnas_status clnas_path_bn_recalibrate(clnas_model *path, const clnas_dataset *data, int batches, uint64_t seed,
                                       const double *mean, const double *std, clnas_error *err);

typedef struct clnas_spos_progress {
    int step, steps;
    double lr, loss, train_accuracy; /* over the steps since the last report */
    double seconds, seconds_left;
    int paths_compiled;
} clnas_spos_progress;

typedef struct clnas_spos_train_options {
    int steps;         /* total steps of the schedule */
    int start_step;    /* resume: steps already done (weights, momenta and statistics loaded by the caller) */
    double lr;         /* cosine schedule over `steps`, as clnas_train's */
    uint64_t seed;     /* path sampling and batch order */
    double mean[CLNAS_BATCHER_MAX_CHANNELS], std[CLNAS_BATCHER_MAX_CHANNELS];
    int report_every;  /* steps between progress calls and checkpoint calls (0: 20) */
    void (*progress)(const clnas_spos_progress *p, void *user);
    /* called after step `step` when step % report_every == 0 or at the end; an error stops training */
    clnas_status (*checkpoint)(int step, double loss, void *user, clnas_error *err);
    void *user;
    volatile int *stop;
    /* NULL: whole batches; else each step's batch in shares (the supernet compiled for batch / K), over processes
     * or in turn (grad_shares.h); with a sum over processes a stop is agreed, taken after the same step by all */
    const clnas_grad_shares *shares;
    /* NULL: clnas_spos_sample's draw per edge; else one clnas_rng_below draw among these cell indices per step */
    const uint32_t *class_index;
    int classes;
} clnas_spos_train_options;

/* Trains the supernet: step t samples a path (clnas_spos_sample, or a class of opt->class_index, from the seed's
 * stream, t-th draw) and takes one
 * SGD step of it on the t-th whole batch (of batch * K images with opt->shares: the stream, the path draws and so the
 * paths are the same on every process). Resuming at start_step replays the draws and the batch order, so a
 * resumed run takes the same steps as an uninterrupted one. *done is the number of steps done (may stop early). */
clnas_status clnas_spos_train(clnas_supernet *sn, const clnas_edge_op_set *op_set, const clnas_dataset *train,
                              const clnas_spos_train_options *opt, int *done, clnas_error *err);

/* The evaluator a strategy searches the trained supernet with: fitness = validation accuracy of the path with
 * inherited weights after clnas_path_bn_recalibrate over bn_batches training batches (extra val_loss: the path's
 * validation loss). Any supernet: SPOS's, or GDAS's (net.gdas: its paths with non-affine BatchNorm and each edge
 * scaled by h = 1, the forward of GDAS' hard one-hot sample; on the DARTS space the genotype's edges of the search
 * network, clnas_supernet_path_darts). Borrows everything. */
clnas_status clnas_supernet_evaluator_new(clnas_supernet *sn, const clnas_dataset *train, const clnas_dataset *val,
                                          int bn_batches, uint64_t seed, const double *mean, const double *std,
                                          clnas_evaluator *out, clnas_error *err);

#endif
