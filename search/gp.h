/* clnas — a Gaussian-process regressor for Bayesian optimisation: squared-exponential kernel, grid-fitted. */
#ifndef CLNAS_GP_H
#define CLNAS_GP_H

#include "clnas/status.h"

/* k(x, x') = signal * exp(-|x - x'|^2 / (2 length^2)) + noise * signal * [x == x' as the same observation].
 * The targets are standardised (mean 0, standard deviation 1; 1 when all are equal) before fitting. For each
 * (length, noise ratio) pair of the grid the signal variance has its maximum-likelihood value in closed form
 * (y' (R + ratio I)^-1 y / n, R the unit-signal kernel matrix); the pair with the highest log marginal likelihood
 * wins, the first on a tie. Everything in double precision, in a fixed order: the same data give the same fit. */
typedef struct clnas_gp {
    int n, dim;
    double *x;      /* n x dim inputs (a copy) */
    double *chol;   /* n x n lower Cholesky factor of R + ratio I */
    double *alpha;  /* (R + ratio I)^-1 y_standardised */
    double y_mean, y_scale;
    double length, noise_ratio, signal; /* the fitted hyper-parameters (signal in standardised units) */
    double log_marginal;                /* of the fitted pair */
} clnas_gp;

/* The grid the BO strategy uses (documented in configs/README.md). */
#define CLNAS_GP_LENGTHS {0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0}
#define CLNAS_GP_NOISE_RATIOS {1e-4, 1e-3, 1e-2, 1e-1, 0.3}

/* Fits n >= 1 observations (x row-major n x dim, y finite). CLNAS_ERR_NO_MEMORY, or CLNAS_ERR_INVALID_ARG when
 * no grid pair gives a positive-definite matrix (cannot happen for a positive noise ratio). gp is overwritten. */
clnas_status clnas_gp_fit(clnas_gp *gp, const double *x, const double *y, int n, int dim, const double *lengths,
                          int n_lengths, const double *noise_ratios, int n_noise, clnas_error *err);

/* Posterior mean and standard deviation of the noise-free function at xq, in the targets' units. */
void clnas_gp_predict(const clnas_gp *gp, const double *xq, double *mean, double *sd);

/* Expected improvement over `best` for maximisation of a normal N(mean, sd^2): (mean - best) Phi(z) + sd phi(z),
 * z = (mean - best) / sd; max(mean - best, 0) when sd is 0. */
double clnas_gp_expected_improvement(double mean, double sd, double best);

void clnas_gp_free(clnas_gp *gp);

#endif
