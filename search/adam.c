/* clnas — PyTorch's Adam over one flat parameter vector. */
#include "adam.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

clnas_status clnas_adam_init(clnas_adam *a, size_t n, clnas_error *err)
{
    memset(a, 0, sizeof *a);
    a->m = calloc(n ? n : 1, sizeof *a->m);
    a->v = calloc(n ? n : 1, sizeof *a->v);
    if (!a->m || !a->v) {
        clnas_adam_free(a);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "adam: out of memory for %zu parameters", n);
    }
    a->n = n;
    return CLNAS_OK;
}

void clnas_adam_free(clnas_adam *a)
{
    if (a) {
        free(a->m);
        free(a->v);
        memset(a, 0, sizeof *a);
    }
}

void clnas_adam_step(clnas_adam *a, double *params, const double *grad, double lr)
{
    a->steps++;
    const double correction1 = 1.0 - pow(CLNAS_ADAM_BETA1, a->steps);
    const double correction2 = 1.0 - pow(CLNAS_ADAM_BETA2, a->steps);
    for (size_t i = 0; i < a->n; i++) {
        a->m[i] = CLNAS_ADAM_BETA1 * a->m[i] + (1.0 - CLNAS_ADAM_BETA1) * grad[i];
        a->v[i] = CLNAS_ADAM_BETA2 * a->v[i] + (1.0 - CLNAS_ADAM_BETA2) * grad[i] * grad[i];
        const double denom = sqrt(a->v[i]) / sqrt(correction2) + CLNAS_ADAM_EPS;
        params[i] -= lr / correction1 * a->m[i] / denom;
    }
}
