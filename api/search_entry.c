/* clnas — one search entry for every strategy: the dispatch, and the run behind clnas_search_run. */
#include "search_entry.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_io.h"
#include "oneshot_run.h"
#include "run_dir.h"
#include "strategy.h"

static clnas_status run_strategy(const clnas_run_request *req, clnas_run_outcome *out, clnas_error *err)
{
    const char *name = req->cfg->strategy_name;
    const clnas_space_iface *space = clnas_search_config_space(req->cfg);
    const int oneshot = strcmp(name, "spos") == 0 || strcmp(name, "darts") == 0 || strcmp(name, "gdas") == 0;
    /* NB201 and the DARTS space: DARTS' search network, SPOS' per-genotype supernet, GDAS' paths of the search
     * network; the chain space: each over one skeleton (strategy.skeleton) */
    const int on_darts = space == &clnas_space_darts, on_chain = space == &clnas_space_chain;
    if (oneshot && space != &clnas_space_nb201 && !on_darts && !on_chain)
        return clnas_strategy_space_unsupported(name, space, "nb201, darts or chain", NULL, err);
    if (strcmp(name, "spos") == 0)
        return clnas_run_spos(req, out, err);
    if (strcmp(name, "darts") == 0 || strcmp(name, "gdas") == 0)
        return clnas_run_differentiable(req, out, err);
    return clnas_run_trials(req, out, err);
}

/* Whether dir holds nothing but the lock file (a new run that failed before writing anything). */
static int holds_only_lock(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int other = 0;
    for (struct dirent *e; (e = readdir(d));)
        other += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
                 strcmp(e->d_name, CLNAS_RUN_LOCK_FILE) != 0;
    closedir(d);
    return !other;
}

clnas_status clnas_search_dispatch(const clnas_run_request *req, clnas_run_outcome *out, clnas_error *err)
{
    memset(out, 0, sizeof *out);
    out->best_index = -1;
    out->best_fitness = NAN;
    /* The run directory is locked before anything in it is read or written, so that two searches never share one:
     * a new run's directory is named here once (the strategy's run then finds it as its --out) and made. */
    clnas_run_request locked = *req;
    char dir[1024];
    struct stat sb;
    int made = 0;
    if (req->resume_dir)
        snprintf(dir, sizeof dir, "%s", req->resume_dir);
    else
        clnas_run_dir_name(req->cfg->name, req->out, dir, sizeof dir);
    if (!req->resume_dir) {
        made = stat(dir, &sb) != 0;
        clnas_status st = clnas_dirs_make(dir, err);
        if (st != CLNAS_OK)
            return st;
        locked.out = dir;
    }
    int lock = -1;
    if (stat(dir, &sb) == 0) { /* a missing --resume directory is the run's own error */
        clnas_status st = clnas_run_dir_lock(dir, &lock, err);
        if (st != CLNAS_OK)
            return st;
    }
    clnas_status st = run_strategy(&locked, out, err);
    if (st != CLNAS_OK && made && holds_only_lock(dir)) { /* leave no empty directory behind */
        char path[1100];
        snprintf(path, sizeof path, "%s/" CLNAS_RUN_LOCK_FILE, dir);
        unlink(path);
        rmdir(dir);
    }
    clnas_run_dir_unlock(lock);
    return st;
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
