/* clnas tool — what `clnas search` does with its options before the run: --seed and the proxy's measured rank
 * quality as --set overrides, --set errors told apart from the config file's, and a finished run's budget extended
 * on --resume. */
#ifndef CLNAS_SEARCH_OPTIONS_H
#define CLNAS_SEARCH_OPTIONS_H

#include "search_entry.h"

#define SEARCH_MAX_SETS 64

typedef struct search_sets {
    const char *item[SEARCH_MAX_SETS + 3];
    int n;
    char seed[48]; /* "seed=N" when --seed was given */
} search_sets;

/* Adds --seed as "seed=N" and, when a --set changes the proxy, the data or the space, clears
 * proxy.measured_kendall_tau and proxy.measured_note: that figure was measured with the config's own proxy and says
 * nothing about another. */
void search_sets_finish(search_sets *s, const char *seed);

/* --config NAME: NAME itself when it exists or has a '/', else <installed configs>/NAME, else the source tree's
 * configs/NAME (".json" added when NAME lacks it); the first that exists goes into buf. */
const char *search_config_find(const char *name, char *buf, size_t cap);

/* Loads the config with the overrides. Returns 0 with *out, 1 when the file is at fault, 2 when an override is
 * (a usage error: the message names the --set, not the file); the message is printed. */
int search_sets_load(const char *path, const search_sets *s, clnas_config **out);

/* 1 when err (a run that failed before its first trial) is about a key a --set gave, e.g. "strategy.cyclez: unknown
 * key": a usage error, exit 2. */
int search_sets_blame(const search_sets *s, const clnas_error *err);

/* --resume DIR with --set: only strategy.cycles or strategy.trials, never below DIR/config.json's own; then
 * DIR/config.json is rewritten with the larger budget (replay still checks every earlier trial). Returns 0, or the
 * exit status with the message printed. */
int search_resume_extend(const char *dir, const search_sets *s, const clnas_config *cfg);

#endif
