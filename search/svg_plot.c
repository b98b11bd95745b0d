/* clnas — the search progress picture as plain SVG. */
#include "svg_plot.h"

#include <math.h>
#include <stdio.h>

#include "file_io.h"
#include "svg_text.h"

#define PLOT_W 720
#define PLOT_H 420
#define MARGIN_L 60
#define MARGIN_R 20
#define MARGIN_T 40
#define MARGIN_B 50

static int usable(const clnas_journal_entry *e)
{
    return (e->status == CLNAS_TRIAL_OK || e->status == CLNAS_TRIAL_CACHED) && isfinite(e->fitness);
}

typedef struct plot {
    const clnas_journal_entry *entries;
    int count;
    const char *title;
} plot;

static int write_plot(FILE *f, void *ctx)
{
    const plot *pl = ctx;
    const clnas_journal_entry *entries = pl->entries;
    const int count = pl->count;
    const char *title = pl->title;
    double lo = 1.0, hi = 0.0;
    for (int i = 0; i < count; i++)
        if (usable(&entries[i])) {
            lo = fmin(lo, entries[i].fitness);
            hi = fmax(hi, entries[i].fitness);
        }
    if (lo > hi) {
        lo = 0.0;
        hi = 1.0;
    }
    double pad = fmax(0.01, 0.05 * (hi - lo));
    lo = fmax(0.0, lo - pad);
    hi = fmin(1.0, hi + pad);
    int n = count > 1 ? count : 2;
    double pw = PLOT_W - MARGIN_L - MARGIN_R, ph = PLOT_H - MARGIN_T - MARGIN_B;
#define X(i) (MARGIN_L + pw * (double)(i) / (double)(n - 1))
#define Y(v) (MARGIN_T + ph * (1.0 - ((v)-lo) / (hi - lo)))
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            PLOT_W, PLOT_H);
    fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"14\">", MARGIN_L);
    clnas_svg_put_escaped(f, title);
    fprintf(f, "</text>\n");
    for (int t = 0; t <= 5; t++) {
        double v = lo + (hi - lo) * t / 5.0;
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3f</text>\n",
                MARGIN_L, PLOT_W - MARGIN_R, Y(v), Y(v), MARGIN_L - 6, Y(v) + 4, v);
    }
    int step = n > 10 ? (n - 1) / 10 : 1;
    for (int i = 0; i < n; i += step)
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", X(i), PLOT_H - MARGIN_B + 16, i);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">trial</text>\n", MARGIN_L + pw / 2, PLOT_H - 12);
    fprintf(f, "<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">fitness "
               "(validation accuracy)</text>\n",
            MARGIN_T + ph / 2, MARGIN_T + ph / 2);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#888\"/>\n", MARGIN_L,
            MARGIN_T, pw, ph);
    /* best so far */
    double best = -1;
    fprintf(f, "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"");
    for (int i = 0; i < count; i++) {
        if (usable(&entries[i]) && entries[i].fitness > best && clnas_training_fraction_of(entries[i].extra) == 1.0)
            best = entries[i].fitness; /* the best at the full training budget, as best.json */
        if (best >= 0)
            fprintf(f, "%.1f,%.1f ", X(i), Y(best));
    }
    fprintf(f, "\"/>\n");
    for (int i = 0; i < count; i++) {
        const clnas_journal_entry *e = &entries[i];
        if (usable(e))
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" stroke=\"#1f77b4\"/>\n", X(i),
                    Y(e->fitness), e->status == CLNAS_TRIAL_CACHED ? "none" : "#1f77b4");
        else
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#888\">x</text>\n", X(i),
                    (double)(MARGIN_T + ph - 2));
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#d62728\">best so far</text>"
               "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">trial (hollow: cached duplicate; x: failed)</text>\n</svg>\n",
            PLOT_W - 420, MARGIN_T - 8, PLOT_W - 330, MARGIN_T - 8);
#undef X
#undef Y
    return ferror(f);
}

clnas_status clnas_progress_svg_write(const char *path, const clnas_journal_entry *entries, int count,
                                      const char *title, clnas_error *err)
{
    plot pl = {entries, count, title};
    return clnas_file_write_atomic(path, write_plot, &pl, err);
}
