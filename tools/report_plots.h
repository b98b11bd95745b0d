/* clnas tool — the plots of `clnas report` as inline SVG, each with its data as CSV. */
#ifndef CLNAS_REPORT_PLOTS_H
#define CLNAS_REPORT_PLOTS_H

#include <stdio.h>

#include "report_run.h"

/* Best so far of every run on one chart (x: trial or epoch; the share of each run done when trials and epochs are
 * mixed); csv: run,index,x,fitness,best_so_far (NULL: none). */
void report_plot_overlay(FILE *f, FILE *csv, const report_run *runs, int nruns);
/* Fitness against parameters (millions) or forward MFLOPs per image of the evaluated trials; 0 and a note in
 * *note when the journal records none. csv: trial,params,flops,fitness,arch. */
int report_plot_size(FILE *f, FILE *csv, const report_run *r, int flops);
/* softmax(alpha) of each op over the epochs, one small chart per edge; csv: epoch,edge,op,probability. 0 when the
 * journal holds no alpha. */
int report_plot_alpha(FILE *f, FILE *csv, const report_run *r);
/* The rank evaluation of rank_eval.json as a scatter; csv: arch,standalone,supernet,standalone_cached. */
int report_plot_rank_eval(FILE *f, FILE *csv, const report_run *r);

#endif
