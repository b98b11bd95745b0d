/* clnas — the search journal: one JSON line per trial, appended and fsync'ed; read back for resume and reports. */
#ifndef CLNAS_JOURNAL_H
#define CLNAS_JOURNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clnas/space.h"
#include "clnas/status.h"
#include "evaluator.h"
#include "space_iface.h"

typedef struct clnas_journal_entry {
    int trial;            /* 0-based */
    const clnas_space_iface *space; /* arch's space (NULL: nb201): the arch string is its format */
    clnas_space_genotype arch;
    uint64_t hash;        /* canonical hash */
    double fitness;       /* NAN: null */
    long params;
    double flops;
    double seconds;
    clnas_trial_status status;
    char error[512];      /* "" : null */
    /* Asynchronous runs (several workers) write two more keys after error: "completion", the 0-based order in which
     * results came back (the line's index), and "proposals", how many trials had been proposed when this result was
     * observed (what a resume needs to interleave proposals and results exactly). Lines without them are those of
     * one worker: completion = trial, proposals = trial + 1. */
    int has_order;        /* 1: completion and proposals are written and were read */
    int completion, proposals;
    cJSON *extra;         /* further keys in order (owned; may be NULL) */
} clnas_journal_entry;

/* Writes one entry as a single line with exactly the keys trial, arch, hash (16 hex digits), fitness, params,
 * flops, seconds, status ("ok", "failed", "diverged", "cached"), error, then the extra keys. No newline; the caller
 * frees it with free(). Numbers are written so that they read back bit for bit; non-finite ones are null. NULL when
 * the arch does not format (an op outside the enum), extra is not an object or repeats a fixed key, or memory runs
 * out. */
char *clnas_journal_format(const clnas_journal_entry *e);

/* e's arch in its space's string form into buf ("(invalid)" when it does not format). */
void clnas_journal_entry_arch(const clnas_journal_entry *e, char *buf, size_t cap);

/* Reads a journal. A last line that is torn (no final newline, or not a complete JSON object) is dropped:
 * *torn = 1 and *good_bytes is the length of the intact prefix (resume truncates the file there); a bad line
 * elsewhere is an error naming the file and line. Entries must be numbered 0, 1, 2, ... (lines with "completion":
 * that key is the line's index, each trial appears once and was proposed by then). A missing file is an empty
 * journal. */
clnas_status clnas_journal_read(const char *path, clnas_journal_entry **entries, int *count, int *torn,
                                size_t *good_bytes, clnas_error *err);
/* The same for a journal of `space` (NULL: nb201): arch strings are read with space->parse, each entry's space set. */
clnas_status clnas_journal_read_space(const char *path, const clnas_space_iface *space, clnas_journal_entry **entries,
                                      int *count, int *torn, size_t *good_bytes, clnas_error *err);
void clnas_journal_entries_free(clnas_journal_entry *entries, int count);

typedef struct clnas_journal {
    FILE *f;
    char path[1024];
} clnas_journal;

/* Opens for appending after truncating the file to `keep_bytes` (SIZE_MAX: keep it all; creates it if absent). */
clnas_status clnas_journal_open(const char *path, size_t keep_bytes, clnas_journal *j, clnas_error *err);
/* Appends one line and fsyncs before returning. */
clnas_status clnas_journal_append(clnas_journal *j, const clnas_journal_entry *e, clnas_error *err);
void clnas_journal_close(clnas_journal *j);

#endif
