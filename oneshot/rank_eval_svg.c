/* clnas — rank_eval.svg: supernet accuracy against stand-alone accuracy, one point per architecture. */
#include "rank_eval.h"
#include "file_io.h"
#include "svg_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PLOT_W 560
#define PLOT_H 520
#define MARGIN_L 70
#define MARGIN_R 20
#define MARGIN_T 50
#define MARGIN_B 60

/* The range of v over the usable rows, padded; [0, 1] when there are none. */
static void range(const clnas_rank_eval_result *r, int supernet, double *lo, double *hi)
{
    *lo = 1.0, *hi = 0.0;
    for (int i = 0; i < r->count; i++) {
        const clnas_rank_eval_row *row = &r->rows[i];
        if (!isfinite(row->standalone))
            continue;
        const double v = supernet ? row->supernet : row->standalone;
        *lo = fmin(*lo, v);
        *hi = fmax(*hi, v);
    }
    if (*lo > *hi)
        *lo = 0.0, *hi = 1.0;
    const double pad = fmax(0.01, 0.05 * (*hi - *lo));
    *lo = fmax(0.0, *lo - pad);
    *hi = fmin(1.0, *hi + pad);
}

typedef struct scatter {
    const clnas_rank_eval_result *r;
    const char *title;
} scatter;

static int write_scatter(FILE *f, void *ctx)
{
    const clnas_rank_eval_result *r = ((const scatter *)ctx)->r;
    const char *title = ((const scatter *)ctx)->title;
    double xlo, xhi, ylo, yhi;
    range(r, 0, &xlo, &xhi);
    range(r, 1, &ylo, &yhi);
    const double pw = PLOT_W - MARGIN_L - MARGIN_R, ph = PLOT_H - MARGIN_T - MARGIN_B;
#define X(v) (MARGIN_L + pw * ((v)-xlo) / (xhi - xlo))
#define Y(v) (MARGIN_T + ph * (1.0 - ((v)-ylo) / (yhi - ylo)))
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            PLOT_W, PLOT_H);
    fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"14\">", MARGIN_L);
    clnas_svg_put_escaped(f, title);
    fprintf(f, "%sKendall tau %.3f, Spearman rho %.3f (%d architectures)</text>\n", title && *title ? ": " : "",
            r->kendall_tau, r->spearman_rho, r->usable);
    for (int t = 0; t <= 5; t++) {
        const double vx = xlo + (xhi - xlo) * t / 5.0, vy = ylo + (yhi - ylo) * t / 5.0;
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3f</text>\n",
                MARGIN_L, PLOT_W - MARGIN_R, Y(vy), Y(vy), MARGIN_L - 6, Y(vy) + 4, vy);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.3f</text>\n",
                X(vx), X(vx), MARGIN_T, PLOT_H - MARGIN_B, X(vx), PLOT_H - MARGIN_B + 16, vx);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">stand-alone accuracy (proxy, from scratch)</text>\n",
            MARGIN_L + pw / 2, PLOT_H - 16);
    fprintf(f, "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" text-anchor=\"middle\">supernet accuracy "
               "(inherited weights)</text>\n",
            MARGIN_T + ph / 2, MARGIN_T + ph / 2);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#888\"/>\n", MARGIN_L,
            MARGIN_T, pw, ph);
    for (int i = 0; i < r->count; i++) {
        const clnas_rank_eval_row *row = &r->rows[i];
        if (!isfinite(row->standalone))
            continue;
        char arch[CLNAS_GENOTYPE_STR_MAX];
        clnas_genotype_format(&row->arch, arch, sizeof arch, NULL);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#1f77b4\"><title>%s</title></circle>\n",
                X(row->standalone), Y(row->supernet), row->standalone_cached ? "none" : "#1f77b4", arch);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">hollow: stand-alone accuracy from an earlier journal</text>\n"
               "</svg>\n",
            MARGIN_L, MARGIN_T - 8);
#undef X
#undef Y
    return ferror(f);
}

clnas_status clnas_rank_eval_svg_write(const clnas_rank_eval_result *r, const char *path, const char *title,
                                       clnas_error *err)
{
    if (!r || !path)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rank-eval svg: result and path must not be NULL");
    scatter sc = {r, title};
    return clnas_file_write_atomic(path, write_scatter, &sc, err);
}
