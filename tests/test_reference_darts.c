/* clnas — DARTS-space networks against PyTorch (tests/data/darts, ../shared/reference/darts): weights in by DARTS'
 * names, train logits and loss, every gradient, eval logits with the running statistics the training forward left,
 * one SGD step of every parameter and running statistic, and the step after clipping the gradients' norm at 5. */
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
#include "executor.h"
#include "kernel_harness.h"
#include "model_build.h"
#include "plan.h"
#include "ref_case_darts.h"
#include "scratch_dir.h"

#define TOL 1e-4 /* max |err| <= TOL * max(max |ref|, 0.01), per tensor (../shared/reference/README.md) */

static int compare(const ref_case *rc, const char *expected_name, const double *got, size_t n)
{
    size_t m = 0;
    double *want = ref_case_tensor(rc, expected_name, &m);
    if (!want) {
        printf("  %s: not in the reference\n", expected_name);
        return 0;
    }
    int ok = m == n && kh_close_enough(expected_name, got, want, n, TOL);
    free(want);
    return ok;
}

/* The model tensor (or its gradient) against the reference tensor prefix+name. */
static int compare_param(clnas_model *model, const ref_case *rc, const clnas_param_info *p, const char *prefix,
                         int grad)
{
    double *got = malloc(p->count * sizeof *got);
    clnas_error err;
    clnas_status st = grad ? clnas_model_get_grad(model, p->name, got, p->count, &err)
                           : clnas_model_get(model, p->name, got, p->count, &err);
    char name[200];
    snprintf(name, sizeof name, "%s%s", prefix, p->name);
    int ok = st == CLNAS_OK && compare(rc, name, got, p->count);
    free(got);
    return ok;
}

/* One step changes a parameter by far less than its value: the change (after - before) is compared, clnas' against
 * the reference's, so the rule's bound scales with the step and not with the parameter. */
static int compare_step(clnas_model *model, const ref_case *rc, const clnas_safetensors *init,
                        const clnas_param_info *p, const char *prefix)
{
    char name[200];
    snprintf(name, sizeof name, "%s%s", prefix, p->name);
    size_t n = 0;
    double *want = ref_case_tensor(rc, name, &n), *got = malloc(p->count * sizeof *got);
    double *before = malloc(p->count * sizeof *before);
    const clnas_tensor *t = clnas_safetensors_find(init, p->name);
    clnas_error err;
    int ok = want && t && n == p->count && clnas_tensor_to_double(t, before, (int64_t)n, &err) == CLNAS_OK &&
             clnas_model_get(model, p->name, got, n, &err) == CLNAS_OK;
    if (!ok)
        printf("  %s: missing or of another size\n", name);
    for (size_t i = 0; ok && i < n; i++) {
        got[i] -= before[i];
        want[i] -= before[i];
    }
    snprintf(name, sizeof name, "%s%s - weights", prefix, p->name);
    ok = ok && kh_close_enough(name, got, want, n, TOL);
    free(want);
    free(got);
    free(before);
    return ok;
}

static clnas_model *model_of(device_fixture *fx, const ref_case *rc, const clnas_net_config *cfg)
{
    clnas_model *model = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    char path[700];
    snprintf(path, sizeof path, "%s/weights.safetensors", rc->dir);
    if (clnas_model_build(fx->dev, fx->cache, cfg, &model, &err) != CLNAS_OK ||
        clnas_model_load(model, path, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(ref_case_set_batch(rc, model), 0);
    return model;
}

/* The stepped weights saved and loaded back: the file says space darts and its layers; every tensor comes back. */
static int save_and_load(clnas_model *model)
{
    char *dir = scratch_dir_new("clnas-darts-weights"), path[600];
    assert_non_null(dir);
    scratch_dir_path(path, sizeof path, dir, "w.safetensors");
    clnas_error err;
    clnas_weights_info info;
    const clnas_plan *plan = clnas_model_plan(model);
    const clnas_param_info *p = &plan->params[plan->nparams - 1];
    double *before = malloc(p->count * sizeof *before), *after = malloc(p->count * sizeof *after);
    int ok = clnas_model_get(model, p->name, before, p->count, &err) == CLNAS_OK &&
             clnas_model_save(model, path, &err) == CLNAS_OK &&
             clnas_weights_info_read(path, &info, &err) == CLNAS_OK && strcmp(info.space, "darts") == 0 &&
             !info.has_arch && clnas_model_init(model, 1, &err) == CLNAS_OK &&
             clnas_model_load(model, path, &err) == CLNAS_OK &&
             clnas_model_get(model, p->name, after, p->count, &err) == CLNAS_OK &&
             memcmp(before, after, p->count * sizeof *after) == 0;
    printf("  saved and loaded back (%s): %s\n", p->name, ok ? "ok" : err.message);
    free(before);
    free(after);
    scratch_dir_remove(dir);
    free(dir);
    return ok;
}

/* Train forward, backward, eval (running statistics of that forward), one SGD step: every tensor compared. */
static int step_without_clipping(device_fixture *fx, const ref_case *rc, const clnas_safetensors *init)
{
    clnas_model *model = model_of(fx, rc, &rc->cfg);
    const clnas_plan *plan = clnas_model_plan(model);
    clnas_error err;
    size_t nlogits = (size_t)rc->cfg.batch * (size_t)rc->cfg.classes;
    double *logits = malloc(nlogits * sizeof *logits), loss = 0;
    int failures = 0;
    printf("%d parameters and running statistics, %d launches per step, %d kernels\n", plan->nparams, plan->ntrain,
           plan->nkernels);
    assert_int_equal(clnas_model_forward(model, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_logits(model, logits, &err), CLNAS_OK);
    failures += !compare(rc, "logits_train", logits, nlogits);
    if (rc->cfg.auxiliary) { /* the auxiliary head's logits, kept by the plan for reading (training only) */
        double *aux = malloc(nlogits * sizeof *aux);
        assert_true(plan->has_logits_aux);
        assert_int_equal(clnas_executor_read(clnas_model_executor(model), CLNAS_ARENA_ACT, plan->logits_aux_offset,
                                             aux, nlogits, &err), CLNAS_OK);
        failures += !compare(rc, "logits_aux_train", aux, nlogits);
        free(aux);
    } else {
        assert_false(plan->has_logits_aux);
    }
    assert_int_equal(clnas_model_read_loss(model, &loss, &err), CLNAS_OK);
    failures += !compare(rc, "loss", &loss, 1);
    assert_int_equal(clnas_model_backward(model, &err), CLNAS_OK);
    for (int i = 0; i < plan->nparams; i++)
        if (plan->params[i].arena == CLNAS_ARENA_PARAMS)
            failures += !compare_param(model, rc, &plan->params[i], "grad.", 1);
    assert_int_equal(clnas_model_eval(model, logits, &err), CLNAS_OK);
    failures += !compare(rc, "logits_eval", logits, nlogits);
    assert_int_equal(clnas_model_update(model, rc->lr, &err), CLNAS_OK);
    for (int i = 0; i < plan->nparams; i++)
        failures += !compare_step(model, rc, init, &plan->params[i], "after_step.");
    if (rc->cfg.layers == 1)
        failures += !save_and_load(model);
    free(logits);
    clnas_model_free(model);
    return failures;
}

/* The same step with the gradients' global norm clipped at 5 first (DARTS' train.py). */
static int step_with_clipping(device_fixture *fx, const ref_case *rc, const clnas_safetensors *init)
{
    clnas_net_config cfg = rc->cfg;
    cfg.grad_clip = 5.0;
    clnas_model *model = model_of(fx, rc, &cfg);
    const clnas_plan *plan = clnas_model_plan(model);
    clnas_error err;
    int failures = 0;
    assert_int_equal(clnas_model_step(model, rc->lr, NULL, NULL, &err), CLNAS_OK);
    for (int i = 0; i < plan->nparams; i++)
        if (plan->params[i].arena == CLNAS_ARENA_PARAMS)
            failures += !compare_step(model, rc, init, &plan->params[i], "after_step_clip5.");
    clnas_model_free(model);
    return failures;
}

static void run_case(void **state, const char *name)
{
    device_fixture *fx = *state;
    ref_case rc;
    clnas_safetensors init;
    assert_int_equal(ref_case_darts_load(&rc, name, 0), 0);
    assert_int_equal(ref_case_darts_weights(&rc, &init), 0);
    printf("%s\n", name);
    int failures = step_without_clipping(fx, &rc, &init);
    printf("clipped at norm 5:\n");
    failures += step_with_clipping(fx, &rc, &init);
    clnas_safetensors_free(&init);
    ref_case_free(&rc);
    assert_int_equal(failures, 0);
}

/* DARTS_V2, C=4, 5 layers, 1x28x28, batch 3: sep_conv_3x3, dil_conv_3x3, skips, max pools, FactorizedReduce */
static void test_darts_v2_c4_l5(void **state)
{
    run_case(state, "a_darts_v2_c4_l5_1x28x28_b3");
}

/* ALL_OPS: all 8 ops and their stride-2 forms, BatchNorm affine parameters random; clipping active */
static void test_all_ops_c4_l5(void **state)
{
    run_case(state, "c_allops_c4_l5_1x28x28_b2_bnrand");
}

/* DARTS_V1, 3x32x32, batch 4: avg_pool_3x3 at stride 2 in the reduction cell */
static void test_darts_v1_c4_l5_rgb(void **state)
{
    run_case(state, "d_darts_v1_c4_l5_3x32x32_b4");
}

/* DARTS_V1, 3x32x32, batch 4, with the auxiliary head on cell 3 (8x8): its logits, the loss with 0.4 x its loss,
 * the head's gradients and step; eval logits without it */
static void test_darts_v1_aux(void **state)
{
    run_case(state, "b4_darts_v1_c4_l5_3x32x32_b4_aux");
}

/* one reduction cell (layers 1) of sep_conv and dil_conv 3x3 and 5x5 at stride 2 and 1, only node 5 concatenated,
 * BatchNorm affine parameters random */
static void test_convs_l1(void **state)
{
    run_case(state, "e_convs_l1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convs_l1),
        cmocka_unit_test(test_darts_v2_c4_l5),
        cmocka_unit_test(test_all_ops_c4_l5),
        cmocka_unit_test(test_darts_v1_c4_l5_rgb),
        cmocka_unit_test(test_darts_v1_aux),
    };
    if (getenv("CLNAS_TEST_FILTER"))
        cmocka_set_test_filter(getenv("CLNAS_TEST_FILTER"));
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
