/* clnas — the event loop of simulated workers: the real master (trials loop, journal, strategy), a simulated clock. */
#include "simulate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "trials.h"

/* The trials in flight, a binary heap on their finish time. */
typedef struct flight {
    double at;
    clnas_trials_job job;
} flight;

typedef struct heap {
    flight *f;
    int n;
} heap;

static void heap_push(heap *h, flight x)
{
    int i = h->n++;
    while (i > 0 && h->f[(i - 1) / 2].at > x.at) {
        h->f[i] = h->f[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->f[i] = x;
}

static flight heap_pop(heap *h)
{
    flight top = h->f[0], last = h->f[--h->n];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->f[c + 1].at < h->f[c].at)
            c++;
        if (last.at <= h->f[c].at)
            break;
        h->f[i] = h->f[c];
        i = c;
    }
    h->f[i] = last;
    return top;
}

typedef struct sim {
    clnas_trials *t;
    heap h;
    clnas_rng rng;
    const clnas_sim_durations *d;
    double busy_trials; /* simulated worker seconds spent on trials */
} sim;

/* Hands out trials from simulated time `now` until `free_workers` are busy or nothing is left: each starts when
 * the master has made its proposal (the real time that took). */
static clnas_status hand_out(sim *s, double now, int free_workers, clnas_error *err)
{
    const double t0 = clnas_clock_seconds();
    for (int k = 0; k < free_workers; k++) {
        flight x;
        int got = 0;
        clnas_status st = clnas_trials_next(s->t, &x.job, &got, err);
        if (st != CLNAS_OK || !got)
            return st;
        const double dur = clnas_sim_duration_draw(s->d, &s->rng);
        x.at = now + (clnas_clock_seconds() - t0) + dur;
        s->busy_trials += dur;
        heap_push(&s->h, x);
    }
    return CLNAS_OK;
}

/* One result: evaluated (the worker's part, not timed), then handled by the master (timed, real seconds). */
static clnas_status handle(sim *s, clnas_evaluator *ev, int workers, int barrier, double *master_free,
                           clnas_sim_result *out, clnas_error *err)
{
    flight x = heap_pop(&s->h);
    clnas_evaluator_result r;
    memset(&r, 0, sizeof r);
    clnas_status st = clnas_evaluator_evaluate(ev, &x.job.arch, x.job.fraction, &r, err);
    if (st != CLNAS_OK)
        return st;
    const double start = fmax(x.at, *master_free); /* results queue while the master is busy */
    const double t0 = clnas_clock_seconds();
    const int better = r.status == CLNAS_TRIAL_OK && (isnan(out->best) || r.fitness > out->best);
    if (better)
        out->best = r.fitness;
    st = clnas_trials_complete(s->t, &x.job, &r, err);
    cJSON_Delete(r.extra);
    const double journaled = clnas_clock_seconds() - t0;
    if (st == CLNAS_OK && (!barrier || s->h.n == 0))
        st = hand_out(s, start + journaled, barrier ? workers : 1, err);
    const double cost = clnas_clock_seconds() - t0;
    *master_free = start + cost;
    if (better)
        out->best_at = *master_free;
    out->master_mean += cost;
    out->master_max = fmax(out->master_max, cost);
    out->curve[out->ncurve].t = *master_free;
    out->curve[out->ncurve].best = out->best;
    out->ncurve++;
    return st;
}

clnas_status clnas_simulate(const clnas_strategy_iface *strategy, void *state, clnas_evaluator *evaluator,
                            const clnas_sim_durations *durations, uint64_t seed, int workers, int barrier,
                            const char *run_dir, clnas_sim_result *out, clnas_error *err)
{
    memset(out, 0, sizeof *out);
    out->workers = workers;
    out->barrier = barrier;
    out->best = NAN;
    const int budget = strategy->budget(state);
    sim s;
    memset(&s, 0, sizeof s);
    s.d = durations;
    clnas_rng_seed(&s.rng, seed ^ 0x5eed5eedu);
    s.h.f = malloc((size_t)workers * sizeof *s.h.f);
    out->curve = malloc((size_t)(budget + 1) * sizeof *out->curve);
    if (!s.h.f || !out->curve) {
        free(s.h.f);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for %d workers", workers);
    }
    clnas_trials_options opt;
    memset(&opt, 0, sizeof opt);
    opt.run_dir = run_dir;
    opt.title = "simulated workers";
    opt.with_workers = 1;
    clnas_status st = clnas_trials_open(strategy, state, workers, &opt, &s.t, err);
    if (st == CLNAS_OK && clnas_trials_done(s.t) > 0)
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s already holds a journal: a simulation starts afresh",
                             run_dir);
    const double t0 = clnas_clock_seconds();
    if (st == CLNAS_OK)
        st = hand_out(&s, 0.0, workers, err);
    double master_free = clnas_clock_seconds() - t0;
    while (st == CLNAS_OK && s.h.n > 0)
        st = handle(&s, evaluator, workers, barrier, &master_free, out, err);
    out->trials = clnas_trials_done(s.t);
    clnas_trials_summary sum;
    st = clnas_trials_close(s.t, st, &sum, err);
    out->finish = master_free;
    out->master_busy = master_free > 0 ? out->master_mean / master_free : 0;
    out->worker_busy = master_free > 0 ? s.busy_trials / (master_free * workers) : 0;
    out->master_mean = out->ncurve ? out->master_mean / out->ncurve : 0;
    free(s.h.f);
    return st;
}

void clnas_sim_result_free(clnas_sim_result *r)
{
    free(r->curve);
    memset(r, 0, sizeof *r);
}
