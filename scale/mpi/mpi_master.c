/* clnas — the MPI master: the strategy, the journal and resume on rank 0; a free worker gets the next trial at once. */
#include "mpi_roles.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "mpi_link.h"
#include "run_dir.h"
#include "scale.h"

clnas_status clnas_mpi_master_prepare(const clnas_run_request *req, clnas_mpi_master *m, clnas_run_outcome *out,
                                      clnas_error *err)
{
    memset(m, 0, sizeof *m);
    m->lock_fd = -1;
    const clnas_search_config *cfg = req->cfg;
    out->kind = CLNAS_RUN_TRIALS;
    m->strategy = clnas_strategy_find(cfg->strategy_name);
    if (!m->strategy)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.name: \"%s\": a search over MPI runs the "
                               "multi-trial strategies rea, random and reinforce as trials (spos, darts and gdas "
                               "data-parallel)", cfg->strategy_name);
    if (!m->strategy->set_in_flight) /* before the run directory is made */
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.name: \"%s\" proposes from every earlier result "
                               "and cannot keep several trials in flight: run it without mpirun (MPI runs rea, random "
                               "and reinforce)", cfg->strategy_name);
    if (req->evaluate)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "a search over MPI evaluates with the config's evaluator, "
                               "not a user-supplied evaluate function");
    cJSON *resolved = cJSON_CreateObject();
    clnas_status st = m->strategy->create(cfg->strategy, cfg->seed, clnas_search_config_space(cfg), resolved, &m->state,
                                          err);
    if (st == CLNAS_OK && req->resume_dir) {
        snprintf(out->run_dir, sizeof out->run_dir, "%s", req->resume_dir);
    } else if (st == CLNAS_OK) {
        clnas_run_dir_name(cfg->name, req->out, out->run_dir, sizeof out->run_dir);
        st = clnas_run_dir_create(out->run_dir, "journal.jsonl", cfg, resolved, err);
    }
    struct stat sb; /* as clnas_search_dispatch: no second search in the directory; a missing --resume is the run's */
    if (st == CLNAS_OK && stat(out->run_dir, &sb) == 0)
        st = clnas_run_dir_lock(out->run_dir, &m->lock_fd, err);
    if (st == CLNAS_OK) {
        cJSON *json = clnas_search_config_to_json(cfg, resolved);
        m->config_text = json ? cJSON_PrintUnformatted(json) : NULL;
        cJSON_Delete(json);
        if (!m->config_text)
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    }
    cJSON_Delete(resolved);
    return st;
}

void clnas_mpi_master_free(clnas_mpi_master *m)
{
    if (m->state)
        m->strategy->destroy(m->state);
    free(m->config_text);
    clnas_run_dir_unlock(m->lock_fd);
    memset(m, 0, sizeof *m);
    m->lock_fd = -1;
}

typedef struct pool {
    clnas_trials_job *job; /* [workers + 1]: the job each worker has */
    char *busy;            /* [workers + 1] */
    int *free_list, nfree, nbusy;
} pool;

static void warn_bridge(const char *message, void *user)
{
    const clnas_run_events *ev = user;
    if (ev->warning)
        ev->warning(message, ev->user);
}

static void progress_bridge(const clnas_trials_progress *p, void *user)
{
    const clnas_run_events *ev = user;
    if (ev->trial)
        ev->trial(p, ev->user);
}

/* Gives every free worker the next job while there are jobs. */
static clnas_status hand_out(clnas_trials *t, pool *p, clnas_error *err)
{
    while (p->nfree > 0) {
        clnas_trials_job job;
        int got = 0;
        clnas_status st = clnas_trials_next(t, &job, &got, err);
        if (st != CLNAS_OK || !got)
            return st;
        char text[64 + CLNAS_SPACE_STR_MAX];
        int n = snprintf(text, sizeof text, "%d %.17g ", job.trial, job.fraction);
        clnas_trials_space(t)->format(&job.arch, text + n, sizeof text - (size_t)n, NULL);
        const int w = p->free_list[--p->nfree];
        st = clnas_mpi_send_text(text, w, CLNAS_TAG_JOB, err);
        if (st != CLNAS_OK)
            return st;
        p->job[w] = job;
        p->busy[w] = 1;
        p->nbusy++;
    }
    return CLNAS_OK;
}

/* Handles one message from a worker: READY (it joins the free list), RESULT (journaled), QUIT (the run's error). */
static clnas_status take_message(const clnas_run_request *req, clnas_trials *t, pool *p, clnas_error *err)
{
    char *text = NULL;
    int from = 0, tag = 0;
    clnas_status st = clnas_mpi_recv_text(MPI_ANY_SOURCE, &text, &from, &tag, err);
    if (st != CLNAS_OK)
        return st;
    if (tag == CLNAS_TAG_READY) {
        char *tab = strchr(text, '\t');
        clnas_run_info(&req->ev, "worker %d on %.*s: %s", from, tab ? (int)(tab - text) : 0, text, tab ? tab + 1 : "");
        p->free_list[p->nfree++] = from;
    } else if (tag == CLNAS_TAG_QUIT) {
        if (p->busy[from]) {
            p->busy[from] = 0;
            p->nbusy--;
        }
        st = clnas_error_set(err, CLNAS_ERR_IO, "worker %d: %s", from, text);
    } else if (tag == CLNAS_TAG_RESULT && p->busy[from]) {
        int trial = -1;
        clnas_evaluator_result r;
        st = clnas_scale_result_parse(text, &trial, &r, err);
        p->busy[from] = 0;
        p->nbusy--;
        p->free_list[p->nfree++] = from;
        if (st == CLNAS_OK && trial != p->job[from].trial)
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "worker %d sent the result of trial %d, but it was given "
                                 "trial %d", from, trial, p->job[from].trial);
        if (st == CLNAS_OK)
            st = clnas_trials_complete(t, &p->job[from], &r, err);
        cJSON_Delete(r.extra);
    } else {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "worker %d sent an unexpected message (tag %d)", from, tag);
    }
    free(text);
    return st;
}

/* After an error: the results still in flight are received and dropped (they are not journaled), so that every
 * worker is idle when STOP comes. */
static void drain(pool *p)
{
    while (p->nbusy > 0) {
        char *text = NULL;
        int from = 0, tag = 0;
        if (clnas_mpi_recv_text(MPI_ANY_SOURCE, &text, &from, &tag, NULL) != CLNAS_OK)
            return;
        free(text);
        if ((tag == CLNAS_TAG_RESULT || tag == CLNAS_TAG_QUIT) && p->busy[from]) {
            p->busy[from] = 0;
            p->nbusy--;
        }
    }
}

static void fill_outcome(const clnas_trials_summary *sum, int budget, clnas_run_outcome *out)
{
    out->done = sum->trials_done;
    out->total = budget;
    out->resumed_from = sum->resumed_from;
    out->stopped = sum->stopped;
    out->best_index = sum->best_trial;
    out->best_fitness = sum->best_fitness;
    snprintf(out->best_arch, sizeof out->best_arch, "%s", sum->best_arch);
}

clnas_status clnas_mpi_master_run(const clnas_run_request *req, clnas_mpi_master *m, int workers,
                                  clnas_run_outcome *out, clnas_error *err)
{
    const clnas_search_config *cfg = req->cfg;
    clnas_run_info(&req->ev, "clnas search: %s, strategy %s (%d trials), evaluator %s; MPI: %d workers, asynchronous",
                   out->run_dir, m->strategy->name, m->strategy->budget(m->state), cfg->evaluator.kind, workers);
    pool p = {calloc((size_t)workers + 1, sizeof *p.job), calloc((size_t)workers + 1, 1),
              calloc((size_t)workers + 1, sizeof *p.free_list), 0, 0};
    clnas_trials_options opt;
    memset(&opt, 0, sizeof opt);
    opt.run_dir = out->run_dir;
    opt.title = cfg->name;
    opt.space = clnas_search_config_space(cfg);
    opt.stop = req->stop;
    opt.progress = progress_bridge;
    opt.warning = warn_bridge;
    opt.user = (void *)&req->ev;
    opt.with_workers = 1;
    clnas_trials *t = NULL;
    clnas_status st = p.job && p.busy && p.free_list ? CLNAS_OK
                                                     : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    if (st == CLNAS_OK)
        st = clnas_trials_open(m->strategy, m->state, workers, &opt, &t, err);
    const double t0 = clnas_clock_seconds();
    int ready = 0; /* workers heard from: READY or QUIT */
    while (st == CLNAS_OK) {
        st = hand_out(t, &p, err);
        if (st != CLNAS_OK || (p.nbusy == 0 && ready == workers))
            break;
        const int before = p.nfree + p.nbusy;
        st = take_message(req, t, &p, err);
        ready += p.nfree + p.nbusy > before;
    }
    drain(&p);
    for (int w = 1; w <= workers; w++)
        clnas_mpi_send_text("", w, CLNAS_TAG_STOP, NULL);
    clnas_trials_summary sum;
    st = clnas_trials_close(t, st, &sum, err);
    fill_outcome(&sum, m->strategy->budget(m->state), out);
    const double seconds = clnas_clock_seconds() - t0;
    const int results = sum.trials_done - sum.resumed_from;
    if (st == CLNAS_OK && results > 0)
        clnas_run_info(&req->ev, "MPI: %d results in %.2f s from the first hand-out, %.0f results/s through the "
                       "master", results, seconds, results / seconds);
    free(p.job);
    free(p.busy);
    free(p.free_list);
    return st;
}
