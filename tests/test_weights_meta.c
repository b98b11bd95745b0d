/* clnas — weights files that describe themselves: the metadata written and read back, refusal of a file saved for
 * another network (pool and skip swapped, another width), of NaN and infinite values, and PyTorch's
 * num_batches_tracked written and accepted (issues 16 and 17). */
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
#include "clnas/safetensors.h"
#include "device_fixture.h"
#include "model_build.h"
#include "scratch_dir.h"
#include "small_net.h"

#define ARCH_POOL "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|"
#define ARCH_SKIP "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|skip_connect~1|nor_conv_3x3~2|"
#define SIDE 12
#define BATCH 32 /* test_train's network: the pool model's kernels are shared */

typedef struct fixture {
    device_fixture *dev;
    char *dir;
    clnas_model *pool, *skip; /* the same parameters, another function */
    char saved[4200];         /* the pool network's weights after two training steps */
} fixture;

static clnas_model *build(device_fixture *f, const char *arch, int channels)
{
    clnas_net_config cfg;
    small_net_config(&cfg, arch, channels, 1, BATCH, SIDE);
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(f->dev, f->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return m;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    void *dev_state = NULL;
    if (!fx || device_fixture_with_cache(&dev_state) != 0)
        return -1;
    fx->dev = dev_state;
    fx->dir = scratch_dir_new("clnas-weights-meta");
    fx->pool = build(fx->dev, ARCH_POOL, 4);
    fx->skip = build(fx->dev, ARCH_SKIP, 4);
    float images[BATCH * SIDE * SIDE];
    int32_t labels[BATCH];
    small_fixed_batch(images, labels, BATCH, SIDE, 9);
    clnas_error err;
    for (int s = 0; s < 2; s++)
        if (clnas_model_set_batch(fx->pool, images, labels, &err) != CLNAS_OK ||
            clnas_model_step(fx->pool, 0.05, NULL, NULL, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
    const double mean[1] = {0.9}, std[1] = {0.1};
    scratch_dir_path(fx->saved, sizeof fx->saved, fx->dir, "pool.safetensors");
    if (clnas_model_save_with_norm(fx->pool, fx->saved, mean, std, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    clnas_model_free(fx->pool);
    clnas_model_free(fx->skip);
    scratch_dir_remove(fx->dir);
    free(fx->dir);
    void *dev_state = fx->dev;
    device_fixture_teardown(&dev_state);
    free(fx);
    return 0;
}

static void test_metadata_round_trip(void **state)
{
    fixture *fx = *state;
    clnas_weights_info info;
    clnas_error err;
    assert_int_equal(clnas_weights_info_read(fx->saved, &info, &err), CLNAS_OK);
    assert_int_equal(info.has_metadata, 1);
    assert_string_equal(info.space, "nb201");
    assert_string_equal(info.arch, ARCH_POOL);
    assert_true(info.has_arch);
    assert_true(info.version[0] != '\0');
    assert_int_equal(info.channels, 4);
    assert_int_equal(info.cells, 1);
    assert_int_equal(info.in_channels, 1);
    assert_int_equal(info.height, SIDE);
    assert_int_equal(info.width, SIDE);
    assert_int_equal(info.classes, 10);
    assert_int_equal(info.norm_channels, 1);
    assert_true(info.mean[0] == 0.9 && info.std[0] == 0.1); /* exactly: written with 17 digits */
}

/* PyTorch's state_dict holds an int64 scalar num_batches_tracked per BatchNorm: one for each running mean. */
static void test_num_batches_tracked(void **state)
{
    fixture *fx = *state;
    clnas_safetensors st;
    clnas_error err;
    assert_int_equal(clnas_safetensors_read(fx->saved, &st, &err), CLNAS_OK);
    int bns = 0, nbts = 0;
    for (int i = 0; i < st.count; i++) {
        const clnas_tensor *t = &st.tensors[i];
        const char *suffix = strrchr(t->name, '.');
        if (strcmp(suffix, ".running_mean") == 0)
            bns++;
        if (strcmp(suffix, ".num_batches_tracked") == 0) {
            nbts++;
            assert_int_equal(t->dtype, CLNAS_DTYPE_I64);
            assert_int_equal(t->ndim, 0);
            assert_int_equal(*(const int64_t *)t->data, 2); /* two training steps */
        }
    }
    assert_true(bns > 3);
    assert_int_equal(nbts, bns);
    assert_non_null(clnas_safetensors_find(&st, "stem.bn.num_batches_tracked"));
    assert_non_null(clnas_safetensors_find(&st, "head.bn.num_batches_tracked"));
    clnas_safetensors_free(&st);
    /* loading takes the count back */
    clnas_model *m = build(fx->dev, ARCH_POOL, 4);
    assert_int_equal(clnas_model_load(m, fx->saved, &err), CLNAS_OK);
    assert_int_equal(clnas_model_batches_tracked(m), 2);
    clnas_model_free(m);
}

/* Rewrites the saved file's tensors to path with other metadata, after edit (may be NULL) changed them. */
static void rewrite(const fixture *fx, const char *path, const char *const *meta,
                    void (*edit)(clnas_safetensors *st))
{
    clnas_safetensors st;
    clnas_error err;
    assert_int_equal(clnas_safetensors_read(fx->saved, &st, &err), CLNAS_OK);
    if (edit)
        edit(&st);
    assert_int_equal(clnas_safetensors_write(path, st.tensors, st.count, meta, &err), CLNAS_OK);
    clnas_safetensors_free(&st);
}

static void expect_load(clnas_model *m, const char *path, unsigned flags, clnas_status want, const char *fragment)
{
    clnas_error err;
    clnas_error_clear(&err);
    clnas_status got = clnas_model_load_flags(m, path, flags, &err);
    if (got != want || (fragment && !strstr(err.message, fragment)))
        fail_msg("loading %s: status %s, message \"%s\"; expected %s with \"%s\"", path,
                 clnas_status_to_string(got), err.message, clnas_status_to_string(want), fragment ? fragment : "");
    if (fragment)
        printf("expected error: %s\n", err.message);
}

static clnas_tensor *tensor(clnas_safetensors *st, const char *name)
{
    clnas_tensor *t = (clnas_tensor *)clnas_safetensors_find(st, name);
    assert_non_null(t);
    return t;
}

static void widen_stem(clnas_safetensors *st)
{
    clnas_tensor *t = tensor(st, "stem.conv.weight"); /* 4x1x3x3 read as 2x2x3x3: same bytes */
    t->shape[0] = 2;
    t->shape[1] = 2;
}

static void put_nan(clnas_safetensors *st)
{
    ((float *)tensor(st, "cells.0.edges.1_0.conv.weight")->data)[4 * 9 + 2 * 3 + 1] = NAN; /* [1, 0, 2, 1] */
}

static void put_inf(clnas_safetensors *st)
{
    ((float *)tensor(st, "head.bn.running_var")->data)[3] = INFINITY;
}

static void nbt_negative(clnas_safetensors *st)
{
    *(int64_t *)tensor(st, "stem.bn.num_batches_tracked")->data = -1;
}

static void nbt_stray(clnas_safetensors *st)
{
    tensor(st, "stem.bn.num_batches_tracked")->name[0] = 'x'; /* "xtem.bn": no such BatchNorm */
}

static void test_refuses_another_network(void **state)
{
    fixture *fx = *state;
    /* pool and skip swapped: the parameters fit, the function does not */
    expect_load(fx->skip, fx->saved, 0, CLNAS_ERR_MISMATCH,
                "another network (arch): the file was saved with arch " ARCH_POOL);
    expect_load(fx->skip, fx->saved, CLNAS_LOAD_IGNORE_METADATA, CLNAS_OK, NULL);
    expect_load(fx->pool, fx->saved, 0, CLNAS_OK, NULL);
    /* another width (checked without building that network): the message says what the file was saved with */
    clnas_weights_info info;
    clnas_error err;
    assert_int_equal(clnas_weights_info_read(fx->saved, &info, &err), CLNAS_OK);
    clnas_net_config narrow = *clnas_model_config(fx->pool);
    narrow.channels = 2;
    assert_int_equal(clnas_weights_info_match(&info, &narrow, fx->saved, &err), CLNAS_ERR_MISMATCH);
    printf("expected error: %s\n", err.message);
    assert_non_null(strstr(err.message, "(channels): the file was saved with arch " ARCH_POOL " C=4 N=1"));
    assert_non_null(strstr(err.message, "the network is arch " ARCH_POOL " C=2 N=1"));
    assert_int_equal(clnas_weights_info_match(&info, clnas_model_config(fx->pool), fx->saved, &err), CLNAS_OK);
    /* past the metadata, a shape error says it too */
    char path[4200];
    scratch_dir_path(path, sizeof path, fx->dir, "wide_stem.safetensors");
    const char *meta[] = {"format", "clnas", "channels", "4", NULL};
    rewrite(fx, path, meta, widen_stem);
    expect_load(fx->pool, path, 0, CLNAS_ERR_FORMAT, "tensor 'stem.conv.weight' has shape [2x2x3x3], expected "
                "[4x1x3x3] (the file was saved with arch (not recorded) C=4)");
    /* files without clnas metadata load as before (a PyTorch file says format "pt") */
    scratch_dir_path(path, sizeof path, fx->dir, "pt.safetensors");
    const char *pt_meta[] = {"format", "pt", NULL};
    rewrite(fx, path, pt_meta, NULL);
    expect_load(fx->skip, path, 0, CLNAS_OK, NULL);
    scratch_dir_path(path, sizeof path, fx->dir, "bare.safetensors");
    rewrite(fx, path, NULL, NULL);
    expect_load(fx->skip, path, 0, CLNAS_OK, NULL);
    /* malformed metadata is named */
    const char *bad_meta[] = {"format", "clnas", "channels", "four", NULL};
    scratch_dir_path(path, sizeof path, fx->dir, "bad_meta.safetensors");
    rewrite(fx, path, bad_meta, NULL);
    expect_load(fx->pool, path, 0, CLNAS_ERR_FORMAT, "metadata channels \"four\" is not a positive integer");
}

static void test_refuses_non_finite_and_bad_counts(void **state)
{
    fixture *fx = *state;
    char path[4200];
    scratch_dir_path(path, sizeof path, fx->dir, "nan.safetensors");
    rewrite(fx, path, NULL, put_nan);
    expect_load(fx->pool, path, 0, CLNAS_ERR_FORMAT,
                "tensor 'cells.0.edges.1_0.conv.weight' holds NaN at index 43 [1, 0, 2, 1]");
    scratch_dir_path(path, sizeof path, fx->dir, "inf.safetensors");
    rewrite(fx, path, NULL, put_inf);
    expect_load(fx->pool, path, CLNAS_LOAD_IGNORE_METADATA, CLNAS_ERR_FORMAT,
                "tensor 'head.bn.running_var' holds an infinity at index 3");
    scratch_dir_path(path, sizeof path, fx->dir, "nbt_negative.safetensors");
    rewrite(fx, path, NULL, nbt_negative);
    expect_load(fx->pool, path, 0, CLNAS_ERR_FORMAT, "tensor 'stem.bn.num_batches_tracked' should hold one");
    scratch_dir_path(path, sizeof path, fx->dir, "nbt_stray.safetensors");
    rewrite(fx, path, NULL, nbt_stray);
    expect_load(fx->pool, path, 0, CLNAS_ERR_FORMAT, "tensor 'xtem.bn.num_batches_tracked' is not a parameter");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metadata_round_trip),
        cmocka_unit_test(test_num_batches_tracked),
        cmocka_unit_test(test_refuses_another_network),
        cmocka_unit_test(test_refuses_non_finite_and_bad_counts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
