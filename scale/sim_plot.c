/* clnas — the simulation's picture: best fitness against simulated wall-clock time, one line per run. */
#include "simulate.h"

#include <math.h>
#include <stdio.h>

#include "file_io.h"
#include "svg_text.h"

#define W 760
#define H 440
#define L 64
#define R 190
#define T 40
#define B 50

typedef struct plot {
    const clnas_sim_result *r;
    int n;
    const char *title;
} plot;

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"};

/* The range of the curves: time from the first result to the last (log scale), fitness over the best ones. */
static void ranges(const plot *p, double *t0, double *t1, double *lo, double *hi)
{
    *t0 = INFINITY, *t1 = 0, *lo = 1, *hi = 0;
    for (int k = 0; k < p->n; k++)
        for (int i = 0; i < p->r[k].ncurve; i++) {
            const clnas_sim_point *q = &p->r[k].curve[i];
            if (!isfinite(q->best) || q->t <= 0)
                continue;
            *t0 = fmin(*t0, q->t);
            *t1 = fmax(*t1, q->t);
            *lo = fmin(*lo, q->best);
            *hi = fmax(*hi, q->best);
        }
    if (!(*t0 < *t1))
        *t0 = 1, *t1 = 10;
    if (!(*lo < *hi))
        *lo = 0, *hi = 1;
    *t0 = pow(10, floor(log10(*t0)));
    *t1 = pow(10, ceil(log10(*t1)));
    *lo = fmax(0, *lo - 0.02 * (*hi - *lo + 0.01));
}

static int write_plot(FILE *f, void *ctx)
{
    const plot *p = ctx;
    double t0, t1, lo, hi;
    ranges(p, &t0, &t1, &lo, &hi);
    const double pw = W - L - R, ph = H - T - B;
#define PX(t) (L + pw * (log10(t) - log10(t0)) / (log10(t1) - log10(t0)))
#define PY(v) (T + ph * (1.0 - ((v) - lo) / (hi - lo)))
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%d\" y=\"22\" "
               "font-size=\"14\">", W, H, L);
    clnas_svg_put_escaped(f, p->title);
    fprintf(f, "</text>\n");
    for (int k = 0; k <= 4; k++) {
        const double v = lo + (hi - lo) * k / 4.0;
        fprintf(f, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
                   "text-anchor=\"end\">%.3f</text>\n", L, L + pw, PY(v), PY(v), L - 6, PY(v) + 4, v);
    }
    for (double t = t0; t <= t1 * 1.0001; t *= 10)
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" "
                   "text-anchor=\"middle\">%g</text>\n", PX(t), PX(t), T, T + ph, PX(t), T + ph + 16, t);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">simulated wall-clock seconds (log scale)</text>\n"
               "<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">"
               "best fitness</text>\n",
            L + pw / 2, H - 10, T + ph / 2, T + ph / 2);
    for (int k = 0; k < p->n; k++) {
        const clnas_sim_result *r = &p->r[k];
        const char *color = colors[k / 2 % 7];
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"", color,
                r->barrier ? " stroke-dasharray=\"5,3\"" : "");
        for (int i = 0; i < r->ncurve; i++)
            if (isfinite(r->curve[i].best) && r->curve[i].t > 0)
                fprintf(f, "%.1f,%.1f ", PX(r->curve[i].t), PY(r->curve[i].best));
        fprintf(f, "\"/>\n<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"%s/>"
                   "<text x=\"%.1f\" y=\"%.1f\">W=%d %s</text>\n", L + pw + 12, L + pw + 40, T + 10 + 18.0 * k,
                T + 10 + 18.0 * k, color, r->barrier ? " stroke-dasharray=\"5,3\"" : "", L + pw + 46,
                T + 14 + 18.0 * k, r->workers, r->barrier ? "synchronous" : "asynchronous");
    }
    fprintf(f, "</svg>\n");
#undef PX
#undef PY
    return ferror(f) ? -1 : 0;
}

clnas_status clnas_sim_plot_write(const char *path, const clnas_sim_result *results, int n, const char *title,
                                  clnas_error *err)
{
    plot p = {results, n, title};
    return clnas_file_write_atomic(path, write_plot, &p, err);
}
