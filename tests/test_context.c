/* clnas — the embedding API: a context opens the device and program cache the CLI would, and a model built from
 * clnas_model_params trains exactly as one built by the library's own constructor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnas/context.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "context_internal.h"
#include "model_build.h"
#include "program_cache.h"
#include "scratch_dir.h"
#include "small_net.h"

#define BATCH 4
#define SIDE 8
#define ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|"

static clnas_context *open_context(void)
{
    clnas_error err;
    clnas_context *ctx = NULL;
    if (clnas_context_new(NULL, &ctx, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return ctx;
}

static void test_bad_device_selector_names_it(void **state)
{
    (void)state;
    clnas_context_params p = clnas_context_default_params();
    p.device = "no-such-device-xyz";
    clnas_error err;
    clnas_context *ctx = (clnas_context *)&err; /* must be reset */
    assert_int_equal(clnas_context_new(&p, &ctx, &err), CLNAS_ERR_NO_DEVICE);
    assert_null(ctx);
    printf("%s\n", err.message);
    assert_non_null(strstr(err.message, "\"no-such-device-xyz\""));
    assert_non_null(strstr(err.message, "devices: [0]")); /* and lists what there is */
}

/* NULL params: the device clnas_device_open(NULL) picks and the cache directory $CLNAS_CACHE_DIR (set by ctest). */
static void test_default_context_is_the_cli_default(void **state)
{
    (void)state;
    clnas_context *ctx = open_context();
    clnas_error err;
    clnas_device *dev;
    assert_int_equal(clnas_device_open(NULL, &dev, &err), CLNAS_OK);
    assert_non_null(clnas_context_device(ctx));
    assert_ptr_equal(clnas_context_device(ctx), clnas_context_device_mut(ctx));
    assert_int_equal(clnas_context_device(ctx)->info.index, dev->info.index);
    assert_string_equal(clnas_context_device(ctx)->info.name, dev->info.name);
    const char *env = getenv("CLNAS_CACHE_DIR");
    if (env && *env)
        assert_string_equal(clnas_program_cache_dir(clnas_context_program_cache(ctx)), env);
    clnas_device_free(dev);
    clnas_context_free(ctx);
    clnas_context_free(NULL);
}

static void test_explicit_cache_dir_is_used(void **state)
{
    char *dir = *state;
    clnas_context_params p = clnas_context_default_params();
    p.cache_dir = dir;
    clnas_error err;
    clnas_context *ctx = NULL;
    if (clnas_context_new(&p, &ctx, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_string_equal(clnas_program_cache_dir(clnas_context_program_cache(ctx)), dir);
    clnas_context_free(ctx);
}

static clnas_model_params small_params(void)
{
    clnas_model_params p = clnas_model_default_params();
    p.arch = ARCH;
    p.channels = 2;
    p.cells = 1;
    p.batch = BATCH;
    p.height = p.width = SIDE;
    p.seed = 7;
    return p;
}

/* One training step on a fixed batch: the loss and the logits. */
static void one_step(clnas_model *m, double *loss, double *logits)
{
    clnas_error err;
    float images[BATCH * SIDE * SIDE];
    int32_t labels[BATCH];
    small_fixed_batch(images, labels, BATCH, SIDE, 3);
    if (clnas_model_set_batch(m, images, labels, &err) != CLNAS_OK ||
        clnas_model_step(m, 0.1, loss, logits, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
}

static void test_default_params_are_the_net_defaults(void **state)
{
    (void)state;
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    clnas_model_params p = clnas_model_default_params();
    assert_null(p.arch);
    assert_null(p.workspace);
    assert_int_equal(p.channels, cfg.channels);
    assert_int_equal(p.cells, cfg.cells);
    assert_int_equal(p.batch, cfg.batch);
    assert_int_equal(p.in_channels, cfg.in_channels);
    assert_int_equal(p.height, cfg.height);
    assert_int_equal(p.classes, cfg.classes);
    assert_true(p.weight_decay == cfg.weight_decay && p.sgd_momentum == cfg.sgd_momentum);
}

/* The public constructor (with its seed) and the library's (then clnas_model_init) give the same step. */
static void test_params_model_trains_a_step(void **state)
{
    (void)state;
    clnas_context *ctx = open_context();
    clnas_error err;
    clnas_model_params p = small_params();
    clnas_model *pub = NULL, *own = NULL;
    if (clnas_model_new(ctx, &p, &pub, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(clnas_model_config(pub)->channels, 2);
    assert_int_equal(clnas_model_config(pub)->batch, BATCH);
    clnas_net_config cfg = *clnas_model_config(pub);
    if (clnas_model_build(clnas_context_device_mut(ctx), clnas_context_program_cache(ctx), &cfg, &own, &err) !=
            CLNAS_OK ||
        clnas_model_init(own, 7, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    double la, lb, ga[BATCH * 10], gb[BATCH * 10];
    one_step(pub, &la, ga);
    one_step(own, &lb, gb);
    printf("loss %.9g\n", la);
    assert_true(la > 0 && la < 100);
    assert_memory_equal(&la, &lb, sizeof la);
    assert_memory_equal(ga, gb, sizeof ga);
    clnas_model_free(pub);
    clnas_model_free(own);

    /* the same through a workspace */
    clnas_workspace *ws = NULL;
    if (clnas_workspace_new(clnas_context_device(ctx), &ws, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    p.workspace = ws;
    if (clnas_model_new(ctx, &p, &pub, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_true(clnas_workspace_bytes(ws) > 0);
    one_step(pub, &lb, gb);
    assert_memory_equal(&la, &lb, sizeof la);
    clnas_model_free(pub);
    clnas_workspace_free(ws);
    clnas_context_free(ctx);
}

static void test_invalid_arch_names_the_position(void **state)
{
    (void)state;
    clnas_context *ctx = open_context();
    clnas_error err;
    clnas_model_params p = small_params();
    p.arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_5x5~1|skip_connect~2|";
    clnas_model *m = (clnas_model *)&err; /* must be reset */
    assert_int_equal(clnas_model_new(ctx, &p, &m, &err), CLNAS_ERR_PARSE);
    assert_null(m);
    printf("%s\n", err.message);
    assert_non_null(strstr(err.message, "params.arch"));
    assert_non_null(strstr(err.message, "position 65"));

    p.arch = NULL;
    assert_int_equal(clnas_model_new(ctx, &p, &m, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "params.arch"));

    p = small_params();
    p.batch = 1; /* batch statistics need two images */
    assert_int_equal(clnas_model_new(ctx, &p, &m, &err), CLNAS_ERR_INVALID_ARG);
    assert_null(m);
    clnas_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_device_selector_names_it),
        cmocka_unit_test(test_default_context_is_the_cli_default),
        scratch_dir_unit_test(test_explicit_cache_dir_is_used),
        cmocka_unit_test(test_default_params_are_the_net_defaults),
        cmocka_unit_test(test_params_model_trains_a_step),
        cmocka_unit_test(test_invalid_arch_names_the_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
