/* clnas — mean softmax cross-entropy: the loss and its gradient with respect to the logits in one launch. */
#ifndef CLNAS_OP_LOSS_H
#define CLNAS_OP_LOSS_H

#include "kernel_desc.h"

/* logits [n][classes], labels [n] (int). */
typedef struct clnas_loss_params {
    int n, classes;
    double weight; /* loss and dlogits scaled by it (0 reads as 1): DARTS' auxiliary loss weighted by 0.4 */
} clnas_loss_params;

/* loss[0] = mean over n of logsumexp(logits[n]) - logits[n][label[n]] (max-subtracted);
 * dlogits[n][k] = (softmax(logits[n])[k] - (k == label[n])) / n; both overwritten, both times weight when set. One work-group, the mean
 * reduced in a fixed order. A label outside [0, classes) is a programming error the host must rule out; the
 * kernel does not read out of bounds for it but makes that row's dlogits and the loss NaN.
 * Slots: logits, labels (CLNAS_ARG_TENSOR_INT), loss, dlogits. */
clnas_status clnas_op_softmax_xent_desc(const clnas_loss_params *p, clnas_kernel_desc *d, clnas_error *err);

/* Reference in double; labels must be in range. */
void clnas_ref_softmax_xent(const clnas_loss_params *p, const double *logits, const int *labels, double *loss,
                            double *dlogits);

#endif
