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
#include "svg_plot.h"
#include "clock.h"

static int succeeded(const clnas_journal_entry *e)
{
    return (e->status == CLNAS_TRIAL_OK || e->status == CLNAS_TRIAL_CACHED) && isfinite(e->fitness);
}

/* A growing array of journal entries (the run so far). */
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

/* The first successful trial with this canonical hash, or -1. */
static int find_cached(const history *h, uint64_t hash)
{
    for (int i = 0; i < h->n; i++)
        if (h->e[i].hash == hash && h->e[i].status == CLNAS_TRIAL_OK)
            return i;
    return -1;
}

static clnas_status observe(const clnas_strategy_iface *s, void *state, const clnas_journal_entry *e, clnas_error *err)
{
    return s->observe(state, &e->arch, succeeded(e) ? e->fitness : NAN, err);
}

/* Replays the journal's entries: the strategy proposes again (each proposal must be the journal's) and observes
 * the recorded result; the entries move into h; *best is the best successful one. */
static clnas_status replay(const clnas_strategy_iface *strategy, void *state, const char *journal_path,
                           clnas_journal_entry *old, int nold, history *h, int *best, clnas_error *err)
{
    clnas_status st = CLNAS_OK;
    for (int i = 0; i < nold && st == CLNAS_OK; i++) {
        clnas_genotype proposed;
        st = strategy->propose(state, &proposed, err);
        if (st == CLNAS_OK && memcmp(&proposed, &old[i].arch, sizeof proposed) != 0) {
            char a[CLNAS_GENOTYPE_STR_MAX], b[CLNAS_GENOTYPE_STR_MAX];
            clnas_genotype_format(&proposed, a, sizeof a, NULL);
            clnas_genotype_format(&old[i].arch, b, sizeof b, NULL);
            st = clnas_error_set(err, CLNAS_ERR_FORMAT,
                                 "%s line %d: the journal has %s where this config and seed propose %s; resume with "
                                 "the run's own config.json",
                                 journal_path, i + 1, b, a);
        }
        if (st == CLNAS_OK)
            st = observe(strategy, state, &old[i], err);
        if (st == CLNAS_OK && history_push(h, &old[i]))
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        if (st == CLNAS_OK) {
            old[i].extra = NULL; /* now owned by h */
            if (succeeded(&h->e[i]) && (*best < 0 || h->e[i].fitness > h->e[*best].fitness))
                *best = i;
        }
    }
    return st;
}

/* Trial e->trial's result: an isomorphic earlier success's (cached), else the evaluator's (*fresh counts those). */
static clnas_status trial_result(clnas_evaluator *evaluator, const history *h, clnas_journal_entry *e, int *fresh,
                                 clnas_error *err)
{
    clnas_genotype_canonical(&e->arch, NULL, 0, &e->hash, NULL);
    int prior = find_cached(h, e->hash);
    if (prior >= 0) {
        e->status = CLNAS_TRIAL_CACHED;
        e->fitness = h->e[prior].fitness;
        e->params = h->e[prior].params;
        e->flops = h->e[prior].flops;
        e->extra = cJSON_CreateObject();
        cJSON_AddNumberToObject(e->extra, "cached_from", prior);
        return CLNAS_OK;
    }
    clnas_evaluator_result r;
    memset(&r, 0, sizeof r);
    clnas_status st = evaluator->iface->evaluate(evaluator->state, &e->arch, &r, err);
    if (st != CLNAS_OK)
        return st;
    e->status = r.status;
    e->fitness = r.status == CLNAS_TRIAL_OK ? r.fitness : NAN;
    e->params = r.params;
    e->flops = r.flops;
    e->seconds = r.seconds;
    snprintf(e->error, sizeof e->error, "%s", r.error);
    e->extra = r.extra;
    (*fresh)++;
    return CLNAS_OK;
}

clnas_status clnas_trials_run(const clnas_strategy_iface *strategy, void *state, clnas_evaluator *evaluator,
                              const clnas_trials_options *opt, clnas_trials_summary *summary, clnas_error *err)
{
    memset(summary, 0, sizeof *summary);
    summary->best_trial = -1;
    char journal_path[1100], svg_path[1100];
    snprintf(journal_path, sizeof journal_path, "%s/journal.jsonl", opt->run_dir);
    snprintf(svg_path, sizeof svg_path, "%s/progress.svg", opt->run_dir);

    clnas_journal_entry *old = NULL;
    int nold = 0, torn = 0;
    size_t good = 0;
    clnas_status st = clnas_journal_read(journal_path, &old, &nold, &torn, &good, err);
    if (st != CLNAS_OK)
        return st;
    if (torn && opt->warning) {
        char msg[1300];
        snprintf(msg, sizeof msg, "%s: the last line was torn (the search was stopped while writing it); dropped it "
                 "and kept the %d complete trials", journal_path, nold);
        opt->warning(msg, opt->user);
    }
    history h = {NULL, 0, 0};
    int budget = strategy->budget(state), best = -1;
    st = replay(strategy, state, journal_path, old, nold, &h, &best, err);
    clnas_journal_entries_free(old, nold);
    summary->resumed_from = h.n;
    clnas_journal journal = {0};
    if (st == CLNAS_OK)
        st = clnas_journal_open(journal_path, torn ? good : (size_t)-1, &journal, err);
    /* best.json as the replayed journal stands: a run stopped between a journal line and best.json (a kill, a
     * failed write) would otherwise keep an older best, or none, when no later trial beats the replayed one */
    if (st == CLNAS_OK && best >= 0)
        st = clnas_run_best_write(opt->run_dir, &h.e[best], NULL, err);

    double t_start = clnas_clock_seconds();
    int fresh = 0;
    while (st == CLNAS_OK && h.n < budget) {
        if (opt->stop && *opt->stop) {
            summary->stopped = 1;
            break;
        }
        clnas_journal_entry e;
        memset(&e, 0, sizeof e);
        e.trial = h.n;
        st = strategy->propose(state, &e.arch, err);
        if (st == CLNAS_OK)
            st = trial_result(evaluator, &h, &e, &fresh, err);
        if (st != CLNAS_OK)
            break;
        st = clnas_journal_append(&journal, &e, err);
        if (st == CLNAS_OK)
            st = observe(strategy, state, &e, err);
        if (st == CLNAS_OK && history_push(&h, &e))
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        if (st != CLNAS_OK) {
            cJSON_Delete(e.extra);
            break;
        }
        if (succeeded(&e) && (best < 0 || e.fitness > h.e[best].fitness)) {
            best = h.n - 1;
            st = clnas_run_best_write(opt->run_dir, &h.e[best], NULL, err);
        }
        if (st == CLNAS_OK)
            st = clnas_progress_svg_write(svg_path, h.e, h.n, opt->title, err);
        if (st == CLNAS_OK && opt->progress) {
            clnas_trials_progress p;
            p.entry = &h.e[h.n - 1];
            p.trials = budget;
            p.best_trial = best;
            p.best_fitness = best >= 0 ? h.e[best].fitness : NAN;
            p.best_arch = best >= 0 ? &h.e[best].arch : NULL;
            p.seconds_per_trial = (clnas_clock_seconds() - t_start) / (h.n - summary->resumed_from);
            p.seconds_left = p.seconds_per_trial * (budget - h.n);
            opt->progress(&p, opt->user);
        }
    }
    clnas_journal_close(&journal);
    summary->trials_done = h.n;
    summary->best_trial = best;
    summary->best_fitness = best >= 0 ? h.e[best].fitness : NAN;
    if (best >= 0)
        clnas_genotype_format(&h.e[best].arch, summary->best_arch, sizeof summary->best_arch, NULL);
    for (int i = 0; i < h.n; i++)
        cJSON_Delete(h.e[i].extra);
    free(h.e);
    return st;
}
