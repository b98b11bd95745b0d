/* clnas — the strategy registry, and what the strategies share: parameter checks and the proposal order. */
#include "strategy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "space_nb201.h"
#include "strategy_common.h"

const clnas_strategy_iface *clnas_strategy_find(const char *name)
{
    static const clnas_strategy_iface *const all[] = {
        &clnas_strategy_rea,
        &clnas_strategy_random,
        &clnas_strategy_reinforce,
        &clnas_strategy_bo,
        &clnas_strategy_hyperband,
    };
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

clnas_status clnas_strategy_space_unsupported(const char *strategy_name, const clnas_space_iface *space,
                                              const char *supported, const char *instead, clnas_error *err)
{
    space = clnas_space_or_nb201(space);
    return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.name \"%s\": works on space %s only (this run's "
                           "space is %s)%s%s", strategy_name, supported, space->name, instead ? "; " : "",
                           instead ? instead : "");
}

/* A value as the user wrote it, for "got ..." in messages. */
static void value_text(const cJSON *item, char *buf, size_t cap)
{
    char *printed = cJSON_PrintUnformatted(item);
    if (!printed) {
        snprintf(buf, cap, "(unprintable)");
        return;
    }
    if (strlen(printed) >= cap && cap > 4)
        snprintf(buf, cap, "%.*s...", (int)(cap - 4), printed);
    else
        snprintf(buf, cap, "%s", printed);
    free(printed);
}

clnas_status clnas_strategy_params_check(const cJSON *params, const char *strategy_name, const char *const *known,
                                         int n_known, cJSON *resolved, clnas_error *err)
{
    if (params && !cJSON_IsObject(params)) {
        char got[80];
        value_text(params, got, sizeof got);
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy: expected an object, got %s", got);
    }
    for (const cJSON *item = params ? params->child : NULL; item; item = item->next) {
        if (!item->string || strcmp(item->string, "name") == 0)
            continue;
        int found = 0;
        for (int k = 0; k < n_known && !found; k++)
            found = strcmp(item->string, known[k]) == 0;
        if (found)
            continue;
        char list[256] = "";
        size_t used = 0;
        for (int k = 0; k < n_known; k++)
            used += (size_t)snprintf(list + used, used < sizeof list ? sizeof list - used : 0, "%s%s",
                                     k ? ", " : "", known[k]);
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.%.64s: unknown key (known: %s)", item->string,
                               list);
    }
    if (resolved && !cJSON_GetObjectItemCaseSensitive(resolved, "name")
        && !cJSON_AddStringToObject(resolved, "name", strategy_name))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "strategy: out of memory");
    return CLNAS_OK;
}

clnas_status clnas_strategy_param_int(const cJSON *params, const char *key, int def, int lo, int hi,
                                      const char *hi_text, cJSON *resolved, int *out, clnas_error *err)
{
    const cJSON *item = params ? cJSON_GetObjectItemCaseSensitive(params, key) : NULL;
    int value = def;
    if (item) {
        const double v = item->valuedouble;
        if (!cJSON_IsNumber(item) || !isfinite(v) || v != floor(v) || v < lo || v > hi) {
            char got[80], range_hi[96];
            value_text(item, got, sizeof got);
            if (hi_text)
                snprintf(range_hi, sizeof range_hi, "%s", hi_text);
            else
                snprintf(range_hi, sizeof range_hi, "%d", hi);
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.%s: expected an integer from %d to %s, got %s",
                                   key, lo, range_hi, got);
        }
        value = (int)v;
    }
    if (resolved && !cJSON_AddNumberToObject(resolved, key, value))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "strategy.%s: out of memory", key);
    *out = value;
    return CLNAS_OK;
}

clnas_status clnas_strategy_param_number(const cJSON *params, const char *key, double def, double lo, int lo_open,
                                         double hi, int hi_open, cJSON *resolved, double *out, clnas_error *err)
{
    const cJSON *item = params ? cJSON_GetObjectItemCaseSensitive(params, key) : NULL;
    double value = def;
    if (item) {
        const double v = item->valuedouble;
        const int in_range = cJSON_IsNumber(item) && isfinite(v) && (lo_open ? v > lo : v >= lo)
                             && (hi_open ? v < hi : v <= hi);
        if (!in_range) {
            char got[80];
            value_text(item, got, sizeof got);
            if (!lo_open && !hi_open)
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                       "strategy.%s: expected a number from %g to %g, got %s", key, lo, hi, got);
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.%s: expected a number %s %g and %s %g, got %s",
                                   key, lo_open ? "greater than" : "at least", lo, hi_open ? "below" : "at most", hi,
                                   got);
        }
        value = v;
    }
    if (resolved && !cJSON_AddNumberToObject(resolved, key, value))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "strategy.%s: out of memory", key);
    *out = value;
    return CLNAS_OK;
}

clnas_status clnas_strategy_param_choice(const cJSON *params, const char *key, int def, const char *const *choices,
                                         int n_choices, cJSON *resolved, int *out, clnas_error *err)
{
    const cJSON *item = params ? cJSON_GetObjectItemCaseSensitive(params, key) : NULL;
    int value = def;
    if (item) {
        value = -1;
        for (int k = 0; k < n_choices && value < 0 && cJSON_IsString(item); k++)
            if (strcmp(item->valuestring, choices[k]) == 0)
                value = k;
        if (value < 0) {
            char got[80], list[256] = "";
            size_t used = 0;
            value_text(item, got, sizeof got);
            for (int k = 0; k < n_choices; k++)
                used += (size_t)snprintf(list + used, used < sizeof list ? sizeof list - used : 0, "%s\"%s\"",
                                         k ? ", " : "", choices[k]);
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.%s: expected one of %s, got %s", key, list,
                                   got);
        }
    }
    if (resolved && !cJSON_AddStringToObject(resolved, key, choices[value]))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "strategy.%s: out of memory", key);
    *out = value;
    return CLNAS_OK;
}

clnas_status clnas_strategy_param_bool(const cJSON *params, const char *key, int def, cJSON *resolved, int *out,
                                       clnas_error *err)
{
    const cJSON *item = params ? cJSON_GetObjectItemCaseSensitive(params, key) : NULL;
    if (item && !cJSON_IsBool(item)) {
        char got[80];
        value_text(item, got, sizeof got);
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.%s: expected true or false, got %s", key, got);
    }
    *out = item ? cJSON_IsTrue(item) : def;
    if (resolved && !cJSON_AddBoolToObject(resolved, key, *out))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "strategy.%s: out of memory", key);
    return CLNAS_OK;
}

clnas_status clnas_proposal_order_can_propose(const clnas_proposal_order *o, int budget, const char *strategy_name,
                                              clnas_error *err)
{
    const int max = o->max_in_flight > 1 ? o->max_in_flight : 1;
    if (o->waiting >= max && max == 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "%s: trial %d was proposed but not observed; observe it before proposing again",
                               strategy_name, o->proposed - 1);
    if (o->waiting >= max)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: %d proposals wait for their results (the most "
                               "allowed); observe one before proposing again", strategy_name, o->waiting);
    if (o->proposed >= budget)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: all %d trials of the budget were proposed",
                               strategy_name, budget);
    return CLNAS_OK;
}

void clnas_proposal_order_proposed(clnas_proposal_order *o, const clnas_space_genotype *arch)
{
    o->pending[o->waiting] = *arch;
    o->pending_trial[o->waiting] = o->proposed;
    o->waiting++;
    o->proposed++;
}

clnas_status clnas_proposal_order_observe(clnas_proposal_order *o, const clnas_space_genotype *arch, double fitness,
                                          const char *strategy_name, clnas_error *err)
{
    if (!o->waiting)
        return clnas_error_set(err, CLNAS_ERR_MISMATCH, "%s: observe without a proposal (trial %d was not proposed)",
                               strategy_name, o->proposed);
    int k = 0;
    while (k < o->waiting && !clnas_space_genotype_equal(arch, &o->pending[k]))
        k++;
    if (k == o->waiting) {
        const clnas_space_iface *space = clnas_space_or_nb201(o->space);
        char got[CLNAS_SPACE_STR_MAX] = "(invalid)", expected[CLNAS_SPACE_STR_MAX] = "(invalid)";
        space->format(arch, got, sizeof got, NULL);
        space->format(&o->pending[0], expected, sizeof expected, NULL);
        if (o->waiting == 1)
            return clnas_error_set(err, CLNAS_ERR_MISMATCH, "%s: trial %d: observed arch %s, but the strategy "
                                   "proposed %s", strategy_name, o->pending_trial[0], got, expected);
        return clnas_error_set(err, CLNAS_ERR_MISMATCH, "%s: observed arch %s, which none of the %d waiting proposals "
                               "is (the earliest: trial %d, %s)", strategy_name, got, o->waiting, o->pending_trial[0],
                               expected);
    }
    if (!isnan(fitness) && !(fitness >= 0.0 && fitness <= 1.0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "%s: trial %d: fitness must be a fraction from 0 to 1 or NAN (failed), got %g",
                               strategy_name, o->pending_trial[k], fitness);
    /* keep the rest in proposal order: the earliest waiting proposal with an arch is the one settled first */
    memmove(&o->pending[k], &o->pending[k + 1], (size_t)(o->waiting - k - 1) * sizeof o->pending[0]);
    memmove(&o->pending_trial[k], &o->pending_trial[k + 1], (size_t)(o->waiting - k - 1) * sizeof(int));
    o->waiting--;
    return CLNAS_OK;
}

clnas_status clnas_proposal_order_set_in_flight(clnas_proposal_order *o, int max, const char *strategy_name,
                                                clnas_error *err)
{
    if (max < 1 || max > CLNAS_STRATEGY_MAX_IN_FLIGHT)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: %d proposals in flight at once: expected 1 to %d "
                               "(one per worker)", strategy_name, max, CLNAS_STRATEGY_MAX_IN_FLIGHT);
    o->max_in_flight = max;
    return CLNAS_OK;
}

cJSON *clnas_strategy_member_json(const clnas_space_iface *space, const clnas_space_genotype *arch, double fitness)
{
    char text[CLNAS_SPACE_STR_MAX];
    if (clnas_space_or_nb201(space)->format(arch, text, sizeof text, NULL) != CLNAS_OK)
        return NULL;
    cJSON *member = cJSON_CreateObject();
    if (!member)
        return NULL;
    cJSON *f = isnan(fitness) ? cJSON_CreateNull() : cJSON_CreateNumber(fitness);
    if (!cJSON_AddStringToObject(member, "arch", text) || !f || !cJSON_AddItemToObject(member, "fitness", f)) {
        if (f && !cJSON_GetObjectItemCaseSensitive(member, "fitness"))
            cJSON_Delete(f);
        cJSON_Delete(member);
        return NULL;
    }
    return member;
}
