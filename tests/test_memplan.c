/* clnas — tests of the activation memory plan: no two tensors live at once share bytes, no tensor is read after
 * another overwrote it, outputs survive the step, and the arena is the lifetime peak (issue 12). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "clnas/network.h"
#include "clnas/space.h"
#include "device_profile.h"
#include "memplan_check.h"
#include "plan.h"

#define BEST_ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
#define ODD_ARCH "|nor_conv_1x1~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"
#define POOLS_ARCH "|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_3x3~0|skip_connect~1|avg_pool_3x3~2|"

typedef struct net {
    const char *arch;
    int channels, cells, batch, fp64, darts, gdas, input_grad, gpu; /* gpu bit 0: the GPU family; bit 1: recompute */
} net;

static clnas_plan *compile_net(const net *n)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.channels = n->channels;
    cfg.cells = n->cells;
    cfg.batch = n->batch;
    cfg.fp64 = n->fp64;
    cfg.darts = n->darts;
    cfg.gdas = n->gdas;
    cfg.want_input_grad = n->input_grad;
    cfg.recompute = n->gpu >> 1 & 1;
    clnas_error err = {0};
    if (clnas_genotype_parse(n->arch, &cfg.genotype, &err) != CLNAS_OK)
        fail_msg("parse %s: %s", n->arch, err.message);
    clnas_device_profile profile;
    clnas_device_profile_default(n->gpu & 1 ? CLNAS_FAMILY_GPU : CLNAS_FAMILY_CPU, &profile);
    clnas_plan *plan = NULL;
    if (clnas_plan_compile_descs_for(&cfg, &profile, &plan, &err) != CLNAS_OK)
        fail_msg("compile %s: %s", n->arch, err.message);
    return plan;
}

static void check_plan(const clnas_plan *plan, const char *what)
{
    clnas_error err = {0};
    long keep[3] = {(long)plan->logits_offset, (long)plan->loss_offset,
                    plan->has_input_grad ? (long)plan->input_grad_offset : -1};
    if (clnas_plan_check_memory(plan, plan->train, plan->ntrain, keep, 3, &err) != CLNAS_OK)
        fail_msg("%s, training step: %s", what, err.message);
    long eval_keep = (long)plan->eval_logits_offset;
    if (clnas_plan_check_memory(plan, plan->eval, plan->neval, &eval_keep, 1, &err) != CLNAS_OK)
        fail_msg("%s, evaluation: %s", what, err.message);
}

static const net nets[] = {
    {BEST_ARCH, 16, 1, 8, 0, 0, 0, 0, 0},  {BEST_ARCH, 8, 2, 4, 1, 0, 0, 1, 0}, {ODD_ARCH, 5, 1, 3, 0, 0, 0, 0, 0},
    {POOLS_ARCH, 6, 1, 2, 0, 0, 0, 1, 1},  {BEST_ARCH, 4, 1, 2, 0, 1, 0, 0, 0}, {BEST_ARCH, 4, 1, 2, 0, 0, 1, 0, 0},
    {BEST_ARCH, 8, 1, 4, 0, 0, 0, 0, 1},   {BEST_ARCH, 8, 2, 4, 0, 0, 0, 1, 2}, {ODD_ARCH, 5, 1, 3, 1, 1, 0, 0, 2},
    {BEST_ARCH, 4, 1, 2, 0, 0, 1, 0, 3},
};

static void test_plans_sound(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        clnas_plan *plan = compile_net(&nets[i]);
        char what[160];
        snprintf(what, sizeof what, "%s C=%d N=%d batch %d%s%s%s", nets[i].arch, nets[i].channels, nets[i].cells,
                 nets[i].batch, nets[i].darts ? " darts" : "", nets[i].gdas ? " gdas" : "",
                 nets[i].gpu ? " gpu" : "");
        check_plan(plan, what);
        clnas_plan_free(plan);
    }
}

/* The arena is the largest set of activations live at one launch: the planner wastes nothing over the lifetimes
 * it is given. */
static void test_arena_is_lifetime_peak(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        clnas_plan *plan = compile_net(&nets[i]);
        size_t train = clnas_plan_live_peak(plan, plan->train, plan->ntrain);
        size_t eval = clnas_plan_live_peak(plan, plan->eval, plan->neval);
        size_t peak = train > eval ? train : eval;
        assert_true(plan->arena_elems[CLNAS_ARENA_ACT] >= peak);
        if (plan->arena_elems[CLNAS_ARENA_ACT] > peak + peak / 20) /* within 5% of the bound */
            fail_msg("net %zu: arena %zu elements, lifetime peak %zu", i, plan->arena_elems[CLNAS_ARENA_ACT], peak);
        clnas_plan_free(plan);
    }
}

/* The first activation binding of a training launch of kind `kind` that reads (writes 0) or overwrites (1). */
static clnas_plan_binding *find_binding(clnas_plan *plan, clnas_node_kind kind, int writes)
{
    for (int i = 0; i < plan->ntrain; i++)
        if (plan->train[i].kind == kind)
            for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++)
                if (plan->train[i].arg[a].tensor >= 0 && plan->train[i].arg[a].arena == CLNAS_ARENA_ACT &&
                    plan->train[i].arg[a].writes == writes)
                    return &plan->train[i].arg[a];
    return NULL;
}

static void test_broken_plans_caught(void **state)
{
    (void)state;
    clnas_error err = {0};
    long keep = -1;
    /* the backward's read of a saved activation redirected to another live tensor's bytes */
    clnas_plan *plan = compile_net(&nets[0]);
    clnas_plan_binding *read = find_binding(plan, CLNAS_NODE_BN_BWD, 0);
    clnas_plan_binding *other = find_binding(plan, CLNAS_NODE_CONV_BWD_DATA, 1);
    assert_non_null(read);
    assert_non_null(other);
    read->offset = other->offset;
    assert_int_equal(clnas_plan_check_memory(plan, plan->train, plan->ntrain, &keep, 1, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "memory plan"));
    clnas_plan_free(plan);
    /* a forward output written over the start of a tensor the backward reads later */
    plan = compile_net(&nets[0]);
    clnas_plan_binding *conv_out = find_binding(plan, CLNAS_NODE_CONV, 1);
    clnas_plan_binding *bn_out = NULL;
    for (int i = plan->ntrain - 1; i >= 0 && !bn_out; i--)
        if (plan->train[i].kind == CLNAS_NODE_BN)
            for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++)
                if (plan->train[i].arg[a].writes == 1 && plan->train[i].arg[a].count == conv_out->count)
                    bn_out = &plan->train[i].arg[a];
    assert_non_null(bn_out);
    bn_out->offset = conv_out->offset;
    assert_int_equal(clnas_plan_check_memory(plan, plan->train, plan->ntrain, &keep, 1, &err), CLNAS_ERR_INVALID_ARG);
    clnas_plan_free(plan);
    /* an output the host reads, overwritten */
    plan = compile_net(&nets[0]);
    keep = (long)plan->logits_offset;
    assert_int_equal(clnas_plan_check_memory(plan, plan->train, plan->ntrain, &keep, 1, &err), CLNAS_OK);
    keep = 7; /* no tensor starts there */
    assert_int_equal(clnas_plan_check_memory(plan, plan->train, plan->ntrain, &keep, 1, &err), CLNAS_ERR_INVALID_ARG);
    clnas_plan_free(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plans_sound),
        cmocka_unit_test(test_arena_is_lifetime_peak),
        cmocka_unit_test(test_broken_plans_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
