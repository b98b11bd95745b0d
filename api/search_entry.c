/* clnas — one search entry for every strategy: the dispatch, and the run behind clnas_search_run. */
#include "search_entry.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "oneshot_run.h"

clnas_status clnas_search_dispatch(const clnas_run_request *req, clnas_run_outcome *out, clnas_error *err)
{
    memset(out, 0, sizeof *out);
    out->best_index = -1;
    out->best_fitness = NAN;
    const char *name = req->cfg->strategy_name;
    if (strcmp(name, "spos") == 0)
        return clnas_run_spos(req, out, err);
    if (strcmp(name, "darts") == 0 || strcmp(name, "gdas") == 0)
        return clnas_run_differentiable(req, out, err);
    return clnas_run_trials(req, out, err);
}

clnas_search_params clnas_search_default_params(void)
{
    clnas_search_params p;
    memset(&p, 0, sizeof p);
    return p;
}

typedef struct public_events {
    const clnas_search_params *params;
} public_events;

static void on_report(const clnas_search_report *r, void *user)
{
    const public_events *p = user;
    if (p->params->progress)
        p->params->progress(r, p->params->user);
}

clnas_status clnas_search_run_on(clnas_device *dev, struct clnas_program_cache *cache,
                                 const clnas_search_params *params, clnas_search_result *result, clnas_error *err)
{
    memset(result, 0, sizeof *result);
    result->best_index = -1;
    result->best_fitness = NAN;
    if (!params || !params->config)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_search_run: params.config is required");
    if (params->resume && !params->run_dir)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_search_run: resume needs params.run_dir");
    public_events pe = {params};
    clnas_run_request req;
    memset(&req, 0, sizeof req);
    req.cfg = clnas_config_settings(params->config);
    req.out = params->resume ? NULL : params->run_dir;
    req.resume_dir = params->resume ? params->run_dir : NULL;
    req.dev = dev;
    req.cache = cache;
    req.evaluate = params->evaluate;
    req.evaluate_user = params->user;
    req.stop = params->stop;
    req.ev.report = on_report;
    req.ev.user = &pe;
    clnas_run_outcome out;
    clnas_status st = clnas_search_dispatch(&req, &out, err);
    result->done = out.done;
    result->resumed_from = out.resumed_from;
    result->best_index = out.best_index;
    result->best_fitness = out.best_fitness;
    snprintf(result->best_arch, sizeof result->best_arch, "%s", out.best_arch);
    snprintf(result->run_dir, sizeof result->run_dir, "%s", out.run_dir);
    result->stopped = out.stopped;
    return st;
}
