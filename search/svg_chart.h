/* clnas — an x-y chart frame in plain SVG: round (1-2-5) ticks, every label inside the viewBox, step lines. */
#ifndef CLNAS_SVG_CHART_H
#define CLNAS_SVG_CHART_H

#include <stdio.h>

typedef struct clnas_svg_chart {
    int width, height;          /* the viewBox */
    const char *title;          /* may be NULL */
    const char *x_label, *y_label;
    double x_lo, x_hi, y_lo, y_hi; /* the data's ranges: clnas_svg_chart_begin widens them to whole ticks */
    int x_integer;              /* x is a count (trials, epochs): ticks at whole numbers */
    int legend_rows;            /* rows of clnas_svg_chart_legend above the plot */
    /* filled in by clnas_svg_chart_begin */
    double left, top, plot_w, plot_h, x_step, y_step;
} clnas_svg_chart;

/* A round tick step (1, 2 or 5 times a power of ten) giving about `target` intervals over [lo, hi]. */
double clnas_svg_nice_step(double lo, double hi, int target);

/* Writes <svg ...>, the title, grid, tick labels, axis labels and frame. Margins are sized from the labels, so
 * nothing is clipped; a title wider than the chart is squeezed to fit (textLength). */
void clnas_svg_chart_begin(FILE *f, clnas_svg_chart *c);
/* Pixel position of a data value. */
double clnas_svg_chart_x(const clnas_svg_chart *c, double v);
double clnas_svg_chart_y(const clnas_svg_chart *c, double v);
/* A step line through (x[i], y[i]): level until the next x, then up or down (best so far). NAN y are skipped. */
void clnas_svg_chart_steps(FILE *f, const clnas_svg_chart *c, const double *x, const double *y, int n,
                           const char *colour);
/* A polyline through the points (NAN y skipped). */
void clnas_svg_chart_line(FILE *f, const clnas_svg_chart *c, const double *x, const double *y, int n,
                          const char *colour);
/* One point: a filled or hollow circle, with a tooltip (NULL: none). */
void clnas_svg_chart_point(FILE *f, const clnas_svg_chart *c, double x, double y, const char *colour, int hollow,
                           const char *tooltip);
/* Legend entry `row` (0-based, up to legend_rows) in column `col` of two, above the plot. */
void clnas_svg_chart_legend(FILE *f, const clnas_svg_chart *c, int row, int col, const char *colour,
                            const char *text);
void clnas_svg_chart_end(FILE *f);

/* The i-th colour of a ten-colour palette (wraps). */
const char *clnas_svg_colour(int i);

#endif
