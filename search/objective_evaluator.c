/* clnas — the search objective's constraints as an evaluator around another: over the parameter budget, a failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "evaluator.h"

typedef struct objective_state {
    clnas_evaluator inner;
    long max_params;
} objective_state;

/* A successful result over the budget becomes a failed trial naming both figures; its fitness is kept in extra. */
static clnas_status constrain(const objective_state *o, clnas_evaluator_result *out, clnas_error *err)
{
    if (out->status != CLNAS_TRIAL_OK || o->max_params <= 0 || out->params <= o->max_params)
        return CLNAS_OK;
    if (!out->extra)
        out->extra = cJSON_CreateObject();
    if (!out->extra || !cJSON_AddNumberToObject(out->extra, "unconstrained_fitness", out->fitness))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "objective: out of memory");
    out->status = CLNAS_TRIAL_FAILED;
    out->fitness = NAN;
    snprintf(out->error, sizeof out->error, "%ld parameters exceed objective.max_params (%ld)", out->params,
             o->max_params);
    return CLNAS_OK;
}

static clnas_status objective_evaluate(void *state, const clnas_space_genotype *arch, clnas_evaluator_result *out,
                                       clnas_error *err)
{
    const objective_state *o = state;
    clnas_status st = o->inner.iface->evaluate(o->inner.state, arch, out, err);
    return st == CLNAS_OK ? constrain(o, out, err) : st;
}

static clnas_status objective_evaluate_fraction(void *state, const clnas_space_genotype *arch, double fraction,
                                                clnas_evaluator_result *out, clnas_error *err)
{
    const objective_state *o = state;
    clnas_status st = clnas_evaluator_evaluate(&o->inner, arch, fraction, out, err);
    return st == CLNAS_OK ? constrain(o, out, err) : st;
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

clnas_status clnas_objective_evaluator_wrap(clnas_evaluator *ev, long max_params, clnas_error *err)
{
    if (max_params <= 0)
        return CLNAS_OK;
    objective_state *o = malloc(sizeof *o);
    if (!o)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "objective: out of memory");
    o->inner = *ev;
    o->max_params = max_params;
    ev->iface = ev->iface->evaluate_fraction ? &objective_fraction_iface : &objective_iface;
    ev->state = o;
    return CLNAS_OK;
}
