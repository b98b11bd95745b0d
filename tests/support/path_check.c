/* clnas tests — a supernet path against the stand-alone network of its genotype. */
#include "path_check.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>

#include <cmocka.h>

#include "executor.h"
#include "model_build.h"
#include "plan.h"

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

void path_check_close(const double *a, const double *b, size_t n, const char *what)
{
    double mx = 0, ref = 0.01;
    for (size_t i = 0; i < n; i++) {
        mx = fmax(mx, fabs(a[i] - b[i]));
        ref = fmax(ref, fabs(b[i]));
    }
    if (mx > 1e-5 * ref)
        fail_msg("%s: max difference %g (scale %g)", what, mx, ref);
}

/* Every live parameter's gradient of path and alone agree; returns the squared global norm of alone's. */
static double same_grads(clnas_model *path, clnas_model *alone, double *a, double *b)
{
    const clnas_plan *plan = clnas_model_plan(alone);
    clnas_error err;
    double norm2 = 0;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *pi = &plan->params[i];
        if (pi->arena != CLNAS_ARENA_PARAMS || !pi->live)
            continue;
        assert_int_equal(clnas_model_get_grad(path, pi->name, a, pi->count, &err), CLNAS_OK);
        assert_int_equal(clnas_model_get_grad(alone, pi->name, b, pi->count, &err), CLNAS_OK);
        path_check_close(a, b, pi->count, pi->name);
        norm2 += dot(b, b, pi->count);
    }
    return norm2;
}

void path_check_against_standalone(clnas_model *path, clnas_model *alone, size_t param_elems, const float *images,
                                   const int32_t *labels, int batch, double clip)
{
    clnas_error err;
    clnas_error_clear(&err);
    const clnas_plan *plan = clnas_model_plan(alone), *pplan = clnas_model_plan(path);
    size_t largest = 1;
    for (int i = 0; i < plan->nparams; i++)
        largest = plan->params[i].count > largest ? plan->params[i].count : largest;
    double *a = malloc(largest * sizeof *a), *b = malloc(largest * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(plan->nparams, pplan->nparams);
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *pi = &plan->params[i];
        assert_int_equal(clnas_model_get(path, pi->name, a, pi->count, &err), CLNAS_OK);
        assert_int_equal(clnas_model_set(alone, pi->name, a, pi->count, &err), CLNAS_OK);
        if (pi->arena != CLNAS_ARENA_PARAMS) /* momenta too: those of the paths that stepped before */
            continue;
        int j = clnas_plan_find_param(pplan, pi->name);
        assert_true(j >= 0);
        assert_int_equal(clnas_executor_read(clnas_model_executor(path), CLNAS_ARENA_MOMENTUM, pplan->params[j].offset,
                                             a, pi->count, &err), CLNAS_OK);
        assert_int_equal(clnas_executor_write(clnas_model_executor(alone), CLNAS_ARENA_MOMENTUM, pi->offset, a,
                                              pi->count, &err), CLNAS_OK);
    }
    double *stale = malloc(param_elems * sizeof *stale);
    assert_non_null(stale);
    for (size_t i = 0; i < param_elems; i++)
        stale[i] = 1.0;
    assert_int_equal(clnas_executor_write(clnas_model_executor(path), CLNAS_ARENA_GRADS, 0, stale, param_elems, &err),
                     CLNAS_OK);
    free(stale);
    const int classes = clnas_model_config(alone)->classes;
    double *la = malloc((size_t)batch * (size_t)classes * sizeof *la);
    double *lb = malloc((size_t)batch * (size_t)classes * sizeof *lb);
    assert_non_null(la);
    assert_non_null(lb);
    clnas_model *m[2] = {path, alone};
    double loss[2];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(clnas_model_set_batch(m[k], images, labels, &err), CLNAS_OK);
        assert_int_equal(clnas_model_forward(m[k], &err), CLNAS_OK);
        assert_int_equal(clnas_model_backward(m[k], &err), CLNAS_OK);
        assert_int_equal(clnas_model_read_loss(m[k], &loss[k], &err), CLNAS_OK);
        assert_int_equal(clnas_model_read_logits(m[k], k ? lb : la, &err), CLNAS_OK);
    }
    path_check_close(&loss[0], &loss[1], 1, "loss");
    path_check_close(la, lb, (size_t)batch * (size_t)classes, "logits");
    const double norm2 = same_grads(path, alone, a, b);
    if (clip > 0) /* the clip is active: the unclipped norm above it */
        assert_true(sqrt(norm2) > 2 * clip);
    for (int k = 0; k < 2; k++)
        assert_int_equal(clnas_model_update(m[k], 0.05, &err), CLNAS_OK);
    if (clip > 0) /* the clipped gradients */
        assert_true(fabs(sqrt(same_grads(path, alone, a, b)) - clip) < 1e-3 * clip);
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *pi = &plan->params[i];
        assert_int_equal(clnas_model_get(path, pi->name, a, pi->count, &err), CLNAS_OK);
        assert_int_equal(clnas_model_get(alone, pi->name, b, pi->count, &err), CLNAS_OK);
        path_check_close(a, b, pi->count, pi->name);
    }
    free(la);
    free(lb);
    free(a);
    free(b);
}
