/* clnas tool — what a search needs before its first trial: config, data splits, device, evaluator. */
#ifndef CLNAS_SEARCH_SETUP_H
#define CLNAS_SEARCH_SETUP_H

#include "clnas/data.h"
#include "clnas/device.h"
#include "evaluator.h"
#include "search_config.h"
#include "train_eval.h"

struct clnas_program_cache;

typedef struct search_setup {
    clnas_search_config cfg;
    clnas_dataset full, train, val, subset;
    clnas_device *dev;
    struct clnas_program_cache *cache;
    clnas_evaluator evaluator;
    clnas_train_eval_config train_cfg; /* the training evaluator's settings (kind "train") */
} search_setup;

/* Loads the config (FILE, or the built-in configs/default.json when path is NULL) with the --set overrides;
 * returns the parsed tree in *root for the caller to keep (the resolved config is written from it). Prints the
 * error and returns non-zero on failure. */
int search_setup_config(const char *path, const char *const *sets, int nsets, cJSON **root, clnas_search_config *cfg);
/* Loads the data and the device and builds the evaluator the config names; choices_path records timing choices. */
int search_setup_evaluator(search_setup *s, const char *device_override, const char *choices_path);
/* mkdir -p; 0 on success. */
int search_setup_make_dirs(const char *path);
/* A one-shot run's new directory: out, else runs/<name>-<timestamp>; refuses one that already holds a search,
 * creates it and writes the resolved config (with resolved_strategy) as config.json. Prints the error and
 * returns non-zero on failure. */
int search_setup_new_run_dir(search_setup *s, const char *out, cJSON *resolved_strategy, char *run_dir, size_t cap);
/* `clnas search` for a one-shot config (strategy.name "spos"): out (may be NULL) or resume_dir (NULL for a new
 * run) as for a multi-trial search; returns the exit status. */
int search_oneshot(search_setup *s, const char *out, const char *resume_dir, const char *device);
/* The same for strategy.name "darts" or "gdas" (tools/cmd_search_darts.c). */
int search_darts(search_setup *s, const char *out, const char *resume_dir, const char *device);
void search_setup_free(search_setup *s);

#endif
