/* clnas — zero-cost proxies from one forward and one backward of the generated plan: snip, grad_norm, params, flops. */
#include "zero_cost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_build.h"
#include "plan.h"

static const char *const names[CLNAS_ZC_COUNT] = {"snip", "grad_norm", "params", "flops"};

const char *clnas_zero_cost_name(clnas_zero_cost_proxy p)
{
    return p >= 0 && p < CLNAS_ZC_COUNT ? names[p] : "unknown";
}

int clnas_zero_cost_find(const char *name)
{
    for (int p = 0; name && p < CLNAS_ZC_COUNT; p++)
        if (strcmp(names[p], name) == 0)
            return p;
    return -1;
}

/* Adds one weight tensor's |w * g| and ||g||_2 to the scores. */
static clnas_status score_weight(clnas_model *model, const clnas_param_info *p, double *w, double *g, double *scores,
                                 clnas_error *err)
{
    clnas_status st = clnas_model_get(model, p->name, w, p->count, err);
    if (st == CLNAS_OK)
        st = clnas_model_get_grad(model, p->name, g, p->count, err);
    if (st != CLNAS_OK)
        return st;
    double snip = 0.0, sq = 0.0;
    for (size_t i = 0; i < p->count; i++) {
        snip += fabs(w[i] * g[i]);
        sq += g[i] * g[i];
    }
    scores[CLNAS_ZC_SNIP] += snip;
    scores[CLNAS_ZC_GRAD_NORM] += sqrt(sq);
    return CLNAS_OK;
}

clnas_status clnas_zero_cost_scores(clnas_model *model, double scores[CLNAS_ZC_COUNT], clnas_error *err)
{
    for (int k = 0; k < CLNAS_ZC_COUNT; k++)
        scores[k] = 0.0;
    clnas_status st = clnas_model_forward(model, err);
    if (st == CLNAS_OK)
        st = clnas_model_backward(model, err);
    if (st != CLNAS_OK)
        return st;
    const clnas_plan *plan = clnas_model_plan(model);
    size_t largest = 1;
    for (int i = 0; i < plan->nparams; i++)
        largest = plan->params[i].count > largest ? plan->params[i].count : largest;
    double *w = malloc(largest * sizeof *w), *g = malloc(largest * sizeof *g);
    if (!w || !g)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "zero-cost: out of memory");
    for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (p->arena != CLNAS_ARENA_PARAMS || !p->live)
            continue;
        scores[CLNAS_ZC_PARAMS] += (double)p->count;
        if (p->ndim >= 2)
            st = score_weight(model, p, w, g, scores, err);
    }
    free(w);
    free(g);
    scores[CLNAS_ZC_FLOPS] = clnas_model_forward_flops(model);
    return st;
}
