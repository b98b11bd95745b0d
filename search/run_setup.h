/* clnas — what a search needs before its first trial: the data splits, the device (opened when the evaluator needs
 * one and none was given) and the evaluator the config names. */
#ifndef CLNAS_RUN_SETUP_H
#define CLNAS_RUN_SETUP_H

#include <cjson/cJSON.h>

#include "clnas/data.h"
#include "clnas/device.h"
#include "clnas/network.h"
#include "evaluator.h"
#include "search_config.h"
#include "train_evaluator.h"

struct clnas_program_cache;

typedef struct clnas_run_setup {
    const clnas_search_config *cfg; /* borrowed */
    clnas_dataset full, train, val, subset;
    clnas_device *dev;              /* given, or opened by clnas_run_setup_evaluator (then owned) */
    struct clnas_program_cache *cache;
    int owns_device;
    clnas_evaluator evaluator;
    clnas_train_evaluator_config train_cfg; /* the training evaluator's settings (kind "train") */
} clnas_run_setup;

/* Reads a config: path, or the built-in configs/default.json when NULL, with the "key=value" overrides applied in
 * order, then validated into *cfg. *root (may be NULL) receives the tree. Errors name the file and the field. */
clnas_status clnas_run_config_load(const char *path, const char *const *sets, int nsets, cJSON **root,
                                   clnas_search_config *cfg, clnas_error *err);

/* Whether the config's evaluator works on its space (the table evaluator: nb201 only); an error naming both. */
clnas_status clnas_run_setup_check_space(const clnas_search_config *cfg, clnas_error *err);

/* s->cfg set (and s->dev, s->cache when the caller has a device): loads the data, opens the device named by
 * selector (else the config's) when a training evaluator needs one, and builds the config's evaluator;
 * choices_path records timing choices (may be NULL). */
clnas_status clnas_run_setup_evaluator(clnas_run_setup *s, const char *selector, const char *choices_path,
                                       clnas_error *err);
/* The training images a search trains on: the config's subset, else the training split. */
const clnas_dataset *clnas_run_setup_train_data(const clnas_run_setup *s);
/* The proxy network of the config over the training data (search network, supernet, stand-alone cells). */
void clnas_run_setup_net(const clnas_run_setup *s, clnas_net_config *net);
void clnas_run_setup_free(clnas_run_setup *s);

#endif
