/* clnas — regularized (aging) evolution, Real et al. 2019, Algorithm 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/rng.h"
#include "pareto.h"
#include "space_nb201.h"
#include "strategy.h"
#include "strategy_common.h"

/* Parameters: population P (10), sample_size S (3, or P when P < 3; 1 to P), cycles C (30), pareto ("off",
 * "params", "flops" or "latency"; "off"). The first P
 * proposals are uniform random cells (genotypes of the run's space: sample and mutate are the space's); every
 * later one is a cycle: S members drawn uniformly WITH replacement from
 * the population (Algorithm 1: "the element stays in the population"), the one with the highest fitness is the
 * parent (a failed member, fitness NAN, counts as -infinity; ties go to the earliest draw), the child is the
 * parent with one edge set to a different op. The observed child joins the right of the population queue and
 * the oldest member, on the left, dies. Budget P + C.
 * A parent is never a failed member: when all S drawn members failed, the cycle proposes a uniform random cell
 * instead of mutating one (the proposal's kind says "random_all_failed"), and so does a cycle proposed before any
 * result came back (asynchronous workers, set_in_flight: the population is empty). With several proposals in flight
 * each cycle samples the population as it stands (Real et al.'s asynchronous workers); results join in the order
 * they are observed.
 * Pareto mode (pareto "params", "flops" or "latency", issue 14): the parent is not the sample's fittest but a
 * uniformly drawn one (one more clnas_rng_below draw, over the draws) of the sample's non-dominated members over
 * (fitness up, cost down; pareto.h), the cost being the trial's parameter count or forward FLOPs as the evaluator
 * reports them, or its on-device latency as the objective measured it (objective.latency; the run measures every
 * trial when this mode is on).
 * Zero-cost warm start (warm_start_proxy "snip", "grad_norm", "params", "flops", "synflow", "naswot" or
 * "jacob_cov"; "none"), as Abdelfattah et al.:
 * create draws warm_start_samples (100; P to 100,000) uniform random cells, the run scores them with the proxy
 * (evaluator kind "zero-cost"'s score) and the initial population is the P best of them, best first (a failed one
 * last, the earlier drawn on a tie), instead of P random cells. */

#define REA_MAX_POPULATION 100000
#define REA_MAX_CYCLES 10000000
#define REA_MAX_CANDIDATES 100000

typedef struct rea_member {
    clnas_space_genotype arch;
    double fitness;
    double cost; /* pareto mode: params, flops or latency (ms) */
} rea_member;

typedef enum rea_pareto { REA_PARETO_OFF, REA_PARETO_PARAMS, REA_PARETO_FLOPS, REA_PARETO_LATENCY } rea_pareto;

typedef enum rea_kind { REA_INITIAL, REA_MUTATION, REA_RANDOM_ALL_FAILED } rea_kind;

typedef struct rea_state {
    int population_size, sample_size, cycles;
    rea_pareto pareto;
    const char *warm_proxy; /* NULL: no warm start */
    const clnas_space_iface *space;
    clnas_space_genotype *warm; /* the candidates, then (after warm_start) the P best first */
    int n_warm, warm_ready;
    double pending_cost; /* the cost of the trial about to be observed (observe_cost) */
    double *sample_fitness, *sample_cost; /* pareto scratch */
    int *sample_rank;
    clnas_rng rng;
    rea_member *queue; /* ring buffer: queue[(head + i) % population_size] is the i-th oldest member */
    int head, count;
    clnas_proposal_order order;
    /* The last proposal, for describe(): how it was made; for a cycle, the drawn positions (0 = oldest) and the
     * parent's position in the population as it stood when the child was proposed. */
    rea_kind last_kind;
    int *last_sample;
    int last_parent;
} rea_state;

static const rea_member *member_at(const rea_state *s, int position)
{
    return &s->queue[(s->head + position) % s->population_size];
}

static double rank_fitness(double fitness)
{
    return isnan(fitness) ? -INFINITY : fitness;
}

static void rea_destroy(void *state)
{
    rea_state *s = state;
    if (!s)
        return;
    free(s->queue);
    free(s->last_sample);
    free(s->sample_fitness);
    free(s->sample_cost);
    free(s->sample_rank);
    free(s->warm);
    free(s);
}

static clnas_status rea_warm_new(rea_state *s, const char *proxy, int n)
{
    s->warm = malloc((size_t)n * sizeof *s->warm);
    if (!s->warm)
        return CLNAS_ERR_NO_MEMORY;
    for (int i = 0; i < n; i++)
        s->space->sample(s->space, &s->rng, &s->warm[i]);
    s->n_warm = n;
    s->warm_proxy = proxy;
    return CLNAS_OK;
}

static clnas_status rea_create(const cJSON *params, uint64_t seed, const clnas_space_iface *space, cJSON *resolved,
                              void **state, clnas_error *err)
{
    static const char *const known[] = {"population", "sample_size", "cycles", "pareto", "warm_start_proxy",
                                        "warm_start_samples"};
    static const char *const warm_names[] = {"none",    "snip",   "grad_norm", "params",
                                             "flops",   "synflow", "naswot",   "jacob_cov"};
    static const char *const pareto_names[] = {"off", "params", "flops", "latency"};
    *state = NULL;
    clnas_status st = clnas_strategy_params_check(params, "rea", known, 6, resolved, err);
    if (st != CLNAS_OK)
        return st;
    int population, sample_size, cycles;
    st = clnas_strategy_param_int(params, "population", 10, 1, REA_MAX_POPULATION, NULL, resolved, &population, err);
    if (st != CLNAS_OK)
        return st;
    char hi_text[64];
    snprintf(hi_text, sizeof hi_text, "population (%d)", population);
    const int default_sample = population < 3 ? population : 3;
    st = clnas_strategy_param_int(params, "sample_size", default_sample, 1, population, hi_text, resolved,
                                  &sample_size, err);
    if (st != CLNAS_OK)
        return st;
    st = clnas_strategy_param_int(params, "cycles", 30, 0, REA_MAX_CYCLES, NULL, resolved, &cycles, err);
    int pareto = 0;
    if (st == CLNAS_OK)
        st = clnas_strategy_param_choice(params, "pareto", 0, pareto_names, 4, resolved, &pareto, err);
    int warm = 0, warm_samples = 0;
    if (st == CLNAS_OK)
        st = clnas_strategy_param_choice(params, "warm_start_proxy", 0, warm_names, 8, resolved, &warm, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(params, "warm_start_samples", population > 100 ? population : 100, population,
                                      REA_MAX_CANDIDATES, NULL, resolved, &warm_samples, err);
    if (st != CLNAS_OK)
        return st;

    rea_state *s = calloc(1, sizeof *s);
    if (s) {
        s->queue = calloc((size_t)population, sizeof *s->queue);
        s->last_sample = calloc((size_t)sample_size, sizeof *s->last_sample);
        s->sample_fitness = calloc((size_t)sample_size, sizeof *s->sample_fitness);
        s->sample_cost = calloc((size_t)sample_size, sizeof *s->sample_cost);
        s->sample_rank = calloc((size_t)sample_size, sizeof *s->sample_rank);
    }
    if (!s || !s->queue || !s->last_sample || !s->sample_fitness || !s->sample_cost || !s->sample_rank) {
        rea_destroy(s);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "rea: out of memory for a population of %d", population);
    }
    s->population_size = population;
    s->space = clnas_space_or_nb201(space);
    s->order.space = s->space;
    s->sample_size = sample_size;
    s->cycles = cycles;
    s->pareto = (rea_pareto)pareto;

    s->pending_cost = NAN;
    s->last_parent = -1;
    clnas_rng_seed(&s->rng, seed);
    if (warm && rea_warm_new(s, warm_names[warm], warm_samples) != CLNAS_OK) {
        rea_destroy(s);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "rea: out of memory for %d warm-start samples",
                               warm_samples);
    }
    *state = s;
    return CLNAS_OK;
}

static int rea_budget(const void *state)
{
    const rea_state *s = state;
    return s->population_size + s->cycles;
}

/* Pareto mode's parent: a uniform draw over the sample's draws of rank 0 (the non-dominated ones). */
static clnas_status pareto_parent(rea_state *s, int *parent, clnas_error *err)
{
    for (int k = 0; k < s->sample_size; k++) {
        s->sample_fitness[k] = member_at(s, s->last_sample[k])->fitness;
        s->sample_cost[k] = member_at(s, s->last_sample[k])->cost;
    }
    clnas_status st = clnas_pareto_ranks(s->sample_fitness, s->sample_cost, s->sample_size, s->sample_rank, err);
    if (st != CLNAS_OK)
        return st;
    int front = 0;
    for (int k = 0; k < s->sample_size; k++)
        front += s->sample_rank[k] == 0;
    int pick = (int)clnas_rng_below(&s->rng, (uint32_t)front);
    for (int k = 0; k < s->sample_size; k++)
        if (s->sample_rank[k] == 0 && pick-- == 0) {
            *parent = s->last_sample[k];
            break;
        }
    return CLNAS_OK;
}

static int rea_warm_start_request(const void *state, const char **proxy, const clnas_space_genotype **candidates,
                                  int *n)
{
    const rea_state *s = state;
    if (!s->warm_proxy)
        return 0;
    *proxy = s->warm_proxy;
    *candidates = s->warm;
    *n = s->n_warm;
    return 1;
}

/* The P best candidates, best first: a stable selection (NAN last, the earlier on a tie). */
static clnas_status rea_warm_start(void *state, const double *scores, clnas_error *err)
{
    rea_state *s = state;
    int *order = malloc((size_t)s->n_warm * sizeof *order);
    clnas_space_genotype *best = malloc((size_t)s->population_size * sizeof *best);
    if (!order || !best) {
        free(order), free(best);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "rea: out of memory");
    }
    for (int i = 0; i < s->n_warm; i++) {
        int j = i;
        while (j > 0 && rank_fitness(scores[order[j - 1]]) < rank_fitness(scores[i])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    for (int k = 0; k < s->population_size; k++)
        best[k] = s->warm[order[k]];
    memcpy(s->warm, best, (size_t)s->population_size * sizeof *best);
    s->warm_ready = 1;
    free(order), free(best);
    return CLNAS_OK;
}

static void rea_observe_cost(void *state, double params, double flops, double latency_ms)
{
    rea_state *s = state;
    s->pending_cost = s->pareto == REA_PARETO_PARAMS     ? params
                      : s->pareto == REA_PARETO_FLOPS   ? flops
                      : s->pareto == REA_PARETO_LATENCY ? latency_ms
                                                        : NAN;
}

static clnas_status rea_propose(void *state, clnas_space_genotype *out, clnas_error *err)
{
    rea_state *s = state;
    clnas_status st = clnas_proposal_order_can_propose(&s->order, rea_budget(s), "rea", err);
    if (st != CLNAS_OK)
        return st;
    clnas_space_genotype child;
    if (s->order.proposed < s->population_size && s->warm_proxy) {
        if (!s->warm_ready)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rea: the warm start (%s) was not scored before the "
                                   "first proposal", s->warm_proxy);
        child = s->warm[s->order.proposed];
        s->last_kind = REA_INITIAL;
        s->last_parent = -1;
    } else if (s->order.proposed < s->population_size) {
        s->space->sample(s->space, &s->rng, &child);
        s->last_kind = REA_INITIAL;
        s->last_parent = -1;
    } else if (s->count == 0) { /* asynchronous workers: no result has come back yet, so no parent to mutate */
        s->space->sample(s->space, &s->rng, &child);
        s->last_kind = REA_RANDOM_ALL_FAILED;
        s->last_parent = -1;
    } else {
        int parent = -1;
        for (int k = 0; k < s->sample_size; k++) {
            const int drawn = (int)clnas_rng_below(&s->rng, (uint32_t)s->count);
            s->last_sample[k] = drawn;
            if (parent < 0 || rank_fitness(member_at(s, drawn)->fitness) > rank_fitness(member_at(s, parent)->fitness))
                parent = drawn;
        }
        if (s->pareto != REA_PARETO_OFF && !isnan(member_at(s, parent)->fitness)) {
            clnas_status pst = pareto_parent(s, &parent, err);
            if (pst != CLNAS_OK)
                return pst;
        }
        if (isnan(member_at(s, parent)->fitness)) {
            s->space->sample(s->space, &s->rng, &child);
            s->last_kind = REA_RANDOM_ALL_FAILED;
            s->last_parent = -1;
        } else {
            s->space->mutate(&member_at(s, parent)->arch, &s->rng, &child);
            s->last_kind = REA_MUTATION;
            s->last_parent = parent;
        }
    }
    clnas_proposal_order_proposed(&s->order, &child);
    *out = child;
    return CLNAS_OK;
}

static clnas_status rea_observe(void *state, const clnas_space_genotype *arch, double fitness, clnas_error *err)
{
    rea_state *s = state;
    clnas_status st = clnas_proposal_order_observe(&s->order, arch, fitness, "rea", err);
    if (st != CLNAS_OK)
        return st;
    rea_member member;
    member.arch = *arch;
    member.fitness = fitness;
    member.cost = s->pending_cost;
    s->pending_cost = NAN;
    if (s->count < s->population_size) {
        s->queue[(s->head + s->count) % s->population_size] = member;
        s->count++;
    } else {
        /* The child takes the oldest member's slot: it joins on the right as the oldest leaves on the left. */
        s->queue[s->head] = member;
        s->head = (s->head + 1) % s->population_size;
    }
    return CLNAS_OK;
}

/* {"phase" (of the next proposal), "population": [{arch, fitness}, ... oldest first],
 *  "last_proposal": {"trial", "kind", "sample", "parent"}}: sample and parent are positions in the population as
 * it was when that proposal was made (0 = oldest). */
static cJSON *rea_describe(const void *state)
{
    const rea_state *s = state;
    static const char *const kind_names[] = {"initial", "mutation", "random_all_failed"};
    cJSON *root = cJSON_CreateObject();
    cJSON *population = cJSON_AddArrayToObject(root, "population");
    if (!root || !population
        || !cJSON_AddStringToObject(root, "phase", s->order.proposed < s->population_size ? "initial" : "evolving"))
        goto fail;
    for (int i = 0; i < s->count; i++) {
        cJSON *m = clnas_strategy_member_json(s->space, &member_at(s, i)->arch, member_at(s, i)->fitness);
        if (!m || !cJSON_AddItemToArray(population, m)) {
            cJSON_Delete(m);
            goto fail;
        }
    }
    if (s->order.proposed > 0) {
        cJSON *last = cJSON_AddObjectToObject(root, "last_proposal");
        if (!last || !cJSON_AddNumberToObject(last, "trial", s->order.proposed - 1)
            || !cJSON_AddStringToObject(last, "kind", kind_names[s->last_kind]))
            goto fail;
        if (s->last_kind != REA_INITIAL) {
            cJSON *sample = cJSON_CreateIntArray(s->last_sample, s->sample_size);
            if (!sample || !cJSON_AddItemToObject(last, "sample", sample)) {
                cJSON_Delete(sample);
                goto fail;
            }
            cJSON *parent = s->last_parent >= 0 ? cJSON_CreateNumber(s->last_parent) : cJSON_CreateNull();
            if (!parent || !cJSON_AddItemToObject(last, "parent", parent)) {
                cJSON_Delete(parent);
                goto fail;
            }
        }
    }
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

static clnas_status rea_set_in_flight(void *state, int max, clnas_error *err)
{
    return clnas_proposal_order_set_in_flight(&((rea_state *)state)->order, max, "rea", err);
}

const clnas_strategy_iface clnas_strategy_rea = {
    .name = "rea",
    .create = rea_create,
    .budget = rea_budget,
    .propose = rea_propose,
    .observe = rea_observe,
    .set_in_flight = rea_set_in_flight,
    .describe = rea_describe,
    .destroy = rea_destroy,
    .observe_cost = rea_observe_cost,
    .warm_start_request = rea_warm_start_request,
    .warm_start = rea_warm_start,
};
