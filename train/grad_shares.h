/* clnas — data parallelism of a training loop: each step's batch in K contiguous shares, each share's gradients,
 * BatchNorm running statistics, loss and hits summed over the shares (over K processes, or in turn in one) and
 * averaged before one update, so that every process holds the same weights after every step. */
#ifndef CLNAS_GRAD_SHARES_H
#define CLNAS_GRAD_SHARES_H

#include <stddef.h>

#include "clnas/model.h"

typedef struct clnas_grad_shares {
    int count; /* K: shares per batch; a loop given NULL (or K = 1) steps the whole batch at once, as before */
    int index; /* with sum: the share this process computes, 0 .. K-1; process 0 alone writes the run's files */
    /* NULL: this process computes every share in turn (gradient accumulation: the arithmetic of K processes in one).
     * Else the n values summed elementwise over the K processes, in place, the same result on every process; *stop
     * is this process's stop request in and whether any process asked out. Fails on every process when one failed. */
    clnas_status (*sum)(void *user, double *values, size_t n, int *stop, clnas_error *err);
    /* process 0's n values to every process (a resumed run's start state); with sum */
    clnas_status (*broadcast)(void *user, double *values, size_t n, clnas_error *err);
    /* with sum: after the last step every process takes (training done, or a stop agreed), so that a failure after it
     * (process 0's search over the supernet's paths) is its own; fails when a process failed before */
    clnas_status (*close)(void *user, clnas_error *err);
    void *user;
} clnas_grad_shares;

/* Whether sh splits batches (K >= 2); whether this process writes the run's files (no MPI, or process 0). */
int clnas_grad_shares_on(const clnas_grad_shares *sh);
int clnas_grad_shares_writer(const clnas_grad_shares *sh);
/* The images of one share, batch / K (batch itself without sharing); CLNAS_ERR_INVALID_ARG naming both when the
 * batch does not split into K equal shares. */
clnas_status clnas_grad_shares_batch(const clnas_grad_shares *sh, int batch, int *share, clnas_error *err);

/* sh->close when there is one (no processes: nothing). */
clnas_status clnas_grad_shares_close(const clnas_grad_shares *sh, clnas_error *err);

enum { CLNAS_SHARE_GRADS = 1, CLNAS_SHARE_UPDATE = 2 };

/* After each share's backward and after its tensors were read: the share's own n_extra values (d loss / d alpha of a
 * differentiable search), and whatever must be reset before the next share's backward. */
typedef clnas_status (*clnas_share_extra_fn)(void *user, double *extra, clnas_error *err);

typedef struct clnas_share_step {
    double loss;  /* the mean of the shares' losses: the whole batch's mean loss */
    long hits;    /* images of the whole batch whose logits' argmax is the label */
    double *extra; /* the mean of the shares' extra values (the caller's buffer, n_extra) */
    int n_extra;
    clnas_share_extra_fn after_backward; /* may be NULL when n_extra is 0 */
    void *user;
    int stop;     /* in: this process's stop request; out: whether any process asked (with sum; else as given) */
} clnas_share_step;

/* One training forward and backward of `model` (compiled for batch / K images) per share of the whole batch
 * (images, labels: K * its batch), the shares this process computes (one with sum, else all K in turn, each from
 * the running statistics the step started with). Summed over the shares and divided by K: the loss, the extra values,
 * the BatchNorm running statistics (so each moves by the mean of the shares' batch statistics), the gradients a backward
 * leaves in the state (names ending in _grad: DARTS' edge weights', GDAS' dL/dh) and, with
 * CLNAS_SHARE_GRADS, the gradients of the trained parameters, written back before the update at lr
 * (CLNAS_SHARE_UPDATE); without it they are not computed (clnas_model_backward_no_param_grads) and are undefined
 * after the step. A training forward counts once (num_batches_tracked) whatever K. */
clnas_status clnas_grad_shares_step(clnas_model *model, const clnas_grad_shares *sh, const void *images,
                                    const int32_t *labels, unsigned what, double lr, clnas_share_step *io,
                                    clnas_error *err);

#endif
