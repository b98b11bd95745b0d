/* clnas tool — one run directory as `clnas report` reads it: journal, strategy, rank evaluation. */
#ifndef CLNAS_REPORT_RUN_H
#define CLNAS_REPORT_RUN_H

#include <cjson/cJSON.h>

#include "journal.h"

typedef struct report_run {
    const char *dir;
    clnas_journal_entry *entries;
    int count;
    int torn;              /* the journal's last line was torn and is ignored */
    int epochs;            /* a differentiable search (DARTS, GDAS): one line per epoch, not per trial */
    char strategy[64];     /* config.json's strategy.name ("?" when absent) */
    cJSON *rank_eval;      /* rank_eval.json when present (owned), else NULL */
    int best;              /* index of the best trial, or for epochs the last epoch; -1 when none */
} report_run;

/* Reads DIR/journal.jsonl (required), DIR/config.json and DIR/rank_eval.json (each optional). */
clnas_status report_run_load(const char *dir, report_run *r, clnas_error *err);
void report_run_free(report_run *r);

/* The distinct evaluated trials (cached duplicates and failures left out), best first: up to k indices into
 * r->entries; returns how many. Not for epoch runs (their accuracies are the search network's). */
int report_run_top(const report_run *r, int *out, int k);
/* Total seconds of the run's lines. */
double report_run_seconds(const report_run *r);

/* Prints the epochs of a differentiable search: epoch, the search network's validation accuracy, the derived
 * cell's size, and the cell; the last epoch's cell is the result. */
void report_run_print_epochs(const report_run *r);

#endif
