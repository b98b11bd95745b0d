/* clnas — Bayesian optimisation on any space: a Gaussian process over an encoding of the genotype (NB201's effective
 * edge ops, other spaces' decisions), expected improvement, candidates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/rng.h"
#include "bo_acquire.h"
#include "space_nb201.h"
#include "strategy.h"
#include "strategy_common.h"

/* Parameters: trials (100), initial (10, 1 to trials), candidates (200), parents (5).
 * The first `initial` proposals are space->sample draws of canonical classes not proposed before (up to 64 draws,
 * then any). Every later one is clnas_bo_acquire's pick (bo_acquire.h: a Gaussian process over the encoding, on
 * NB201 the effective one-hot edge ops, on other spaces a one-hot per decision of space_iface.h's decisions;
 * expected improvement over the best observed fitness; candidates the space's neighbours (the mutations) of the
 * `parents` best observations and `candidates` space->sample draws) among the classes not proposed yet (the
 * space's canonical hash). With fewer than two successes, or no candidate left, the proposal is a sample. A failed
 * trial (NAN) is not a GP observation; its class still counts as proposed. Fitting costs O(n^3) per proposal for n
 * observations, a few milliseconds at n = 100; the candidates cost O(n dim) each: on the chain space, about 2,000
 * neighbours a parent and dim 778. */

#define BO_MAX_TRIALS 1000
#define BO_MAX_CANDIDATES 100000

typedef enum bo_kind { BO_INITIAL, BO_MODEL, BO_RANDOM_NO_MODEL } bo_kind;

typedef struct bo_state {
    int trials, initial, candidates, parents;
    clnas_rng rng;
    const clnas_space_iface *space;
    clnas_proposal_order order;
    clnas_space_genotype *arch; /* observations in order */
    double *fitness;
    uint64_t *seen;       /* canonical hashes of every proposal */
    int n_obs, n_seen;
    bo_kind last_kind; /* the last proposal, for describe() */
    clnas_bo_pick last;
} bo_state;

static void bo_destroy(void *state)
{
    bo_state *s = state;
    if (!s)
        return;
    free(s->arch);
    free(s->fitness);
    free(s->seen);
    free(s);
}

static clnas_status bo_create(const cJSON *params, uint64_t seed, const clnas_space_iface *space, cJSON *resolved,
                             void **state, clnas_error *err)
{
    static const char *const known[] = {"trials", "initial", "candidates", "parents"};
    *state = NULL;
    clnas_status st = clnas_strategy_params_check(params, "bo", known, 4, resolved, err);
    int trials = 0, initial = 0, candidates = 0, parents = 0;
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(params, "trials", 100, 1, BO_MAX_TRIALS, NULL, resolved, &trials, err);
    char hi_text[64];
    snprintf(hi_text, sizeof hi_text, "trials (%d)", trials);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(params, "initial", trials < 10 ? trials : 10, 1, trials, hi_text, resolved,
                                      &initial, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(params, "candidates", 200, 0, BO_MAX_CANDIDATES, NULL, resolved, &candidates,
                                      err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(params, "parents", 5, 0, BO_MAX_TRIALS, NULL, resolved, &parents, err);
    if (st != CLNAS_OK)
        return st;
    bo_state *s = calloc(1, sizeof *s);
    if (s) {
        s->arch = calloc((size_t)trials, sizeof *s->arch);
        s->fitness = calloc((size_t)trials, sizeof *s->fitness);
        s->seen = calloc((size_t)trials, sizeof *s->seen);
    }
    if (!s || !s->arch || !s->fitness || !s->seen) {
        bo_destroy(s);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "bo: out of memory for %d trials", trials);
    }
    s->trials = trials;
    s->initial = initial;
    s->candidates = candidates;
    s->parents = parents;
    s->space = clnas_space_or_nb201(space);
    s->order.space = s->space;
    clnas_rng_seed(&s->rng, seed);
    *state = s;
    return CLNAS_OK;
}

static int bo_budget(const void *state)
{
    return ((const bo_state *)state)->trials;
}

/* A sample of the space, of a class not proposed yet when one turns up within 64 draws. */
static void sample_unseen(bo_state *s, clnas_space_genotype *out)
{
    for (int k = 0; k < 64; k++) {
        s->space->sample(s->space, &s->rng, out);
        if (!clnas_bo_class_in(s->seen, s->n_seen, clnas_bo_class(s->space, out)))
            return;
    }
}

static clnas_status bo_propose(void *state, clnas_space_genotype *out, clnas_error *err)
{
    bo_state *s = state;
    clnas_status st = clnas_proposal_order_can_propose(&s->order, s->trials, "bo", err);
    if (st != CLNAS_OK)
        return st;
    clnas_bo_pick pick = {0};
    if (s->order.proposed >= s->initial) {
        st = clnas_bo_acquire(s->space, s->arch, s->fitness, s->n_obs, s->seen, s->n_seen, s->parents, s->candidates,
                              &s->rng, &pick, err);
        if (st != CLNAS_OK)
            return st;
    }
    if (pick.picked)
        *out = pick.arch;
    else
        sample_unseen(s, out);
    s->last = pick;
    s->last_kind = pick.picked ? BO_MODEL : s->order.proposed < s->initial ? BO_INITIAL : BO_RANDOM_NO_MODEL;
    s->seen[s->n_seen++] = clnas_bo_class(s->space, out);
    clnas_proposal_order_proposed(&s->order, out);
    return CLNAS_OK;
}

static clnas_status bo_observe(void *state, const clnas_space_genotype *arch, double fitness, clnas_error *err)
{
    bo_state *s = state;
    clnas_status st = clnas_proposal_order_observe(&s->order, arch, fitness, "bo", err);
    if (st != CLNAS_OK)
        return st;
    s->arch[s->n_obs] = *arch;
    s->fitness[s->n_obs] = fitness;
    s->n_obs++;
    return CLNAS_OK;
}

/* {"phase" (of the next proposal), "observations", "last_proposal": {"trial", "kind", and for a model proposal
 *  "expected_improvement", "predicted_mean", "predicted_sd", "gp": {"length", "noise_ratio", "log_marginal",
 *  "points"}}}. */
static cJSON *bo_describe(const void *state)
{
    const bo_state *s = state;
    static const char *const kind_names[] = {"initial", "model", "random_no_model"};
    cJSON *root = cJSON_CreateObject();
    int ok = root && cJSON_AddStringToObject(root, "phase", s->order.proposed < s->initial ? "initial" : "model")
             && cJSON_AddNumberToObject(root, "observations", s->n_obs);
    if (ok && s->order.proposed > 0) {
        cJSON *last = cJSON_AddObjectToObject(root, "last_proposal");
        ok = last && cJSON_AddNumberToObject(last, "trial", s->order.proposed - 1)
             && cJSON_AddStringToObject(last, "kind", kind_names[s->last_kind]);
        if (ok && s->last_kind == BO_MODEL) {
            cJSON *gp = cJSON_AddObjectToObject(last, "gp");
            ok = cJSON_AddNumberToObject(last, "expected_improvement", s->last.ei)
                 && cJSON_AddNumberToObject(last, "predicted_mean", s->last.mean)
                 && cJSON_AddNumberToObject(last, "predicted_sd", s->last.sd) && gp
                 && cJSON_AddNumberToObject(gp, "length", s->last.length)
                 && cJSON_AddNumberToObject(gp, "noise_ratio", s->last.noise_ratio)
                 && cJSON_AddNumberToObject(gp, "log_marginal", s->last.log_marginal)
                 && cJSON_AddNumberToObject(gp, "points", s->last.points);
        }
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

const clnas_strategy_iface clnas_strategy_bo = {
    .name = "bo",
    .create = bo_create,
    .budget = bo_budget,
    .propose = bo_propose,
    .observe = bo_observe,
    .describe = bo_describe,
    .destroy = bo_destroy,
};
