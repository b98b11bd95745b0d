/* clnas — the search objective as an evaluator around another: each successful trial's on-device latency measured
 * (when a budget or a Pareto selection needs it), and a trial over the parameter or latency budget a failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator.h"
#include "latency_cache.h"
#include "net_genotype.h"

typedef struct objective_state {
    clnas_evaluator inner;
    clnas_objective_options opt;
} objective_state;

/* A successful result over a budget becomes a failed trial naming both figures; its fitness is kept in extra. */
static clnas_status fail_over_budget(clnas_evaluator_result *out, const char *why, clnas_error *err)
{
    if (!out->extra)
        out->extra = cJSON_CreateObject();
    if (!out->extra || !cJSON_AddNumberToObject(out->extra, "unconstrained_fitness", out->fitness))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "objective: out of memory");
    out->status = CLNAS_TRIAL_FAILED;
    out->fitness = NAN;
    snprintf(out->error, sizeof out->error, "%s", why);
    return CLNAS_OK;
}

/* The trial's latency into its extra keys (latency_ms: the figure objective.latency names; train_step_ms and
 * inference_ms); a network that cannot be measured is a failed trial saying why. */
static clnas_status measure(const objective_state *o, const clnas_space_genotype *arch, clnas_evaluator_result *out,
                            double *latency_ms, clnas_error *err)
{
    clnas_net_config net = o->opt.latency_net;
    clnas_latency lat;
    clnas_error why;
    if (clnas_net_config_set_genotype(&net, o->opt.space, arch, &why) != CLNAS_OK ||
        clnas_latency_of(o->opt.latency_cache, o->opt.dev, o->opt.programs, &net, o->opt.latency_launches, &lat, NULL,
                         &why) != CLNAS_OK) {
        out->status = CLNAS_TRIAL_FAILED;
        out->fitness = NAN;
        snprintf(out->error, sizeof out->error, "latency: %s", why.message);
        return CLNAS_OK;
    }
    *latency_ms = o->opt.latency_train_step ? lat.train_step_ms : lat.inference_ms;
    if (!out->extra)
        out->extra = cJSON_CreateObject();
    if (!out->extra || !cJSON_AddNumberToObject(out->extra, "latency_ms", *latency_ms) ||
        !cJSON_AddNumberToObject(out->extra, "train_step_ms", lat.train_step_ms) ||
        !cJSON_AddNumberToObject(out->extra, "inference_ms", lat.inference_ms))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "objective: out of memory");
    return CLNAS_OK;
}

static clnas_status constrain(const objective_state *o, const clnas_space_genotype *arch, clnas_evaluator_result *out,
                              clnas_error *err)
{
    if (out->status != CLNAS_TRIAL_OK)
        return CLNAS_OK;
    char why[160];
    if (o->opt.max_params > 0 && out->params > o->opt.max_params) {
        snprintf(why, sizeof why, "%ld parameters exceed objective.max_params (%ld)", out->params, o->opt.max_params);
        return fail_over_budget(out, why, err);
    }
    if (!o->opt.measure_latency)
        return CLNAS_OK;
    double latency_ms = NAN;
    clnas_status st = measure(o, arch, out, &latency_ms, err);
    if (st != CLNAS_OK || out->status != CLNAS_TRIAL_OK || !(latency_ms > o->opt.max_latency_ms))
        return st;
    snprintf(why, sizeof why, "%.4g ms %s latency exceeds objective.max_latency_ms (%g)", latency_ms,
             o->opt.latency_train_step ? "training-step" : "inference", o->opt.max_latency_ms);
    return fail_over_budget(out, why, err);
}

static clnas_status objective_evaluate(void *state, const clnas_space_genotype *arch, clnas_evaluator_result *out,
                                       clnas_error *err)
{
    const objective_state *o = state;
    clnas_status st = o->inner.iface->evaluate(o->inner.state, arch, out, err);
    return st == CLNAS_OK ? constrain(o, arch, out, err) : st;
}

static clnas_status objective_evaluate_fraction(void *state, const clnas_space_genotype *arch, double fraction,
                                                clnas_evaluator_result *out, clnas_error *err)
{
    const objective_state *o = state;
    clnas_status st = clnas_evaluator_evaluate(&o->inner, arch, fraction, out, err);
    return st == CLNAS_OK ? constrain(o, arch, out, err) : st;
}

static void objective_destroy(void *state)
{
    objective_state *o = state;
    if (o && o->inner.iface)
        o->inner.iface->destroy(o->inner.state);
    free(o);
}

/* The inner evaluator's cost, when it has one. */
static clnas_status objective_cost(void *state, const clnas_space_genotype *arch, long *params, double *flops,
                                   clnas_error *err)
{
    const objective_state *o = state;
    if (!o->inner.iface->cost)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "evaluator %s tells no cost", o->inner.iface->kind);
    return o->inner.iface->cost(o->inner.state, arch, params, flops, err);
}

static const clnas_evaluator_iface objective_iface = {"objective", objective_evaluate, objective_destroy, NULL,
                                                      objective_cost};
static const clnas_evaluator_iface objective_fraction_iface = {"objective", objective_evaluate, objective_destroy,
                                                               objective_evaluate_fraction, objective_cost};

void clnas_objective_options_default(clnas_objective_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->max_latency_ms = NAN;
    opt->latency_launches = 10;
}

clnas_status clnas_objective_evaluator_wrap(clnas_evaluator *ev, long max_params, clnas_error *err)
{
    clnas_objective_options opt;
    clnas_objective_options_default(&opt);
    opt.max_params = max_params;
    return clnas_objective_evaluator_wrap_options(ev, &opt, err);
}

clnas_status clnas_objective_evaluator_wrap_options(clnas_evaluator *ev, const clnas_objective_options *opt,
                                                    clnas_error *err)
{
    if (opt->measure_latency && (!opt->latency_cache || !opt->dev || !opt->programs || !opt->space))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "objective: measuring latency needs a device, its program "
                               "cache, a latency cache and the trials' space");
    if (opt->max_params <= 0 && !opt->measure_latency)
        return CLNAS_OK;
    objective_state *o = malloc(sizeof *o);
    if (!o)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "objective: out of memory");
    o->inner = *ev;
    o->opt = *opt;
    ev->iface = ev->iface->evaluate_fraction ? &objective_fraction_iface : &objective_iface;
    ev->state = o;
    return CLNAS_OK;
}
