/* clnas tests — a strategy's create, propose and observe that must succeed. */
#include "strategy_ops.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

void *create_ok(const clnas_strategy_iface *ops, const char *params_json, uint64_t seed)
{
    cJSON *params = params_json ? cJSON_Parse(params_json) : NULL;
    if (params_json && !params)
        fail_msg("test JSON does not parse: %s", params_json);
    cJSON *resolved = cJSON_CreateObject();
    void *state = NULL;
    clnas_error err = {0};
    clnas_status st = ops->create(params, seed, resolved, &state, &err);
    cJSON_Delete(params);
    cJSON_Delete(resolved);
    if (st != CLNAS_OK)
        fail_msg("%s create(%s) failed: %s", ops->name, params_json ? params_json : "NULL", err.message);
    return state;
}

clnas_genotype propose_ok(const clnas_strategy_iface *ops, void *state)
{
    clnas_genotype g;
    clnas_error err = {0};
    if (ops->propose(state, &g, &err) != CLNAS_OK)
        fail_msg("%s propose failed: %s", ops->name, err.message);
    return g;
}

void observe_ok(const clnas_strategy_iface *ops, void *state, const clnas_genotype *g, double fitness)
{
    clnas_error err = {0};
    if (ops->observe(state, g, fitness, &err) != CLNAS_OK)
        fail_msg("%s observe failed: %s", ops->name, err.message);
}
