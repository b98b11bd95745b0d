/* clnas — the backward without the trained parameters' gradients (clnas_model_backward_no_param_grads), which DARTS'
 * and GDAS' architecture steps run: on NB201's DARTS search network, the DARTS space's search network and a plain
 * NB201 network with its input gradient, it leaves out every weight-gradient launch and nothing else; the gradients
 * it still computes (the STATE arena's: the edge weights' gradients; the input gradient), the loss and the logits are
 * bit-identical to the full backward's; the parameters' gradients it leaves (poisoned with NaN beforehand) stay
 * poisoned; and a training step after it ends bit-identical to one after the full backward, so nothing of what it
 * leaves out is read by the next step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnas/rng.h"
#include "device_fixture.h"
#include "executor.h"
#include "model_build.h"
#include "param_grad_launches.h"
#include "plan.h"
#include "profile_query.h"

#define BATCH 4
#define HW 8

static clnas_model *model_ok(device_fixture *fx, const clnas_net_config *cfg)
{
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(fx->dev, fx->cache, cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return m;
}

static double *read_arena(clnas_model *m, clnas_arena arena, size_t *n)
{
    *n = clnas_model_plan(m)->arena_elems[arena];
    double *v = malloc(*n * sizeof *v + sizeof *v);
    assert_non_null(v);
    clnas_error err;
    if (clnas_executor_read(clnas_model_executor(m), arena, 0, v, *n, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return v;
}

static void assert_same(const double *a, const double *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0)
            fail_msg("%s[%zu]: %.17g with the full backward, %.17g without the parameters' gradients", what, i, a[i],
                     b[i]);
}

static void set_batch(clnas_model *m, const clnas_net_config *c, uint64_t seed)
{
    const size_t n = (size_t)c->batch * (size_t)c->in_channels * (size_t)c->height * (size_t)c->width;
    float *x = malloc(n * sizeof *x);
    int32_t labels[BATCH];
    assert_non_null(x);
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(2.0 * clnas_rng_uniform(&rng) - 1.0);
    for (int i = 0; i < c->batch; i++)
        labels[i] = (int32_t)clnas_rng_below(&rng, (uint64_t)c->classes);
    clnas_error err;
    if (clnas_model_set_batch(m, x, labels, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    free(x);
}

/* Which launches the plan leaves out: every weight gradient's, nothing that writes outside the GRADS arena. Then
 * poison[] (the GRADS arena's elements) is NaN where a launch left out writes, as a stale gradient could be. */
static void check_plan(const clnas_plan *plan, double *poison)
{
    unsigned char *skip = malloc((size_t)plan->ntrain + 1);
    assert_non_null(skip);
    const int n = clnas_plan_param_grad_launches(plan, skip);
    int weight_grads = 0;
    for (int i = 0; i < plan->ntrain; i++) {
        const clnas_plan_launch *l = &plan->train[i];
        const int is_weight_grad = l->kind == CLNAS_NODE_CONV_BWD_FILTER || l->kind == CLNAS_NODE_DWCONV_BWD_FILTER ||
                                   l->kind == CLNAS_NODE_LINEAR_BWD_WEIGHT;
        weight_grads += is_weight_grad;
        if (is_weight_grad && !skip[i])
            fail_msg("launch %d (%s), a weight gradient, is kept", i, l->label);
        if (!skip[i])
            continue;
        assert_int_equal(l->phase, CLNAS_PHASE_BACKWARD);
        /* a split weight gradient's partial sums (the GPU family's, codegen/wgrad_split.h) go with their sum */
        const int split_parts = l->kind == CLNAS_NODE_CONV_BWD_FILTER && i + 1 < plan->ntrain &&
                                plan->train[i + 1].kind == CLNAS_NODE_SPLIT_SUM;
        if (split_parts && !skip[i + 1])
            fail_msg("launch %d (%s) is left out but its split_sum is kept", i, l->label);
        const clnas_kernel_desc *d = &plan->kernels[l->kernel].desc;
        for (int a = 0; a < d->nargs; a++) {
            const clnas_plan_binding *b = &l->arg[a];
            if (b->writes && b->arena != CLNAS_ARENA_GRADS && !(split_parts && b->arena == CLNAS_ARENA_ACT))
                fail_msg("launch %d (%s) is left out but writes the %s arena", i, l->label, clnas_arena_name(b->arena));
            for (size_t k = 0; b->writes && b->arena == CLNAS_ARENA_GRADS && k < b->count; k++)
                poison[b->offset + k] = NAN;
        }
    }
    assert_true(weight_grads > 0);
    assert_true(n >= weight_grads);
    free(skip);
}

static void check_network(device_fixture *fx, const clnas_net_config *cfg)
{
    clnas_model *full = model_ok(fx, cfg), *part = model_ok(fx, cfg);
    clnas_error err;
    size_t ng = 0;
    double *poison = read_arena(part, CLNAS_ARENA_GRADS, &ng);
    check_plan(clnas_model_plan(full), poison);
    assert_int_equal(clnas_executor_write(clnas_model_executor(part), CLNAS_ARENA_GRADS, 0, poison, ng, &err),
                     CLNAS_OK);
    free(poison);
    set_batch(full, cfg, 11);
    set_batch(part, cfg, 11);
    assert_int_equal(clnas_model_forward(full, &err), CLNAS_OK);
    assert_int_equal(clnas_model_backward(full, &err), CLNAS_OK);
    assert_int_equal(clnas_model_forward(part, &err), CLNAS_OK);
    assert_int_equal(clnas_model_backward_no_param_grads(part, &err), CLNAS_OK);
    size_t n = 0, n2 = 0;
    double *a = read_arena(full, CLNAS_ARENA_STATE, &n), *b = read_arena(part, CLNAS_ARENA_STATE, &n2);
    assert_same(a, b, n, "STATE arena (running statistics and architecture gradients)");
    free(a);
    free(b);
    a = read_arena(full, CLNAS_ARENA_ACT, &n);
    b = read_arena(part, CLNAS_ARENA_ACT, &n2);
    const clnas_plan *plan = clnas_model_plan(full);
    const size_t logits = (size_t)cfg->batch * (size_t)cfg->classes;
    assert_same(a + plan->logits_offset, b + plan->logits_offset, logits, "logits");
    assert_same(a + plan->loss_offset, b + plan->loss_offset, 1, "loss");
    if (plan->has_input_grad) {
        const size_t in = (size_t)cfg->batch * (size_t)cfg->in_channels * (size_t)cfg->height * (size_t)cfg->width;
        assert_same(a + plan->input_grad_offset, b + plan->input_grad_offset, in, "input gradient");
    }
    free(a);
    free(b);
    b = read_arena(part, CLNAS_ARENA_GRADS, &n);
    size_t poisoned = 0;
    for (size_t i = 0; i < n; i++)
        poisoned += isnan(b[i]);
    free(b);
    assert_true(poisoned > 0); /* the weight gradients were not computed */
    /* the next training step does not see what was left out */
    set_batch(full, cfg, 12);
    set_batch(part, cfg, 12);
    double loss[2];
    assert_int_equal(clnas_model_step(full, 0.05, &loss[0], NULL, &err), CLNAS_OK);
    assert_int_equal(clnas_model_step(part, 0.05, &loss[1], NULL, &err), CLNAS_OK);
    assert_same(&loss[0], &loss[1], 1, "the next step's loss");
    a = read_arena(full, CLNAS_ARENA_PARAMS, &n);
    b = read_arena(part, CLNAS_ARENA_PARAMS, &n2);
    assert_same(a, b, n, "parameters after the next step");
    free(a);
    free(b);
    clnas_model_free(full);
    clnas_model_free(part);
}

static clnas_net_config small(void)
{
    clnas_net_config c;
    clnas_net_config_default(&c);
    c.channels = 2;
    c.cells = 1;
    c.batch = BATCH;
    c.height = c.width = HW;
    return c;
}

static void test_nb201_darts_search_network(void **state)
{
    clnas_net_config c = small();
    c.darts = 1;
    check_network(*state, &c);
}

static void test_darts_space_search_network(void **state)
{
    clnas_net_config c = small();
    c.space = CLNAS_NET_DARTS;
    c.darts_search = 1;
    c.layers = 3;
    check_network(*state, &c);
}

static void test_nb201_input_gradient(void **state)
{
    clnas_net_config c = small();
    clnas_error err;
    if (clnas_genotype_parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|",
                             &c.genotype, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    c.want_input_grad = 1;
    check_network(*state, &c);
}

/* The GPU family forced on the device: at 24x24 the weight gradients of the first stage are split over pixels
 * (PoCL's few compute units still want more work-groups than their one tile), and the partial sums are left out
 * with their sum. */
static void test_nb201_gpu_split(void **state)
{
    clnas_net_config c = small();
    c.height = c.width = 24;
    c.darts = 1;
    assert_int_equal(setenv("CLNAS_FAMILY", "gpu", 1), 0);
    clnas_plan *plan = NULL;
    clnas_error err;
    if (clnas_plan_compile_on(((device_fixture *)*state)->dev, &c, &plan, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_true(plan->wgrad_splits > 0);
    clnas_plan_free(plan);
    check_network(*state, &c);
    unsetenv("CLNAS_FAMILY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nb201_darts_search_network, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_darts_space_search_network, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_nb201_input_gradient, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_nb201_gpu_split, device_fixture_with_cache, device_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
