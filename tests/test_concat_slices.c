/* clnas — concatenation without a copy (codegen/concat_slices.c): a DARTS network's cell nodes computed straight into
 * their channels of the cell output, their gradients read in the cell output's gradient. The compiled plans (no
 * device): which concatenation inputs (and input gradients) became slices and which are still copied, the
 * concatenation launches gone, the node buffers gone from the activation storage, the memory plan's checks; on the
 * device, training steps (drop-path on), the updates and evaluation bit for bit the same as with every concatenation
 * copying (clnas_net_config.concat_copies). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnas/model.h"
#include "clnas/rng.h"
#include "device_fixture.h"
#include "memplan_check.h"
#include "model_build.h"
#include "net_genotype.h"
#include "plan.h"
#include "space_iface.h"

#define BATCH 3
#define HW 8

static clnas_net_config darts_config(const char *arch, int layers, int copies, double drop_path)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_DARTS;
    clnas_space_genotype g;
    clnas_error err;
    if (clnas_space_darts.parse(arch, &g, &err) != CLNAS_OK ||
        clnas_net_config_set_genotype(&cfg, &clnas_space_darts, &g, &err) != CLNAS_OK)
        fail_msg("%s: %s", arch, err.message);
    cfg.channels = 4;
    cfg.layers = layers;
    cfg.batch = BATCH;
    cfg.height = cfg.width = HW;
    cfg.concat_copies = copies;
    cfg.drop_path = drop_path;
    return cfg;
}

#define CHAIN_ARCH "conv3x3-16 | sepconv5x5-16/s2 | maxpool3x3 | conv1x1-16 + skip(2) | conv3x3-16 + cat(2,3)"

/* The chain space's concatenated skips (codegen/build_chain.c). */
static clnas_net_config chain_config(int copies)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_CHAIN;
    clnas_space_genotype g;
    clnas_error err;
    if (clnas_space_chain.parse(CHAIN_ARCH, &g, &err) != CLNAS_OK ||
        clnas_net_config_set_genotype(&cfg, &clnas_space_chain, &g, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    cfg.channels = 4;
    cfg.batch = BATCH;
    cfg.height = cfg.width = HW;
    cfg.concat_copies = copies;
    return cfg;
}

static clnas_plan *compile(const clnas_net_config *cfg)
{
    clnas_plan *plan = NULL;
    clnas_error err;
    if (clnas_plan_compile_descs(cfg, &plan, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return plan;
}

static int forward_concats(const clnas_plan_launch *l, int n)
{
    int count = 0;
    for (int i = 0; i < n; i++)
        count += l[i].kind == CLNAS_NODE_CONCAT;
    return count;
}

/* Inputs of the forward concatenations (their tensor bindings but y). */
static int concat_inputs(const clnas_plan_launch *l, int n)
{
    int count = 0;
    for (int i = 0; i < n; i++)
        for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS && l[i].kind == CLNAS_NODE_CONCAT; a++)
            count += l[i].arg[a].tensor >= 0 && !l[i].arg[a].writes;
    return count;
}

/* Elements of activation storage the launches bind (each buffer once; a slice is its parent's). */
static size_t bound_storage(const clnas_plan *plan)
{
    char *seen = calloc((size_t)plan->nbuffers + 1, 1);
    assert_non_null(seen);
    size_t total = 0;
    for (int i = 0; i < plan->ntrain; i++)
        for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++) {
            const clnas_plan_binding *b = &plan->train[i].arg[a];
            if (b->tensor >= 0 && b->arena == CLNAS_ARENA_ACT && !seen[b->tensor]) {
                seen[b->tensor] = 1;
                total += plan->buffers[b->tensor].count;
            }
        }
    free(seen);
    return total;
}

/* Elements of the slices bound in the training launches (each (parent, offset) once). */
static size_t slice_elements(const clnas_plan *plan, int *nslices)
{
    size_t total = 0;
    *nslices = 0;
    for (int i = 0; i < plan->ntrain; i++)
        for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++) {
            const clnas_plan_binding *b = &plan->train[i].arg[a];
            if (!b->bstride)
                continue;
            int first = 1;
            for (int j = 0; j < i && first; j++)
                for (int c = 0; c < CLNAS_MAX_KERNEL_ARGS && first; c++)
                    first = !(plan->train[j].arg[c].bstride && plan->train[j].arg[c].tensor == b->tensor &&
                              plan->train[j].arg[c].offset == b->offset);
            for (int c = 0; c < a && first; c++)
                first = !(plan->train[i].arg[c].bstride && plan->train[i].arg[c].tensor == b->tensor &&
                          plan->train[i].arg[c].offset == b->offset);
            if (first) {
                total += b->per * BATCH;
                (*nslices)++;
            }
        }
    return total;
}

static void check_memory(const clnas_plan *plan)
{
    clnas_error err;
    long keep[2] = {(long)plan->logits_offset, (long)plan->loss_offset};
    if (clnas_plan_check_memory(plan, plan->train, plan->ntrain, keep, 2, &err) != CLNAS_OK)
        fail_msg("training: %s", err.message);
    long eval_keep = (long)plan->eval_logits_offset;
    if (clnas_plan_check_memory(plan, plan->eval, plan->neval, &eval_keep, 1, &err) != CLNAS_OK)
        fail_msg("evaluation: %s", err.message);
}

/* DARTS_V2 over 5 layers (reductions at 1 and 3): the reduction cells' four nodes (max pools, identities) are all
 * slices, and so are a normal cell's: node 2 feeds a dil_conv, whose depthwise convolution reads its input as a
 * slice (forward, the input gradient's ReLU mask, the weight gradient), nodes 3-5 are separable convolutions'
 * BatchNorms and identities; so every cell's concatenation goes. The FactorizedReduce halves (convolutions) stay
 * copied. */
static void test_darts_v2_plan(void **state)
{
    (void)state;
    for (int drop = 0; drop < 2; drop++) {
        clnas_net_config with = darts_config("DARTS_V2", 5, 0, drop ? 0.2 : 0.0);
        clnas_net_config without = darts_config("DARTS_V2", 5, 1, drop ? 0.2 : 0.0);
        clnas_plan *p = compile(&with), *q = compile(&without);
        const int normal = 3, reduce = 2, fr = 2; /* FactorizedReduce: cells 2 and 4 (after the reductions) */
        assert_int_equal(q->concat_slices, 0);
        assert_int_equal(p->concat_slices, 4 * normal + 4 * reduce);
        assert_int_equal(p->concat_copies, 2 * fr);
        assert_int_equal(p->concat_removed, normal + reduce);
        assert_int_equal(forward_concats(q->train, q->ntrain), 5 + fr);
        assert_int_equal(concat_inputs(q->train, q->ntrain), 4 * 5 + 2 * fr);
        assert_int_equal(forward_concats(p->train, p->ntrain), forward_concats(q->train, q->ntrain) - normal - reduce);
        assert_int_equal(forward_concats(p->eval, p->neval), forward_concats(q->eval, q->neval) - normal - reduce);
        /* backward: nodes 3-5's gradients are read in the cell output's gradient (BatchNorm's, max pool's, drop-path's
         * backwards and the identities' ADDs take the slice); node 2's gets its later readers' gradients added in
         * (a sum: copied), and so do FactorizedReduce's halves (convolutions) */
        assert_int_equal(q->concat_grad_slices + q->concat_grad_copies, 0);
        assert_int_equal(p->concat_grad_slices, 3 * normal + 3 * reduce);
        assert_int_equal(p->concat_grad_copies, normal + reduce + 2 * fr);
        assert_int_equal(p->ntrain, q->ntrain - normal - reduce - p->concat_grad_slices);
        for (int i = 0; i < p->ntrain; i++) /* no cell concatenates: only FactorizedReduce's halves */
            if (p->train[i].kind == CLNAS_NODE_CONCAT && p->train[i].phase == CLNAS_PHASE_FORWARD)
                assert_non_null(strstr(p->train[i].label, ".preprocess0.cat"));
        /* the node buffers are gone from the activation storage: exactly the slices' elements */
        int nslices = 0;
        size_t sliced = slice_elements(p, &nslices);
        assert_int_equal(nslices, p->concat_slices + p->concat_grad_slices);
        assert_true(sliced > 0);
        assert_int_equal(bound_storage(q) - bound_storage(p), sliced);
        check_memory(p);
        check_memory(q);
        clnas_plan_free(p);
        clnas_plan_free(q);
    }
}

/* ALL_OPS (avg pools, convolutions' BatchNorms into every node) and DARTS_V1: counts only checked for consistency. */
static void test_other_genotypes(void **state)
{
    (void)state;
    const char *const archs[] = {"ALL_OPS", "DARTS_V1", "PC_DARTS", CHAIN_ARCH};
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        const int chain = strcmp(archs[i], CHAIN_ARCH) == 0;
        clnas_net_config with = chain ? chain_config(0) : darts_config(archs[i], 4, 0, 0.2);
        clnas_net_config without = chain ? chain_config(1) : darts_config(archs[i], 4, 1, 0.2);
        clnas_plan *p = compile(&with), *q = compile(&without);
        assert_int_equal(p->concat_slices + p->concat_copies, concat_inputs(q->train, q->ntrain));
        assert_true(p->concat_slices > 0);
        assert_int_equal(forward_concats(p->train, p->ntrain), forward_concats(q->train, q->ntrain) - p->concat_removed);
        int nslices = 0;
        size_t sliced = slice_elements(p, &nslices);
        assert_int_equal(nslices, p->concat_slices + p->concat_grad_slices);
        assert_int_equal(bound_storage(q) - bound_storage(p), sliced);
        check_memory(p);
        clnas_plan_free(p);
        clnas_plan_free(q);
    }
}

static clnas_model *model_ok(device_fixture *fx, const clnas_net_config *cfg)
{
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(fx->dev, fx->cache, cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 11, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return m;
}

static void assert_same(const double *a, const double *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0)
            fail_msg("%s [%zu]: %.17g with slices, %.17g with copies", what, i, a[i], b[i]);
}

/* Two training steps (DARTS: drop-path 0.2, so a dropped sample too), then evaluation: the logits, losses, every
 * parameter and every running statistic are the same bits with slices as with copies. */
static void run_same(device_fixture *fx, const char *arch)
{
    const int chain = strcmp(arch, CHAIN_ARCH) == 0;
    clnas_net_config a = chain ? chain_config(0) : darts_config(arch, 5, 0, 0.2);
    clnas_net_config b = chain ? chain_config(1) : darts_config(arch, 5, 1, 0.2);
    clnas_model *m[2] = {model_ok(fx, &a), model_ok(fx, &b)};
    assert_true(clnas_model_plan(m[0])->concat_slices > 0);
    assert_int_equal(clnas_model_plan(m[1])->concat_slices, 0);
    clnas_error err;
    clnas_rng rng;
    clnas_rng_seed(&rng, 3);
    float x[BATCH * HW * HW];
    int32_t labels[BATCH] = {2, 9, 5};
    double logits[2][BATCH * 10], loss[2];
    for (int step = 0; step < 2; step++) {
        for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
            x[i] = (float)clnas_rng_normal(&rng);
        for (int k = 0; k < 2; k++) {
            if ((!chain && clnas_model_set_drop_path(m[k], 0.2, 100 + (uint64_t)step, &err) != CLNAS_OK) ||
                clnas_model_set_batch(m[k], x, labels, &err) != CLNAS_OK ||
                clnas_model_step(m[k], 0.05, &loss[k], logits[k], &err) != CLNAS_OK)
                fail_msg("%s", err.message);
        }
        assert_same(logits[0], logits[1], BATCH * 10, "training logits");
        assert_same(&loss[0], &loss[1], 1, "loss");
    }
    const clnas_plan *plan = clnas_model_plan(m[0]);
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        double *v[2] = {malloc(p->count * sizeof(double)), malloc(p->count * sizeof(double))};
        assert_non_null(v[0]);
        assert_non_null(v[1]);
        for (int k = 0; k < 2; k++)
            if (clnas_model_get(m[k], p->name, v[k], p->count, &err) != CLNAS_OK)
                fail_msg("%s", err.message);
        assert_same(v[0], v[1], p->count, p->name);
        free(v[0]);
        free(v[1]);
    }
    for (int k = 0; k < 2; k++)
        if (clnas_model_eval(m[k], logits[k], &err) != CLNAS_OK)
            fail_msg("%s", err.message);
    assert_same(logits[0], logits[1], BATCH * 10, "evaluation logits");
    clnas_model_free(m[0]);
    clnas_model_free(m[1]);
}

static void test_same_results(void **state)
{
    run_same(*state, "DARTS_V2");
    run_same(*state, "ALL_OPS");
    run_same(*state, CHAIN_ARCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_darts_v2_plan),
        cmocka_unit_test(test_other_genotypes),
        cmocka_unit_test_setup_teardown(test_same_results, device_fixture_with_cache, device_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
