/* clnas — PyTorch's Adam over one flat parameter vector (betas 0.9 and 0.999, eps 1e-8, bias-corrected), for the
 * controllers of the policy-gradient strategies. */
#ifndef CLNAS_ADAM_H
#define CLNAS_ADAM_H

#include <stddef.h>

#include "clnas/status.h"

#define CLNAS_ADAM_BETA1 0.9
#define CLNAS_ADAM_BETA2 0.999
#define CLNAS_ADAM_EPS 1e-8

typedef struct clnas_adam {
    size_t n;
    double *m, *v; /* first and second moments, n each */
    int steps;
} clnas_adam;

/* Moments of n parameters at zero. */
clnas_status clnas_adam_init(clnas_adam *a, size_t n, clnas_error *err);
void clnas_adam_free(clnas_adam *a);

/* One step that lowers a loss whose gradient is grad: params -= lr m_hat / (sqrt(v_hat) + eps), as
 * torch.optim.Adam (the bias corrections folded in the same way). */
void clnas_adam_step(clnas_adam *a, double *params, const double *grad, double lr);

#endif
