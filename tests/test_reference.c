/* clnas — whole networks against PyTorch (tests/data/reference): eval and train logits, loss, every
 * gradient (the input's included), every parameter and running statistic after one SGD step, and the
 * optimizer alone on the reference gradients. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnas/model.h"
#include "device_fixture.h"
#include "kernel_harness.h"
#include "model_build.h"
#include "plan.h"
#include "ref_case.h"

static int compare_tensor(const ref_case *rc, const char *expected_name, const double *got, size_t n, double tol)
{
    size_t m = 0;
    double *want = ref_case_tensor(rc, expected_name, &m);
    if (!want) {
        printf("  %s: not in the reference\n", expected_name);
        return 0;
    }
    int ok = m == n && kh_close_enough(expected_name, got, want, n, tol);
    free(want);
    return ok;
}

/* Compares a model tensor (parameter, its gradient) with the reference tensor prefix+name. */
static int compare_param(clnas_model *model, const ref_case *rc, const clnas_param_info *p, const char *prefix,
                         int grad, double tol)
{
    double *got = malloc(p->count * sizeof *got);
    clnas_error err;
    clnas_status st = grad ? clnas_model_get_grad(model, p->name, got, p->count, &err)
                           : clnas_model_get(model, p->name, got, p->count, &err);
    char name[200];
    snprintf(name, sizeof name, "%s%s", prefix, p->name);
    int ok = st == CLNAS_OK && compare_tensor(rc, name, got, p->count, tol);
    free(got);
    return ok;
}

static void run_case(void **state, const char *name)
{
    device_fixture *fx = *state;
    ref_case rc;
    assert_int_equal(ref_case_load(&rc, name, 0), 0);
    clnas_model *model = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    char path[700];
    snprintf(path, sizeof path, "%s/weights.safetensors", rc.dir);
    if (clnas_model_build(fx->dev, fx->cache, &rc.cfg, &model, &err) != CLNAS_OK ||
        clnas_model_load(model, path, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(ref_case_set_batch(&rc, model), 0);
    const clnas_plan *plan = clnas_model_plan(model);
    size_t nlogits = (size_t)rc.cfg.batch * (size_t)rc.cfg.classes;
    double *logits = malloc(nlogits * sizeof *logits);
    int failures = 0;
    printf("%s: %d launches per step, %d kernels\n", name, plan->ntrain, plan->nkernels);

    assert_int_equal(clnas_model_eval(model, logits, &err), CLNAS_OK);
    failures += !compare_tensor(&rc, "logits_eval", logits, nlogits, 1e-4);

    assert_int_equal(clnas_model_forward(model, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_logits(model, logits, &err), CLNAS_OK);
    failures += !compare_tensor(&rc, "logits_train", logits, nlogits, 1e-4);
    double loss = 0;
    assert_int_equal(clnas_model_read_loss(model, &loss, &err), CLNAS_OK);
    failures += !compare_tensor(&rc, "loss", &loss, 1, 1e-4);

    assert_int_equal(clnas_model_backward(model, &err), CLNAS_OK);
    size_t nin = (size_t)rc.cfg.batch * (size_t)rc.cfg.in_channels * (size_t)rc.cfg.height * (size_t)rc.cfg.width;
    double *gin = malloc(nin * sizeof *gin);
    assert_int_equal(clnas_model_read_input_grad(model, gin, &err), CLNAS_OK);
    failures += !compare_tensor(&rc, "grad.input", gin, nin, 1e-4);
    free(gin);
    /* parameters of edges that cannot reach the output: PyTorch gives them no gradient (None), clnas does not
     * compute them; their running statistics are the one documented difference (PyTorch runs the edge) */
    for (int i = 0; i < plan->nparams; i++)
        if (plan->params[i].arena == CLNAS_ARENA_PARAMS && plan->params[i].live)
            failures += !compare_param(model, &rc, &plan->params[i], "grad.", 1, 1e-4);

    assert_int_equal(clnas_model_update(model, rc.lr, &err), CLNAS_OK);
    for (int i = 0; i < plan->nparams; i++)
        if (plan->params[i].live || plan->params[i].arena == CLNAS_ARENA_PARAMS)
            failures += !compare_param(model, &rc, &plan->params[i], "after_step.", 0, 1e-4);

    /* the optimizer alone: reference weights and gradients in, one update, reference parameters out at 1e-6 */
    assert_int_equal(clnas_model_load(model, path, &err), CLNAS_OK);
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (p->arena != CLNAS_ARENA_PARAMS || !p->live)
            continue;
        char gname[200];
        snprintf(gname, sizeof gname, "grad.%s", p->name);
        size_t n = 0;
        double *g = ref_case_tensor(&rc, gname, &n);
        assert_non_null(g);
        assert_int_equal(clnas_model_set_grad(model, p->name, g, n, &err), CLNAS_OK);
        free(g);
    }
    assert_int_equal(clnas_model_update(model, rc.lr, &err), CLNAS_OK);
    printf("optimizer alone:\n");
    for (int i = 0; i < plan->nparams; i++)
        if (plan->params[i].arena == CLNAS_ARENA_PARAMS)
            failures += !compare_param(model, &rc, &plan->params[i], "after_step.", 0, 1e-6);

    free(logits);
    clnas_model_free(model);
    ref_case_free(&rc);
    assert_int_equal(failures, 0);
}

static void test_best_c4n1(void **state)
{
    run_case(state, "nb201-best-c4n1");
}

static void test_mix_c4n2(void **state)
{
    run_case(state, "nb201-mix-c4n2");
}

/* node 1 is all zeros: a conv from it is BatchNorm's shift, a pool from it is zero */
static void test_zero_node_c4n1(void **state)
{
    run_case(state, "nb201-zero-c4n1");
}

/* nodes 1 and 2 cannot reach the output: their edges are not computed */
static void test_dead_edges_c4n1(void **state)
{
    run_case(state, "nb201-dead-c4n1");
}

/* three input channels, 1x1 convs, pools and skips */
static void test_light_rgb_c3n1(void **state)
{
    run_case(state, "nb201-light-c3n1-rgb");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best_c4n1),
        cmocka_unit_test(test_mix_c4n2),
        cmocka_unit_test(test_zero_node_c4n1),
        cmocka_unit_test(test_dead_edges_c4n1),
        cmocka_unit_test(test_light_rgb_c3n1),
    };
    /* CLNAS_TEST_FILTER (a cmocka pattern) picks cases, e.g. the small ones under oclgrind */
    if (getenv("CLNAS_TEST_FILTER"))
        cmocka_set_test_filter(getenv("CLNAS_TEST_FILTER"));
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
