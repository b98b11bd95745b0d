/* clnas — progress.svg: fitness of every trial against its index, with the best-so-far line. */
#ifndef CLNAS_SVG_PLOT_H
#define CLNAS_SVG_PLOT_H

#include "journal.h"

/* Writes the plot of the journal's entries to path (temporary name, then rename). Failed trials are drawn as
 * crosses on the axis; cached ones hollow. */
clnas_status clnas_progress_svg_write(const char *path, const clnas_journal_entry *entries, int count,
                                      const char *title, clnas_error *err);

#endif
