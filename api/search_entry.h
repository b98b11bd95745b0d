/* clnas — the search entry every caller goes through (clnas_search_run, `clnas search`): the config object and
 * the dispatch of a run to its strategy family (multi-trial, SPOS, differentiable). */
#ifndef CLNAS_SEARCH_ENTRY_H
#define CLNAS_SEARCH_ENTRY_H

#include "clnas/search.h"
#include "search_run.h"

struct clnas_config {
    cJSON *root;             /* the tree, overrides applied */
    clnas_search_config cfg; /* validated from root */
    char path[1024];         /* the file it came from ("" : built in or parsed) */
};

/* clnas_config_load with "key=value" overrides applied before validation (as `clnas search --set` does). */
clnas_status clnas_config_load_sets(const char *path, const char *const *sets, int nsets, clnas_config **out,
                                    clnas_error *err);
/* The validated settings. */
const clnas_search_config *clnas_config_settings(const clnas_config *cfg);

/* Runs req->cfg's strategy: multi-trial (random, rea, reinforce), spos, or darts and gdas. */
clnas_status clnas_search_dispatch(const clnas_run_request *req, clnas_run_outcome *out, clnas_error *err);

/* The search run behind clnas_search_run, over a device and program cache. */
clnas_status clnas_search_run_on(clnas_device *dev, struct clnas_program_cache *cache,
                                 const clnas_search_params *params, clnas_search_result *result, clnas_error *err);

#endif
