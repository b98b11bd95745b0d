/* clnas tests — a strategy's create, propose and observe that must succeed. */
#include "strategy_ops.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "space_nb201.h"

void *create_space_ok(const clnas_strategy_iface *ops, const clnas_space_iface *space, const char *params_json,
                      uint64_t seed)
{
    cJSON *params = params_json ? cJSON_Parse(params_json) : NULL;
    if (params_json && !params)
        fail_msg("test JSON does not parse: %s", params_json);
    cJSON *resolved = cJSON_CreateObject();
    void *state = NULL;
    clnas_error err = {0};
    clnas_status st = ops->create(params, seed, space, resolved, &state, &err);
    cJSON_Delete(params);
    cJSON_Delete(resolved);
    if (st != CLNAS_OK)
        fail_msg("%s create(%s) failed: %s", ops->name, params_json ? params_json : "NULL", err.message);
    return state;
}

void *create_ok(const clnas_strategy_iface *ops, const char *params_json, uint64_t seed)
{
    return create_space_ok(ops, &clnas_space_nb201, params_json, seed);
}

clnas_space_genotype propose_space_ok(const clnas_strategy_iface *ops, void *state)
{
    clnas_space_genotype g;
    clnas_error err = {0};
    if (ops->propose(state, &g, &err) != CLNAS_OK)
        fail_msg("%s propose failed: %s", ops->name, err.message);
    return g;
}

void observe_space_ok(const clnas_strategy_iface *ops, void *state, const clnas_space_genotype *g, double fitness)
{
    clnas_error err = {0};
    if (ops->observe(state, g, fitness, &err) != CLNAS_OK)
        fail_msg("%s observe failed: %s", ops->name, err.message);
}

clnas_genotype propose_ok(const clnas_strategy_iface *ops, void *state)
{
    const clnas_space_genotype g = propose_space_ok(ops, state);
    return clnas_nb201_of(&g);
}

void observe_ok(const clnas_strategy_iface *ops, void *state, const clnas_genotype *g, double fitness)
{
    clnas_space_genotype s;
    clnas_nb201_to(g, &s);
    observe_space_ok(ops, state, &s, fitness);
}
