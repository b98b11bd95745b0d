/* clnas — rank correlations (Kendall tau-b, Spearman rho) between two score lists. */
#ifndef CLNAS_RANK_STATS_H
#define CLNAS_RANK_STATS_H

/* Kendall's tau-b (ties handled) of x and y (n >= 2); NAN when either list is constant. */
double clnas_kendall_tau(const double *x, const double *y, int n);
/* Spearman's rho: Pearson correlation of the ranks (ties get average ranks); NAN when either is constant. */
double clnas_spearman_rho(const double *x, const double *y, int n);

#endif
