/* clnas — recomputed convolution and BatchNorm outputs (clnas_net_config.recompute, issue 12): the same loss and
 * gradients as keeping them, bit for bit (the same kernels on the same inputs), and a smaller activation arena, in
 * every space; with a memory budget, the fewest recomputed that fit it, the cheapest to recompute first. */
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
#include "model_build.h"
#include "model_compare.h"
#include "plan.h"
#include "small_net.h"

#define BEST_ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
/* node 1 all zeros, pools, skips, 1x1 convs (test_gradcheck's networks: the same kernels, shared in the cache) */
#define ODD_ARCH "|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|avg_pool_3x3~2|"

#define BATCH 3

/* cfg built, initialised, one forward and backward on a fixed batch. */
static clnas_model *build(device_fixture *fx, clnas_net_config cfg)
{
    cfg.batch = BATCH;
    cfg.want_input_grad = 1;
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 11, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    const size_t nin = (size_t)BATCH * (size_t)(cfg.in_channels * cfg.height * cfg.width);
    float *xf = malloc(nin * sizeof *xf);
    double *xd = malloc(nin * sizeof *xd);
    int32_t labels[BATCH] = {1, 7, 4};
    for (size_t i = 0; i < nin; i++)
        xf[i] = (float)((double)(i * 2654435761u % 1000) / 500.0 - 1.0);
    for (size_t i = 0; i < nin; i++)
        xd[i] = xf[i];
    assert_int_equal(clnas_model_set_batch(m, cfg.fp64 ? (const void *)xd : (const void *)xf, labels, &err), CLNAS_OK);
    assert_int_equal(clnas_model_forward(m, &err), CLNAS_OK);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    free(xf);
    free(xd);
    return m;
}

/* cfg keeping its convolution outputs against cfg as `recomputing` asks. */
static void compare_with(void **state, const clnas_net_config *cfg, const clnas_net_config *recomputing,
                         const char *what)
{
    device_fixture *fx = *state;
    clnas_net_config kept = *cfg;
    kept.recompute = 0;
    kept.memory_budget = 0;
    clnas_model *keep = build(fx, kept), *again = build(fx, *recomputing);
    const clnas_plan *pk = clnas_model_plan(keep), *pa = clnas_model_plan(again);
    assert_true(pa->arena_elems[CLNAS_ARENA_ACT] < pk->arena_elems[CLNAS_ARENA_ACT]);
    assert_true(pa->ntrain > pk->ntrain); /* the recomputing convolutions */
    clnas_error err;
    size_t nin = (size_t)BATCH * (size_t)(cfg->in_channels * cfg->height * cfg->width);
    double *gk = malloc(nin * sizeof *gk), *ga = malloc(nin * sizeof *ga);
    assert_int_equal(clnas_model_read_input_grad(keep, gk, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_input_grad(again, ga, &err), CLNAS_OK);
    assert_memory_equal(gk, ga, nin * sizeof *gk);
    free(gk);
    free(ga);
    /* the logits, the loss and every gradient bit for bit */
    int compared = 0;
    if (!model_compare_step(again, keep, 0.0, 0, &compared))
        fail_msg("%s: recomputation changed a value", what);
    assert_true(compared > 10);
    clnas_model_free(keep);
    clnas_model_free(again);
}

static void compare(void **state, const clnas_net_config *cfg, const char *what)
{
    clnas_net_config all = *cfg;
    all.recompute = 1;
    compare_with(state, cfg, &all, what);
}

static void compare_nb201(void **state, const char *arch, int in_channels, int hw)
{
    clnas_net_config cfg;
    small_net_config(&cfg, arch, 3, 1, BATCH, hw);
    cfg.in_channels = in_channels;
    cfg.fp64 = 1;
    compare(state, &cfg, arch);
}

static void test_best_f64(void **state)
{
    compare_nb201(state, BEST_ARCH, 1, 8);
}

/* float64 like test_gradcheck, whose kernels these are: the program cache has them */
static void test_odd_rgb_f64(void **state)
{
    compare_nb201(state, ODD_ARCH, 3, 12);
}

/* The DARTS space: separable and dilated convolutions (BatchNorm after a pointwise convolution whose input is a
 * depthwise one's output), reduction cells, concatenated cell outputs. Recomputation is the default wherever a
 * network does not fit its device, so every space has to give the same numbers with it. */
static void test_darts_f64(void **state)
{
    clnas_net_config cfg;
    small_net_darts_config(&cfg, "DARTS_V2", 2, 3, BATCH, 8);
    compare(state, &cfg, "DARTS_V2");
}

/* The chain space: convolutions with a summed skip and a strided layer. */
static void test_chain_f64(void **state)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_CHAIN;
    cfg.chain_genotype = small_net_chain("conv3x3-16 | conv3x3-16 | conv3x3-16 + skip(1) | conv3x3-32/s2");
    cfg.channels = 4;
    cfg.height = cfg.width = 8;
    cfg.fp64 = 1;
    compare(state, &cfg, "chain");
}

/* cfg compiled (no device) with the default recompute and a memory budget; its device bytes in *bytes. */
static clnas_plan *budget_plan(clnas_net_config cfg, double budget, double *bytes)
{
    cfg.recompute = CLNAS_RECOMPUTE_AUTO;
    cfg.memory_budget = budget;
    clnas_plan *plan = NULL;
    clnas_error err;
    if (clnas_plan_compile_descs(&cfg, &plan, &err) != CLNAS_OK)
        fail_msg("budget %.0f: %s", budget, err.message);
    double largest;
    clnas_plan_device_bytes(plan, bytes, &largest);
    assert_true(budget == 0 || *bytes <= budget);
    return plan;
}

/* The full-size network (C=16 N=5 batch 256): a budget just under keeping all takes the BatchNorm outputs alone
 * (from saved statistics); smaller budgets, evenly spaced down to recomputing all, take with them the convolution
 * outputs cheapest first (the stem's 9 multiply-adds per element, then each stage's 3x3 convolutions: 144, 288,
 * 576): every one of a cheaper level before any of the next, as few of a level as fit, more as the budget falls;
 * and a budget under recomputing all is refused. */
static void test_budget_takes_the_cheapest_first(void **state)
{
    (void)state;
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    clnas_genotype_parse(BEST_ARCH, &cfg.genotype, NULL);
    static const int levels[] = {9, 144, 288, 576}, counts[] = {1, 25 + 1, 25 + 2, 25 + 1};
    double kept, nodes, all, bytes;
    clnas_plan *plan = budget_plan(cfg, 0, &kept);
    assert_int_equal(plan->config.recompute, 0);
    assert_int_equal(plan->recompute.recomputed + plan->recompute.nodes, 0);
    assert_false(plan->recompute_for_budget);
    assert_int_equal(plan->recompute.candidates, 1 + 15 * 5 + 2 * 2); /* stem, 15 cells' 5, 2 reductions' 2 */
    assert_int_equal(plan->recompute.nlevels, 4);
    assert_memory_equal(plan->recompute.levels, levels, sizeof levels);
    assert_memory_equal(plan->recompute.counts, counts, sizeof counts);
    clnas_plan_free(plan);
    plan = budget_plan(cfg, kept - 1, &nodes);
    assert_int_equal(plan->config.recompute, 1);
    assert_int_equal(plan->recompute.recomputed, 0);
    /* each cell's node 1 (one BatchNorm) and node 2 (two), the stem's and the reductions' first BatchNorms */
    assert_int_equal(plan->recompute.nodes, 15 * 2 + 1 + 2);
    assert_true(plan->recompute_for_budget); /* no device here: the budget alone */
    assert_false(plan->recompute_for_fits);
    clnas_plan_free(plan);
    clnas_net_config every = cfg;
    every.recompute = 1;
    clnas_error err;
    if (clnas_plan_compile_descs(&every, &plan, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    double largest;
    clnas_plan_device_bytes(plan, &all, &largest);
    assert_int_equal(plan->recompute.recomputed, 80);
    clnas_plan_free(plan);
    int recomputed = 0, macs = 0;
    for (int k = 1; k <= 12; k++) {
        plan = budget_plan(cfg, nodes - (nodes - all) * k / 12, &bytes);
        const clnas_recompute_stats *r = &plan->recompute;
        assert_int_equal(r->nodes, 15 * 2 + 1 + 2);
        assert_true(r->recomputed >= recomputed && r->macs_max >= macs && r->recomputed > 0);
        int below = 0, upto = 0;
        for (int l = 0; l < 4; l++) {
            below += levels[l] < r->macs_max ? counts[l] : 0;
            upto += levels[l] <= r->macs_max ? counts[l] : 0;
        }
        assert_true(r->recomputed > below && r->recomputed <= upto);
        recomputed = r->recomputed;
        macs = r->macs_max;
        clnas_plan_free(plan);
    }
    assert_int_equal(macs, 576); /* at the budget of recomputing all: into the last level (as few as fit) */
    cfg.memory_budget = all - 1;
    plan = NULL;
    assert_int_equal(clnas_plan_compile_descs(&cfg, &plan, &err), CLNAS_ERR_UNSUPPORTED);
    assert_null(plan);
    assert_non_null(strstr(err.message, "even recomputing its convolution outputs, more than the memory budget of"));
    cfg.memory_budget = -1;
    assert_int_equal(clnas_plan_compile_descs(&cfg, &plan, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "memory_budget: expected bytes >= 0"));
    /* a DARTS network is named by its layers */
    small_net_darts_config(&cfg, "DARTS_V2", 2, 3, BATCH, 8);
    cfg.memory_budget = 1;
    assert_int_equal(clnas_plan_compile_descs(&cfg, &plan, &err), CLNAS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "the network (C=2, layers 3, batch 3) needs"));
}

/* Some recomputed, some kept, bit for bit: a budget just under keeping all (the BatchNorm outputs alone, from kept
 * convolution outputs), then just under that (with them the stem's convolution, the cheapest: the first cell's
 * BatchNorm outputs from convolution outputs made again, earlier than their BatchNorms' backward needs them). */
static void test_partial_f64(void **state)
{
    clnas_net_config cfg;
    small_net_config(&cfg, BEST_ARCH, 3, 1, BATCH, 8);
    cfg.fp64 = 1;
    cfg.want_input_grad = 1;
    double kept, nodes, bytes;
    clnas_plan_free(budget_plan(cfg, 0, &kept));
    clnas_plan *plan = budget_plan(cfg, kept - 1, &nodes);
    assert_int_equal(plan->recompute.recomputed, 0);
    assert_true(plan->recompute.nodes > 0);
    clnas_plan_free(plan);
    plan = budget_plan(cfg, nodes - 1, &bytes);
    assert_true(plan->recompute.recomputed > 0 && plan->recompute.recomputed < plan->recompute.candidates);
    assert_true(plan->recompute.nodes > 0);
    clnas_plan_free(plan);
    clnas_net_config some = cfg;
    some.memory_budget = kept - 1;
    compare_with(state, &cfg, &some, "BatchNorm outputs recomputed");
    some.memory_budget = nodes - 1;
    compare_with(state, &cfg, &some, "some convolutions recomputed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best_f64),
        cmocka_unit_test(test_odd_rgb_f64),
        cmocka_unit_test(test_darts_f64),
        cmocka_unit_test(test_chain_f64),
        cmocka_unit_test(test_budget_takes_the_cheapest_first),
        cmocka_unit_test(test_partial_f64),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
