/* clnas — rank_eval.svg: supernet against stand-alone accuracy, one point per architecture; rank_eval.csv. */
#include "rank_eval.h"
#include "file_io.h"
#include "svg_chart.h"
#include "svg_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The range of the usable rows' accuracies (supernet or stand-alone). */
static void range(const clnas_rank_eval_result *r, int supernet, double *lo, double *hi)
{
    *lo = 1.0, *hi = 0.0;
    for (int i = 0; i < r->count; i++) {
        const clnas_rank_eval_row *row = &r->rows[i];
        if (!isfinite(row->standalone) || !isfinite(row->supernet))
            continue;
        const double v = supernet ? row->supernet : row->standalone;
        *lo = fmin(*lo, v);
        *hi = fmax(*hi, v);
    }
}

void clnas_rank_eval_svg_put(FILE *f, const clnas_rank_eval_result *r, const char *title, int width, int height)
{
    char head[512];
    snprintf(head, sizeof head, "%s%sKendall tau %.3f, Spearman rho %.3f (%d architectures)", title ? title : "",
             title && *title ? ": " : "", r->kendall_tau, r->spearman_rho, r->usable);
    clnas_svg_chart c = {.width = width, .height = height, .title = head, .legend_rows = 1};
    c.x_label = "stand-alone accuracy (proxy, from scratch)";
    c.y_label = "supernet accuracy (inherited weights)";
    range(r, 0, &c.x_lo, &c.x_hi);
    range(r, 1, &c.y_lo, &c.y_hi);
    clnas_svg_chart_begin(f, &c);
    for (int i = 0; i < r->count; i++) {
        const clnas_rank_eval_row *row = &r->rows[i];
        if (!isfinite(row->standalone) || !isfinite(row->supernet))
            continue;
        char tip[CLNAS_SPACE_STR_MAX + 64];
        snprintf(tip, sizeof tip, "%s: stand-alone %.4f, supernet %.4f", row->text, row->standalone, row->supernet);
        clnas_svg_chart_point(f, &c, row->standalone, row->supernet, "#1f77b4", row->standalone_cached, tip);
    }
    clnas_svg_chart_legend(f, &c, 0, 0, "#1f77b4", "architecture (hollow: stand-alone from an earlier journal)");
    clnas_svg_chart_end(f);
}

typedef struct scatter {
    const clnas_rank_eval_result *r;
    const char *title;
} scatter;

static int write_scatter(FILE *f, void *ctx)
{
    const scatter *sc = ctx;
    clnas_rank_eval_svg_put(f, sc->r, sc->title, 600, 540);
    return ferror(f);
}

void clnas_rank_eval_csv_arch(FILE *f, const char *arch)
{
    if (!strpbrk(arch, ",\"\r\n")) {
        fputs(arch, f);
        return;
    }
    fputc('"', f); /* DARTS' strings hold commas */
    for (const char *c = arch; *c; c++) {
        if (*c == '"')
            fputc('"', f);
        fputc(*c, f);
    }
    fputc('"', f);
}

static int write_csv(FILE *f, void *ctx)
{
    const clnas_rank_eval_result *r = ((const scatter *)ctx)->r;
    fprintf(f, "arch,standalone,supernet,standalone_cached\n");
    for (int i = 0; i < r->count; i++) {
        clnas_rank_eval_csv_arch(f, r->rows[i].text);
        fputc(',', f);
        if (isfinite(r->rows[i].standalone))
            fprintf(f, "%.6g", r->rows[i].standalone);
        fputc(',', f);
        if (isfinite(r->rows[i].supernet))
            fprintf(f, "%.6g", r->rows[i].supernet);
        fprintf(f, ",%d\n", r->rows[i].standalone_cached);
    }
    return ferror(f);
}

clnas_status clnas_rank_eval_svg_write(const clnas_rank_eval_result *r, const char *path, const char *title,
                                       clnas_error *err)
{
    if (!r || !path)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rank-eval svg: result and path must not be NULL");
    scatter sc = {r, title};
    clnas_status st = clnas_file_write_atomic(path, write_scatter, &sc, err);
    if (st != CLNAS_OK)
        return st;
    char csv[1100]; /* beside it: <path without .svg>.csv */
    size_t n = strlen(path);
    if (n >= 4 && strcmp(path + n - 4, ".svg") == 0)
        n -= 4;
    if (n + 5 > sizeof csv)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rank-eval svg: path too long: %s", path);
    memcpy(csv, path, n);
    memcpy(csv + n, ".csv", 5);
    return clnas_file_write_atomic(csv, write_csv, &sc, err);
}
