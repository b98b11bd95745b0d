/* clnas — finite-difference gradient check of small DARTS-space networks generated in float64: every parameter
 * tensor and the input against the generated backward pass (all 8 ops and their stride-2 forms, a zero node, the
 * auxiliary head). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnas/darts_genotype.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "device_fixture.h"
#include "fd_grad.h"
#include "model_build.h"
#include "plan.h"
#include "small_net.h"

#define PER_TENSOR 3 /* elements checked per tensor */

/* BN parameters away from 1 and 0 so nothing is checked at a trivial point. */
static void perturb_bn(clnas_model *m, clnas_rng *rng)
{
    const clnas_plan *plan = clnas_model_plan(m);
    clnas_error err;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (p->arena != CLNAS_ARENA_PARAMS || (p->init != CLNAS_INIT_ONES && p->init != CLNAS_INIT_ZEROS))
            continue;
        double *v = malloc(p->count * sizeof *v);
        for (size_t k = 0; k < p->count; k++)
            v[k] = (p->init == CLNAS_INIT_ONES ? 1.0 : 0.0) + 0.4 * (clnas_rng_uniform(rng) - 0.5);
        assert_int_equal(clnas_model_set(m, p->name, v, p->count, &err), CLNAS_OK);
        free(v);
    }
}

static int check_input(clnas_model *m, clnas_rng *rng, double *x, size_t nin, const int32_t *labels)
{
    clnas_error err;
    double *gx = malloc(nin * sizeof *gx);
    assert_int_equal(clnas_model_forward(m, &err), CLNAS_OK);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_input_grad(m, gx, &err), CLNAS_OK);
    int failures = 0;
    for (int k = 0; k < 2 * PER_TENSOR; k++) {
        size_t e = clnas_rng_below(rng, (uint32_t)nin);
        double keep = x[e];
        x[e] = keep + FD_STEP;
        clnas_model_set_batch(m, x, labels, &err);
        double up = fd_loss_of(m);
        x[e] = keep - FD_STEP;
        clnas_model_set_batch(m, x, labels, &err);
        double down = fd_loss_of(m);
        x[e] = keep;
        clnas_model_set_batch(m, x, labels, &err);
        failures += !fd_check("input", e, gx[e], (up - down) / (2 * FD_STEP));
    }
    free(gx);
    return failures;
}

/* aux_weight > 0: with the auxiliary head, its loss weighted by it. */
static void run(void **state, const clnas_darts_genotype *genotype, const char *what, int channels, int layers,
                int in_channels, int hw, double aux_weight)
{
    device_fixture *fx = *state;
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_DARTS;
    cfg.darts_genotype = *genotype;
    cfg.channels = channels;
    cfg.layers = layers;
    cfg.in_channels = in_channels;
    cfg.height = cfg.width = hw;
    cfg.batch = 3;
    cfg.fp64 = 1;
    cfg.want_input_grad = 1;
    cfg.auxiliary = aux_weight > 0;
    if (cfg.auxiliary)
        cfg.auxiliary_weight = aux_weight;
    clnas_error err;
    clnas_model *m = NULL;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_rng rng;
    clnas_rng_seed(&rng, 99);
    perturb_bn(m, &rng);
    size_t nin = (size_t)cfg.batch * (size_t)in_channels * (size_t)hw * (size_t)hw;
    double *x = malloc(nin * sizeof *x);
    int32_t labels[3] = {1, 7, 4};
    for (size_t i = 0; i < nin; i++)
        x[i] = clnas_rng_normal(&rng);
    assert_int_equal(clnas_model_set_batch(m, x, labels, &err), CLNAS_OK);
    fd_loss_of(m);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    int checked = 0;
    int failures = fd_check_params(m, &rng, PER_TENSOR, 1, &checked);
    failures += check_input(m, &rng, x, nin, labels);
    printf("%s: %d parameter elements and %d input elements checked, %d wrong\n", what, checked, 2 * PER_TENSOR,
           failures);
    free(x);
    clnas_model_free(m);
    assert_int_equal(failures, 0);
}

/* ALL_OPS (every op once per cell, every stride-2 form in the reduction cell), 3 layers: a normal cell, then two
 * reduction cells, the second after the first (its preprocess0 a FactorizedReduce). */
static void test_all_ops(void **state)
{
    clnas_darts_genotype g;
    clnas_error err;
    assert_int_equal(clnas_darts_genotype_named("ALL_OPS", &g, &err), CLNAS_OK);
    run(state, &g, "ALL_OPS C=2 layers=3 1x8x8", 2, 3, 1, 8, 0);
}

/* node 2 of the normal cell is none + none (all zeros, concatenated as zeros), read by a sep_conv (its BNs fold to
 * their shift) and a skip; the reduction cell concatenates only nodes 4 and 5, in reverse order. */
static void test_zero_node(void **state)
{
    clnas_darts_genotype g = {
        .normal = {.op = {CLNAS_DARTS_NONE, CLNAS_DARTS_NONE, CLNAS_DARTS_SEP_CONV_3X3, CLNAS_DARTS_SKIP_CONNECT,
                          CLNAS_DARTS_SKIP_CONNECT, CLNAS_DARTS_DIL_CONV_3X3, CLNAS_DARTS_AVG_POOL_3X3,
                          CLNAS_DARTS_MAX_POOL_3X3},
                   .input = {0, 1, 2, 1, 2, 3, 4, 0},
                   .concat = {2, 3, 4, 5},
                   .nconcat = 4},
        .reduce = {.op = {CLNAS_DARTS_MAX_POOL_3X3, CLNAS_DARTS_SEP_CONV_3X3, CLNAS_DARTS_SKIP_CONNECT,
                          CLNAS_DARTS_AVG_POOL_3X3, CLNAS_DARTS_DIL_CONV_5X5, CLNAS_DARTS_SKIP_CONNECT,
                          CLNAS_DARTS_SEP_CONV_5X5, CLNAS_DARTS_NONE},
                   .input = {0, 1, 2, 0, 3, 1, 4, 2},
                   .concat = {5, 4},
                   .nconcat = 2},
    };
    run(state, &g, "zero node, partial concat, C=2 layers=4 3x8x8", 2, 4, 3, 8, 0);
}

/* The auxiliary head (ReLU, 5x5 stride-3 average pool, conv 1x1, BN, ReLU, conv 2x2, BN, ReLU, linear) on the one
 * cell of a 1-layer network (a reduction: 16 px in, 8 px there), the cell's output read by the head and the
 * classifier; the loss with the head's weighted 0.7 (not DARTS' 0.4, so a weight left out shows). Every tensor of
 * the head is among those checked. */
static void test_auxiliary_head(void **state)
{
    clnas_darts_genotype g;
    clnas_error err;
    assert_int_equal(clnas_darts_genotype_named("DARTS_V2", &g, &err), CLNAS_OK);
    run(state, &g, "DARTS_V2 with the auxiliary head, C=2 layers=1 2x16x16", 2, 1, 2, 16, 0.7);
}

/* Drop-path at p = 0.5 with the masks drawn again from one seed before every forward (so the finite differences see
 * the network the analytic gradient saw): the dropped ops' gradients scaled by 0 or 2 per sample. */
static void test_drop_path(void **state)
{
    device_fixture *fx = *state;
    clnas_net_config cfg;
    small_net_darts_config(&cfg, "DARTS_V2", 2, 3, 4, 8);
    cfg.drop_path = 0.5;
    clnas_error err;
    clnas_model *m = NULL;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_true(clnas_model_plan(m)->ndrop_masks > 0);
    clnas_rng rng;
    clnas_rng_seed(&rng, 17);
    double x[4 * 64];
    int32_t labels[4] = {1, 7, 4, 0};
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = clnas_rng_normal(&rng);
    assert_int_equal(clnas_model_set_batch(m, x, labels, &err), CLNAS_OK);
    assert_int_equal(clnas_model_set_drop_path(m, 0.5, 11, &err), CLNAS_OK);
    fd_loss_of(m);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    const clnas_plan *plan = clnas_model_plan(m);
    int failures = 0, checked = 0;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (p->arena != CLNAS_ARENA_PARAMS)
            continue;
        double *v = malloc(p->count * sizeof *v), *g = malloc(p->count * sizeof *g);
        assert_int_equal(clnas_model_get(m, p->name, v, p->count, &err), CLNAS_OK);
        assert_int_equal(clnas_model_get_grad(m, p->name, g, p->count, &err), CLNAS_OK);
        size_t e = clnas_rng_below(&rng, (uint32_t)p->count);
        double keep = v[e], fd[2];
        for (int side = 0; side < 2; side++) {
            v[e] = keep + (side ? -FD_STEP : FD_STEP);
            assert_int_equal(clnas_model_set(m, p->name, v, p->count, &err), CLNAS_OK);
            assert_int_equal(clnas_model_set_drop_path(m, 0.5, 11, &err), CLNAS_OK);
            fd[side] = fd_loss_of(m);
        }
        v[e] = keep;
        assert_int_equal(clnas_model_set(m, p->name, v, p->count, &err), CLNAS_OK);
        failures += !fd_check(p->name, e, g[e], (fd[0] - fd[1]) / (2 * FD_STEP));
        checked++;
        free(v);
        free(g);
    }
    printf("drop-path: %d parameter elements checked, %d wrong\n", checked, failures);
    clnas_model_free(m);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_ops),
        cmocka_unit_test(test_zero_node),
        cmocka_unit_test(test_drop_path),
        cmocka_unit_test(test_auxiliary_head),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
