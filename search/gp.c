/* clnas — Gaussian-process regression: Cholesky fit over a hyper-parameter grid, posterior, expected improvement. */
#include "gp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double pi = 3.14159265358979323846;

static double sq_dist(const double *a, const double *b, int dim)
{
    double d = 0.0;
    for (int k = 0; k < dim; k++)
        d += (a[k] - b[k]) * (a[k] - b[k]);
    return d;
}

/* In-place lower Cholesky factor of the n x n matrix a (row-major); 0 when not positive definite. */
static int cholesky(double *a, int n)
{
    for (int j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (int k = 0; k < j; k++)
            d -= a[j * n + k] * a[j * n + k];
        if (!(d > 0.0))
            return 0;
        d = sqrt(d);
        a[j * n + j] = d;
        for (int i = j + 1; i < n; i++) {
            double v = a[i * n + j];
            for (int k = 0; k < j; k++)
                v -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = v / d;
        }
        for (int k = j + 1; k < n; k++)
            a[j * n + k] = 0.0;
    }
    return 1;
}

/* Solves L L' x = b in place (L lower, from cholesky). */
static void cholesky_solve(const double *l, int n, double *b)
{
    for (int i = 0; i < n; i++) {
        double v = b[i];
        for (int k = 0; k < i; k++)
            v -= l[i * n + k] * b[k];
        b[i] = v / l[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        double v = b[i];
        for (int k = i + 1; k < n; k++)
            v -= l[k * n + i] * b[k];
        b[i] = v / l[i * n + i];
    }
}

/* R + ratio I for the unit-signal kernel with this length, into a (n x n), from the squared distances d. */
static void kernel_matrix(const double *d, int n, double length, double ratio, double *a)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            const double k = exp(-d[i * n + j] / (2.0 * length * length));
            a[i * n + j] = a[j * n + i] = k + (i == j ? ratio : 0.0);
        }
}

/* Log marginal likelihood with the signal variance at its maximum; the factor and alpha for this pair. */
static double profile_likelihood(const double *chol, int n, const double *ys, double *alpha, double *signal)
{
    memcpy(alpha, ys, (size_t)n * sizeof *alpha);
    cholesky_solve(chol, n, alpha);
    double quad = 0.0, log_det = 0.0;
    for (int i = 0; i < n; i++) {
        quad += ys[i] * alpha[i];
        log_det += 2.0 * log(chol[i * n + i]);
    }
    *signal = quad / n > 1e-12 ? quad / n : 1e-12;
    return -0.5 * n * (1.0 + log(*signal) + log(2.0 * pi)) - 0.5 * log_det;
}

void clnas_gp_free(clnas_gp *gp)
{
    if (!gp)
        return;
    free(gp->x);
    free(gp->chol);
    free(gp->alpha);
    memset(gp, 0, sizeof *gp);
}

static void standardise(const double *y, int n, double *ys, double *mean, double *scale)
{
    double m = 0.0, v = 0.0;
    for (int i = 0; i < n; i++)
        m += y[i];
    m /= n;
    for (int i = 0; i < n; i++)
        v += (y[i] - m) * (y[i] - m);
    const double s = n > 1 && v > 0.0 ? sqrt(v / n) : 1.0;
    for (int i = 0; i < n; i++)
        ys[i] = (y[i] - m) / s;
    *mean = m;
    *scale = s;
}

clnas_status clnas_gp_fit(clnas_gp *gp, const double *x, const double *y, int n, int dim, const double *lengths,
                          int n_lengths, const double *noise_ratios, int n_noise, clnas_error *err)
{
    memset(gp, 0, sizeof *gp);
    const size_t nn = (size_t)n * (size_t)n;
    double *ys = malloc((size_t)n * sizeof *ys), *a = malloc(nn * sizeof *a), *alpha = malloc((size_t)n * sizeof *a);
    double *d = malloc(nn * sizeof *d);
    gp->x = malloc((size_t)n * (size_t)dim * sizeof *gp->x);
    gp->chol = malloc(nn * sizeof *gp->chol);
    gp->alpha = malloc((size_t)n * sizeof *gp->alpha);
    if (!ys || !a || !alpha || !d || !gp->x || !gp->chol || !gp->alpha) {
        free(ys), free(a), free(alpha), free(d);
        clnas_gp_free(gp);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "bo: out of memory for a Gaussian process of %d points", n);
    }
    memcpy(gp->x, x, (size_t)n * (size_t)dim * sizeof *gp->x);
    gp->n = n;
    gp->dim = dim;
    standardise(y, n, ys, &gp->y_mean, &gp->y_scale);
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++)
            d[i * n + j] = sq_dist(x + (size_t)i * dim, x + (size_t)j * dim, dim);
    int found = 0;
    for (int li = 0; li < n_lengths; li++)
        for (int ni = 0; ni < n_noise; ni++) {
            kernel_matrix(d, n, lengths[li], noise_ratios[ni], a);
            if (!cholesky(a, n))
                continue;
            double signal;
            const double lml = profile_likelihood(a, n, ys, alpha, &signal);
            if (found && !(lml > gp->log_marginal))
                continue;
            found = 1;
            gp->log_marginal = lml;
            gp->length = lengths[li];
            gp->noise_ratio = noise_ratios[ni];
            gp->signal = signal;
            memcpy(gp->chol, a, nn * sizeof *a);
            memcpy(gp->alpha, alpha, (size_t)n * sizeof *alpha);
        }
    free(ys), free(a), free(alpha), free(d);
    if (!found) {
        clnas_gp_free(gp);
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "bo: no hyper-parameter pair of the grid gives a positive-definite kernel matrix");
    }
    return CLNAS_OK;
}

void clnas_gp_predict(const clnas_gp *gp, const double *xq, double *mean, double *sd)
{
    const int n = gp->n;
    double *k = malloc((size_t)n * sizeof *k);
    if (!k) {
        *mean = gp->y_mean;
        *sd = gp->y_scale * sqrt(gp->signal);
        return;
    }
    double m = 0.0;
    for (int i = 0; i < n; i++) {
        k[i] = exp(-sq_dist(gp->x + (size_t)i * gp->dim, xq, gp->dim) / (2.0 * gp->length * gp->length));
        m += k[i] * gp->alpha[i];
    }
    /* v = L^-1 k; the unit-signal posterior variance is 1 - |v|^2 */
    double vv = 0.0;
    for (int i = 0; i < n; i++) {
        double v = k[i];
        for (int j = 0; j < i; j++)
            v -= gp->chol[i * n + j] * k[j];
        k[i] = v / gp->chol[i * n + i];
        vv += k[i] * k[i];
    }
    free(k);
    const double var = 1.0 - vv > 0.0 ? 1.0 - vv : 0.0;
    *mean = gp->y_mean + gp->y_scale * m;
    *sd = gp->y_scale * sqrt(gp->signal * var);
}

double clnas_gp_expected_improvement(double mean, double sd, double best)
{
    const double gain = mean - best;
    if (!(sd > 0.0))
        return gain > 0.0 ? gain : 0.0;
    const double z = gain / sd;
    const double cdf = 0.5 * erfc(-z / sqrt(2.0)), pdf = exp(-0.5 * z * z) / sqrt(2.0 * pi);
    return gain * cdf + sd * pdf;
}
