/* clnas — random search: every trial a uniform sample of the run's space (NB201: of the 15,625 cells; repeats
 * possible). */
#include <stdlib.h>

#include "clnas/rng.h"
#include "space_nb201.h"
#include "strategy.h"
#include "strategy_common.h"

/* Parameters: trials (40). */

#define RANDOM_MAX_TRIALS 10000000

typedef struct random_state {
    int trials;
    const clnas_space_iface *space;
    clnas_rng rng;
    clnas_proposal_order order;
} random_state;

static clnas_status random_create(const cJSON *params, uint64_t seed, const clnas_space_iface *space,
                                  cJSON *resolved, void **state, clnas_error *err)
{
    static const char *const known[] = {"trials"};
    *state = NULL;
    clnas_status st = clnas_strategy_params_check(params, "random", known, 1, resolved, err);
    if (st != CLNAS_OK)
        return st;
    int trials;
    st = clnas_strategy_param_int(params, "trials", 40, 1, RANDOM_MAX_TRIALS, NULL, resolved, &trials, err);
    if (st != CLNAS_OK)
        return st;
    random_state *s = calloc(1, sizeof *s);
    if (!s)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "random: out of memory");
    s->trials = trials;
    s->space = clnas_space_or_nb201(space);
    s->order.space = s->space;
    clnas_rng_seed(&s->rng, seed);
    *state = s;
    return CLNAS_OK;
}

static int random_budget(const void *state)
{
    return ((const random_state *)state)->trials;
}

static clnas_status random_propose(void *state, clnas_space_genotype *out, clnas_error *err)
{
    random_state *s = state;
    clnas_status st = clnas_proposal_order_can_propose(&s->order, s->trials, "random", err);
    if (st != CLNAS_OK)
        return st;
    s->space->sample(s->space, &s->rng, out);
    clnas_proposal_order_proposed(&s->order, out);
    return CLNAS_OK;
}

static clnas_status random_observe(void *state, const clnas_space_genotype *arch, double fitness, clnas_error *err)
{
    random_state *s = state;
    return clnas_proposal_order_observe(&s->order, arch, fitness, "random", err);
}

static cJSON *random_describe(const void *state)
{
    (void)state;
    return NULL;
}

static void random_destroy(void *state)
{
    free(state);
}

static clnas_status random_set_in_flight(void *state, int max, clnas_error *err)
{
    return clnas_proposal_order_set_in_flight(&((random_state *)state)->order, max, "random", err);
}

const clnas_strategy_iface clnas_strategy_random = {
    .name = "random",
    .create = random_create,
    .budget = random_budget,
    .propose = random_propose,
    .observe = random_observe,
    .set_in_flight = random_set_in_flight,
    .describe = random_describe,
    .destroy = random_destroy,
};
