/* clnas — Hyperband (Li et al. 2018): successive halving over the training budget, brackets of each aggressiveness. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_acquire.h"
#include "clnas/rng.h"
#include "space_nb201.h"
#include "strategy.h"
#include "strategy_common.h"

/* Parameters: trials (100), eta (3, 2 to 10), min_fraction (1/9: the smallest training fraction, 0.001 to 1),
 * successive_halving (false), sampler ("bo" or "random"; "bo"). With s_max the largest s such that
 * eta^s <= 1 / min_fraction, the brackets run s = s_max, s_max - 1, ..., 0 and again from s_max (successive_halving
 * true: every bracket is s_max). Bracket s starts n = ceil((s_max + 1) eta^s / (s + 1)) new cells at the training
 * fraction eta^-s. Sampler "random" (Li et al.): uniform random cells of canonical classes not sampled before (up to
 * 64 draws each). Sampler "bo" (as BOHB, Falkner et al. 2018, with bo_acquire.h's Gaussian process in place of its
 * density estimator): every third new cell (the 3rd, 6th, ...) is such a random cell, the others are
 * clnas_bo_acquire's pick (5 parents, 200 random candidates) among classes not sampled before, the model fitted to
 * the trials of the largest training fraction that has at least 8 successful trials (random while none has).
 * Rung i (0..s) evaluates floor(n / eta^i) cells at fraction eta^(i - s), and the cells of rung i + 1 are the best
 * floor(n / eta^(i + 1)) of rung i by fitness (a failed trial ranks last, the earlier-evaluated first on a tie),
 * best first. The last rung of every bracket trains at the full
 * budget; only such trials can be the search's best (the trials loop's rule). Every evaluation, at any fraction,
 * is one trial of the budget; a search that runs out of trials mid-bracket stops there.
 * Cells are genotypes of the run's space (classes: the space's canonical hash); sampler "bo" models them with
 * bo_acquire.h's encoding of that space (candidates: the space's neighbours and samples). */

#define HB_MAX_TRIALS 10000000
#define HB_MODEL_MIN_POINTS 8

typedef struct hb_state {
    int trials, eta, s_max, halving_only, sampler_bo;
    double min_fraction;
    const clnas_space_iface *space;
    clnas_rng rng;
    clnas_proposal_order order;
    int bracket, rung, started; /* the current bracket s and rung i; started 0 before the first */
    int brackets_done;
    clnas_space_genotype *cell; /* the current rung's cells, in evaluation order */
    clnas_space_genotype *kept; /* promotion scratch */
    double *fitness;
    int *rank;            /* promotion scratch */
    int rung_n, pos, cap; /* pos: cells of the rung proposed so far */
    uint64_t *seen;               /* canonical classes sampled, n_seen of them */
    clnas_space_genotype *hist_arch; /* every trial observed, for the model */
    double *hist_fit, *hist_frac;
    int n_seen, n_hist, cap_seen, cap_hist;
    clnas_space_genotype *model_arch; /* scratch: the trials the model is fitted to (sampler "bo") */
    double *model_fit;
} hb_state;

static long ipow(int base, int exp)
{
    long v = 1;
    while (exp-- > 0)
        v *= base;
    return v;
}

static void hb_destroy(void *state)
{
    hb_state *s = state;
    if (!s)
        return;
    free(s->cell);
    free(s->kept);
    free(s->fitness);
    free(s->rank);
    free(s->seen);
    free(s->hist_arch);
    free(s->hist_fit);
    free(s->hist_frac);
    free(s->model_arch);
    free(s->model_fit);
    free(s);
}

static long bracket_size(const hb_state *s, int bracket)
{
    return ((long)(s->s_max + 1) * ipow(s->eta, bracket) + bracket) / (bracket + 1);
}

static clnas_status hb_create(const cJSON *params, uint64_t seed, const clnas_space_iface *space, cJSON *resolved,
                             void **state, clnas_error *err)
{
    static const char *const known[] = {"trials", "eta", "min_fraction", "successive_halving", "sampler"};
    static const char *const samplers[] = {"bo", "random"};
    *state = NULL;
    clnas_status st = clnas_strategy_params_check(params, "hyperband", known, 5, resolved, err);
    int trials = 0, eta = 0, halving = 0, sampler = 0;
    double min_fraction = 0;
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(params, "trials", 100, 1, HB_MAX_TRIALS, NULL, resolved, &trials, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(params, "eta", 3, 2, 10, NULL, resolved, &eta, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_number(params, "min_fraction", 1.0 / 9.0, 0.001, 0, 1.0, 0, resolved,
                                         &min_fraction, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_bool(params, "successive_halving", 0, resolved, &halving, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_choice(params, "sampler", 0, samplers, 2, resolved, &sampler, err);
    space = clnas_space_or_nb201(space);
    if (st != CLNAS_OK)
        return st;
    hb_state *s = calloc(1, sizeof *s);
    if (!s)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "hyperband: out of memory");
    s->trials = trials;
    s->space = space;
    s->order.space = space;
    s->eta = eta;
    s->min_fraction = min_fraction;
    s->halving_only = halving;
    s->sampler_bo = sampler == 0;
    while ((double)ipow(eta, s->s_max + 1) * min_fraction <= 1.0 + 1e-9)
        s->s_max++;
    s->cap = (int)bracket_size(s, s->s_max);
    s->cell = calloc((size_t)s->cap, sizeof *s->cell);
    s->fitness = calloc((size_t)s->cap, sizeof *s->fitness);
    s->rank = calloc((size_t)s->cap, sizeof *s->rank);
    s->kept = calloc((size_t)s->cap, sizeof *s->kept);
    if (!s->cell || !s->fitness || !s->rank || !s->kept) {
        const int cap = s->cap;
        hb_destroy(s);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "hyperband: out of memory for a bracket of %d cells", cap);
    }
    clnas_rng_seed(&s->rng, seed);
    *state = s;
    return CLNAS_OK;
}

static int hb_budget(const void *state)
{
    return ((const hb_state *)state)->trials;
}

/* Grows *p (n of size bytes each) to hold at least need; 0 when out of memory. */
static int grow(void **p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 1;
    const int cap2 = need > 2 * *cap ? need : 2 * *cap;
    void *q = realloc(*p, (size_t)cap2 * size);
    if (!q)
        return 0;
    *p = q;
    *cap = cap2;
    return 1;
}

/* The canonical class of a cell of the run's space. */
static uint64_t class_of(const hb_state *s, const clnas_space_genotype *g)
{
    uint64_t h = 0;
    s->space->canonical(g, NULL, 0, &h, NULL);
    return h;
}

static void sample_unseen(hb_state *s, clnas_space_genotype *out)
{
    for (int k = 0; k < 64; k++) {
        s->space->sample(s->space, &s->rng, out);
        if (!clnas_bo_class_in(s->seen, s->n_seen, class_of(s, out)))
            break;
    }
}

/* The model's pick (sampler "bo"), or *picked 0 while no training fraction has HB_MODEL_MIN_POINTS successes. */
static clnas_status sample_by_model(hb_state *s, clnas_space_genotype *out, int *picked, clnas_error *err)
{
    double fraction = 0.0;
    for (int i = 0; i < s->n_hist; i++) {
        if (!(s->hist_frac[i] > fraction))
            continue;
        int n = 0;
        for (int j = 0; j < s->n_hist; j++)
            n += s->hist_frac[j] == s->hist_frac[i] && !isnan(s->hist_fit[j]);
        if (n >= HB_MODEL_MIN_POINTS)
            fraction = s->hist_frac[i];
    }
    *picked = 0;
    if (fraction == 0.0)
        return CLNAS_OK;
    int n = 0;
    for (int i = 0; i < s->n_hist; i++)
        if (s->hist_frac[i] == fraction) {
            s->model_arch[n] = s->hist_arch[i];
            s->model_fit[n++] = s->hist_fit[i];
        }
    clnas_bo_pick pick;
    clnas_status st = clnas_bo_acquire(s->space, s->model_arch, s->model_fit, n, s->seen, s->n_seen, 5, 200, &s->rng,
                                       &pick, err);
    *picked = st == CLNAS_OK && pick.picked;
    if (*picked)
        *out = pick.arch;
    return st;
}

/* One new cell for a bracket, by the sampler; its class joins the sampled ones. */
static clnas_status sample_new(hb_state *s, int k, clnas_space_genotype *out, clnas_error *err)
{
    int picked = 0;
    clnas_status st = CLNAS_OK;
    if (s->sampler_bo && k % 3 != 2)
        st = sample_by_model(s, out, &picked, err);
    if (st != CLNAS_OK)
        return st;
    if (!picked)
        sample_unseen(s, out);
    if (!grow((void **)&s->seen, &s->cap_seen, s->n_seen + 1, sizeof *s->seen))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "hyperband: out of memory");
    s->seen[s->n_seen++] = class_of(s, out);
    return CLNAS_OK;
}

static double rank_fitness(double f)
{
    return isnan(f) ? -INFINITY : f;
}

/* Rung i + 1 from rung i: the best floor(n / eta^(i + 1)), best first (stable: the earlier on a tie). */
static void promote(hb_state *s)
{
    for (int i = 0; i < s->rung_n; i++) {
        int j = i;
        while (j > 0 && rank_fitness(s->fitness[s->rank[j - 1]]) < rank_fitness(s->fitness[i])) {
            s->rank[j] = s->rank[j - 1];
            j--;
        }
        s->rank[j] = i;
    }
    const int keep = (int)(bracket_size(s, s->bracket) / ipow(s->eta, s->rung + 1));
    for (int k = 0; k < keep; k++)
        s->kept[k] = s->cell[s->rank[k]];
    memcpy(s->cell, s->kept, (size_t)keep * sizeof *s->cell);
    s->rung_n = keep;
    s->rung++;
}

/* Moves on when the current rung is all proposed: the next rung, or the next bracket's first (new cells). */
static clnas_status advance(hb_state *s, clnas_error *err)
{
    clnas_status st = CLNAS_OK;
    if (s->started && s->rung < s->bracket) {
        promote(s);
    } else {
        if (s->started)
            s->brackets_done++;
        s->bracket = s->halving_only || !s->started || s->bracket == 0 ? s->s_max : s->bracket - 1;
        s->started = 1;
        s->rung = 0;
        s->rung_n = (int)bracket_size(s, s->bracket);
        for (int k = 0; k < s->rung_n && st == CLNAS_OK; k++)
            st = sample_new(s, k, &s->cell[k], err);
    }
    s->pos = 0;
    return st;
}

static double current_fraction(const hb_state *s)
{
    return 1.0 / (double)ipow(s->eta, s->bracket - s->rung);
}

static clnas_status hb_propose(void *state, clnas_space_genotype *out, clnas_error *err)
{
    hb_state *s = state;
    clnas_status st = clnas_proposal_order_can_propose(&s->order, s->trials, "hyperband", err);
    if (st != CLNAS_OK)
        return st;
    if (!s->started || s->pos == s->rung_n)
        st = advance(s, err);
    if (st != CLNAS_OK)
        return st;
    *out = s->cell[s->pos];
    clnas_proposal_order_proposed(&s->order, out);
    return CLNAS_OK;
}

static clnas_status hb_observe(void *state, const clnas_space_genotype *arch, double fitness, clnas_error *err)
{
    hb_state *s = state;
    clnas_status st = clnas_proposal_order_observe(&s->order, arch, fitness, "hyperband", err);
    if (st != CLNAS_OK)
        return st;
    const int need = s->n_hist + 1;
    int cap_fit = s->cap_hist, cap_frac = s->cap_hist, cap_ma = s->cap_hist, cap_mf = s->cap_hist;
    if (!grow((void **)&s->hist_fit, &cap_fit, need, sizeof *s->hist_fit)
        || !grow((void **)&s->hist_frac, &cap_frac, need, sizeof *s->hist_frac)
        || !grow((void **)&s->model_arch, &cap_ma, need, sizeof *s->model_arch)
        || !grow((void **)&s->model_fit, &cap_mf, need, sizeof *s->model_fit)
        || !grow((void **)&s->hist_arch, &s->cap_hist, need, sizeof *s->hist_arch))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "hyperband: out of memory");
    s->hist_arch[s->n_hist] = *arch;
    s->hist_fit[s->n_hist] = fitness;
    s->hist_frac[s->n_hist++] = current_fraction(s);
    s->fitness[s->pos++] = fitness;
    return CLNAS_OK;
}

static double hb_training_fraction(const void *state)
{
    const hb_state *s = state;
    return s->started ? current_fraction(s) : 1.0;
}

/* {"s_max", "bracket", "rung", "training_fraction", "rung_size", "rung_done", "brackets_done", "rung_cells":
 *  [{arch, fitness}, ...]} for the bracket in progress. */
static cJSON *hb_describe(const void *state)
{
    const hb_state *s = state;
    cJSON *root = cJSON_CreateObject(), *cells = root ? cJSON_AddArrayToObject(root, "rung_cells") : NULL;
    int ok = cells && cJSON_AddNumberToObject(root, "s_max", s->s_max)
             && cJSON_AddNumberToObject(root, "bracket", s->bracket) && cJSON_AddNumberToObject(root, "rung", s->rung)
             && cJSON_AddNumberToObject(root, "training_fraction", hb_training_fraction(s))
             && cJSON_AddNumberToObject(root, "rung_size", s->rung_n)
             && cJSON_AddNumberToObject(root, "rung_done", s->pos)
             && cJSON_AddNumberToObject(root, "brackets_done", s->brackets_done);
    for (int i = 0; ok && i < s->rung_n; i++) {
        cJSON *m = clnas_strategy_member_json(s->space, &s->cell[i], i < s->pos ? s->fitness[i] : NAN);
        ok = m && cJSON_AddItemToArray(cells, m);
        if (!ok)
            cJSON_Delete(m);
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

const clnas_strategy_iface clnas_strategy_hyperband = {
    .name = "hyperband",
    .create = hb_create,
    .budget = hb_budget,
    .propose = hb_propose,
    .observe = hb_observe,
    .describe = hb_describe,
    .destroy = hb_destroy,
    .training_fraction = hb_training_fraction,
};
