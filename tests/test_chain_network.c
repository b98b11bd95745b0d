/* clnas — the chain-structured network: float64 finite-difference gradient checks of small chains (every op, both
 * joins, strides, skips), a short training run whose loss must fall, and the config's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnas/model.h"
#include "clnas/rng.h"
#include "device_fixture.h"
#include "fd_grad.h"
#include "model_build.h"
#include "plan.h"
#include "small_net.h"

#define PER_TENSOR 4 /* elements checked per tensor */

static void chain_config(clnas_net_config *cfg, const char *chain, int channels, int batch, int side)
{
    small_net_config(cfg, NULL, channels, 1, batch, side);
    cfg->space = CLNAS_NET_CHAIN;
    clnas_error err = {0};
    if (clnas_chain_genotype_parse(chain, &cfg->chain_genotype, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
}

/* BN parameters away from 1 and 0 so nothing is checked at a trivial point. */
static void perturb_bn(clnas_model *m, clnas_rng *rng)
{
    const clnas_plan *plan = clnas_model_plan(m);
    clnas_error err;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (p->init != CLNAS_INIT_ONES && p->init != CLNAS_INIT_ZEROS)
            continue;
        double *v = malloc(p->count * sizeof *v);
        for (size_t k = 0; k < p->count; k++)
            v[k] = (p->init == CLNAS_INIT_ONES ? 1.0 : 0.0) + 0.4 * (clnas_rng_uniform(rng) - 0.5);
        assert_int_equal(clnas_model_set(m, p->name, v, p->count, &err), CLNAS_OK);
        free(v);
    }
}

static void gradcheck(void **state, const char *chain, int channels, int in_channels, int side)
{
    device_fixture *fx = *state;
    clnas_net_config cfg;
    chain_config(&cfg, chain, channels, 3, side);
    cfg.in_channels = in_channels;
    cfg.fp64 = 1;
    clnas_error err;
    clnas_model *m = NULL;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s: %s", chain, err.message);
    clnas_rng rng;
    clnas_rng_seed(&rng, 99);
    perturb_bn(m, &rng);
    size_t nin = (size_t)cfg.batch * (size_t)in_channels * (size_t)side * (size_t)side;
    double *x = malloc(nin * sizeof *x);
    int32_t labels[3] = {1, 7, 4};
    for (size_t i = 0; i < nin; i++)
        x[i] = clnas_rng_normal(&rng);
    assert_int_equal(clnas_model_set_batch(m, x, labels, &err), CLNAS_OK);
    fd_loss_of(m);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    int checked = 0;
    int failures = fd_check_params(m, &rng, PER_TENSOR, 1, &checked);
    printf("%s: %d gradient elements checked, %d wrong\n", chain, checked, failures);
    free(x);
    clnas_model_free(m);
    assert_int_equal(failures, 0);
    assert_true(checked > 20);
}

/* every conv kernel size, a stride-2 conv, sums of two and three outputs, an average pool, identities */
static void test_gradcheck_convs_and_sums(void **state)
{
    gradcheck(state, "conv7x7-16 | conv3x3-16 | identity + skip(1) | avgpool3x3 + skip(1,2) | conv5x5-32/s2 | "
                     "conv1x1-32 | identity + skip(5)", 3, 1, 8);
}

/* the stem's output summed (the stem width is the config's), three input channels, an odd side */
static void test_gradcheck_stem_skip_rgb(void **state)
{
    gradcheck(state, "avgpool3x3 | identity + skip(0) | conv3x3-16/s2 | conv1x1-16", 3, 3, 7);
}

/* depthwise-separable convolutions: both kernel sizes, strided and not */
static void test_gradcheck_sepconv(void **state)
{
    gradcheck(state, "sepconv3x3-16 | sepconv5x5-16/s2 | sepconv3x3-16 | sepconv5x5-32 + skip(2)", 3, 1, 8);
}

/* max and average pools at both strides, concatenations (of the stem's output too, of three outputs), a sum */
static void test_gradcheck_pools_and_cats(void **state)
{
    gradcheck(state, "maxpool3x3 | conv3x3-16 + cat(0) | avgpool3x3/s2 | conv1x1-16 | maxpool3x3 + skip(3) | "
                     "avgpool3x3 + cat(3,4) | maxpool3x3/s2", 3, 1, 9);
}

static void test_loss_falls(void **state)
{
    device_fixture *fx = *state;
    enum { BATCH = 16, SIDE = 8, STEPS = 40 };
    clnas_net_config cfg;
    chain_config(&cfg, "conv3x3-16 | sepconv3x3-32/s2 | conv3x3-32 | identity + skip(2) | conv1x1-16", 8, BATCH, SIDE);
    clnas_error err;
    clnas_model *m = NULL;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 1, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    float images[BATCH * SIDE * SIDE];
    int32_t labels[BATCH];
    small_fixed_batch(images, labels, BATCH, SIDE, 17);
    assert_int_equal(clnas_model_set_batch(m, images, labels, &err), CLNAS_OK);
    double first = 0, last = 0;
    for (int s = 0; s < STEPS; s++) {
        double loss = 0;
        if (clnas_model_step(m, 0.05, &loss, NULL, &err) != CLNAS_OK)
            fail_msg("step %d: %s", s, err.message);
        if (s == 0)
            first = loss;
        last = loss;
    }
    printf("chain network: loss %.4f -> %.4f over %d steps on one batch\n", first, last, STEPS);
    clnas_model_free(m);
    assert_true(isfinite(last));
    assert_true(last < 0.5 * first);
}

/* Every sampled genotype (up to 20 layers, 28x28 and 32x32 inputs) compiles: its shapes fit every op's rule. */
static void test_sampled_genotypes_compile(void **state)
{
    (void)state;
    clnas_rng rng;
    clnas_rng_seed(&rng, 31);
    for (int d = 0; d < 60; d++) {
        clnas_net_config cfg;
        small_net_config(&cfg, NULL, 8, 1, 2, d % 2 ? 28 : 32);
        cfg.in_channels = d % 2 ? 1 : 3;
        cfg.space = CLNAS_NET_CHAIN;
        clnas_chain_genotype_sample(&rng, CLNAS_CHAIN_MAX_LAYERS, &cfg.chain_genotype);
        clnas_plan *plan = NULL;
        clnas_error err = {0};
        if (clnas_plan_compile(&cfg, &plan, &err) != CLNAS_OK) {
            char text[CLNAS_CHAIN_GENOTYPE_STR_MAX];
            clnas_chain_genotype_format(&cfg.chain_genotype, text, sizeof text, NULL);
            fail_msg("\"%s\": %s", text, err.message);
        }
        clnas_plan_free(plan);
    }
}

static void test_config_refusals(void **state)
{
    device_fixture *fx = *state;
    clnas_net_config cfg;
    chain_config(&cfg, "conv3x3-16 | conv3x3-16", 4, 2, 8);
    clnas_error err = {0};
    cfg.chain_genotype.layer[1].nskips = 1; /* a skip from the previous output */
    clnas_model *m = NULL;
    assert_int_not_equal(clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "chain network: chain genotype layer 2"));
    chain_config(&cfg, "conv3x3-16", 4, 1, 8);
    assert_int_not_equal(clnas_net_config_check(&cfg, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "batch"));
    chain_config(&cfg, "conv3x3-16", 4, 2, 8);
    cfg.space = (clnas_net_space)7;
    assert_int_not_equal(clnas_net_config_check(&cfg, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "space"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradcheck_convs_and_sums),
        cmocka_unit_test(test_gradcheck_stem_skip_rgb),
        cmocka_unit_test(test_gradcheck_sepconv),
        cmocka_unit_test(test_gradcheck_pools_and_cats),
        cmocka_unit_test(test_loss_falls),
        cmocka_unit_test(test_sampled_genotypes_compile),
        cmocka_unit_test(test_config_refusals),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
