/* clnas — scoring a strategy's warm-start candidates with a zero-cost proxy (Abdelfattah et al.'s warm-up). */
#include "warm_start.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "zero_cost_evaluator.h"

clnas_status clnas_warm_start_run(const clnas_strategy_iface *strategy, void *state, const clnas_run_setup *s,
                                  clnas_error *err)
{
    const char *proxy = NULL;
    const clnas_space_genotype *candidates = NULL;
    int n = 0;
    if (!strategy->warm_start_request || !strategy->warm_start_request(state, &proxy, &candidates, &n))
        return CLNAS_OK;
    if (!s->dev || !s->train_cfg.train)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.warm_start_proxy: a zero-cost warm start needs "
                               "training data and a device (evaluator.kind \"train\" or \"zero-cost\")");
    const int proxy_index = clnas_zero_cost_find(proxy);
    clnas_evaluator ev = {0};
    double *scores = malloc((size_t)(n ? n : 1) * sizeof *scores);
    clnas_status st = scores ? CLNAS_OK : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "warm start: out of memory");
    if (st == CLNAS_OK)
        st = clnas_zero_cost_evaluator_new(s->dev, s->cache, &s->train_cfg, proxy_index, &ev, err);
    char key[32];
    snprintf(key, sizeof key, "zc_%s", proxy);
    for (int i = 0; i < n && st == CLNAS_OK; i++) {
        clnas_evaluator_result r;
        st = ev.iface->evaluate(ev.state, &candidates[i], &r, err);
        const cJSON *v = st == CLNAS_OK && r.status == CLNAS_TRIAL_OK ? cJSON_GetObjectItem(r.extra, key) : NULL;
        scores[i] = v ? v->valuedouble : NAN;
        if (st == CLNAS_OK)
            clnas_evaluator_result_clear(&r);
    }
    if (st == CLNAS_OK)
        st = strategy->warm_start(state, scores, err);
    if (ev.iface)
        ev.iface->destroy(ev.state);
    free(scores);
    return st;
}
