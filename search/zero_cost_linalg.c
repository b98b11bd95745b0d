/* clnas — log|det|, row correlations and symmetric eigenvalues for the zero-cost proxies. */
#include "zero_cost_linalg.h"

#include <math.h>
#include <stdlib.h>

double clnas_zc_log_abs_det(double *a, int n)
{
    double logdet = 0.0;
    for (int k = 0; k < n; k++) {
        int piv = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(a[i * n + k]) > fabs(a[piv * n + k]))
                piv = i;
        if (a[piv * n + k] == 0.0)
            return -INFINITY;
        for (int j = 0; piv != k && j < n; j++) {
            double t = a[k * n + j];
            a[k * n + j] = a[piv * n + j];
            a[piv * n + j] = t;
        }
        const double p = a[k * n + k];
        logdet += log(fabs(p));
        for (int i = k + 1; i < n; i++) {
            const double f = a[i * n + k] / p;
            for (int j = k + 1; j < n; j++)
                a[i * n + j] -= f * a[k * n + j];
        }
    }
    return logdet;
}

void clnas_zc_correlation(const double *x, int n, size_t d, double *corr)
{
    double *mean = calloc((size_t)n, sizeof *mean), *norm = calloc((size_t)n, sizeof *norm);
    if (!mean || !norm) {
        for (int i = 0; i < n * n; i++)
            corr[i] = NAN;
        free(mean);
        free(norm);
        return;
    }
    for (int i = 0; i < n; i++) {
        double s = 0.0, q = 0.0;
        for (size_t k = 0; k < d; k++)
            s += x[(size_t)i * d + k];
        mean[i] = s / (double)d;
        for (size_t k = 0; k < d; k++)
            q += (x[(size_t)i * d + k] - mean[i]) * (x[(size_t)i * d + k] - mean[i]);
        norm[i] = sqrt(q);
    }
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++) {
            double s = 0.0;
            for (size_t k = 0; k < d; k++)
                s += (x[(size_t)i * d + k] - mean[i]) * (x[(size_t)j * d + k] - mean[j]);
            double c = s / (norm[i] * norm[j]); /* 0 / 0: NaN, as numpy */
            c = c > 1.0 ? 1.0 : c < -1.0 ? -1.0 : c;
            corr[i * n + j] = corr[j * n + i] = c;
        }
    free(mean);
    free(norm);
}

static int ascending(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void clnas_zc_sym_eigenvalues(double *a, int n, double *eig)
{
    double total = 0.0;
    for (int i = 0; i < n * n; i++)
        total += a[i] * a[i];
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++)
                off += a[p * n + q] * a[p * n + q];
        if (!(off > 1e-32 * total)) /* converged (or NaN: nothing to gain) */
            break;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) {
                const double apq = a[p * n + q];
                if (apq == 0.0)
                    continue;
                /* the rotation in the (p, q) plane that zeroes a[p][q] (Numerical Recipes' jacobi) */
                const double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                const double t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                const double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (int k = 0; k < n; k++) {
                    const double akp = a[k * n + p], akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) {
                    const double apk = a[p * n + k], aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
            }
    }
    for (int i = 0; i < n; i++)
        eig[i] = a[i * n + i];
    qsort(eig, (size_t)n, sizeof *eig, ascending);
}
