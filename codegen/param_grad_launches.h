/* clnas — the launches of a training step's backward that compute nothing but trained parameters' gradients: what
 * a backward may leave out when only other gradients are read (DARTS' and GDAS' architecture gradients, kept in the
 * STATE arena; the input gradient). */
#ifndef CLNAS_PARAM_GRAD_LAUNCHES_H
#define CLNAS_PARAM_GRAD_LAUNCHES_H

#include "plan.h"

/* skip[i] (plan->ntrain entries) set to 1 for each backward launch i that writes only into the GRADS arena and whose
 * writes no kept backward launch reads, and for the partial sums of a split weight gradient whose split_sum is left
 * out (they are read by nothing else), else 0; returns how many are set. */
int clnas_plan_param_grad_launches(const clnas_plan *plan, unsigned char *skip);

#endif
