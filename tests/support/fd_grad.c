/* clnas tests — finite-difference gradient checks of a float64 model: the loss, one comparison, every parameter. */
#include "fd_grad.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "model_build.h"
#include "plan.h"

double fd_loss_of(clnas_model *m)
{
    clnas_error err;
    double loss = NAN;
    if (clnas_model_forward(m, &err) != CLNAS_OK || clnas_model_read_loss(m, &loss, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return loss;
}

int fd_check(const char *what, size_t index, double analytic, double numeric)
{
    double tol = 1e-6 * fmax(1.0, fmax(fabs(analytic), fabs(numeric)));
    int ok = fabs(analytic - numeric) <= tol;
    if (!ok)
        printf("  %s[%zu]: analytic %.10g, finite difference %.10g\n", what, index, analytic, numeric);
    return ok;
}

int fd_check_params(clnas_model *m, clnas_rng *rng, int per_tensor, int live_only, int *checked)
{
    const clnas_plan *plan = clnas_model_plan(m);
    clnas_error err;
    int failures = 0;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (p->arena != CLNAS_ARENA_PARAMS || (live_only && !p->live))
            continue;
        double *v = malloc(p->count * sizeof *v), *g = malloc(p->count * sizeof *g);
        assert_int_equal(clnas_model_get(m, p->name, v, p->count, &err), CLNAS_OK);
        assert_int_equal(clnas_model_get_grad(m, p->name, g, p->count, &err), CLNAS_OK);
        for (int k = 0; k < per_tensor && (size_t)k < p->count; k++) {
            size_t e = clnas_rng_below(rng, (uint32_t)p->count);
            double keep = v[e];
            v[e] = keep + FD_STEP;
            clnas_model_set(m, p->name, v, p->count, &err);
            double up = fd_loss_of(m);
            v[e] = keep - FD_STEP;
            clnas_model_set(m, p->name, v, p->count, &err);
            double down = fd_loss_of(m);
            v[e] = keep;
            clnas_model_set(m, p->name, v, p->count, &err);
            failures += !fd_check(p->name, e, g[e], (up - down) / (2 * FD_STEP));
            (*checked)++;
        }
        free(v);
        free(g);
    }
    return failures;
}
