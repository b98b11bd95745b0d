/* clnas — models made one after another in a workspace reuse its activation memory and compute exactly what a
 * model with memory of its own computes, whatever the previous model left in that memory. */
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
#include "model_build.h"
#include "plan.h"
#include "program_cache.h"
#include "small_net.h"

#define BATCH 4
#define SIDE 8

static void config(const char *arch, int channels, clnas_net_config *cfg)
{
    small_net_config(cfg, arch, channels, 1, BATCH, SIDE);
}

/* Two training steps from seed 7 on a fixed batch; the losses and the logits of the second step. */
static void two_steps(clnas_model *m, double loss[2], double *logits)
{
    clnas_error err;
    float images[BATCH * SIDE * SIDE];
    int32_t labels[BATCH];
    small_fixed_batch(images, labels, BATCH, SIDE, 3);
    if (clnas_model_init(m, 7, &err) != CLNAS_OK || clnas_model_set_batch(m, images, labels, &err) != CLNAS_OK ||
        clnas_model_step(m, 0.1, &loss[0], NULL, &err) != CLNAS_OK ||
        clnas_model_step(m, 0.1, &loss[1], logits, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
}

static void test_models_in_a_workspace_match_fresh_ones(void **state)
{
    device_fixture *f = *state;
    clnas_error err;
    struct clnas_program_cache *cache;
    assert_int_equal(clnas_program_cache_new(f->dev, NULL, &cache, &err) /* the tests' shared cache */, CLNAS_OK);
    clnas_workspace *ws;
    assert_int_equal(clnas_workspace_new(f->dev, &ws, &err), CLNAS_OK);
    assert_int_equal(clnas_workspace_bytes(ws), 0);
    /* small, then larger (the buffer grows), then small again on the larger buffer full of the other's values */
    static const struct {
        const char *arch;
        int channels;
    } seq[] = {
        {"|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|", 2},
        {"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", 4},
        {"|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|", 2},
    };
    size_t grown = 0;
    for (int s = 0; s < 3; s++) {
        clnas_net_config cfg;
        config(seq[s].arch, seq[s].channels, &cfg);
        clnas_model *fresh, *shared;
        if (clnas_model_build(f->dev, cache, &cfg, &fresh, &err) != CLNAS_OK ||
            clnas_model_build_in(f->dev, cache, &cfg, NULL, ws, &shared, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        size_t need = clnas_plan_elem_size(clnas_model_plan(shared)) *
                      clnas_model_plan(shared)->arena_elems[CLNAS_ARENA_ACT];
        assert_true(clnas_workspace_bytes(ws) >= need);
        if (s == 1)
            assert_true(clnas_workspace_bytes(ws) > grown);
        if (s == 2)
            assert_int_equal(clnas_workspace_bytes(ws), grown); /* kept, not shrunk */
        grown = clnas_workspace_bytes(ws);
        double la[2], lb[2], ga[BATCH * 10], gb[BATCH * 10];
        two_steps(fresh, la, ga);
        two_steps(shared, lb, gb);
        printf("%s C=%d: losses %.9g %.9g, workspace %zu bytes\n", seq[s].arch, seq[s].channels, lb[0], lb[1], grown);
        assert_memory_equal(la, lb, sizeof la);
        assert_memory_equal(ga, gb, sizeof ga);
        clnas_model_free(fresh);
        clnas_model_free(shared);
    }
    clnas_workspace_free(ws);
    clnas_program_cache_free(cache);
}

static void test_workspace_of_another_device_is_refused(void **state)
{
    device_fixture *f = *state;
    clnas_error err;
    clnas_workspace *ws;
    assert_int_equal(clnas_workspace_new(f->dev, &ws, &err), CLNAS_OK);
    clnas_device other = *f->dev; /* same context, another handle: still not the workspace's device */
    clnas_net_config cfg;
    config("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|", 2, &cfg);
    clnas_model *m = NULL;
    assert_int_equal(clnas_model_build_in(&other, NULL, &cfg, NULL, ws, &m, &err), CLNAS_ERR_INVALID_ARG);
    assert_null(m);
    assert_non_null(strstr(err.message, "another device"));
    clnas_workspace_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        device_dir_unit_test(test_models_in_a_workspace_match_fresh_ones),
        device_dir_unit_test(test_workspace_of_another_device_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
