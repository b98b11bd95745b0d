/* clnas — the run directory every strategy writes: its name, the refusal of one that holds a search, the config
 * snapshot (config.json), best.json and the journal prefix a resume keeps. */
#ifndef CLNAS_RUN_DIR_H
#define CLNAS_RUN_DIR_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "clnas/space.h"
#include "clnas/status.h"
#include "journal.h"
#include "search_config.h"

/* A new run's directory: out, else runs/<name>-<local timestamp>. */
void clnas_run_dir_name(const char *name, const char *out, char *run_dir, size_t cap);

/* Starts a new run in run_dir: refuses a directory that already holds `marker` (a multi-trial search checks
 * journal.jsonl, a one-shot search config.json), makes it (mkdir -p) and writes config.json, the resolved config
 * with the strategy's resolved section. */
clnas_status clnas_run_dir_create(const char *run_dir, const char *marker, const clnas_search_config *cfg,
                                  const cJSON *resolved_strategy, clnas_error *err);

/* The lock file of a run directory: one search at a time may use the directory. */
#define CLNAS_RUN_LOCK_FILE ".lock"

/* Takes run_dir's exclusive lock (flock on <run_dir>/.lock, which then holds this process's PID) without waiting:
 * *fd keeps it until clnas_run_dir_unlock. A lock another process holds is CLNAS_ERR_IO naming the directory and the
 * holder's PID. The lock file is left in place (removing it would let a third process lock another file). */
clnas_status clnas_run_dir_lock(const char *run_dir, int *fd, clnas_error *err);
void clnas_run_dir_unlock(int fd);

/* Writes json and a newline to path atomically (core's clnas_file_write_atomic). */
clnas_status clnas_run_json_write(const char *path, const cJSON *json, clnas_error *err);

/* Reads the JSON file path of a run directory (config.json, best.json, rank_eval.json) into *json: a regular file of
 * at most CLNAS_CONFIG_MAX_BYTES, without NUL bytes, \u0000 escapes or nesting deeper than cJSON's limit. A missing
 * file is CLNAS_ERR_NOT_FOUND with *json NULL; text that is not JSON is CLNAS_ERR_FORMAT naming path. */
clnas_status clnas_run_json_read(const char *path, cJSON **json, clnas_error *err);

/* best.json of run_dir from a journal entry: arch (in the string form of the entry's space), fitness, trial, hash,
 * params, space (the space's name: "nb201", "darts", "chain") and, when rule is not NULL, the rule the architecture
 * was chosen by. */
clnas_status clnas_run_best_write(const char *run_dir, const clnas_journal_entry *e, const char *rule,
                                  clnas_error *err);

/* The architecture of run_dir/best.json (a text input: at most CLNAS_CONFIG_MAX_BYTES, no NUL byte, no \u0000):
 * its space (the key "space", absent: nb201; an unknown name is the registry's error naming best.json's space),
 * *arch_text (cap bytes) and *arch of that space. err names the file and what is wrong with it. */
clnas_status clnas_run_best_read_space(const char *run_dir, const clnas_space_iface **space, clnas_space_genotype *arch,
                                       char *arch_text, size_t cap, clnas_error *err);
/* The same for an NB201 run (best.json of another space is CLNAS_ERR_INVALID_ARG naming its space). */
clnas_status clnas_run_best_read(const char *run_dir, clnas_genotype *arch, char *arch_text, size_t cap,
                                 clnas_error *err);

/* The space of the run in run_dir: config.json's space.name (nb201 when config.json or the key is absent, as in runs
 * from before other spaces); an unreadable config.json or an unknown name is an error naming the file. */
clnas_status clnas_run_dir_space(const char *run_dir, const clnas_space_iface **space, clnas_error *err);

/* Bytes of the first `lines` lines of path (the whole file when it has fewer; 0 when it is missing): what a
 * resumed run keeps of a journal that may hold a line past its checkpoint. */
size_t clnas_run_file_prefix_bytes(const char *path, int lines);

#endif
