/* clnas tests — two compiled models of one network compared after a step of the same batch: the logits, the loss,
 * every trained parameter's gradient, the running statistics and the evaluation logits, one tolerance for all. */
#ifndef CLNAS_MODEL_COMPARE_H
#define CLNAS_MODEL_COMPARE_H

#include "clnas/model.h"

#define MODEL_COMPARE_STATE 1u /* also every running statistic (the STATE arena's tensors) */
#define MODEL_COMPARE_EVAL 2u  /* also the evaluation logits (runs clnas_model_eval on both) */

/* After clnas_model_forward and clnas_model_backward of the same batch on both: got against ref, each tensor with
 * kh_close_enough at tol (0: bit for bit), a line each: the training logits, the loss, every live trained
 * parameter's gradient, then what flags add. Returns 1 when all are close; *grads (may be NULL) gets the number of
 * gradients compared. */
int model_compare_step(clnas_model *got, clnas_model *ref, double tol, unsigned flags, int *grads);

#endif
