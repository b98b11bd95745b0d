/* clnas tool — printing search progress and results. */
#include "search_view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static void duration(double s, char *buf, size_t cap)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else
        snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
}

void search_view_arch_short(const clnas_genotype *g, uint64_t hash, char *buf, size_t cap)
{
    static const char code[CLNAS_NB201_OPS] = {'-', 's', '1', '3', 'a'};
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
    search_view_arch_short(&e->arch, e->hash, arch, sizeof arch);
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
        if (e->status != CLNAS_TRIAL_OK || !isfinite(e->fitness))
            continue; /* cached entries repeat an ok one */
        best[(*n)++] = e;
    }
    qsort(best, (size_t)*n, sizeof *best, by_fitness);
    return best;
}

void search_view_top(const clnas_journal_entry *entries, int count, int k)
{
    int n = 0;
    const clnas_journal_entry **best = ranked(entries, count, &n);
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

cJSON *search_view_top_json(const clnas_journal_entry *entries, int count, int k)
{
    int n = 0;
    const clnas_journal_entry **best = ranked(entries, count, &n);
    cJSON *top = cJSON_CreateArray();
    for (int i = 0; i < n && i < k && top; i++) {
        char arch[CLNAS_GENOTYPE_STR_MAX], hex[17];
        clnas_genotype_format(&best[i]->arch, arch, sizeof arch, NULL);
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
    return clnas_journal_read(path, entries, n, torn, &good, err);
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

void search_view_report_json(const char *dir, const clnas_journal_entry *entries, int count, int k)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "run_dir", dir);
    cJSON_AddNumberToObject(j, "trials", count);
    cJSON_AddItemToObject(j, "top", search_view_top_json(entries, count, k));
    char *text = cJSON_Print(j);
    if (text)
        printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(j);
}
