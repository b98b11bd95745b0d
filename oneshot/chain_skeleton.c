/* clnas — strategy.skeleton of the chain space's one-shot searches. */
#include "chain_skeleton.h"

#include "space_chain.h"

clnas_status clnas_chain_skeleton_parse(const cJSON *strategy, const clnas_space_iface *space, cJSON *resolved,
                                        clnas_chain_genotype *out, int *found, clnas_error *err)
{
    *found = 0;
    const cJSON *v = strategy ? cJSON_GetObjectItemCaseSensitive(strategy, "skeleton") : NULL;
    if (space != &clnas_space_chain) {
        if (v)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.skeleton: the chain space's skeleton; "
                                   "this run's space is %s", space ? space->name : "nb201");
        return CLNAS_OK;
    }
    if (v && !cJSON_IsString(v))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.skeleton: expected a chain genotype string "
                               "(\"%s\"), got a %s", CLNAS_CHAIN_SKELETON_DEFAULT,
                               cJSON_IsNumber(v) ? "number" : "non-string");
    const char *text = v ? v->valuestring : CLNAS_CHAIN_SKELETON_DEFAULT;
    clnas_status st = clnas_chain_genotype_parse(text, out, err);
    if (st != CLNAS_OK)
        return clnas_error_prefix(err, "strategy.skeleton");
    char canonical[CLNAS_CHAIN_GENOTYPE_STR_MAX];
    st = clnas_chain_genotype_format(out, canonical, sizeof canonical, err);
    if (st == CLNAS_OK && resolved && !cJSON_AddStringToObject(resolved, "skeleton", canonical))
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "strategy: out of memory");
    *found = st == CLNAS_OK;
    return st;
}
