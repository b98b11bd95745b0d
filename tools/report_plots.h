/* clnas tool — the plots of `clnas report` as inline SVG, each with its data as CSV. */
#ifndef CLNAS_REPORT_PLOTS_H
#define CLNAS_REPORT_PLOTS_H

#include <stdio.h>

#include "report_run.h"

/* Best so far of every run on one chart (x: trial or epoch; the share of each run done when trials and epochs are
 * mixed); csv: run,index,x,fitness,best_so_far (NULL: none). */
void report_plot_overlay(FILE *f, FILE *csv, const report_run *runs, int nruns);
typedef enum report_cost { REPORT_COST_PARAMS, REPORT_COST_FLOPS, REPORT_COST_LATENCY } report_cost;
/* Fitness against parameters (thousands or millions), forward MFLOPs per image, or the on-device latency the
 * objective measured (ms), of the evaluated trials, with their Pareto front over (fitness up, cost down) drawn as
 * steps and its members marked; 0 when the journal records none of that cost. csv:
 * trial,params,flops,latency_ms,fitness,pareto_front,arch. */
int report_plot_size(FILE *f, FILE *csv, const report_run *r, report_cost cost);
/* softmax(alpha) of each op over the epochs, one small chart per edge; csv: epoch,edge,op,probability. 0 when the
 * journal holds no alpha. */
int report_plot_alpha(FILE *f, FILE *csv, const report_run *r);
/* The rank evaluation of rank_eval.json as a scatter; csv: arch,standalone,supernet,standalone_cached. */
int report_plot_rank_eval(FILE *f, FILE *csv, const report_run *r);

#endif
