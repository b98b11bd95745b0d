/* clnas — a multi-trial search run (random, rea, reinforce): run directory, evaluator, trials; and the events every
 * strategy's run reports through. */
#include "search_run.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "latency_cache.h"
#include "program_cache.h"
#include "run_dir.h"
#include "warm_start.h"
#include "run_provenance.h"
#include "space_nb201.h"

void clnas_run_info(const clnas_run_events *ev, const char *fmt, ...)
{
    if (!ev->info)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ev->info(line, ev->user);
}

static void on_build(const clnas_program_build_event *e, void *user)
{
    clnas_run_build_watch *w = user;
    if (e->done < 0) { /* compilation outside the cache (CLBlast) */
        clnas_run_info(w->ev, "clnas: %s", e->label);
        return;
    }
    const double now = clnas_clock_seconds();
    if (e->done == 0 || (e->done == 1 && w->start == 0))
        w->start = w->last = now - e->seconds; /* each announced batch counts its own seconds */
    if (e->done == 0) {
        clnas_run_info(w->ev, "clnas: building %d kernel%s (once per device and driver; later runs load them from "
                       "the cache)", e->total, e->total == 1 ? "" : "s");
        return;
    }
    const int last = e->total > 1 && e->done == e->total;
    if (now - w->last < 2 && !last && !(e->total == 0 && e->done == 1))
        return; /* a line every 2 s at most while building, the first unannounced one, and the last */
    if (e->total > 0)
        clnas_run_info(w->ev, "clnas: building kernels: %d/%d (%.0f s)%s", e->done, e->total, now - w->start,
                       last ? ", done" : "");
    else
        clnas_run_info(w->ev, "clnas: building kernels: %d built (%.0f s; once per device and driver)", e->done,
                       now - w->start);
    w->last = now;
}

void clnas_run_watch_builds(clnas_run_build_watch *w, const clnas_run_events *ev, struct clnas_program_cache *cache)
{
    memset(w, 0, sizeof *w);
    w->ev = ev;
    w->cache = cache;
    if (cache && ev->info)
        clnas_program_cache_set_observer(cache, on_build, w);
}

void clnas_run_watch_builds_end(clnas_run_build_watch *w)
{
    if (w->cache && w->ev && w->ev->info)
        clnas_program_cache_set_observer(w->cache, NULL, NULL);
    w->cache = NULL;
}

typedef struct user_eval {
    clnas_search_evaluate_fn fn;
    void *user;
    const clnas_space_iface *space;
} user_eval;

static clnas_status user_evaluate(void *state, const clnas_space_genotype *arch, clnas_evaluator_result *out,
                                  clnas_error *err)
{
    (void)err;
    const user_eval *u = state;
    char text[CLNAS_SPACE_STR_MAX];
    u->space->format(arch, text, sizeof text, NULL);
    memset(out, 0, sizeof *out);
    clnas_error mine;
    clnas_error_clear(&mine);
    const double t0 = clnas_clock_seconds();
    double fitness = NAN;
    clnas_status st = u->fn(text, u->user, &fitness, &mine);
    out->seconds = clnas_clock_seconds() - t0;
    out->status = st == CLNAS_OK && isfinite(fitness) ? CLNAS_TRIAL_OK : CLNAS_TRIAL_FAILED;
    out->fitness = out->status == CLNAS_TRIAL_OK ? fitness : NAN;
    if (st != CLNAS_OK)
        snprintf(out->error, sizeof out->error, "%s", mine.message[0] ? mine.message : clnas_status_to_string(st));
    else if (out->status != CLNAS_TRIAL_OK)
        snprintf(out->error, sizeof out->error, "the evaluator returned a non-finite fitness");
    return CLNAS_OK;
}

static const clnas_evaluator_iface user_evaluator_iface = {"user", user_evaluate, free, NULL, NULL};

void clnas_user_evaluator(clnas_search_evaluate_fn fn, void *user, const clnas_space_iface *space,
                          clnas_evaluator *out)
{
    user_eval *u = malloc(sizeof *u);
    out->iface = u ? &user_evaluator_iface : NULL;
    out->state = u;
    if (u) {
        u->fn = fn;
        u->user = user;
        u->space = clnas_space_or_nb201(space);
    }
}

typedef struct trials_bridge {
    const clnas_run_events *ev;
    double t0;
    int resumed_from;
} trials_bridge;

/* A finished trial: the caller's trial view, then the public report. */
static void on_trial(const clnas_trials_progress *p, void *user)
{
    const trials_bridge *b = user;
    if (b->ev->trial)
        b->ev->trial(p, b->ev->user);
    if (!b->ev->report)
        return;
    char arch[CLNAS_SPACE_STR_MAX], best[CLNAS_SPACE_STR_MAX];
    p->space->format(&p->entry->arch, arch, sizeof arch, NULL);
    if (p->best_arch)
        p->space->format(p->best_arch, best, sizeof best, NULL);
    clnas_search_report r;
    memset(&r, 0, sizeof r);
    r.done = p->done;
    r.total = p->trials;
    r.arch = arch;
    r.fitness = p->entry->fitness;
    r.status = clnas_trial_status_name(p->entry->status);
    r.best_index = p->best_trial;
    r.best_fitness = p->best_fitness;
    r.best_arch = p->best_arch ? best : NULL;
    r.seconds = clnas_clock_seconds() - b->t0;
    r.seconds_left = p->seconds_left;
    b->ev->report(&r, b->ev->user);
}

static void on_warning(const char *message, void *user)
{
    const trials_bridge *b = user;
    if (b->ev->warning)
        b->ev->warning(message, b->ev->user);
}

clnas_status clnas_run_trials_loop(const clnas_run_request *req, const clnas_strategy_iface *strategy, void *state,
                                   clnas_evaluator *evaluator, clnas_run_outcome *out, clnas_error *err)
{
    trials_bridge b = {&req->ev, clnas_clock_seconds(), 0};
    clnas_trials_options opt;
    memset(&opt, 0, sizeof opt);
    opt.run_dir = out->run_dir;
    opt.title = req->cfg->name;
    opt.space = clnas_search_config_space(req->cfg);
    opt.stop = req->stop;
    opt.progress = on_trial;
    opt.warning = on_warning;
    opt.user = &b;
    if (req->dev) {
        opt.device = req->dev->info.name;
        opt.driver = req->dev->info.driver_version;
    }
    clnas_trials_summary sum;
    clnas_status st = clnas_trials_run(strategy, state, evaluator, &opt, &sum, err);
    out->done = sum.trials_done;
    out->total = strategy->budget(state);
    out->resumed_from = sum.resumed_from;
    out->stopped = sum.stopped;
    out->best_index = sum.best_trial;
    out->best_fitness = sum.best_fitness;
    snprintf(out->best_arch, sizeof out->best_arch, "%s", sum.best_arch);
    return st;
}

/* The run's header: strategy, budget, evaluator and, for proxy training, its figures. */
static void header(const clnas_run_request *req, const clnas_run_setup *s, const clnas_strategy_iface *strategy,
                   void *state, const clnas_run_outcome *out)
{
    const clnas_search_config *cfg = req->cfg;
    const clnas_run_events *ev = &req->ev;
    clnas_run_info(ev, "clnas search: %s, space %s, strategy %s (%d trials), evaluator %s", out->run_dir, cfg->space,
                   strategy->name, strategy->budget(state), req->evaluate ? "user" : cfg->evaluator.kind);
    if (req->evaluate || strcmp(cfg->evaluator.kind, "train") != 0)
        return;
    char sizes[64];
    if (strcmp(cfg->space, "darts") == 0)
        snprintf(sizes, sizeof sizes, "C=%d layers=%d", cfg->proxy.channels, cfg->proxy.layers);
    else if (strcmp(cfg->space, "chain") == 0)
        snprintf(sizes, sizeof sizes, "C=%d", cfg->proxy.channels);
    else
        snprintf(sizes, sizeof sizes, "C=%d N=%d", cfg->proxy.channels, cfg->proxy.cells);
    clnas_run_info(ev, "proxy: %s, %d epoch(s) on %d images at batch %d, lr %g; fitness = accuracy on %d "
                   "held-out validation images; device %s", sizes, cfg->proxy.epochs,
                   clnas_run_setup_train_data(s)->count, cfg->proxy.batch, cfg->proxy.lr, s->val.count,
                   s->dev->info.name);
    if (isfinite(cfg->proxy.measured_kendall_tau))
        clnas_run_info(ev, "proxy rank quality: seed-to-seed Kendall tau %.2f (%s)", cfg->proxy.measured_kendall_tau,
                       cfg->proxy.measured_note[0] ? cfg->proxy.measured_note : "measured with clnas proxy-check");
    else
        clnas_run_info(ev, "proxy rank quality: not measured for this config (clnas proxy-check measures it)");
}

/* 1 when the run measures each trial's latency: a latency budget, or REA selecting on (fitness, latency). */
static int wants_latency(const clnas_search_config *cfg)
{
    const cJSON *pareto = cJSON_GetObjectItemCaseSensitive(cfg->strategy, "pareto");
    return !isnan(cfg->objective.max_latency_ms) ||
           (strcmp(cfg->strategy_name, "rea") == 0 && cJSON_IsString(pareto) &&
            strcmp(pareto->valuestring, "latency") == 0);
}

/* Wraps the evaluator in the objective: the parameter budget, and latency measured on the run's device at the
 * proxy's sizes (objective.latency_batch, else proxy.batch), kept in the device's latency cache (*latency). */
static clnas_status wrap_objective(const clnas_run_request *req, clnas_run_setup *s, clnas_latency_cache **latency,
                                   clnas_error *err)
{
    const clnas_search_config *cfg = req->cfg;
    clnas_objective_options opt;
    clnas_objective_options_default(&opt);
    opt.max_params = cfg->objective.max_params;
    if (wants_latency(cfg)) {
        if (req->evaluate || !s->dev || strcmp(cfg->evaluator.kind, "table") == 0)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                   "objective: latency (objective.max_latency_ms, or strategy.pareto \"latency\") is "
                                   "measured by running the network on the device, which evaluator %s does not do; "
                                   "use evaluator.kind \"train\" or \"zero-cost\"",
                                   req->evaluate ? "a user function" : cfg->evaluator.kind);
        clnas_status st = clnas_latency_cache_open(NULL, &s->dev->info, latency, err);
        if (st != CLNAS_OK)
            return st;
        opt.measure_latency = 1;
        opt.max_latency_ms = cfg->objective.max_latency_ms;
        opt.latency_train_step = strcmp(cfg->objective.latency, "train_step") == 0;
        opt.latency_launches = cfg->objective.latency_launches;
        clnas_run_setup_net(s, &opt.latency_net);
        if (cfg->objective.latency_batch)
            opt.latency_net.batch = cfg->objective.latency_batch;
        opt.dev = s->dev;
        opt.programs = s->cache;
        opt.latency_cache = *latency;
        opt.space = clnas_search_config_space(cfg);
        clnas_run_info(&req->ev, "objective: %s latency measured on %s at batch %d (median of %d launches, cached "
                       "in %s)%s", cfg->objective.latency, s->dev->info.name, opt.latency_net.batch,
                       opt.latency_launches, clnas_latency_cache_path(*latency),
                       isnan(opt.max_latency_ms) ? "" : "; slower trials fail the budget");
    }
    return clnas_objective_evaluator_wrap_options(&s->evaluator, &opt, err);
}

clnas_status clnas_run_trials(const clnas_run_request *req, clnas_run_outcome *out, clnas_error *err)
{
    const clnas_search_config *cfg = req->cfg;
    const clnas_strategy_iface *strategy = clnas_strategy_find(cfg->strategy_name);
    out->kind = CLNAS_RUN_TRIALS;
    if (req->resume_dir)
        snprintf(out->run_dir, sizeof out->run_dir, "%s", req->resume_dir);
    if (!strategy)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.name: unknown strategy \"%s\" (known: rea, "
                               "random, reinforce, bo, hyperband, spos, darts, gdas)", cfg->strategy_name);
    cJSON *resolved = cJSON_CreateObject();
    void *state = NULL;
    clnas_run_setup s;
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    s.dev = req->dev;
    s.cache = req->cache;
    clnas_status st = req->evaluate ? CLNAS_OK : clnas_run_setup_check_space(cfg, err); /* before the directory */
    if (st == CLNAS_OK)
        st = strategy->create(cfg->strategy, cfg->seed, clnas_search_config_space(cfg), resolved, &state, err);
    if (st == CLNAS_OK && !req->resume_dir) {
        clnas_run_dir_name(cfg->name, req->out, out->run_dir, sizeof out->run_dir);
        st = clnas_run_dir_create(out->run_dir, "journal.jsonl", cfg, resolved, err);
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/algo_choices.tsv", out->run_dir);
    if (st == CLNAS_OK && req->evaluate)
        clnas_user_evaluator(req->evaluate, req->evaluate_user, clnas_search_config_space(cfg), &s.evaluator);
    else if (st == CLNAS_OK)
        st = clnas_run_setup_evaluator(&s, req->device, path, err);
    if (st == CLNAS_OK && !s.evaluator.iface)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    clnas_run_build_watch builds;
    clnas_run_watch_builds(&builds, &req->ev, st == CLNAS_OK ? s.cache : NULL);
    if (st == CLNAS_OK && req->ev.step) /* before the objective's wrapper hides the train evaluator */
        clnas_train_evaluator_set_step(&s.evaluator, req->ev.step, req->ev.user);
    clnas_latency_cache *latency = NULL;
    if (st == CLNAS_OK)
        st = wrap_objective(req, &s, &latency, err);
    if (st == CLNAS_OK) {
        header(req, &s, strategy, state, out);
        if (s.dev)
            st = clnas_run_record_device(out->run_dir, s.dev, err);
        if (st == CLNAS_OK)
            st = clnas_warm_start_run(strategy, state, &s, err);
    }
    if (st == CLNAS_OK) {
        clnas_run_request on_device = *req; /* the device the set-up opened, recorded per trial */
        on_device.dev = s.dev;
        st = clnas_run_trials_loop(&on_device, strategy, state, &s.evaluator, out, err);
    }
    if (state)
        strategy->destroy(state);
    cJSON_Delete(resolved);
    clnas_run_watch_builds_end(&builds);
    clnas_run_setup_free(&s);
    clnas_latency_cache_free(latency);
    return st;
}
