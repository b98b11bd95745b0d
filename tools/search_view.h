/* clnas tool — what searches show people: the per-trial line and the table of the best architectures. */
#ifndef CLNAS_SEARCH_VIEW_H
#define CLNAS_SEARCH_VIEW_H

#include "journal.h"
#include "trials.h"

void search_view_trial(const clnas_trials_progress *p, void *user);
/* Prints the top `k` distinct architectures (by canonical hash) of a journal. */
void search_view_top(const clnas_journal_entry *entries, int count, int k);
/* Prints to stderr that every one of the count trials failed, with the number of trials per cause (status and error
 * text), commonest first. */
void search_view_failure_causes(const clnas_journal_entry *entries, int count);
/* Reads a run directory's journal, <dir>/journal.jsonl (its path into path), as clnas_journal_read does; a missing
 * or non-directory dir is an error saying so (CLNAS_ERR_NOT_FOUND or CLNAS_ERR_IO), and so is a missing journal. */
clnas_status search_view_read_journal(const char *dir, char *path, size_t cap, clnas_journal_entry **entries, int *n,
                                      int *torn, clnas_error *err);

#endif
