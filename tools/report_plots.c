/* clnas tool — the plots of `clnas report`: runs overlaid, fitness against size, alpha over epochs, rank-eval. */
#include "report_plots.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alpha.h"
#include "clnas/darts_genotype.h"
#include "pareto.h"
#include "rank_eval.h"
#include "report_cell.h"
#include "svg_chart.h"

static int usable(const clnas_journal_entry *e)
{
    return (e->status == CLNAS_TRIAL_OK || e->status == CLNAS_TRIAL_CACHED) && isfinite(e->fitness);
}

void report_plot_overlay(FILE *f, FILE *csv, const report_run *runs, int nruns)
{
    int epochs = 0, trials = 0, longest = 1;
    clnas_svg_chart c = {.width = 900, .height = 460, .x_integer = 1, .legend_rows = (nruns + 1) / 2};
    c.title = "best so far of each run";
    c.y_lo = 1, c.y_hi = 0;
    for (int r = 0; r < nruns; r++) {
        epochs += runs[r].epochs, trials += !runs[r].epochs;
        longest = runs[r].count > longest ? runs[r].count : longest;
        for (int i = 0; i < runs[r].count; i++)
            if (usable(&runs[r].entries[i])) {
                c.y_lo = fmin(c.y_lo, runs[r].entries[i].fitness);
                c.y_hi = fmax(c.y_hi, runs[r].entries[i].fitness);
            }
    }
    /* trials and epochs mixed: each run's own progress in percent, else its trials (or epochs) */
    const int share = epochs && trials;
    c.x_label = share ? "share of the run done (%): trials of multi-trial runs, epochs of DARTS and GDAS"
                      : epochs ? "epoch" : "trial";
    c.y_label = epochs && !trials ? "search network validation accuracy" : "fitness (validation accuracy)";
    c.x_lo = 0, c.x_hi = share ? 100 : longest - 1;
    c.x_integer = !share;
    clnas_svg_chart_begin(f, &c);
    if (csv)
        fprintf(csv, "run,index,x,fitness,best_so_far\n");
    for (int r = 0; r < nruns; r++) {
        const report_run *run = &runs[r];
        double *x = malloc((size_t)run->count * sizeof *x), *best = malloc((size_t)run->count * sizeof *best);
        double b = NAN;
        for (int i = 0; i < run->count && x && best; i++) {
            const clnas_journal_entry *e = &run->entries[i];
            if (usable(e) && !(e->fitness <= b))
                b = e->fitness;
            x[i] = share ? 100.0 * (i + 1) / run->count : e->trial, best[i] = b;
            if (csv)
                fprintf(csv, "%s,%d,%.6g,%.6g,%.6g\n", run->dir, e->trial, x[i], usable(e) ? e->fitness : NAN, b);
        }
        if (x && best)
            clnas_svg_chart_steps(f, &c, x, best, run->count, clnas_svg_colour(r));
        free(x);
        free(best);
        char label[1200];
        snprintf(label, sizeof label, "%s (%s%s)", run->dir, run->strategy,
                 run->epochs && share ? ": the search network's accuracy" : "");
        clnas_svg_chart_legend(f, &c, r / 2, r % 2, clnas_svg_colour(r), label);
    }
    clnas_svg_chart_end(f);
}

/* The trial's cost on the plot's axis: parameters, forward FLOPs, or the latency the objective measured (extra
 * "latency_ms"); NAN when the journal has none for it. */
static double cost_of(const clnas_journal_entry *e, report_cost cost)
{
    if (cost == REPORT_COST_LATENCY) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->extra, "latency_ms");
        return cJSON_IsNumber(v) && v->valuedouble > 0 ? v->valuedouble : NAN;
    }
    const double v = cost == REPORT_COST_FLOPS ? e->flops : (double)e->params;
    return v > 0 ? v : NAN;
}

int report_plot_size(FILE *f, FILE *csv, const report_run *r, report_cost cost)
{
    double most = 0; /* parameters in thousands below a million */
    for (int i = 0; i < r->count; i++)
        most = fmax(most, (double)r->entries[i].params);
    const double unit = cost == REPORT_COST_LATENCY ? 1 : cost == REPORT_COST_FLOPS ? 1e6 : most >= 1e6 ? 1e6 : 1e3;
    static const char *const titles[] = {"fitness against parameters", "fitness against forward FLOPs",
                                         "fitness against on-device latency"};
    clnas_svg_chart c = {.width = 560, .height = 400, .legend_rows = 2};
    c.title = titles[cost];
    c.x_label = cost == REPORT_COST_LATENCY ? "latency (ms, as objective.latency measured it)"
                : cost == REPORT_COST_FLOPS ? "forward MFLOPs per image"
                : unit == 1e6              ? "parameters (millions)"
                                           : "parameters (thousands)";
    c.y_label = "fitness (validation accuracy)";
    c.x_lo = c.y_lo = INFINITY, c.x_hi = c.y_hi = -INFINITY;
    /* the plotted trials, and among them the Pareto front over (fitness up, cost down) */
    double *x = malloc(((size_t)r->count + 1) * sizeof *x), *y = malloc(((size_t)r->count + 1) * sizeof *y);
    int *index = malloc(((size_t)r->count + 1) * sizeof *index), *rank = malloc(((size_t)r->count + 1) * sizeof *rank);
    int n = 0;
    for (int i = 0; x && y && index && rank && i < r->count; i++) {
        const clnas_journal_entry *e = &r->entries[i];
        const double v = cost_of(e, cost) / unit;
        if (e->status != CLNAS_TRIAL_OK || !isfinite(e->fitness) || !isfinite(v))
            continue;
        c.x_lo = fmin(c.x_lo, v), c.x_hi = fmax(c.x_hi, v);
        c.y_lo = fmin(c.y_lo, e->fitness), c.y_hi = fmax(c.y_hi, e->fitness);
        x[n] = v, y[n] = e->fitness, index[n++] = i;
    }
    if (n == 0 || clnas_pareto_ranks(y, x, n, rank, NULL) != CLNAS_OK) {
        free(x), free(y), free(index), free(rank);
        return 0;
    }
    clnas_svg_chart_begin(f, &c);
    if (csv)
        fprintf(csv, "trial,params,flops,latency_ms,fitness,pareto_front,arch\n");
    for (int k = 0; k < n; k++) {
        const clnas_journal_entry *e = &r->entries[index[k]];
        char arch[CLNAS_SPACE_STR_MAX], tip[CLNAS_SPACE_STR_MAX + 128];
        clnas_journal_entry_arch(e, arch, sizeof arch);
        const double latency = cost_of(e, REPORT_COST_LATENCY);
        snprintf(tip, sizeof tip, "trial %d: %.4f, %ld params, %.2f MFLOPs%s%.3g%s: %s", e->trial, e->fitness,
                 e->params, e->flops / 1e6, isnan(latency) ? "" : ", ", latency, isnan(latency) ? "" : " ms", arch);
        if (isnan(latency)) /* "%.3g" of NAN printed nothing useful: drop it */
            snprintf(tip, sizeof tip, "trial %d: %.4f, %ld params, %.2f MFLOPs: %s", e->trial, e->fitness, e->params,
                     e->flops / 1e6, arch);
        const char *colour = index[k] == r->best ? "#d62728" : rank[k] == 0 ? "#2ca02c" : "#1f77b4";
        clnas_svg_chart_point(f, &c, x[k], y[k], colour, 0, tip);
        if (csv)
            fprintf(csv, "%d,%ld,%.6g,%.6g,%.6g,%d,%s\n", e->trial, e->params, e->flops, latency, e->fitness,
                    rank[k] == 0, arch);
    }
    /* the front as steps from the cheapest up: sorted by cost, each level held until the next member */
    int m = 0;
    for (int k = 0; k < n; k++)
        if (rank[k] == 0)
            x[m] = x[k], y[m++] = y[k];
    for (int a = 1; a < m; a++)
        for (int b = a; b > 0 && x[b - 1] > x[b]; b--) {
            const double tx = x[b], ty = y[b];
            x[b] = x[b - 1], y[b] = y[b - 1], x[b - 1] = tx, y[b - 1] = ty;
        }
    if (m > 1)
        clnas_svg_chart_steps(f, &c, x, y, m, "#2ca02c");
    clnas_svg_chart_legend(f, &c, 0, 0, "#1f77b4", "evaluated trial");
    clnas_svg_chart_legend(f, &c, 0, 1, "#d62728", "the best");
    clnas_svg_chart_legend(f, &c, 1, 0, "#2ca02c", "Pareto front (no trial fitter and cheaper)");
    clnas_svg_chart_end(f);
    free(x), free(y), free(index), free(rank);
    return n;
}

/* softmax(alpha) of every epoch line: probs[epoch][edge * ops + op]; 0 when a line holds no alpha. */
static int alpha_probs(const report_run *r, double (*probs)[CLNAS_ARCH_MAX_EDGES * CLNAS_ARCH_MAX_OPS], int *edges,
                       int *ops)
{
    for (int i = 0; i < r->count; i++) {
        clnas_alpha a;
        clnas_error err;
        if (clnas_alpha_from_json(cJSON_GetObjectItem(r->entries[i].extra, "alpha"), &a, &err) != CLNAS_OK ||
            clnas_alpha_softmax(&a, probs[i], &err) != CLNAS_OK)
            return 0;
        *edges = a.edges, *ops = a.ops;
    }
    return r->count > 0;
}

int report_plot_alpha(FILE *f, FILE *csv, const report_run *r)
{
    double(*probs)[CLNAS_ARCH_MAX_EDGES * CLNAS_ARCH_MAX_OPS] = malloc((size_t)r->count * sizeof *probs);
    int edges = 0, ops = 0;
    if (!probs || !alpha_probs(r, probs, &edges, &ops)) {
        free(probs);
        return 0;
    }
    const int darts = r->entries[0].space == &clnas_space_darts && ops == CLNAS_DARTS_OPS;
    if (csv)
        fprintf(csv, "epoch,edge,op,probability\n");
    double *x = malloc((size_t)r->count * sizeof *x), *y = malloc((size_t)r->count * sizeof *y);
    for (int e = 0; e < edges && x && y; e++) {
        char title[64];
        if (edges == CLNAS_NB201_EDGES)
            snprintf(title, sizeof title, "edge %d->%d", clnas_nb201_edge_from[e], clnas_nb201_edge_to[e]);
        else if (darts) /* alpha's rows: the normal cells' 14 edges, then the reduction cells' */
            snprintf(title, sizeof title, "edge %s %d", e < edges / 2 ? "normal" : "reduce", e % (edges / 2));
        else
            snprintf(title, sizeof title, "edge %d", e);
        clnas_svg_chart c = {.width = 300, .height = 220, .title = title, .x_integer = 1};
        c.x_label = "epoch", c.y_label = "softmax(alpha)";
        c.x_lo = 0, c.x_hi = r->count > 1 ? r->count - 1 : 1, c.y_lo = 1, c.y_hi = 0;
        for (int i = 0; i < r->count; i++) /* fitted to the data: early epochs move alpha by little */
            for (int k = 0; k < ops; k++)
                c.y_lo = fmin(c.y_lo, probs[i][e * ops + k]), c.y_hi = fmax(c.y_hi, probs[i][e * ops + k]);
        clnas_svg_chart_begin(f, &c);
        for (int k = 0; k < ops; k++) {
            const char *name = ops == CLNAS_NB201_OPS ? clnas_nb201_op_name((clnas_nb201_op)k)
                               : darts                ? clnas_darts_op_name((clnas_darts_op)k)
                                                      : "op";
            for (int i = 0; i < r->count; i++) {
                x[i] = r->entries[i].trial, y[i] = probs[i][e * ops + k];
                if (csv)
                    fprintf(csv, "%d,%s,%s,%.6g\n", r->entries[i].trial, title + 5, name, y[i]);
            }
            const char *colour = ops == CLNAS_NB201_OPS ? report_op_colour(k) : clnas_svg_colour(k);
            clnas_svg_chart_line(f, &c, x, y, r->count, colour);
            for (int i = 0; i < r->count; i++)
                clnas_svg_chart_point(f, &c, x[i], y[i], colour, 0, name);
        }
        clnas_svg_chart_end(f);
    }
    free(x);
    free(y);
    free(probs);
    return 1;
}

static double number_or_nan(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int report_plot_rank_eval(FILE *f, FILE *csv, const report_run *r)
{
    const cJSON *rows = cJSON_GetObjectItem(r->rank_eval, "rows");
    int n = cJSON_GetArraySize(rows);
    if (!cJSON_IsArray(rows) || n == 0)
        return 0;
    clnas_rank_eval_result res;
    memset(&res, 0, sizeof res);
    res.rows = calloc((size_t)n, sizeof *res.rows);
    if (!res.rows)
        return 0;
    res.kendall_tau = number_or_nan(r->rank_eval, "kendall_tau");
    res.spearman_rho = number_or_nan(r->rank_eval, "spearman_rho");
    if (csv)
        fprintf(csv, "arch,standalone,supernet,standalone_cached\n");
    const cJSON *row;
    cJSON_ArrayForEach(row, rows) {
        const cJSON *arch = cJSON_GetObjectItem(row, "arch");
        clnas_rank_eval_row *out = &res.rows[res.count];
        if (!cJSON_IsString(arch))
            continue;
        snprintf(out->text, sizeof out->text, "%s", arch->valuestring);
        out->standalone = number_or_nan(row, "standalone");
        out->supernet = number_or_nan(row, "supernet");
        out->standalone_cached = cJSON_IsTrue(cJSON_GetObjectItem(row, "standalone_cached"));
        res.usable += isfinite(out->standalone) && isfinite(out->supernet);
        if (csv) {
            clnas_rank_eval_csv_arch(csv, out->text);
            fprintf(csv, ",%.6g,%.6g,%d\n", out->standalone, out->supernet, out->standalone_cached);
        }
        res.count++;
    }
    if (res.usable > 0)
        clnas_rank_eval_svg_put(f, &res, "rank evaluation", 600, 540);
    free(res.rows);
    return res.usable > 0;
}
