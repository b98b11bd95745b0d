/* clnas tool — printing search progress and results. */
#include "search_view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void duration(double s, char *buf, size_t cap)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else
        snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
}

void search_view_trial(const clnas_trials_progress *p, void *user)
{
    (void)user;
    const clnas_journal_entry *e = p->entry;
    char arch[CLNAS_GENOTYPE_STR_MAX], left[32], fit[32], best[48];
    clnas_genotype_format(&e->arch, arch, sizeof arch, NULL);
    duration(p->seconds_left, left, sizeof left);
    if (isfinite(e->fitness))
        snprintf(fit, sizeof fit, "%.4f", e->fitness);
    else
        snprintf(fit, sizeof fit, "%s", clnas_trial_status_name(e->status));
    if (p->best_trial >= 0)
        snprintf(best, sizeof best, "%.4f (#%d)", p->best_fitness, p->best_trial);
    else
        snprintf(best, sizeof best, "-");
    printf("trial %3d/%d  %-92s  fitness %-8s  best %-14s  %5.1f s/trial  %s left%s\n", e->trial + 1, p->trials, arch,
           fit, best, p->seconds_per_trial, left, e->status == CLNAS_TRIAL_CACHED ? "  (cached duplicate)" : "");
    if (e->status == CLNAS_TRIAL_FAILED || e->status == CLNAS_TRIAL_DIVERGED)
        printf("          %s: %s\n", clnas_trial_status_name(e->status), e->error);
    fflush(stdout);
}

static int by_fitness(const void *a, const void *b)
{
    const clnas_journal_entry *x = *(const clnas_journal_entry *const *)a, *y = *(const clnas_journal_entry *const *)b;
    if (x->fitness != y->fitness)
        return x->fitness < y->fitness ? 1 : -1;
    return x->trial - y->trial;
}

void search_view_top(const clnas_journal_entry *entries, int count, int k)
{
    const clnas_journal_entry **best = malloc((size_t)(count ? count : 1) * sizeof *best);
    if (!best) { /* the run's files are written: only this table is lost */
        fprintf(stderr, "clnas: out of memory for the table of the best trials\n");
        return;
    }
    int n = 0;
    for (int i = 0; i < count; i++) {
        const clnas_journal_entry *e = &entries[i];
        if (e->status != CLNAS_TRIAL_OK || !isfinite(e->fitness))
            continue; /* cached entries repeat an ok one */
        best[n++] = e;
    }
    qsort(best, (size_t)n, sizeof *best, by_fitness);
    int failed = 0, cached = 0;
    for (int i = 0; i < count; i++) {
        failed += entries[i].status == CLNAS_TRIAL_FAILED || entries[i].status == CLNAS_TRIAL_DIVERGED;
        cached += entries[i].status == CLNAS_TRIAL_CACHED;
    }
    printf("\n%d trials: %d evaluated, %d cached duplicates, %d failed. Top %d:\n", count, n, cached, failed,
           k < n ? k : n);
    printf("%4s %6s %9s %9s %12s  %s\n", "rank", "trial", "fitness", "params", "MFLOP/image", "arch");
    for (int i = 0; i < n && i < k; i++) {
        char arch[CLNAS_GENOTYPE_STR_MAX];
        clnas_genotype_format(&best[i]->arch, arch, sizeof arch, NULL);
        printf("%4d %6d %9.4f %9ld %12.1f  %s\n", i + 1, best[i]->trial, best[i]->fitness, best[i]->params,
               best[i]->flops / 1e6, arch);
    }
    free(best);
}

clnas_status search_view_read_journal(const char *dir, char *path, size_t cap, clnas_journal_entry **entries, int *n,
                                      int *torn, clnas_error *err)
{
    snprintf(path, cap, "%s/journal.jsonl", dir);
    size_t good = 0;
    *entries = NULL;
    *n = *torn = 0;
    return clnas_journal_read(path, entries, n, torn, &good, err);
}
