/* clnas — search configuration: JSON file + --set overrides -> validated settings with documented defaults. */
#ifndef CLNAS_SEARCH_CONFIG_H
#define CLNAS_SEARCH_CONFIG_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "clnas/status.h"
#include "space_iface.h"

typedef struct clnas_search_config {
    char name[64];     /* "name": run name, runs/<name>-<timestamp>/ (default "search") */
    uint64_t seed;     /* "seed" (default 0) */
    char device[128];  /* "device": index or name substring; "" = CLNAS_DEVICE, else the default device */
    double memory_budget; /* "memory_budget": bytes of device memory each trial's network may take, recomputing
                           * convolution outputs to fit (clnas_net_config.memory_budget; 0, the default: none but
                           * the device's); the training and zero-cost evaluators' networks */
    char space[16];    /* "space.name": "nb201" (default), "darts" or "chain" (space_iface.h's registry) */
    struct {
        char dir[512];       /* "dataset.dir" (default /usr/share/datasets/fashion-mnist) */
        int validation_size; /* "dataset.validation_size": images held out of the training set (default 5000) */
        int train_subset;    /* "dataset.train_subset": first N remaining training images, 0 = all (default 10000) */
    } dataset;
    struct {
        int channels, cells, epochs, batch; /* "proxy.*" (defaults 8, 1, 1, 128); cells: NB201's per stage */
        int layers;                         /* "proxy.layers": DARTS cells in all, 1..64 (default 3; darts only) */
        double lr;                          /* "proxy.lr" (default 0.1) */
        double measured_kendall_tau;        /* "proxy.measured_kendall_tau": NAN when the config carries none */
        char measured_note[256];            /* "proxy.measured_note": how it was measured */
    } proxy;
    struct {
        char kind[16];   /* "evaluator.kind": "train" (default), "table" or "zero-cost" */
        char table[512]; /* "evaluator.table": the table file for kind "table" */
        char proxy[16];  /* "evaluator.proxy": the zero-cost proxy of kind "zero-cost" (zero_cost.h; "snip") */
    } evaluator;
    struct {
        long max_params;       /* "objective.max_params": a trial with more parameters fails the constraint (0: none) */
        double max_latency_ms; /* "objective.max_latency_ms": a trial slower than this fails (NAN, null: none) */
        char latency[16];      /* "objective.latency": the figure the budget and REA's pareto "latency" use:
                                * "inference" (default: an evaluation pass of a batch) or "train_step" */
        int latency_batch;     /* "objective.latency_batch": the batch latency is measured at (0, default: proxy.batch) */
        int latency_launches;  /* "objective.latency_launches": timed launches of each, the median kept (10) */
    } objective;
    char strategy_name[32]; /* "strategy.name": "rea" (default), "random", "reinforce", "bo", "hyperband", ... */
    cJSON *strategy;        /* the whole "strategy" object (owned), validated by the strategy's create */
} clnas_search_config;

/* Reads a JSON config file (errors name the file, line and column of a syntax error). Relative paths in the file
 * (dataset.dir, evaluator.table) are resolved against the directory of the config file, and rewritten in the tree
 * as absolute paths; a path given by --set or in a tree built otherwise is resolved against the working directory
 * by clnas_search_config_parse. Either way the resolved config holds absolute paths. */
clnas_status clnas_search_config_read(const char *path, cJSON **root, clnas_error *err);
/* Applies one --set override "a.b.c=value" to the tree: value is parsed as JSON when it is valid JSON (numbers,
 * true, null, "quoted"), else taken as a string; intermediate objects are created. */
clnas_status clnas_search_config_apply_set(cJSON *root, const char *assignment, clnas_error *err);
/* Every field at its documented default (strategy NULL); parse starts from these. */
void clnas_search_config_defaults(clnas_search_config *cfg);
/* Validates the tree and fills cfg, defaults for what is absent. Every error names the field's path and what was
 * expected: `proxy.epochs: expected an integer from 1 to 1000, got "two"`; unknown keys are errors
 * (`dataset.validaton_size: unknown key (known: dir, validation_size, train_subset)`); a missing dataset directory
 * or table file is an error naming it. The strategy object is checked by the strategy itself; cfg->strategy is its
 * copy with "name" added when the config left it out. cfg is overwritten, not freed first; on an error it owns
 * nothing. Ranges: seed 0..2^53-1, device an index 0..1023 or a name substring, memory_budget bytes >= 0,
 * dataset.validation_size 0..59999, dataset.train_subset 0..10000000, proxy.channels 1..1024, cells 1..16, epochs
 * 1..1000, batch 2..4096, lr in (0, 10], measured_kendall_tau -1..1 or null (configs/README.md lists every field). */
clnas_status clnas_search_config_parse(const cJSON *root, clnas_search_config *cfg, clnas_error *err);
/* The resolved config (every field, defaults filled) as JSON; `strategy` is the strategy's resolved object. */
cJSON *clnas_search_config_to_json(const clnas_search_config *cfg, const cJSON *strategy);
void clnas_search_config_free(clnas_search_config *cfg);
/* The space cfg->space names (nb201 when empty). */
const clnas_space_iface *clnas_search_config_space(const clnas_search_config *cfg);

#endif
