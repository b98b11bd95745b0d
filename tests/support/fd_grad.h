/* clnas tests — finite-difference gradient checks of a float64 model: the loss, one comparison, every parameter. */
#ifndef CLNAS_FD_GRAD_H
#define CLNAS_FD_GRAD_H

#include <stddef.h>

#include "clnas/model.h"
#include "clnas/rng.h"

/* The step of the central differences (up - down) / (2 * FD_STEP). */
#define FD_STEP 1e-6

/* The model's loss after a forward pass; fails the test on an error. */
double fd_loss_of(clnas_model *m);

/* |analytic - numeric| <= 1e-6 * max(1, |analytic|, |numeric|); prints what[index] when not. Returns 1 within. */
int fd_check(const char *what, size_t index, double analytic, double numeric);

/* per_tensor random elements (drawn from rng) of every PARAMS tensor of m (only the live ones when live_only)
 * against central differences of the loss; the gradients are those the last backward left. Each element is set
 * back afterwards. Adds the elements checked to *checked; returns how many were wrong. */
int fd_check_params(clnas_model *m, clnas_rng *rng, int per_tensor, int live_only, int *checked);

#endif
