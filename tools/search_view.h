/* clnas tool — what searches show people: the per-trial line and the table of the best architectures. */
#ifndef CLNAS_SEARCH_VIEW_H
#define CLNAS_SEARCH_VIEW_H

#include "journal.h"
#include "search_run.h"
#include "trials.h"

/* The compact form of a cell for terminal lines: its six edge ops as one character each (- none, s skip_connect,
 * 1 nor_conv_1x1, 3 nor_conv_3x3, a avg_pool_3x3), grouped by the node they feed (node 1 | node 2 | node 3), then
 * the first 8 hex digits of the canonical hash, e.g. "3|33|s33 5f1c2a9e". */
void search_view_arch_short(const clnas_space_iface *space, const clnas_space_genotype *g, uint64_t hash, char *buf,
                            size_t cap);
void search_view_trial(const clnas_trials_progress *p, void *user);
/* Prints the top `k` distinct architectures (by canonical hash) of a journal. */
void search_view_top(const clnas_journal_entry *entries, int count, int k);
/* Prints to stderr that every one of the count trials failed, with the number of trials per cause (status and error
 * text), commonest first. */
void search_view_failure_causes(const clnas_journal_entry *entries, int count);
/* The same ranking as a JSON array of {rank, trial, arch, hash, fitness, params, flops} (caller deletes). */
cJSON *search_view_top_json(const clnas_journal_entry *entries, int count, int k);
/* A finished run as one JSON object on stdout: run_dir, strategy, done, total, stopped, best {trial (DARTS, GDAS:
 * epoch), arch, fitness} or null, top (multi-trial and SPOS: search_view_top_json). */
void search_view_outcome_json(const clnas_run_outcome *o, const char *strategy);
/* One run of `clnas report --json`: {run_dir, trials, top} (caller deletes). */
cJSON *search_view_report_json(const char *dir, const clnas_journal_entry *entries, int count, int k);
/* Reads a run directory's journal, <dir>/journal.jsonl (its path into path), as clnas_journal_read does; a missing
 * or non-directory dir is an error saying so (CLNAS_ERR_NOT_FOUND or CLNAS_ERR_IO), and so is a missing journal. */
clnas_status search_view_read_journal(const char *dir, char *path, size_t cap, clnas_journal_entry **entries, int *n,
                                      int *torn, clnas_error *err);

#endif
