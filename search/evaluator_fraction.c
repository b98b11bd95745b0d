/* clnas — evaluating at a fraction of the training budget (multi-fidelity strategies), through either entry. */
#include "evaluator.h"

clnas_status clnas_evaluator_evaluate(const clnas_evaluator *ev, const clnas_space_genotype *arch, double fraction,
                                      clnas_evaluator_result *out, clnas_error *err)
{
    if (!(fraction > 0.0 && fraction <= 1.0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "training fraction must be in (0, 1], got %g", fraction);
    if (fraction == 1.0)
        return ev->iface->evaluate(ev->state, arch, out, err);
    if (!ev->iface->evaluate_fraction)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "the %s evaluator has a single fidelity: it cannot evaluate at %g of its training "
                               "budget (a multi-fidelity strategy such as hyperband needs evaluator.kind \"train\" "
                               "or \"table\")", ev->iface->kind, fraction);
    return ev->iface->evaluate_fraction(ev->state, arch, fraction, out, err);
}

double clnas_training_fraction_of(const cJSON *extra)
{
    const cJSON *f = extra ? cJSON_GetObjectItemCaseSensitive(extra, "training_fraction") : NULL;
    return cJSON_IsNumber(f) ? f->valuedouble : 1.0;
}

clnas_status clnas_training_fraction_note(cJSON **extra, double fraction, clnas_error *err)
{
    if (fraction >= 1.0)
        return CLNAS_OK;
    if (!*extra)
        *extra = cJSON_CreateObject();
    if (!*extra || !cJSON_AddNumberToObject(*extra, "training_fraction", fraction))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    return CLNAS_OK;
}
