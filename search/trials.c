/* clnas — the search loop. Resuming replays the journal through the strategy (which checks each proposal
 * against the journal), so a resumed search continues exactly where the stopped one was. */
#include "trials.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "run_dir.h"
#include "space_nb201.h"
#include "run_provenance.h"
#include "svg_plot.h"
#include "clock.h"

static int succeeded(const clnas_journal_entry *e)
{
    return (e->status == CLNAS_TRIAL_OK || e->status == CLNAS_TRIAL_CACHED) && isfinite(e->fitness);
}

/* A growing array of journal entries (the run so far, in the order results came back). */
typedef struct history {
    clnas_journal_entry *e;
    int n, cap;
} history;

static int history_push(history *h, const clnas_journal_entry *e)
{
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 64;
        clnas_journal_entry *p = realloc(h->e, (size_t)cap * sizeof *p);
        if (!p)
            return -1;
        h->e = p;
        h->cap = cap;
    }
    h->e[h->n++] = *e;
    return 0;
}

enum { TRIAL_UNPROPOSED, TRIAL_OUT, TRIAL_DONE };

struct clnas_trials {
    const clnas_strategy_iface *strategy;
    void *state;
    clnas_trials_options opt;
    const clnas_space_iface *space; /* opt.space, NULL made nb201 */
    char journal_path[1100], svg_path[1100];
    clnas_journal journal;
    history h;
    int budget, best, proposed, resumed_from, stopped;
    int ordered;               /* 1: journal lines carry "completion" and "proposals" */
    clnas_space_genotype *archs; /* [budget]: each proposed trial's arch */
    double *fractions;         /* [budget]: the training fraction it was proposed at */
    unsigned char *where;      /* [budget]: TRIAL_* */
    int *redo, nredo, redo_at; /* trials in flight when the run stopped, handed out again first */
    double t_start;
    double t_last;      /* when the last result of this session came (0: none yet) */
    double net_seconds; /* this session's wall time between results, less kernel builds (seconds_per_trial) */
    double svg_at;  /* when progress.svg was last written */
    int svg_behind; /* 1: results came after it */
};

/* A candidate for the best architecture: a success at the full training budget. */
static int full_success(const clnas_journal_entry *e)
{
    return succeeded(e) && clnas_training_fraction_of(e->extra) == 1.0;
}

/* The first successful trial with this canonical hash at this training fraction, or -1 (an index into h). */
static int find_cached(const history *h, uint64_t hash, double fraction)
{
    for (int i = 0; i < h->n; i++)
        if (h->e[i].hash == hash && h->e[i].status == CLNAS_TRIAL_OK &&
            clnas_training_fraction_of(h->e[i].extra) == fraction)
            return i;
    return -1;
}

static clnas_status observe(const clnas_strategy_iface *s, void *state, const clnas_journal_entry *e, clnas_error *err)
{
    if (s->observe_cost) {
        const cJSON *lat = cJSON_GetObjectItemCaseSensitive(e->extra, "latency_ms");
        s->observe_cost(state, (double)e->params, e->flops, cJSON_IsNumber(lat) ? lat->valuedouble : NAN);
    }
    return s->observe(state, &e->arch, succeeded(e) ? e->fitness : NAN, err);
}

static clnas_status propose(clnas_trials *t, clnas_error *err)
{
    clnas_status st = t->strategy->propose(t->state, &t->archs[t->proposed], err);
    if (st == CLNAS_OK) {
        t->fractions[t->proposed] = t->strategy->training_fraction ? t->strategy->training_fraction(t->state) : 1.0;
        t->where[t->proposed++] = TRIAL_OUT;
    }
    return st;
}

/* Replays the journal's entries in file order (the order results came back): before each, the strategy proposes
 * until as many trials are proposed as were when that result came (each journaled trial's arch must be the
 * proposal's), then observes the recorded result; the entries move into t->h. */
static clnas_status replay(clnas_trials *t, clnas_journal_entry *old, int nold, clnas_error *err)
{
    clnas_status st = CLNAS_OK;
    for (int i = 0; i < nold && st == CLNAS_OK; i++) {
        const int until = old[i].has_order ? old[i].proposals : old[i].trial + 1;
        if (until > t->budget)
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: %d trials proposed, but the strategy's budget "
                                   "is %d; resume with the run's own config.json", t->journal_path, i + 1, until,
                                   t->budget);
        while (st == CLNAS_OK && t->proposed < until)
            st = propose(t, err);
        const clnas_space_genotype *proposed = &t->archs[old[i].trial];
        if (st == CLNAS_OK && !clnas_space_genotype_equal(proposed, &old[i].arch)) {
            char a[CLNAS_SPACE_STR_MAX], b[CLNAS_SPACE_STR_MAX];
            t->space->format(proposed, a, sizeof a, NULL);
            t->space->format(&old[i].arch, b, sizeof b, NULL);
            st = clnas_error_set(err, CLNAS_ERR_FORMAT,
                                 "%s line %d: the journal has %s where this config and seed propose %s; resume with "
                                 "the run's own config.json",
                                 t->journal_path, i + 1, b, a);
        }
        if (st == CLNAS_OK)
            st = observe(t->strategy, t->state, &old[i], err);
        if (st == CLNAS_OK && history_push(&t->h, &old[i]))
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        if (st == CLNAS_OK) {
            old[i].extra = NULL; /* now owned by h */
            t->where[old[i].trial] = TRIAL_DONE;
            t->ordered |= old[i].has_order;
            if (full_success(&t->h.e[t->h.n - 1]) && (t->best < 0 || old[i].fitness > t->h.e[t->best].fitness))
                t->best = t->h.n - 1;
        }
    }
    return st;
}

/* e's parameters and FLOPs from its own arch where the evaluator (may be NULL) can tell them; best effort: a network
 * that does not compile keeps the figures it has (its trial says why elsewhere). */
static void own_cost(clnas_evaluator *evaluator, clnas_journal_entry *e)
{
    long params;
    double flops;
    clnas_error ignored;
    if (evaluator && evaluator->iface->cost &&
        evaluator->iface->cost(evaluator->state, &e->arch, &params, &flops, &ignored) == CLNAS_OK) {
        e->params = params;
        e->flops = flops;
    }
}

/* Where and when the trial ran, appended to its journal line (after the evaluator's keys). */
static clnas_status add_provenance(const clnas_trials_options *opt, clnas_journal_entry *e, clnas_error *err)
{
    return clnas_run_stamp(&e->extra, opt->device, opt->driver, err);
}

/* After the replay: the trials proposed but not journaled were in flight; they go out again, in proposal order. */
static clnas_status queue_in_flight(clnas_trials *t, clnas_error *err)
{
    t->redo = malloc((size_t)(t->proposed ? t->proposed : 1) * sizeof *t->redo);
    if (!t->redo)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (int i = 0; i < t->proposed; i++)
        if (t->where[i] == TRIAL_OUT)
            t->redo[t->nredo++] = i;
    return CLNAS_OK;
}

/* Reads the journal (a torn last line dropped, with a warning) and replays it; opens it for appending. */
static clnas_status open_journal(clnas_trials *t, int max_in_flight, clnas_error *err)
{
    clnas_journal_entry *old = NULL;
    int nold = 0, torn = 0;
    size_t good = 0;
    clnas_status st = clnas_journal_read_space(t->journal_path, t->space, &old, &nold, &torn, &good, err);
    if (st != CLNAS_OK)
        return st;
    if (torn && t->opt.warning) {
        char msg[1300];
        snprintf(msg, sizeof msg, "%s: the last line was torn (the search was stopped while writing it); dropped it "
                 "and kept the %d complete trials", t->journal_path, nold);
        t->opt.warning(msg, t->opt.user);
    }
    int ordered = max_in_flight > 1 || t->opt.with_workers;
    for (int i = 0; i < nold; i++)
        ordered |= old[i].has_order;
    if (ordered && !t->strategy->set_in_flight)
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy %s cannot have several trials in flight",
                             t->strategy->name);
    else if (ordered) /* a resume may hold more trials in flight than this run has workers */
        st = t->strategy->set_in_flight(t->state, CLNAS_STRATEGY_MAX_IN_FLIGHT, err);
    t->ordered = max_in_flight > 1 || t->opt.with_workers;
    if (st == CLNAS_OK)
        st = replay(t, old, nold, err);
    clnas_journal_entries_free(old, nold);
    t->resumed_from = t->h.n;
    if (st == CLNAS_OK)
        st = queue_in_flight(t, err);
    if (st == CLNAS_OK)
        st = clnas_journal_open(t->journal_path, torn ? good : (size_t)-1, &t->journal, err);
    return st;
}

clnas_status clnas_trials_open(const clnas_strategy_iface *strategy, void *state, int max_in_flight,
                               const clnas_trials_options *opt, clnas_trials **out, clnas_error *err)
{
    *out = NULL;
    if (max_in_flight < 1 || max_in_flight > CLNAS_STRATEGY_MAX_IN_FLIGHT)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%d trials in flight: expected 1 to %d (one per worker)",
                               max_in_flight, CLNAS_STRATEGY_MAX_IN_FLIGHT);
    clnas_trials *t = calloc(1, sizeof *t);
    const int budget = strategy->budget(state);
    if (t) {
        t->archs = calloc((size_t)budget + 1, sizeof *t->archs);
        t->fractions = calloc((size_t)budget + 1, sizeof *t->fractions);
        t->where = calloc((size_t)budget + 1, 1);
    }
    if (!t || !t->archs || !t->fractions || !t->where) {
        if (t) {
            free(t->archs);
            free(t->fractions);
            free(t->where);
        }
        free(t);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for %d trials", budget);
    }
    t->strategy = strategy;
    t->state = state;
    t->opt = *opt;
    t->space = clnas_space_or_nb201(opt->space);
    t->budget = budget;
    t->best = -1;
    snprintf(t->journal_path, sizeof t->journal_path, "%s/journal.jsonl", opt->run_dir);
    snprintf(t->svg_path, sizeof t->svg_path, "%s/progress.svg", opt->run_dir);
    *out = t;
    clnas_status st = open_journal(t, max_in_flight, err);
    /* best.json as the replayed journal stands: a run stopped between a journal line and best.json (a kill, a failed
     * write) would otherwise keep an older best, or none, when no later trial beats the replayed one */
    if (st == CLNAS_OK && t->best >= 0)
        st = clnas_run_best_write(opt->run_dir, &t->h.e[t->best], NULL, err);
    t->t_start = clnas_clock_seconds();
    return st;
}

int clnas_trials_done(const clnas_trials *t)
{
    return t->h.n;
}

int clnas_trials_budget(const clnas_trials *t)
{
    return t->budget;
}

const clnas_space_iface *clnas_trials_space(const clnas_trials *t)
{
    return t->space;
}

/* The time a trial takes, for the estimate of the time left: the mean wall time between results of this session,
 * less what the evaluator spent building kernels (compile_seconds) and on its first step (first_step_seconds, where
 * PoCL compiles them for the device). A cold first trial spends minutes there that the later trials, loading the
 * same programs, do not; counting it made the first estimates several times too long (issue 17). */
static double seconds_per_trial(struct clnas_trials *t, const clnas_journal_entry *last)
{
    const double now = clnas_clock_seconds();
    double wall = now - (t->t_last > 0 ? t->t_last : t->t_start);
    static const char *const builds[] = {"compile_seconds", "first_step_seconds"};
    for (int k = 0; k < 2 && last->extra; k++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(last->extra, builds[k]);
        wall -= cJSON_IsNumber(c) ? c->valuedouble : 0;
    }
    t->t_last = now;
    t->net_seconds += wall > 0 ? wall : 0;
    const int since = t->h.n - t->resumed_from;
    return since > 0 ? t->net_seconds / since : 0;
}

/* Appends e to the journal and the history, has the strategy observe it, updates best.json, the plot, progress. */
static clnas_status record(clnas_trials *t, clnas_journal_entry *e, clnas_error *err)
{
    if (t->ordered) {
        e->has_order = 1;
        e->completion = t->h.n;
        e->proposals = t->proposed;
    }
    clnas_status st = add_provenance(&t->opt, e, err);
    if (st == CLNAS_OK)
        st = clnas_journal_append(&t->journal, e, err);
    if (st == CLNAS_OK)
        st = observe(t->strategy, t->state, e, err);
    if (st == CLNAS_OK && history_push(&t->h, e))
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    if (st != CLNAS_OK) {
        cJSON_Delete(e->extra);
        return st;
    }
    t->where[e->trial] = TRIAL_DONE;
    history *h = &t->h;
    if (full_success(e) && (t->best < 0 || e->fitness > h->e[t->best].fitness)) {
        t->best = h->n - 1;
        st = clnas_run_best_write(t->opt.run_dir, &h->e[t->best], NULL, err);
    }
    /* Several workers: the plot (a whole file written and synced) at most once a second, so that the master's cost
     * per result is the journal line; the last one at close. */
    const double now = clnas_clock_seconds();
    t->svg_behind = 1;
    if (st == CLNAS_OK && (!t->ordered || now - t->svg_at >= 1.0)) {
        st = clnas_progress_svg_write(t->svg_path, h->e, h->n, t->opt.title, err);
        t->svg_at = now;
        t->svg_behind = 0;
    }
    if (st == CLNAS_OK && t->opt.progress) {
        clnas_trials_progress p;
        p.entry = &h->e[h->n - 1];
        p.done = h->n;
        p.trials = t->budget;
        p.best_trial = t->best >= 0 ? h->e[t->best].trial : -1;
        p.best_fitness = t->best >= 0 ? h->e[t->best].fitness : NAN;
        p.best_arch = t->best >= 0 ? &h->e[t->best].arch : NULL;
        p.space = t->space;
        p.seconds_per_trial = seconds_per_trial(t, &h->e[h->n - 1]);
        p.seconds_left = p.seconds_per_trial * (t->budget - h->n);
        t->opt.progress(&p, t->opt.user);
    }
    return st;
}

/* Trial `trial` (just proposed) repeats an isomorphic earlier success: journaled as cached. *cached = 0 if not. */
static clnas_status try_cached(clnas_trials *t, int trial, int *cached, clnas_error *err)
{
    clnas_journal_entry e;
    memset(&e, 0, sizeof e);
    e.trial = trial;
    e.space = t->space;
    e.arch = t->archs[trial];
    t->space->canonical(&e.arch, NULL, 0, &e.hash, NULL);
    const int prior = find_cached(&t->h, e.hash, t->fractions[trial]);
    *cached = prior >= 0;
    if (prior < 0)
        return CLNAS_OK;
    e.status = CLNAS_TRIAL_CACHED;
    e.fitness = t->h.e[prior].fitness;
    e.params = t->h.e[prior].params;
    e.flops = t->h.e[prior].flops;
    /* the fitness is the class's, the size the cell's own: an isomorphic cell may differ by a parameter-free edge (a
     * conv reading a zero node, whose output is a constant) */
    own_cost(t->opt.evaluator, &e);
    e.extra = cJSON_CreateObject();
    cJSON_AddNumberToObject(e.extra, "cached_from", t->h.e[prior].trial);
    /* an isomorphic network runs the same kernels: the objective's latency carries over */
    static const char *const latency_keys[] = {"latency_ms", "train_step_ms", "inference_ms"};
    for (int k = 0; k < 3; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t->h.e[prior].extra, latency_keys[k]);
        if (cJSON_IsNumber(v))
            cJSON_AddNumberToObject(e.extra, latency_keys[k], v->valuedouble);
    }
    clnas_status st = clnas_training_fraction_note(&e.extra, t->fractions[trial], err);
    if (st != CLNAS_OK) {
        cJSON_Delete(e.extra);
        return st;
    }
    return record(t, &e, err);
}

clnas_status clnas_trials_next(clnas_trials *t, clnas_trials_job *job, int *got, clnas_error *err)
{
    *got = 0;
    for (;;) {
        if (t->h.n >= t->budget)
            return CLNAS_OK;
        if (t->opt.stop && *t->opt.stop) {
            t->stopped = 1;
            return CLNAS_OK;
        }
        if (t->redo_at < t->nredo) {
            job->trial = t->redo[t->redo_at++];
            job->arch = t->archs[job->trial];
            job->fraction = t->fractions[job->trial];
            *got = 1;
            return CLNAS_OK;
        }
        if (t->proposed >= t->budget)
            return CLNAS_OK;
        const int trial = t->proposed;
        int cached = 0;
        clnas_status st = propose(t, err);
        if (st == CLNAS_OK)
            st = try_cached(t, trial, &cached, err);
        if (st != CLNAS_OK)
            return st;
        if (!cached) {
            job->trial = trial;
            job->arch = t->archs[trial];
            job->fraction = t->fractions[trial];
            *got = 1;
            return CLNAS_OK;
        }
    }
}

clnas_status clnas_trials_complete(clnas_trials *t, const clnas_trials_job *job, clnas_evaluator_result *r,
                                   clnas_error *err)
{
    if (job->trial < 0 || job->trial >= t->proposed || t->where[job->trial] != TRIAL_OUT) {
        cJSON_Delete(r->extra);
        r->extra = NULL;
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "trial %d is not in flight", job->trial);
    }
    clnas_journal_entry e;
    memset(&e, 0, sizeof e);
    e.trial = job->trial;
    e.space = t->space;
    e.arch = t->archs[job->trial];
    t->space->canonical(&e.arch, NULL, 0, &e.hash, NULL);
    e.status = r->status;
    e.fitness = r->status == CLNAS_TRIAL_OK ? r->fitness : NAN;
    e.params = r->params;
    e.flops = r->flops;
    if (r->status == CLNAS_TRIAL_OK && r->params == 0 && r->flops == 0) /* an evaluator that builds nothing (a table) */
        own_cost(t->opt.evaluator, &e);
    e.seconds = r->seconds;
    snprintf(e.error, sizeof e.error, "%s", r->error);
    e.extra = r->extra;
    r->extra = NULL;
    clnas_status st = clnas_training_fraction_note(&e.extra, t->fractions[job->trial], err);
    if (st != CLNAS_OK) {
        cJSON_Delete(e.extra);
        return st;
    }
    return record(t, &e, err);
}

clnas_status clnas_trials_close(clnas_trials *t, clnas_status st, clnas_trials_summary *summary, clnas_error *err)
{
    memset(summary, 0, sizeof *summary);
    summary->best_trial = -1;
    summary->best_fitness = NAN;
    if (!t)
        return st;
    clnas_journal_close(&t->journal);
    const history *h = &t->h;
    summary->trials_done = h->n;
    summary->resumed_from = t->resumed_from;
    summary->stopped = t->stopped;
    if (t->best >= 0) {
        summary->best_trial = h->e[t->best].trial;
        summary->best_fitness = h->e[t->best].fitness;
        t->space->format(&h->e[t->best].arch, summary->best_arch, sizeof summary->best_arch, NULL);
    }
    if (st == CLNAS_OK && t->svg_behind)
        st = clnas_progress_svg_write(t->svg_path, h->e, h->n, t->opt.title, err);
    for (int i = 0; i < h->n; i++)
        cJSON_Delete(h->e[i].extra);
    free(h->e);
    free(t->archs);
    free(t->fractions);
    free(t->where);
    free(t->redo);
    free(t);
    return st;
}

clnas_status clnas_trials_run(const clnas_strategy_iface *strategy, void *state, clnas_evaluator *evaluator,
                              const clnas_trials_options *opt, clnas_trials_summary *summary, clnas_error *err)
{
    clnas_trials_options o = *opt;
    if (!o.evaluator)
        o.evaluator = evaluator;
    clnas_trials *t = NULL;
    clnas_status st = clnas_trials_open(strategy, state, 1, &o, &t, err);
    while (st == CLNAS_OK) {
        clnas_trials_job job;
        int got = 0;
        st = clnas_trials_next(t, &job, &got, err);
        if (st != CLNAS_OK || !got)
            break;
        clnas_evaluator_result r;
        memset(&r, 0, sizeof r);
        st = clnas_evaluator_evaluate(evaluator, &job.arch, job.fraction, &r, err);
        if (st == CLNAS_OK)
            st = clnas_trials_complete(t, &job, &r, err);
    }
    return clnas_trials_close(t, st, summary, err);
}
