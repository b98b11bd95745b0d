/* clnas — SPOS strategy section: own keys checked here, REA's handed to REA's own create. */
#include "spos_config.h"

#include <string.h>

#include "chain_skeleton.h"
#include "strategy.h"
#include "strategy_common.h"

/* strategy.skeleton (space chain only) and its paths. */
static clnas_status parse_skeleton(const cJSON *strategy, const clnas_space_iface *space, cJSON *resolved,
                                   clnas_spos_config *out, clnas_error *err)
{
    int found = 0;
    clnas_status st = clnas_chain_skeleton_parse(strategy, space, resolved, &out->skeleton, &found, err);
    if (st == CLNAS_OK && found)
        st = clnas_chain_paths_new(&out->skeleton, &out->paths, err);
    return st;
}

void clnas_spos_config_free(clnas_spos_config *c)
{
    clnas_chain_paths_free(c->paths);
    c->paths = NULL;
}

clnas_status clnas_spos_config_parse(const cJSON *strategy, uint64_t seed, cJSON *resolved, clnas_spos_config *out,
                                     void **rea_state, clnas_error *err)
{
    return clnas_spos_config_parse_space(strategy, seed, NULL, resolved, out, rea_state, err);
}

clnas_status clnas_spos_config_parse_space(const cJSON *strategy, uint64_t seed, const clnas_space_iface *space,
                                           cJSON *resolved, clnas_spos_config *out, void **rea_state,
                                           clnas_error *err)
{
    static const char *const known[] = {"bn_batches", "max_paths",  "checkpoint_every", "top_k",
                                        "warm_up",    "sampling",   "grad_clip",        "population",
                                        "sample_size", "cycles",    "skeleton"};
    static const char *const samplings[] = {"cells", "classes"};
    static const char *const rea_keys[] = {"population", "sample_size", "cycles"};
    *rea_state = NULL;
    memset(out, 0, sizeof *out);
    clnas_status st = clnas_strategy_params_check(strategy, "spos", known, 11, resolved, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(strategy, "bn_batches", 20, 1, 10000, NULL, resolved, &out->bn_batches, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(strategy, "max_paths", 32, 1, 4096, NULL, resolved, &out->max_paths, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(strategy, "checkpoint_every", 50, 1, 1000000, NULL, resolved,
                                      &out->checkpoint_every, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_int(strategy, "top_k", 5, 1, 100, NULL, resolved, &out->top_k, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_bool(strategy, "warm_up", 0, resolved, &out->warm_up, err);
    if (st == CLNAS_OK)
        st = clnas_strategy_param_choice(strategy, "sampling", 0, samplings, 2, resolved, &out->sample_classes, err);
    if (st == CLNAS_OK) /* 0: off (nb201's default, as before the key existed) */
        st = clnas_strategy_param_number(strategy, "grad_clip", 0.0, 0.0, 0, 1e9, 0, resolved, &out->grad_clip, err);
    if (st == CLNAS_OK)
        st = parse_skeleton(strategy, space, resolved, out, err);
    if (st != CLNAS_OK)
        return st;
    if (out->paths)
        space = &out->paths->iface;
    cJSON *rea = cJSON_CreateObject(), *rea_resolved = cJSON_CreateObject();
    if (!rea || !rea_resolved)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "strategy: out of memory");
    for (int i = 0; i < 3 && st == CLNAS_OK; i++) {
        const cJSON *v = strategy ? cJSON_GetObjectItemCaseSensitive(strategy, rea_keys[i]) : NULL;
        if (v && !cJSON_AddItemToObject(rea, rea_keys[i], cJSON_Duplicate(v, 1)))
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "strategy: out of memory");
    }
    if (st == CLNAS_OK)
        st = clnas_strategy_rea.create(rea, seed, space ? space : &clnas_space_nb201, rea_resolved, rea_state, err);
    for (int i = 0; i < 3 && st == CLNAS_OK; i++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(rea_resolved, rea_keys[i]);
        if (v && !cJSON_AddItemToObject(resolved, rea_keys[i], cJSON_Duplicate(v, 1)))
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "strategy: out of memory");
    }
    cJSON_Delete(rea);
    cJSON_Delete(rea_resolved);
    return st;
}
