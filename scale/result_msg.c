/* clnas — a worker's trial result as the journal line it becomes: the message a worker sends back to the master. */
#include "scale.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "journal.h"
#include "space_nb201.h"

char *clnas_scale_result_format(const clnas_space_iface *space, int trial, const clnas_space_genotype *arch,
                                const clnas_evaluator_result *r)
{
    clnas_journal_entry e;
    memset(&e, 0, sizeof e);
    e.trial = trial;
    e.space = clnas_space_or_nb201(space);
    e.arch = *arch;
    e.space->canonical(arch, NULL, 0, &e.hash, NULL);
    e.status = r->status;
    e.fitness = r->status == CLNAS_TRIAL_OK ? r->fitness : NAN;
    e.params = r->params;
    e.flops = r->flops;
    e.seconds = r->seconds;
    snprintf(e.error, sizeof e.error, "%s", r->error);
    e.extra = r->extra;
    return clnas_journal_format(&e);
}

static int status_named(const char *name, clnas_trial_status *out)
{
    static const clnas_trial_status all[] = {CLNAS_TRIAL_OK, CLNAS_TRIAL_FAILED, CLNAS_TRIAL_DIVERGED};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, clnas_trial_status_name(all[i])) == 0) {
            *out = all[i];
            return 1;
        }
    }
    return 0;
}

/* A number, or NAN for null (what the journal writes for a non-finite one). */
static double number_or_nan(const cJSON *item)
{
    return cJSON_IsNumber(item) ? item->valuedouble : NAN;
}

clnas_status clnas_scale_result_parse(const char *text, int *trial, clnas_evaluator_result *r, clnas_error *err)
{
    static const char *const fixed[] = {"trial", "arch", "hash", "fitness", "params", "flops", "seconds", "status",
                                        "error"};
    memset(r, 0, sizeof *r);
    cJSON *o = cJSON_Parse(text);
    cJSON *item[9];
    for (int i = 0; i < 9; i++)
        item[i] = cJSON_GetObjectItemCaseSensitive(o, fixed[i]);
    if (!cJSON_IsObject(o) || !cJSON_IsNumber(item[0]) || item[0]->valuedouble < 0 || !cJSON_IsString(item[7])
        || !status_named(item[7]->valuestring, &r->status) || !cJSON_IsNumber(item[4])
        || !(cJSON_IsString(item[8]) || cJSON_IsNull(item[8]))) {
        cJSON_Delete(o);
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "a worker's result is not a journal line of a trial (expected "
                               "trial, arch, hash, fitness, params, flops, seconds, status, error): %.200s", text);
    }
    *trial = (int)item[0]->valuedouble;
    r->fitness = number_or_nan(item[3]);
    r->params = (long)item[4]->valuedouble;
    r->flops = number_or_nan(item[5]);
    r->seconds = number_or_nan(item[6]);
    if (cJSON_IsString(item[8]))
        snprintf(r->error, sizeof r->error, "%s", item[8]->valuestring);
    for (int i = 0; i < 9; i++)
        cJSON_Delete(cJSON_DetachItemViaPointer(o, item[i]));
    if (o->child)
        r->extra = o;
    else
        cJSON_Delete(o);
    return CLNAS_OK;
}
