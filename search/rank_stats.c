/* clnas — rank correlations used to judge proxies and supernets. */
#include "rank_stats.h"

#include <math.h>
#include <stdlib.h>

double clnas_kendall_tau(const double *x, const double *y, int n)
{
    double concordant = 0, discordant = 0, ties_x = 0, ties_y = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double dx = x[i] - x[j], dy = y[i] - y[j];
            if (dx == 0 && dy == 0)
                continue;
            if (dx == 0)
                ties_x++;
            else if (dy == 0)
                ties_y++;
            else if ((dx > 0) == (dy > 0))
                concordant++;
            else
                discordant++;
        }
    double denom = sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y));
    return denom > 0 ? (concordant - discordant) / denom : NAN;
}

static void average_ranks(const double *v, int n, double *rank)
{
    for (int i = 0; i < n; i++) {
        int less = 0, equal = 0;
        for (int j = 0; j < n; j++) {
            less += v[j] < v[i];
            equal += v[j] == v[i];
        }
        rank[i] = less + (equal + 1) / 2.0;
    }
}

double clnas_spearman_rho(const double *x, const double *y, int n)
{
    double *rx = malloc((size_t)n * sizeof *rx), *ry = malloc((size_t)n * sizeof *ry);
    double r = NAN;
    if (rx && ry && n >= 2) {
        average_ranks(x, n, rx);
        average_ranks(y, n, ry);
        double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            mx += rx[i] / n;
            my += ry[i] / n;
        }
        for (int i = 0; i < n; i++) {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        if (sxx > 0 && syy > 0)
            r = sxy / sqrt(sxx * syy);
    }
    free(rx);
    free(ry);
    return r;
}
