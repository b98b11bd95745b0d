/* clnas — the search progress picture as plain SVG, and its data as CSV. */
#include "svg_plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator.h"
#include "file_io.h"
#include "svg_chart.h"
#include "svg_text.h"
#include "space_nb201.h"

static int usable(const clnas_journal_entry *e)
{
    return (e->status == CLNAS_TRIAL_OK || e->status == CLNAS_TRIAL_CACHED) && isfinite(e->fitness);
}

/* A trial the best-so-far line counts: usable and at the full training budget, as best.json (Hyperband's lower rungs
 * are drawn as dots only). */
static int counts_for_best(const clnas_journal_entry *e)
{
    return usable(e) && clnas_training_fraction_of(e->extra) == 1.0;
}

int clnas_journal_is_epochs(const clnas_journal_entry *entries, int count)
{
    return count > 0 && cJSON_IsNumber(cJSON_GetObjectItem(entries[0].extra, "epoch"));
}

void clnas_progress_svg_put(FILE *f, const clnas_journal_entry *entries, int count, const char *title, int width,
                            int height)
{
    const int epochs = clnas_journal_is_epochs(entries, count);
    clnas_svg_chart c = {.width = width, .height = height, .title = title, .x_integer = 1, .legend_rows = 1};
    c.x_label = epochs ? "epoch" : "trial";
    c.y_label = epochs ? "search network validation accuracy" : "fitness (validation accuracy)";
    c.x_lo = 0, c.x_hi = count > 1 ? count - 1 : 1, c.y_lo = 1, c.y_hi = 0;
    for (int i = 0; i < count; i++)
        if (usable(&entries[i])) {
            c.y_lo = fmin(c.y_lo, entries[i].fitness);
            c.y_hi = fmax(c.y_hi, entries[i].fitness);
        }
    clnas_svg_chart_begin(f, &c);
    size_t cap = count > 0 ? (size_t)count : 1;
    double *x = malloc(cap * sizeof *x), *best = malloc(cap * sizeof *best);
    double b = NAN;
    for (int i = 0; i < count && x && best; i++) {
        if (counts_for_best(&entries[i]) && !(entries[i].fitness <= b))
            b = entries[i].fitness;
        x[i] = entries[i].trial;
        best[i] = b;
    }
    if (x && best)
        clnas_svg_chart_steps(f, &c, x, best, count, "#d62728");
    free(x);
    free(best);
    for (int i = 0; i < count; i++) {
        const clnas_journal_entry *e = &entries[i];
        char tip[CLNAS_SPACE_STR_MAX + 64];
        char arch[CLNAS_SPACE_STR_MAX];
        clnas_space_or_nb201(e->space)->format(&e->arch, arch, sizeof arch, NULL);
        snprintf(tip, sizeof tip, "%s %d: %.4f %s", epochs ? "epoch" : "trial", e->trial, e->fitness, arch);
        if (usable(e))
            clnas_svg_chart_point(f, &c, e->trial, e->fitness, "#1f77b4", e->status == CLNAS_TRIAL_CACHED, tip);
        else
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#888\">x</text>\n",
                    clnas_svg_chart_x(&c, e->trial), c.top + c.plot_h - 3);
    }
    clnas_svg_chart_legend(f, &c, 0, 0, "#d62728", "best so far");
    clnas_svg_chart_legend(f, &c, 0, 1, "#1f77b4",
                           epochs ? "epoch (its derived cell in the tooltip)" : "trial (hollow: cached; x: failed)");
    clnas_svg_chart_end(f);
}

void clnas_progress_csv_put(FILE *f, const clnas_journal_entry *entries, int count)
{
    const int epochs = clnas_journal_is_epochs(entries, count);
    fprintf(f, "%s,status,%s,best_so_far,params,flops,arch\n", epochs ? "epoch" : "trial",
            epochs ? "val_accuracy" : "fitness");
    double b = NAN;
    for (int i = 0; i < count; i++) {
        const clnas_journal_entry *e = &entries[i];
        char arch[CLNAS_SPACE_STR_MAX];
        clnas_space_or_nb201(e->space)->format(&e->arch, arch, sizeof arch, NULL);
        if (counts_for_best(e) && !(e->fitness <= b))
            b = e->fitness;
        fprintf(f, "%d,%s,", e->trial, clnas_trial_status_name(e->status));
        if (usable(e))
            fprintf(f, "%.6g", e->fitness);
        fputc(',', f);
        if (isfinite(b))
            fprintf(f, "%.6g", b);
        fprintf(f, ",%ld,%.6g,%s\n", e->params, e->flops, arch);
    }
}

typedef struct plot {
    const clnas_journal_entry *entries;
    int count;
    const char *title;
} plot;

static int write_svg(FILE *f, void *ctx)
{
    const plot *pl = ctx;
    clnas_progress_svg_put(f, pl->entries, pl->count, pl->title, 760, 440);
    return ferror(f);
}

static int write_csv(FILE *f, void *ctx)
{
    const plot *pl = ctx;
    clnas_progress_csv_put(f, pl->entries, pl->count);
    return ferror(f);
}

clnas_status clnas_progress_svg_write(const char *path, const clnas_journal_entry *entries, int count,
                                      const char *title, clnas_error *err)
{
    plot pl = {entries, count, title};
    clnas_status st = clnas_file_write_atomic(path, write_svg, &pl, err);
    if (st != CLNAS_OK)
        return st;
    size_t n = strlen(path);
    char *csv = malloc(n + 5);
    if (!csv)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory writing %s", path);
    memcpy(csv, path, n + 1);
    if (n >= 4 && strcmp(path + n - 4, ".svg") == 0)
        csv[n - 4] = '\0';
    strcat(csv, ".csv");
    st = clnas_file_write_atomic(csv, write_csv, &pl, err);
    free(csv);
    return st;
}
