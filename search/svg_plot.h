/* clnas — progress.svg: fitness of every trial against its index, with the best-so-far steps; progress.csv. */
#ifndef CLNAS_SVG_PLOT_H
#define CLNAS_SVG_PLOT_H

#include <stdio.h>

#include "journal.h"

/* 1 when the journal is a differentiable search's (DARTS, GDAS): a line per epoch whose fitness is the search
 * network's validation accuracy and whose arch is the cell derived at that epoch, not a trained trial. */
int clnas_journal_is_epochs(const clnas_journal_entry *entries, int count);

/* The plot as an <svg> element of the given size into f: trials (or epochs) on x, fitness on y, the best so far
 * as steps. Failed trials are drawn as crosses on the axis; cached ones hollow. */
void clnas_progress_svg_put(FILE *f, const clnas_journal_entry *entries, int count, const char *title, int width,
                            int height);
/* The plot's data as CSV into f: index, status, fitness, best_so_far, params, flops, arch. */
void clnas_progress_csv_put(FILE *f, const clnas_journal_entry *entries, int count);

/* Writes the plot to path and its data beside it (path with .svg replaced by .csv, or .csv appended), each to a
 * temporary name, then renamed. */
clnas_status clnas_progress_svg_write(const char *path, const clnas_journal_entry *entries, int count,
                                      const char *title, clnas_error *err);

#endif
