/* clnas tool — printing search progress and results. */
#include "search_view.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    int n = 0;
    for (int i = 0; i < count; i++) {
        const clnas_journal_entry *e = &entries[i];
        if (e->status != CLNAS_TRIAL_OK || !isfinite(e->fitness) || clnas_training_fraction_of(e->extra) < 1.0)
            continue; /* cached entries repeat an ok one; a shortened training (Hyperband's rungs) is no candidate */
        best[n++] = e;
    }
    qsort(best, (size_t)n, sizeof *best, by_fitness);
    int failed = 0, cached = 0, shortened = 0;
    for (int i = 0; i < count; i++) {
        failed += entries[i].status == CLNAS_TRIAL_FAILED || entries[i].status == CLNAS_TRIAL_DIVERGED;
        cached += entries[i].status == CLNAS_TRIAL_CACHED;
        shortened += entries[i].status == CLNAS_TRIAL_OK && clnas_training_fraction_of(entries[i].extra) < 1.0;
    }
    char also[64] = "";
    if (shortened)
        snprintf(also, sizeof also, " (and %d at a shortened training budget)", shortened);
    printf("\n%d trials: %d evaluated%s, %d cached duplicates, %d failed. Top %d:\n", count, n, also, cached, failed,
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

/* One cause of failure: a status and the error text with the trial's own arch string replaced by "<arch>", so that
 * trials failing for one reason count together. */
typedef struct cause {
    clnas_trial_status status;
    char text[600];
    int count;
} cause;

static void cause_of(const clnas_journal_entry *e, cause *c)
{
    char arch[CLNAS_GENOTYPE_STR_MAX];
    clnas_genotype_format(&e->arch, arch, sizeof arch, NULL);
    size_t n = strlen(arch), len = 0;
    c->status = e->status;
    c->count = 1;
    for (const char *p = e->error; *p && len + 8 < sizeof c->text;) {
        if (n && strncmp(p, arch, n) == 0) {
            len += (size_t)snprintf(c->text + len, sizeof c->text - len, "<arch>");
            p += n;
        } else {
            c->text[len++] = *p++;
        }
    }
    c->text[len] = '\0';
}

static int by_cause(const void *a, const void *b)
{
    const cause *x = a, *y = b;
    return x->status != y->status ? (int)x->status - (int)y->status : strcmp(x->text, y->text);
}

static int by_count(const void *a, const void *b)
{
    const cause *x = a, *y = b;
    return y->count - x->count;
}

void search_view_failure_causes(const clnas_journal_entry *entries, int count)
{
    cause *causes = malloc((size_t)count * sizeof *causes);
    fprintf(stderr, "clnas: every one of the %d trial%s failed%s\n", count, count == 1 ? "" : "s",
            causes ? ", by cause:" : "");
    if (!causes)
        return;
    for (int i = 0; i < count; i++)
        cause_of(&entries[i], &causes[i]);
    qsort(causes, (size_t)count, sizeof *causes, by_cause);
    int ncauses = 0;
    for (int i = 0; i < count; i++) {
        if (ncauses > 0 && by_cause(&causes[ncauses - 1], &causes[i]) == 0)
            causes[ncauses - 1].count++;
        else
            causes[ncauses++] = causes[i];
    }
    qsort(causes, (size_t)ncauses, sizeof *causes, by_count);
    enum { SHOWN = 8 };
    for (int i = 0; i < ncauses && i < SHOWN; i++)
        fprintf(stderr, "  %5d  %s%s%s\n", causes[i].count, clnas_trial_status_name(causes[i].status),
                causes[i].text[0] ? ": " : "", causes[i].text);
    if (ncauses > SHOWN)
        fprintf(stderr, "  and %d more causes (journal.jsonl has each trial's error)\n", ncauses - SHOWN);
    free(causes);
}

clnas_status search_view_read_journal(const char *dir, char *path, size_t cap, clnas_journal_entry **entries, int *n,
                                      int *torn, clnas_error *err)
{
    snprintf(path, cap, "%s/journal.jsonl", dir);
    size_t good = 0;
    *entries = NULL;
    *n = *torn = 0;
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return clnas_error_set(err, errno == ENOENT ? CLNAS_ERR_NOT_FOUND : CLNAS_ERR_IO, "%s: %s", dir,
                               errno == ENOENT ? "no such run directory" : strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return clnas_error_set(err, CLNAS_ERR_IO, "%s is not a directory (expected a search's run directory)", dir);
    if (stat(path, &sb) != 0 && errno == ENOENT)
        return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "%s: no such file (%s is not a multi-trial or SPOS search "
                               "run, or no trial has finished yet)", path, dir);
    return clnas_journal_read(path, entries, n, torn, &good, err);
}
