/* clnas tool — the run report as one self-contained HTML page (inline SVG, no scripts, no network). */
#ifndef CLNAS_REPORT_HTML_H
#define CLNAS_REPORT_HTML_H

#include "report_run.h"

/* Writes the page of the runs to path ("-": standard output) and the data of each plot as CSV beside it
 * (<path without .html>.<plot>.csv; none for "-"), each file to a temporary name and renamed. The page holds a
 * summary table, the runs' best so far overlaid (two or more runs), and per run: the progress plot, fitness
 * against parameters and FLOPs, the top-k with their cells drawn (multi-trial), the derived cell of each epoch
 * and alpha over the epochs (DARTS, GDAS), and the rank evaluation when rank_eval.json is there. *written
 * receives how many CSV files were written. */
clnas_status report_html_write(const char *path, const report_run *runs, int nruns, int top, int *written,
                               clnas_error *err);

#endif
