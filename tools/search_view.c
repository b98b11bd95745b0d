/* clnas tool — printing search progress and results. */
#include "search_view.h"
#include "run_dir.h"
#include "space_nb201.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdint.h>

static void duration(double s, char *buf, size_t cap)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else
        snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
}

void search_view_arch_short(const clnas_space_iface *space, const clnas_space_genotype *sg, uint64_t hash, char *buf,
                            size_t cap)
{
    static const char code[CLNAS_NB201_OPS] = {'-', 's', '1', '3', 'a'};
    if (space && space != &clnas_space_nb201) { /* a long string: the space and the class's hash */
        snprintf(buf, cap, "%s %08x", space->name, (unsigned)(hash >> 32));
        return;
    }
    const clnas_genotype nb201 = clnas_nb201_of(sg), *g = &nb201;
    char cell[16];
    int n = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        if (e == 1 || e == 3)
            cell[n++] = '|'; /* edges 0 | 1 2 | 3 4 5: the inputs of nodes 1, 2 and 3 */
        cell[n++] = g->ops[e] < CLNAS_NB201_OPS ? code[g->ops[e]] : '?';
    }
    cell[n] = '\0';
    snprintf(buf, cap, "%s %08x", cell, (unsigned)(hash >> 32));
}

void search_view_trial(const clnas_trials_progress *p, void *user)
{
    (void)user;
    const clnas_journal_entry *e = p->entry;
    char arch[48], left[32], fit[32], best[48];
    search_view_arch_short(p->space, &e->arch, e->hash, arch, sizeof arch);
    duration(p->seconds_left, left, sizeof left);
    if (isfinite(e->fitness))
        snprintf(fit, sizeof fit, "%.4f", e->fitness);
    else
        snprintf(fit, sizeof fit, "%s", clnas_trial_status_name(e->status));
    if (p->best_trial >= 0)
        snprintf(best, sizeof best, "%.4f (trial %d)", p->best_fitness, p->best_trial);
    else
        snprintf(best, sizeof best, "-");
    /* Progress, so stderr; trial numbers are the journal's (from 0), the count in brackets says how many are done. */
    fprintf(stderr, "trial %3d [%d/%d]  %s  fitness %-8s  best %-18s  %5.1f s/trial  %s left%s\n", e->trial,
            e->trial + 1, p->trials, arch, fit, best, p->seconds_per_trial, left,
            e->status == CLNAS_TRIAL_CACHED ? "  (cached)" : "");
    if (e->status == CLNAS_TRIAL_FAILED || e->status == CLNAS_TRIAL_DIVERGED)
        fprintf(stderr, "          %s: %s\n", clnas_trial_status_name(e->status), e->error);
    fflush(stderr);
}

static int by_fitness(const void *a, const void *b)
{
    const clnas_journal_entry *x = *(const clnas_journal_entry *const *)a, *y = *(const clnas_journal_entry *const *)b;
    if (x->fitness != y->fitness)
        return x->fitness < y->fitness ? 1 : -1;
    return x->trial - y->trial;
}

/* The successful, non-cached entries, best first (caller frees); *n their count. */
static const clnas_journal_entry **ranked(const clnas_journal_entry *entries, int count, int *n)
{
    const clnas_journal_entry **best = malloc((size_t)(count ? count : 1) * sizeof *best);
    *n = 0;
    if (!best)
        return NULL;
    for (int i = 0; i < count; i++) {
        const clnas_journal_entry *e = &entries[i];
        if (e->status != CLNAS_TRIAL_OK || !isfinite(e->fitness) || clnas_training_fraction_of(e->extra) < 1.0)
            continue; /* cached entries repeat an ok one; a shortened training (Hyperband's rungs) is no candidate */
        best[(*n)++] = e;
    }
    qsort(best, (size_t)*n, sizeof *best, by_fitness);
    return best;
}

void search_view_top(const clnas_journal_entry *entries, int count, int k)
{
    int n = 0;
    const clnas_journal_entry **best = ranked(entries, count, &n);
    if (!best) { /* the run's files are written: only this table is lost */
        fprintf(stderr, "clnas: out of memory for the table of the best trials\n");
        return;
    }
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
        char arch[CLNAS_SPACE_STR_MAX];
        clnas_journal_entry_arch(best[i], arch, sizeof arch);
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
    char arch[CLNAS_SPACE_STR_MAX];
    clnas_journal_entry_arch(e, arch, sizeof arch);
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

cJSON *search_view_top_json(const clnas_journal_entry *entries, int count, int k)
{
    int n = 0;
    const clnas_journal_entry **best = ranked(entries, count, &n);
    cJSON *top = cJSON_CreateArray();
    for (int i = 0; i < n && i < k && top; i++) {
        char arch[CLNAS_SPACE_STR_MAX], hex[17];
        clnas_journal_entry_arch(best[i], arch, sizeof arch);
        clnas_hash_to_hex(best[i]->hash, hex);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "rank", i + 1);
        cJSON_AddNumberToObject(o, "trial", best[i]->trial);
        cJSON_AddStringToObject(o, "arch", arch);
        cJSON_AddStringToObject(o, "hash", hex);
        cJSON_AddNumberToObject(o, "fitness", best[i]->fitness);
        cJSON_AddNumberToObject(o, "params", (double)best[i]->params);
        cJSON_AddNumberToObject(o, "flops", best[i]->flops);
        cJSON_AddItemToArray(top, o);
    }
    free(best);
    return top;
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
        return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "%s: no such file (%s is not a search run directory, or "
                               "its search has not finished a trial, or an epoch of a one-shot search, yet)", path, dir);
    const clnas_space_iface *space = NULL; /* the arch strings are the run's space's */
    clnas_status st = clnas_run_dir_space(dir, &space, err);
    return st == CLNAS_OK ? clnas_journal_read_space(path, space, entries, n, torn, &good, err) : st;
}

void search_view_outcome_json(const clnas_run_outcome *o, const char *strategy)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "run_dir", o->run_dir);
    cJSON_AddStringToObject(j, "strategy", strategy);
    cJSON_AddNumberToObject(j, "done", o->done);
    cJSON_AddNumberToObject(j, "total", o->total);
    cJSON_AddBoolToObject(j, "stopped", o->stopped || o->stopped_training);
    if (o->best_index >= 0 && o->best_arch[0]) {
        cJSON *b = cJSON_AddObjectToObject(j, "best");
        cJSON_AddNumberToObject(b, o->kind == CLNAS_RUN_DIFFERENTIABLE ? "epoch" : "trial", o->best_index);
        cJSON_AddStringToObject(b, "arch", o->best_arch);
        if (isfinite(o->best_fitness))
            cJSON_AddNumberToObject(b, "fitness", o->best_fitness);
        else
            cJSON_AddNullToObject(b, "fitness");
    } else {
        cJSON_AddNullToObject(j, "best");
    }
    char path[1100];
    clnas_journal_entry *entries = NULL;
    int n = 0, torn = 0;
    clnas_error err;
    if (o->kind != CLNAS_RUN_DIFFERENTIABLE &&
        search_view_read_journal(o->run_dir, path, sizeof path, &entries, &n, &torn, &err) == CLNAS_OK) {
        cJSON_AddItemToObject(j, "top", search_view_top_json(entries, n, o->kind == CLNAS_RUN_SPOS ? o->top_k : 10));
        clnas_journal_entries_free(entries, n);
    }
    char *text = cJSON_Print(j);
    if (text)
        printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(j);
}

cJSON *search_view_report_json(const char *dir, const clnas_journal_entry *entries, int count, int k)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "run_dir", dir);
    cJSON_AddNumberToObject(j, "trials", count);
    cJSON_AddItemToObject(j, "top", search_view_top_json(entries, count, k));
    return j;
}
