/* clnas tool — loading a run directory for `clnas report`. */
#include "report_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_dir.h"
#include "search_view.h"
#include "svg_plot.h"

/* The parsed JSON file at DIR/name, NULL when it does not exist; an error when it exists and is not JSON (or not a
 * regular file: a FIFO is refused, not waited on). */
static clnas_status read_json(const char *dir, const char *name, cJSON **out, clnas_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    clnas_status st = clnas_run_json_read(path, out, err);
    return st == CLNAS_ERR_NOT_FOUND ? CLNAS_OK : st;
}

clnas_status report_run_load(const char *dir, report_run *r, clnas_error *err)
{
    memset(r, 0, sizeof *r);
    r->dir = dir;
    r->best = -1;
    snprintf(r->strategy, sizeof r->strategy, "?");
    char path[1100];
    clnas_status st = search_view_read_journal(dir, path, sizeof path, &r->entries, &r->count, &r->torn, err);
    if (st != CLNAS_OK)
        return st;
    if (r->count == 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s holds no trials", path);
    r->epochs = clnas_journal_is_epochs(r->entries, r->count);
    cJSON *config = NULL;
    st = read_json(dir, "config.json", &config, err);
    if (st != CLNAS_OK)
        return st;
    const cJSON *name = cJSON_GetObjectItem(cJSON_GetObjectItem(config, "strategy"), "name");
    if (cJSON_IsString(name))
        snprintf(r->strategy, sizeof r->strategy, "%s", name->valuestring);
    cJSON_Delete(config);
    st = read_json(dir, "rank_eval.json", &r->rank_eval, err);
    if (st != CLNAS_OK)
        return st;
    if (r->epochs) {
        r->best = r->count - 1;
    } else {
        int top = -1;
        if (report_run_top(r, &top, 1) == 1)
            r->best = top;
    }
    return CLNAS_OK;
}

void report_run_free(report_run *r)
{
    clnas_journal_entries_free(r->entries, r->count);
    cJSON_Delete(r->rank_eval);
    memset(r, 0, sizeof *r);
}

static int by_fitness(const void *a, const void *b)
{
    const clnas_journal_entry *x = *(const clnas_journal_entry *const *)a, *y = *(const clnas_journal_entry *const *)b;
    if (x->fitness != y->fitness)
        return x->fitness < y->fitness ? 1 : -1;
    return x->trial - y->trial;
}

int report_run_top(const report_run *r, int *out, int k)
{
    const clnas_journal_entry **best = malloc((size_t)(r->count > 0 ? r->count : 1) * sizeof *best);
    if (!best)
        return 0;
    int n = 0;
    for (int i = 0; i < r->count; i++) {
        const clnas_journal_entry *e = &r->entries[i];
        int dup = 0; /* distinct architectures: an ok trial of the same canonical hash came first */
        for (int j = 0; j < n && !dup; j++)
            dup = best[j]->hash == e->hash;
        if (e->status == CLNAS_TRIAL_OK && isfinite(e->fitness) && !dup)
            best[n++] = e;
    }
    qsort(best, (size_t)n, sizeof *best, by_fitness);
    int m = n < k ? n : k;
    for (int i = 0; i < m; i++)
        out[i] = (int)(best[i] - r->entries);
    free(best);
    return m;
}

double report_run_seconds(const report_run *r)
{
    double s = 0;
    for (int i = 0; i < r->count; i++)
        if (isfinite(r->entries[i].seconds))
            s += r->entries[i].seconds;
    return s;
}

void report_run_print_epochs(const report_run *r)
{
    printf("\n%s: %d epochs of a differentiable search (%s). The accuracy is the search network's on the validation\n"
           "split, not the derived cell's: train the result (clnas train --from %s) to measure it.\n",
           r->dir, r->count, r->strategy, r->dir);
    printf("%5s %14s %9s %12s  %s\n", "epoch", "val accuracy", "params", "MFLOP/image", "derived cell");
    for (int i = 0; i < r->count; i++) {
        const clnas_journal_entry *e = &r->entries[i];
        char arch[CLNAS_SPACE_STR_MAX];
        clnas_journal_entry_arch(e, arch, sizeof arch);
        printf("%5d %14.4f %9ld %12.1f  %s%s\n", e->trial, e->fitness, e->params, e->flops / 1e6, arch,
               i == r->count - 1 ? "  (the result)" : "");
    }
}
