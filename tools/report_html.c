/* clnas tool — writing the HTML run report: the page's sections, each plot's CSV kept for writing beside it. */
#include "report_html.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/darts_genotype.h"
#include "file_io.h"
#include "report_cell.h"
#include "report_plots.h"
#include "svg_chart.h"
#include "svg_plot.h"
#include "svg_text.h"
#include "space_nb201.h"

#define MAX_CSV 64

typedef struct page {
    FILE *f;
    struct {
        char name[64];
        char *text;
        size_t len;
        FILE *f;
    } csv[MAX_CSV];
    int ncsv;
    const char *base; /* CSV path prefix; NULL: no CSV */
} page;

/* A stream for one plot's CSV (NULL when the page writes none or memory runs out); a link to it on the page. */
static FILE *csv_open(page *p, const char *fmt, int run)
{
    if (!p->base || p->ncsv == MAX_CSV)
        return NULL;
    snprintf(p->csv[p->ncsv].name, sizeof p->csv[p->ncsv].name, fmt, run);
    p->csv[p->ncsv].f = open_memstream(&p->csv[p->ncsv].text, &p->csv[p->ncsv].len);
    if (!p->csv[p->ncsv].f)
        return NULL;
    const char *slash = strrchr(p->base, '/');
    fprintf(p->f, "<p class=\"csv\">data: <a href=\"");
    clnas_svg_put_escaped(p->f, slash ? slash + 1 : p->base);
    fprintf(p->f, ".%s.csv\">", p->csv[p->ncsv].name);
    clnas_svg_put_escaped(p->f, slash ? slash + 1 : p->base);
    fprintf(p->f, ".%s.csv</a></p>\n", p->csv[p->ncsv].name);
    return p->csv[p->ncsv++].f;
}

static void head(FILE *f)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>clnas report</title>\n"
          "<style>\nbody { font-family: sans-serif; margin: 1.5em; color: #222; max-width: 1400px; }\n"
          "table { border-collapse: collapse; margin: 0.5em 0 1em 0; }\n"
          "th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; vertical-align: middle; }\n"
          "td.arch { text-align: left; font-family: monospace; font-size: 12px; word-break: break-all; }\n"
          "th { background: #f2f2f2; text-align: center; }\n"
          "svg { margin: 4px 8px 4px 0; vertical-align: top; max-width: 100%; height: auto; }\n"
          "div.plots { display: flex; flex-wrap: wrap; }\np.csv { font-size: 12px; color: #666; margin: 0; }\n"
          "p.note { color: #555; max-width: 70em; }\n.swatch { display: inline-block; width: 14px; height: 4px; "
          "vertical-align: middle; margin: 0 4px 0 12px; }\n</style>\n</head>\n<body>\n", f);
}

static void put_arch(FILE *f, const clnas_journal_entry *e)
{
    char arch[CLNAS_SPACE_STR_MAX];
    clnas_journal_entry_arch(e, arch, sizeof arch); /* opaque text, whatever the space */
    clnas_svg_put_escaped(f, arch);
}

static void summary(page *p, const report_run *runs, int nruns)
{
    FILE *f = p->f;
    fprintf(f, "<h2>Summary</h2>\n<table>\n<tr><th>run</th><th>strategy</th><th>trials or epochs</th><th>failed</th>"
               "<th>best</th><th>seconds</th><th>best architecture</th></tr>\n");
    for (int r = 0; r < nruns; r++) {
        const report_run *run = &runs[r];
        int failed = 0;
        for (int i = 0; i < run->count; i++)
            failed += run->entries[i].status == CLNAS_TRIAL_FAILED || run->entries[i].status == CLNAS_TRIAL_DIVERGED;
        fprintf(f, "<tr><td class=\"arch\"><a href=\"#run%d\">", r);
        clnas_svg_put_escaped(f, run->dir);
        fprintf(f, "</a></td><td>");
        clnas_svg_put_escaped(f, run->strategy);
        fprintf(f, "</td><td>%d %s</td><td>%d</td>", run->count, run->epochs ? "epochs" : "trials", failed);
        if (run->best >= 0) {
            const clnas_journal_entry *b = &run->entries[run->best];
            fprintf(f, "<td>%.4f%s</td><td>%.0f</td><td class=\"arch\">", b->fitness,
                    run->epochs ? " (search network, last epoch)" : "", report_run_seconds(run));
            put_arch(f, b);
            fprintf(f, "</td></tr>\n");
        } else {
            fprintf(f, "<td>-</td><td>%.0f</td><td>-</td></tr>\n", report_run_seconds(run));
        }
    }
    fprintf(f, "</table>\n");
}

/* One table row: a figure cell per value, then the arch string and its cell drawn. */
static void cell_row(FILE *f, const clnas_journal_entry *e, const char *first, double fitness)
{
    fprintf(f, "<tr><td>%s</td><td>%d</td><td>%.4f</td>", first, e->trial, fitness);
    if (e->params > 0) /* the table evaluator records no sizes */
        fprintf(f, "<td>%ld</td><td>%.2f</td><td class=\"arch\">", e->params, e->flops / 1e6);
    else
        fprintf(f, "<td>-</td><td>-</td><td class=\"arch\">");
    put_arch(f, e);
    if (!e->space || e->space == &clnas_space_nb201) { /* the drawing is of an NB201 cell */
        const clnas_genotype g = clnas_nb201_of(&e->arch);
        fprintf(f, "<br/>");
        report_cell_svg(f, &g);
    }
    fprintf(f, "</td></tr>\n");
}

static void top_table(page *p, const report_run *run, int top)
{
    int *idx = malloc((size_t)(top > 0 ? top : 1) * sizeof *idx);
    int n = idx ? report_run_top(run, idx, top) : 0;
    fprintf(p->f, "<h3>Top %d distinct architectures</h3>\n<table>\n<tr><th>rank</th><th>trial</th><th>fitness</th>"
                  "<th>params</th><th>MFLOPs</th><th>cell</th></tr>\n", n);
    for (int i = 0; i < n; i++) {
        char rank[16];
        snprintf(rank, sizeof rank, "%d", i + 1);
        cell_row(p->f, &run->entries[idx[i]], rank, run->entries[idx[i]].fitness);
    }
    fprintf(p->f, "</table>\n");
    free(idx);
}

static void epoch_table(page *p, const report_run *run)
{
    fprintf(p->f, "<h3>The cell derived at each epoch</h3>\n<p class=\"note\">A differentiable search trains one "
                  "search network; its validation accuracy is not the accuracy of any derived cell, so the epochs "
                  "are not ranked. The last epoch's cell is the result (best.json); <code>clnas train --from ");
    clnas_svg_put_escaped(p->f, run->dir);
    fprintf(p->f, "</code> trains it.</p>\n<table>\n<tr><th></th><th>epoch</th><th>search network accuracy</th>"
                  "<th>params</th><th>MFLOPs</th><th>derived cell</th></tr>\n");
    for (int i = run->count - 1; i >= 0; i--)
        cell_row(p->f, &run->entries[i], i == run->count - 1 ? "result" : "", run->entries[i].fitness);
    fprintf(p->f, "</table>\n");
}

static void alpha_section(page *p, const report_run *run, int r)
{
    fprintf(p->f, "<h3>softmax(alpha) over the epochs</h3>\n<p class=\"note\">ops:");
    const int darts = run->count > 0 && run->entries[0].space == &clnas_space_darts;
    for (int k = 0; k < (darts ? CLNAS_DARTS_OPS : CLNAS_NB201_OPS); k++) /* the colours report_plot_alpha gives */
        fprintf(p->f, "<span class=\"swatch\" style=\"background: %s\"></span>%s",
                darts ? clnas_svg_colour(k) : report_op_colour(k),
                darts ? clnas_darts_op_name((clnas_darts_op)k) : clnas_nb201_op_name((clnas_nb201_op)k));
    fprintf(p->f, "</p>\n");
    FILE *csv = csv_open(p, "run%d-alpha", r);
    fprintf(p->f, "<div class=\"plots\">\n");
    if (!report_plot_alpha(p->f, csv, run))
        fprintf(p->f, "<p class=\"note\">The journal holds no alpha.</p>\n");
    fprintf(p->f, "</div>\n");
}

static void size_plots(page *p, const report_run *run, int r)
{
    int sized = 0;
    for (int i = 0; i < run->count; i++)
        sized += run->entries[i].status == CLNAS_TRIAL_OK && run->entries[i].params > 0;
    fprintf(p->f, "<div class=\"plots\">\n");
    if (sized > 0) {
        report_plot_size(p->f, csv_open(p, "run%d-params", r), run, REPORT_COST_PARAMS);
        report_plot_size(p->f, csv_open(p, "run%d-flops", r), run, REPORT_COST_FLOPS);
    }
    int timed = 0;
    for (int i = 0; i < run->count; i++)
        timed += cJSON_GetObjectItemCaseSensitive(run->entries[i].extra, "latency_ms") != NULL;
    if (timed)
        report_plot_size(p->f, csv_open(p, "run%d-latency", r), run, REPORT_COST_LATENCY);
    fprintf(p->f, "</div>\n");
    if (sized == 0)
        fprintf(p->f, "<p class=\"note\">No parameter or FLOP counts in this journal (the table evaluator records "
                      "none), so fitness is not plotted against size.</p>\n");
    if (timed == 0)
        fprintf(p->f, "<p class=\"note\">No latency in this journal: a search measures each trial's on-device "
                      "latency when it has a latency budget (objective.max_latency_ms) or REA's pareto "
                      "\"latency\".</p>\n");
}

static void run_section(page *p, const report_run *run, int r, int top)
{
    FILE *f = p->f;
    fprintf(f, "<h2 id=\"run%d\">", r);
    clnas_svg_put_escaped(f, run->dir);
    fprintf(f, " (");
    clnas_svg_put_escaped(f, run->strategy);
    fprintf(f, ")</h2>\n");
    if (run->torn)
        fprintf(f, "<p class=\"note\">The journal's last line is torn (an interrupted write) and left out.</p>\n");
    if (strcmp(run->strategy, "spos") == 0)
        fprintf(f, "<p class=\"note\">SPOS: a trial's fitness is the supernet's accuracy with inherited weights, "
                   "not the architecture's trained alone (rank_eval.json, when there, says how well the two agree)."
                   "</p>\n");
    FILE *csv = csv_open(p, "run%d-progress", r);
    char title[1200];
    snprintf(title, sizeof title, "%s: %s", run->dir,
             run->epochs ? "validation accuracy of the search network per epoch" : "fitness per trial");
    clnas_progress_svg_put(f, run->entries, run->count, title, 900, 420);
    if (csv)
        clnas_progress_csv_put(csv, run->entries, run->count);
    if (run->epochs) {
        epoch_table(p, run);
        alpha_section(p, run, r);
    } else {
        size_plots(p, run, r);
        top_table(p, run, top);
    }
    if (run->rank_eval) {
        fprintf(f, "<h3>Rank evaluation (rank_eval.json)</h3>\n");
        csv = csv_open(p, "run%d-rank-eval", r);
        if (!report_plot_rank_eval(f, csv, run))
            fprintf(f, "<p class=\"note\">rank_eval.json holds no usable rows.</p>\n");
    }
}

typedef struct report_ctx {
    page page;
    const report_run *runs;
    int nruns, top;
} report_ctx;

static int write_page(FILE *f, void *ctx)
{
    report_ctx *c = ctx;
    page *p = &c->page;
    p->f = f;
    head(f);
    fprintf(f, "<h1>clnas report</h1>\n<p class=\"note\">%d run%s. Fitness is a 0-1 fraction (validation accuracy); "
               "FLOPs are forward FLOPs per image. Hover a point for its trial and architecture.</p>\n",
            c->nruns, c->nruns == 1 ? "" : "s");
    summary(p, c->runs, c->nruns);
    if (c->nruns > 1) {
        fprintf(f, "<h2>Best so far, all runs</h2>\n");
        FILE *csv = csv_open(p, "overlay", 0);
        report_plot_overlay(f, csv, c->runs, c->nruns);
    }
    for (int r = 0; r < c->nruns; r++)
        run_section(p, &c->runs[r], r, c->top);
    fputs("</body>\n</html>\n", f);
    return ferror(f);
}

static void csv_close_all(page *p)
{
    for (int i = 0; i < p->ncsv; i++) {
        if (p->csv[i].f)
            fclose(p->csv[i].f);
        free(p->csv[i].text);
    }
    p->ncsv = 0;
}

clnas_status report_html_write(const char *path, const report_run *runs, int nruns, int top, int *written,
                               clnas_error *err)
{
    report_ctx c;
    memset(&c, 0, sizeof c);
    c.runs = runs, c.nruns = nruns, c.top = top;
    *written = 0;
    char base[1100];
    int to_stdout = strcmp(path, "-") == 0;
    if (!to_stdout) {
        size_t n = strlen(path);
        if (n >= 5 && strcmp(path + n - 5, ".html") == 0)
            n -= 5;
        if (n + 1 > sizeof base - 64)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "report: path too long: %s", path);
        memcpy(base, path, n);
        base[n] = '\0';
        c.page.base = base;
    }
    clnas_status st = CLNAS_OK;
    if (!to_stdout && strrchr(base, '/')) { /* the page's folder is made, as every --out is */
        char dir[1100];
        snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(base, '/') - base), base);
        if (*dir)
            st = clnas_dirs_make(dir, err);
        if (st != CLNAS_OK)
            return st;
    }
    if (to_stdout) {
        if (write_page(stdout, &c) != 0 || fflush(stdout) != 0)
            st = clnas_error_set(err, CLNAS_ERR_IO, "report: writing to standard output failed");
    } else {
        st = clnas_file_write_atomic(path, write_page, &c, err);
    }
    for (int i = 0; i < c.page.ncsv && st == CLNAS_OK; i++) {
        char csv[1200];
        if (fclose(c.page.csv[i].f) != 0) {
            c.page.csv[i].f = NULL;
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "report: out of memory writing the CSV files");
            break;
        }
        c.page.csv[i].f = NULL;
        snprintf(csv, sizeof csv, "%s.%s.csv", base, c.page.csv[i].name);
        st = clnas_file_write_bytes_atomic(csv, c.page.csv[i].text, c.page.csv[i].len, err);
        *written += st == CLNAS_OK;
    }
    csv_close_all(&c.page);
    return st;
}
