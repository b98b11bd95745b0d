/* clnas — a short training run on a small synthetic task whose loss must fall, and the weights file
 * round trip (save, load into a fresh model, same evaluation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clnas/model.h"
#include "clnas/rng.h"
#include "clnas/safetensors.h"
#include "clnas/train.h"
#include "device_fixture.h"
#include "model_build.h"
#include "small_net.h"

#define SIDE 12

/* Class k: a bright 3x3 square at one of 10 positions, on noise. */
static void make_task(clnas_dataset *ds, int count, uint64_t seed)
{
    clnas_rng rng;
    small_dataset_alloc(ds, &rng, count, SIDE, seed);
    for (int i = 0; i < count; i++) {
        int k = (int)clnas_rng_below(&rng, 10);
        ds->labels[i] = (uint8_t)k;
        uint8_t *img = ds->pixels + (size_t)i * SIDE * SIDE;
        for (int p = 0; p < SIDE * SIDE; p++)
            img[p] = (uint8_t)clnas_rng_below(&rng, 90);
        int r = 1 + (k / 5) * 6, c = 1 + (k % 5) * 2;
        for (int dr = 0; dr < 3; dr++)
            for (int dc = 0; dc < 3; dc++)
                img[(r + dr) * SIDE + c + dc] = 255;
    }
}

static int losses_seen;
static double first_loss, last_loss;

static void record(const clnas_train_progress *p, void *user)
{
    (void)user;
    if (losses_seen++ == 0)
        first_loss = p->loss;
    last_loss = p->loss;
}

static void test_loss_falls_and_weights_round_trip(void **state)
{
    device_fixture *f = *state;
    clnas_device *dev = f->dev;
    struct clnas_program_cache *cache = f->cache;
    clnas_net_config cfg;
    small_net_config(&cfg, "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|"
                           "avg_pool_3x3~1|nor_conv_3x3~2|",
                     4, 1, 32, SIDE);
    clnas_error err;
    clnas_dataset train, test;
    make_task(&train, 1024, 1);
    make_task(&test, 300, 2);
    clnas_model *m = NULL;
    if (clnas_model_build(dev, cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 3, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_train_options opt;
    clnas_train_options_default(&opt);
    opt.steps = 160;
    opt.lr = 0.1;
    opt.mean[0] = 0.3;
    opt.std[0] = 0.3;
    opt.report_every = 20;
    opt.progress = record;
    clnas_train_result res;
    if (clnas_train(m, &train, &opt, &res, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    double acc = 0, loss = 0;
    assert_int_equal(clnas_evaluate(m, &test, opt.mean, opt.std, &acc, &loss, &err), CLNAS_OK);
    printf("loss %.4f -> %.4f over %d steps; test accuracy %.3f (300 images, chance 0.1)\n", first_loss, last_loss,
           res.steps, acc);
    assert_int_equal(res.steps, 160);
    assert_true(last_loss < 0.5 * first_loss);
    assert_true(acc > 0.5);

    /* weights round trip: a fresh model loading the file evaluates identically */
    char path[] = "/tmp/clnas-test-weights-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(clnas_model_save(m, path, &err), CLNAS_OK);
    clnas_model *m2 = NULL;
    assert_int_equal(clnas_model_build(dev, cache, &cfg, &m2, &err), CLNAS_OK);
    assert_int_equal(clnas_model_load(m2, path, &err), CLNAS_OK);
    double acc2 = 0, loss2 = 0;
    assert_int_equal(clnas_evaluate(m2, &test, opt.mean, opt.std, &acc2, &loss2, &err), CLNAS_OK);
    assert_true(acc2 == acc);
    assert_true(fabs(loss2 - loss) < 1e-6);

    /* a file whose tensor has another shape: the message names the tensor and both shapes */
    clnas_safetensors st;
    assert_int_equal(clnas_safetensors_read(path, &st, &err), CLNAS_OK);
    clnas_tensor *t = NULL;
    for (int i = 0; i < st.count; i++)
        if (strcmp(st.tensors[i].name, "stem.conv.weight") == 0)
            t = &st.tensors[i];
    assert_non_null(t);
    t->shape[2] = 1;
    t->shape[3] = 9;
    assert_int_equal(clnas_safetensors_write(path, st.tensors, st.count, NULL, &err), CLNAS_OK);
    assert_int_equal(clnas_model_load(m2, path, &err), CLNAS_ERR_FORMAT);
    printf("expected error: %s\n", err.message);
    assert_non_null(strstr(err.message, "stem.conv.weight"));
    assert_non_null(strstr(err.message, "shape [4x1x1x9], expected [4x1x3x3]"));
    /* and a file without it names the missing tensor */
    snprintf(t->name, strlen(t->name) + 1, "%s", "stem.conv.weigh");
    t->name[strlen("stem.conv.weigh")] = '\0';
    t->shape[2] = t->shape[3] = 3;
    assert_int_equal(clnas_safetensors_write(path, st.tensors, st.count, NULL, &err), CLNAS_OK);
    assert_int_equal(clnas_model_load(m2, path, &err), CLNAS_ERR_NOT_FOUND);
    printf("expected error: %s\n", err.message);
    assert_non_null(strstr(err.message, "'stem.conv.weight' is missing"));
    clnas_safetensors_free(&st);
    unlink(path);
    clnas_model_free(m2);
    clnas_model_free(m);
    clnas_dataset_free(&train);
    clnas_dataset_free(&test);
}

typedef struct progress_log {
    int calls, last_step;
    double first_rate;
} progress_log;

static void log_progress(const clnas_train_progress *p, void *user)
{
    progress_log *l = user;
    if (l->calls++ == 0)
        l->first_rate = p->images_per_second;
    l->last_step = p->step;
}

typedef struct eval_log {
    int calls, images, total;
} eval_log;

static void log_eval(int images, int total, double seconds, void *user)
{
    (void)seconds;
    eval_log *l = user;
    l->calls++;
    l->images = images;
    l->total = total;
}

/* Progress comes on a timer as well as every report_every steps (issue 17: a cold run was silent for minutes); the
 * images/s figures leave out the first step, where the driver compiles kernels lazily; the result says how many
 * images ran. */
static void test_progress_timer_and_rates(void **state)
{
    device_fixture *f = *state;
    clnas_net_config cfg;
    small_net_config(&cfg, "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|"
                           "avg_pool_3x3~1|nor_conv_3x3~2|",
                     4, 1, 32, SIDE);
    clnas_error err;
    clnas_dataset train;
    make_task(&train, 256, 1);
    clnas_model *m = NULL;
    if (clnas_model_build(f->dev, f->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 3, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_train_options opt;
    clnas_train_options_default(&opt);
    opt.steps = 6;
    opt.report_every = 1000; /* never by count, except the last step */
    opt.report_seconds = 1e-9;
    progress_log log = {0, 0, 0};
    opt.progress = log_progress;
    opt.user = &log;
    clnas_train_result res;
    if (clnas_train(m, &train, &opt, &res, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(log.calls, 6);
    assert_int_equal(log.last_step, 6);
    assert_true(log.first_rate == 0); /* the first step alone has no rate */
    assert_int_equal(res.images, 6L * 32);
    assert_true(res.first_step_seconds > 0 && res.first_step_seconds < res.seconds);
    double expected = 5.0 * 32 / (res.seconds - res.first_step_seconds);
    assert_true(fabs(res.train_images_per_second - expected) < 1e-6 * expected);
    /* the evaluation pass reports too: every batch here (250 images, batch 32: 8 batches) */
    clnas_dataset test;
    make_task(&test, 250, 2);
    eval_log elog = {0, 0, 0};
    double acc = 0, loss = 0;
    assert_int_equal(clnas_evaluate_report(m, &test, opt.mean, opt.std, log_eval, 1e-9, &elog, &acc, &loss, &err),
                     CLNAS_OK);
    assert_int_equal(elog.calls, 8);
    assert_int_equal(elog.images, 250);
    assert_int_equal(elog.total, 250);
    clnas_dataset_free(&test);
    clnas_model_free(m);
    clnas_dataset_free(&train);
}

typedef struct lr_log {
    int n;
    double lr[64];
    double loss[64];
} lr_log;

static void log_lr(const clnas_train_progress *p, void *user)
{
    lr_log *l = user;
    if (l->n < 64) {
        l->lr[l->n] = p->lr;
        l->loss[l->n] = p->loss;
        l->n++;
    }
}

/* DARTS' recipe in the loop: the cosine stepped per epoch (held within one), augmentation changing the batches
 * reproducibly, and drop-path refused on a network compiled without it. */
static void test_per_epoch_cosine_augment_and_drop_path(void **state)
{
    device_fixture *f = *state;
    clnas_net_config cfg;
    small_net_config(&cfg, "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|"
                           "avg_pool_3x3~1|nor_conv_3x3~2|",
                     4, 1, 32, SIDE);
    clnas_error err;
    clnas_dataset train;
    make_task(&train, 100, 1); /* 3 batches of 32 per epoch, a tail of 4 skipped */
    clnas_model *m = NULL;
    if (clnas_model_build(f->dev, f->cache, &cfg, &m, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_train_options opt;
    clnas_train_options_default(&opt);
    opt.epochs = 4;
    opt.lr = 0.05;
    opt.lr_per_epoch = 1;
    opt.report_every = 1;
    opt.progress = log_lr;
    lr_log runs[3];
    clnas_train_result res;
    for (int r = 0; r < 3; r++) { /* plain, augmented, augmented again */
        memset(&runs[r], 0, sizeof runs[r]);
        opt.user = &runs[r];
        opt.augment = r ? (clnas_augment){2, 1, 4} : (clnas_augment){0, 0, 0};
        if (clnas_model_init(m, 3, &err) != CLNAS_OK || clnas_train(m, &train, &opt, &res, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        assert_int_equal(runs[r].n, 12);
        for (int i = 0; i < 12; i++) {
            double want = 0.5 * 0.05 * (1 + cos(3.14159265358979323846 * (i / 3) / 4.0));
            assert_true(fabs(runs[r].lr[i] - want) < 1e-12);
        }
    }
    assert_memory_equal(runs[1].loss, runs[2].loss, sizeof runs[1].loss);
    assert_true(memcmp(runs[0].loss, runs[1].loss, sizeof runs[0].loss) != 0);
    opt.progress = NULL;
    opt.drop_path = 0.2; /* epoch 0 sets p = 0, epoch 1 p = 0.05: refused by an NB201 network */
    assert_int_equal(clnas_model_init(m, 3, &err), CLNAS_OK);
    assert_int_equal(clnas_train(m, &train, &opt, &res, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "compiled without it"));
    assert_int_equal(res.steps, 3);
    clnas_model_free(m);
    clnas_dataset_free(&train);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_falls_and_weights_round_trip),
        cmocka_unit_test(test_progress_timer_and_rates),
        cmocka_unit_test(test_per_epoch_cosine_augment_and_drop_path),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
