/* clnas — finite-difference gradient check of whole small networks generated in float64: every parameter
 * tensor and the input, against the generated backward pass. */
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

#define PER_TENSOR 5 /* elements checked per tensor */

static void run(void **state, const char *arch, int channels, int in_channels, int hw)
{
    device_fixture *fx = *state;
    clnas_net_config cfg;
    small_net_config(&cfg, arch, channels, 1, 3, hw);
    clnas_error err;
    cfg.in_channels = in_channels;
    cfg.fp64 = 1;
    cfg.want_input_grad = 1;
    clnas_model *m = NULL;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    const clnas_plan *plan = clnas_model_plan(m);
    /* BN parameters away from 1 and 0 so nothing is checked at a trivial point */
    clnas_rng rng;
    clnas_rng_seed(&rng, 99);
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (p->init != CLNAS_INIT_ONES && p->init != CLNAS_INIT_ZEROS)
            continue;
        double *v = malloc(p->count * sizeof *v);
        for (size_t k = 0; k < p->count; k++)
            v[k] = (p->init == CLNAS_INIT_ONES ? 1.0 : 0.0) + 0.4 * (clnas_rng_uniform(&rng) - 0.5);
        assert_int_equal(clnas_model_set(m, p->name, v, p->count, &err), CLNAS_OK);
        free(v);
    }
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
    /* the input */
    double *gx = malloc(nin * sizeof *gx);
    assert_int_equal(clnas_model_forward(m, &err), CLNAS_OK);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_input_grad(m, gx, &err), CLNAS_OK);
    for (int k = 0; k < 2 * PER_TENSOR; k++) {
        size_t e = clnas_rng_below(&rng, (uint32_t)nin);
        double keep = x[e];
        x[e] = keep + FD_STEP;
        clnas_model_set_batch(m, x, labels, &err);
        double up = fd_loss_of(m);
        x[e] = keep - FD_STEP;
        clnas_model_set_batch(m, x, labels, &err);
        double down = fd_loss_of(m);
        x[e] = keep;
        failures += !fd_check("input", e, gx[e], (up - down) / (2 * FD_STEP));
        checked++;
    }
    printf("%s: %d gradient elements checked, %d wrong\n", arch, checked, failures);
    free(gx);
    free(x);
    clnas_model_free(m);
    assert_int_equal(failures, 0);
}

static void test_best_arch(void **state)
{
    run(state, "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", 3,
        1, 8);
}

/* node 1 all zeros (BN-shift folding), pools, skips, 1x1 convs, three input channels, odd channel count */
static void test_zero_node_rgb(void **state)
{
    run(state, "|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|avg_pool_3x3~2|", 3, 3, 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best_arch),
        cmocka_unit_test(test_zero_node_rgb),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
