/* clnas tests — what the DARTS and GDAS search tests share: a tiny synthetic dataset, the two-epoch options with an
 * epoch counter that can stop the run, and `clnas search` run through the tool. */
#ifndef CLNAS_SEARCH_FIXTURE_H
#define CLNAS_SEARCH_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "darts.h"
#include "journal.h"

/* images one-channel hw x hw images of 10 classes: a label-dependent pattern plus noise from seed, so there is
 * something to learn. Free with clnas_dataset_free. */
clnas_dataset search_fixture_synthetic(int images, int hw, uint64_t seed);

typedef struct epochs_seen {
    int count;
    int stop_after;    /* > 0: raise stop once this many epochs are done */
    volatile int stop;
} epochs_seen;

/* Counts one epoch done and raises s->stop when s->stop_after is reached. */
void epochs_seen_count(epochs_seen *s);

/* Two epochs of the same schedule (the cosine lr and the batch order depend on the total) from `start`; on_epoch
 * gets seen, whose count starts at start and whose stop stops the run. */
clnas_darts_options search_fixture_options(int start, epochs_seen *seen,
                                           clnas_status (*on_epoch)(const clnas_darts_epoch *e, void *user,
                                                                    clnas_error *err));

/* Runs the shell command cmd (append 2>&1 to catch stderr), its output into out (NUL-terminated); returns its exit
 * status, -1 when it did not exit. */
int search_fixture_run(const char *cmd, char *out, size_t cap);

/* The JSON document in the file at path; the test fails when it cannot be read or parsed. Free with cJSON_Delete. */
cJSON *search_fixture_read_json(const char *path);

/* <dir>/run/best.json of a search over the DARTS space: "space" is "darts" and "arch" a DARTS genotype that
 * parses; the arch into arch (cap bytes). */
void search_fixture_assert_best_darts(const char *dir, char *arch, size_t cap);

/* <dir>/run/journal.jsonl of a search over the DARTS space, read as that space's; the test fails when it cannot be.
 * Free with clnas_journal_entries_free(entries, *n). */
clnas_journal_entry *search_fixture_journal_darts(const char *dir, int *n);

/* `clnas search --config configs/<config> <sets> --out <dir>/run`, its stdout and stderr into out (NUL-terminated,
 * and printed); returns the exit status, -1 when it did not exit. */
int search_fixture_run_cli(const char *config, const char *sets, const char *dir, char *out, size_t cap);

/* Saves from's weights with alpha (1 epoch done) as a DARTS checkpoint and loads them into `to` and alpha (zeroed
 * first): what a resumed run starts from. */
void search_fixture_checkpoint_round_trip(clnas_model *from, clnas_model *to, clnas_alpha *alpha);

/* Fails unless two runs ended alike: alpha (logits and Adam's second moments) and every weight bit for bit. */
void search_fixture_assert_same_end(clnas_model *a, const clnas_alpha *alpha_a, clnas_model *b,
                                    const clnas_alpha *alpha_b);

/* The largest |to - from| over alpha's entries: how far a search moved it. */
double search_fixture_alpha_moved(const clnas_alpha *from, const clnas_alpha *to);

/* A refused run wrote nothing: no <dir>/run/journal.jsonl. */
void search_fixture_assert_no_journal(const char *dir);

/* `clnas search --config configs/<config>` with a network too large for the device (256 channels, batch 4096) exits
 * 1 saying "the <network> search network needs" and what to shrink, before writing a journal; its output in out. */
void search_fixture_assert_too_large(const char *config, const char *network, const char *dir, char *out,
                                     size_t cap);

#endif
