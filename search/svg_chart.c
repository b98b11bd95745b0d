/* clnas — an x-y chart frame in plain SVG: round ticks, margins sized from the labels, step lines. */
#include "svg_chart.h"

#include <math.h>
#include <string.h>

#include "svg_text.h"

#define CHAR_W 7.0 /* a generous width of one digit at font-size 12 (sans-serif) */
#define TITLE_Y 20
#define LEGEND_Y0 38
#define LEGEND_ROW 16

double clnas_svg_nice_step(double lo, double hi, int target)
{
    double span = hi - lo;
    if (!(span > 0) || !isfinite(span))
        return 1.0;
    double raw = span / (target > 0 ? target : 5), p = pow(10.0, floor(log10(raw))), m = raw / p;
    return (m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 5.0 ? 5.0 : 10.0) * p;
}

static int decimals(double step)
{
    double d = ceil(-log10(step) - 1e-9);
    return d > 0 ? (int)d : 0;
}

/* lo and hi widened to whole steps (a little room when they are equal). */
static double widen(double *lo, double *hi, int integer)
{
    if (!isfinite(*lo) || !isfinite(*hi) || *lo > *hi)
        *lo = 0, *hi = 1;
    if (*hi == *lo) {
        double d = integer ? 1.0 : fmax(0.01, fabs(*lo) * 0.05);
        *lo -= d;
        *hi += d;
    }
    double step = clnas_svg_nice_step(*lo, *hi, 5);
    if (integer && step < 1)
        step = 1;
    *lo = floor(*lo / step + 1e-9) * step;
    *hi = ceil(*hi / step - 1e-9) * step;
    return step;
}

static void ticks(FILE *f, const clnas_svg_chart *c)
{
    int yd = decimals(c->y_step), xd = decimals(c->x_step);
    for (double v = c->y_lo; v <= c->y_hi + c->y_step * 1e-6; v += c->y_step) {
        double y = clnas_svg_chart_y(c, v);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e2e2e2\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n",
                c->left, c->left + c->plot_w, y, y, c->left - 6, y + 4, yd, fabs(v) < 1e-12 ? 0.0 : v);
    }
    for (double v = c->x_lo; v <= c->x_hi + c->x_step * 1e-6; v += c->x_step) {
        double x = clnas_svg_chart_x(c, v);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e2e2e2\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>\n",
                x, x, c->top, c->top + c->plot_h, x, c->top + c->plot_h + 16, xd, fabs(v) < 1e-12 ? 0.0 : v);
    }
}

void clnas_svg_chart_begin(FILE *f, clnas_svg_chart *c)
{
    c->y_step = widen(&c->y_lo, &c->y_hi, 0);
    c->x_step = widen(&c->x_lo, &c->x_hi, c->x_integer);
    /* the widest y tick label sets the left margin; half the last x label the right one */
    char buf[64];
    size_t wide = 0;
    for (double v = c->y_lo; v <= c->y_hi + c->y_step * 1e-6; v += c->y_step) {
        size_t n = (size_t)snprintf(buf, sizeof buf, "%.*f", decimals(c->y_step), v);
        wide = n > wide ? n : wide;
    }
    size_t last = (size_t)snprintf(buf, sizeof buf, "%.*f", decimals(c->x_step), c->x_hi);
    c->left = 30 + CHAR_W * (double)wide;
    c->top = LEGEND_Y0 + LEGEND_ROW * c->legend_rows;
    double right = fmax(16.0, CHAR_W * (double)last / 2 + 6);
    c->plot_w = c->width - c->left - right;
    c->plot_h = c->height - c->top - 44;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
            c->width, c->height, c->width, c->height, c->width, c->height);
    if (c->title && *c->title)
        clnas_svg_put_text_fit(f, 8, TITLE_Y, 14, c->width - 16, "", c->title);
    ticks(f, c);
    char attrs[96];
    clnas_svg_put_text_fit(f, c->left + c->plot_w / 2, c->height - 8, 12, c->plot_w, " text-anchor=\"middle\"",
                           c->x_label);
    double cy = c->top + c->plot_h / 2;
    snprintf(attrs, sizeof attrs, " text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\"", cy);
    clnas_svg_put_text_fit(f, 14, cy, 12, c->plot_h, attrs, c->y_label);
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888\"/>\n", c->left,
            c->top, c->plot_w, c->plot_h);
}

double clnas_svg_chart_x(const clnas_svg_chart *c, double v)
{
    return c->left + c->plot_w * (v - c->x_lo) / (c->x_hi - c->x_lo);
}

double clnas_svg_chart_y(const clnas_svg_chart *c, double v)
{
    return c->top + c->plot_h * (1.0 - (v - c->y_lo) / (c->y_hi - c->y_lo));
}

void clnas_svg_chart_steps(FILE *f, const clnas_svg_chart *c, const double *x, const double *y, int n,
                           const char *colour)
{
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour);
    int have = 0;
    double prev = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            continue;
        fprintf(f, "%.1f,%.1f ", clnas_svg_chart_x(c, x[i]), clnas_svg_chart_y(c, have ? prev : y[i]));
        if (have && y[i] != prev) /* the step */
            fprintf(f, "%.1f,%.1f ", clnas_svg_chart_x(c, x[i]), clnas_svg_chart_y(c, y[i]));
        prev = y[i];
        have = 1;
    }
    fprintf(f, "\"/>\n");
}

void clnas_svg_chart_line(FILE *f, const clnas_svg_chart *c, const double *x, const double *y, int n,
                          const char *colour)
{
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour);
    for (int i = 0; i < n; i++)
        if (isfinite(y[i]))
            fprintf(f, "%.1f,%.1f ", clnas_svg_chart_x(c, x[i]), clnas_svg_chart_y(c, y[i]));
    fprintf(f, "\"/>\n");
}

void clnas_svg_chart_point(FILE *f, const clnas_svg_chart *c, double x, double y, const char *colour, int hollow,
                           const char *tooltip)
{
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" stroke=\"%s\"", clnas_svg_chart_x(c, x),
            clnas_svg_chart_y(c, y), hollow ? "white" : colour, colour);
    if (tooltip) {
        fputs("><title>", f);
        clnas_svg_put_escaped(f, tooltip);
        fputs("</title></circle>\n", f);
    } else {
        fputs("/>\n", f);
    }
}

void clnas_svg_chart_legend(FILE *f, const clnas_svg_chart *c, int row, int col, const char *colour,
                            const char *text)
{
    double x = 8 + col * (c->width - 16) / 2.0, y = LEGEND_Y0 - 12 + LEGEND_ROW * row;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"4\" fill=\"%s\"/>\n", x, y + 4, colour);
    clnas_svg_put_text_fit(f, x + 20, y + 10, 12, (c->width - 16) / 2.0 - 26, " fill=\"#333\"", text);
}

void clnas_svg_chart_end(FILE *f)
{
    fputs("</svg>\n", f);
}

const char *clnas_svg_colour(int i)
{
    static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    return palette[((i % 10) + 10) % 10];
}
