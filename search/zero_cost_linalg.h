/* clnas — the small dense linear algebra of the zero-cost proxies: log|det| (NASWOT), a correlation matrix and the
 * eigenvalues of a symmetric matrix (jacob_cov), in double on the host. */
#ifndef CLNAS_ZERO_COST_LINALG_H
#define CLNAS_ZERO_COST_LINALG_H

#include <stddef.h>

/* log|det a| of the n x n row-major matrix a (overwritten by its LU factors, partial pivoting); -INFINITY when a
 * pivot is exactly zero (a singular matrix of integers, as NASWOT's kernel of equal codes is). */
double clnas_zc_log_abs_det(double *a, int n);

/* corr (n x n) = numpy.corrcoef of the n rows of x (n x d, row-major): Pearson correlations of the rows, clipped to
 * [-1, 1]; a row of zero variance gives NaN in its row and column, as numpy does. */
void clnas_zc_correlation(const double *x, int n, size_t d, double *corr);

/* The eigenvalues of the symmetric n x n matrix a (destroyed), ascending, by cyclic Jacobi rotations. */
void clnas_zc_sym_eigenvalues(double *a, int n, double *eig);

#endif
