/* clnas tests — two compiled models of one network compared after a step (see model_compare.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "model_compare.h"

#include "kernel_harness.h"
#include "model_build.h"
#include "plan.h"

/* n values of each model read by get (a name's value or gradient, or the logits when name is NULL), compared. */
static int compare_read(clnas_model *got, clnas_model *ref, const char *what, const char *name, size_t n, int grad,
                        double tol)
{
    double *g = malloc(n * sizeof *g), *r = malloc(n * sizeof *r);
    assert_non_null(g);
    assert_non_null(r);
    clnas_error err;
    for (int k = 0; k < 2; k++) {
        clnas_model *m = k ? ref : got;
        double *out = k ? r : g;
        clnas_status st = !name ? clnas_model_read_logits(m, out, &err)
                          : grad ? clnas_model_get_grad(m, name, out, n, &err)
                                 : clnas_model_get(m, name, out, n, &err);
        if (st != CLNAS_OK)
            fail_msg("%s: %s", what, err.message);
    }
    const int ok = kh_close_enough(what, g, r, n, tol);
    free(g);
    free(r);
    return ok;
}

int model_compare_step(clnas_model *got, clnas_model *ref, double tol, unsigned flags, int *grads)
{
    const clnas_plan *plan = clnas_model_plan(ref);
    const size_t nlogits = (size_t)plan->config.batch * (size_t)plan->config.classes;
    int ok = compare_read(got, ref, "logits", NULL, nlogits, 0, tol);
    clnas_error err;
    double lg, lr;
    assert_int_equal(clnas_model_read_loss(got, &lg, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_loss(ref, &lr, &err), CLNAS_OK);
    ok &= kh_close_enough("loss", &lg, &lr, 1, tol);
    int n = 0;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (p->arena == CLNAS_ARENA_PARAMS && p->live) {
            ok &= compare_read(got, ref, p->name, p->name, p->count, 1, tol);
            n++;
        } else if (p->arena == CLNAS_ARENA_STATE && (flags & MODEL_COMPARE_STATE)) {
            ok &= compare_read(got, ref, p->name, p->name, p->count, 0, tol);
        }
    }
    if (grads)
        *grads = n;
    if (flags & MODEL_COMPARE_EVAL) {
        double *eg = malloc(nlogits * sizeof *eg), *er = malloc(nlogits * sizeof *er);
        assert_int_equal(clnas_model_eval(got, eg, &err), CLNAS_OK);
        assert_int_equal(clnas_model_eval(ref, er, &err), CLNAS_OK);
        ok &= kh_close_enough("eval logits", eg, er, nlogits, tol);
        free(eg);
        free(er);
    }
    return ok;
}
