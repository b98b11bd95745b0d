/* clnas — a SPOS run stopped at a checkpoint and resumed from it in a fresh supernet ends with the same weights,
 * momenta and running statistics as an uninterrupted run, and its paths score the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "space_nb201.h"
#include "clnas/rng.h"
#include "device_fixture.h"
#include "scratch_dir.h"
#include "small_net.h"
#include "supernet_arena.h"
#include "spos.h"
#include "supernet.h"

#define SIDE 8
#define STEPS 8
#define STOP_AT 4

static void make_data(clnas_dataset *ds, int count, uint64_t seed)
{
    clnas_rng rng;
    small_dataset_alloc(ds, &rng, count, SIDE, seed);
    for (int i = 0; i < count; i++) {
        int k = (int)clnas_rng_below(&rng, 10);
        ds->labels[i] = (uint8_t)k;
        for (int p = 0; p < SIDE * SIDE; p++)
            ds->pixels[(size_t)i * SIDE * SIDE + p] = (uint8_t)(clnas_rng_below(&rng, 60) + (p % 10 == k ? 190 : 0));
    }
}

static clnas_supernet *new_supernet(device_fixture *f, uint64_t seed)
{
    clnas_net_config c;
    small_net_config(&c, NULL, 4, 1, 8, SIDE);
    return supernet_new_ok(f, &c, 4, seed);
}

typedef struct stopper {
    clnas_supernet *sn;
    const char *path;
    volatile int stop;
} stopper;

/* Saves the checkpoint at STOP_AT and asks training to stop there, as a kill right after it would. */
static clnas_status save_and_stop(int step, double loss, void *user, clnas_error *err)
{
    (void)loss;
    stopper *s = user;
    if (step != STOP_AT)
        return CLNAS_OK;
    s->stop = 1;
    return clnas_supernet_save(s->sn, s->path, 1, step, err);
}

/* classes: NULL for per-edge sampling, else strategy.sampling "classes"' list of n cell indices. */
static void train_sampled(clnas_supernet *sn, const clnas_dataset *ds, int start, stopper *s, const uint32_t *classes,
                          int n)
{
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_spos_train_options opt;
    memset(&opt, 0, sizeof opt);
    opt.steps = STEPS;
    opt.start_step = start;
    opt.lr = 0.1;
    opt.seed = 3;
    for (int c = 0; c < CLNAS_BATCHER_MAX_CHANNELS; c++) {
        opt.mean[c] = 0.5;
        opt.std[c] = 0.3;
    }
    opt.report_every = 2;
    opt.class_index = classes;
    opt.classes = n;
    if (s) {
        opt.checkpoint = save_and_stop;
        opt.user = s;
        opt.stop = &s->stop;
    }
    int done = 0;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_spos_train(sn, &op_set, ds, &opt, &done, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(done, s ? STOP_AT : STEPS);
}

static void train(clnas_supernet *sn, const clnas_dataset *ds, int start, stopper *s)
{
    train_sampled(sn, ds, start, s, NULL, 0);
}

static void assert_same_arena(clnas_supernet *a, clnas_supernet *b, clnas_arena arena)
{
    const clnas_supernet_layout *l = clnas_supernet_get_layout(a);
    size_t n = arena == CLNAS_ARENA_STATE ? l->state_elems : l->param_elems;
    double *x = malloc((n + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y);
    clnas_error err;
    assert_int_equal(clnas_supernet_read_arena(a, arena, x, &err), CLNAS_OK);
    assert_int_equal(clnas_supernet_read_arena(b, arena, y, &err), CLNAS_OK);
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            fail_msg("%s[%zu]: %.9g uninterrupted, %.9g resumed", clnas_arena_name(arena), i, x[i], y[i]);
    free(x);
    free(y);
}

static void test_resume_matches_uninterrupted(void **state)
{
    device_fixture *f = *state;
    clnas_dataset ds, val;
    make_data(&ds, 48, 1);
    make_data(&val, 24, 2);
    char path[1024], *dir = scratch_dir_new("spos-resume");
    assert_non_null(dir);
    scratch_dir_path(path, sizeof path, dir, "supernet.safetensors");
    clnas_error err;
    clnas_error_clear(&err);

    clnas_supernet *whole = new_supernet(f, 9);
    train(whole, &ds, 0, NULL);

    clnas_supernet *first = new_supernet(f, 9);
    stopper s = {first, path, 0};
    train(first, &ds, 0, &s);
    clnas_supernet_free(first);

    clnas_supernet *resumed = new_supernet(f, 12345); /* other initial weights: the checkpoint must replace them */
    long step = -1;
    if (clnas_supernet_load(resumed, path, &step, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(step, STOP_AT);
    train(resumed, &ds, (int)step, NULL);

    assert_same_arena(whole, resumed, CLNAS_ARENA_PARAMS);
    assert_same_arena(whole, resumed, CLNAS_ARENA_MOMENTUM);
    assert_same_arena(whole, resumed, CLNAS_ARENA_STATE);

    /* the search phase scores paths the same on both */
    double mean[4] = {0.5, 0.5, 0.5, 0.5}, std[4] = {0.3, 0.3, 0.3, 0.3};
    clnas_evaluator ev[2];
    assert_int_equal(clnas_supernet_evaluator_new(whole, &ds, &val, 3, 5, mean, std, &ev[0], &err), CLNAS_OK);
    assert_int_equal(clnas_supernet_evaluator_new(resumed, &ds, &val, 3, 5, mean, std, &ev[1], &err), CLNAS_OK);
    clnas_rng rng;
    clnas_rng_seed(&rng, 77);
    for (int i = 0; i < 3; i++) {
        clnas_genotype g;
        clnas_genotype_sample(&rng, &g);
        clnas_evaluator_result r[2];
        for (int k = 0; k < 2; k++) {
            clnas_space_genotype sg;
            clnas_nb201_to(&g, &sg);
            assert_int_equal(ev[k].iface->evaluate(ev[k].state, &sg, &r[k], &err), CLNAS_OK);
            if (r[k].status != CLNAS_TRIAL_OK)
                fail_msg("%s", r[k].error);
        }
        assert_true(r[0].fitness == r[1].fitness);
        for (int k = 0; k < 2; k++)
            cJSON_Delete(r[k].extra);
    }
    for (int k = 0; k < 2; k++)
        ev[k].iface->destroy(ev[k].state);

    /* a checkpoint of another supernet size is refused by name */
    clnas_net_config c;
    small_net_config(&c, NULL, 8, 1, 8, SIDE);
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_supernet *other = NULL;
    assert_int_equal(clnas_supernet_new(f->dev, f->cache, &c, &op_set, 2, NULL, &other, &err), CLNAS_OK);
    assert_int_equal(clnas_supernet_load(other, path, NULL, &err), CLNAS_ERR_FORMAT);
    assert_non_null(strstr(err.message, "another shape"));
    clnas_supernet_free(other);

    clnas_supernet_free(whole);
    clnas_supernet_free(resumed);
    clnas_dataset_free(&ds);
    clnas_dataset_free(&val);
    scratch_dir_remove(dir);
    free(dir);
}

/* A supernet too large for the device is refused with its size and what to shrink, before any allocation. */
/* Sampling uniformly over the canonical classes resumes to the uninterrupted weights too, and trains other paths
 * than the per-edge draw (the weights differ from the per-edge run's). */
static void test_class_sampling_resumes(void **state)
{
    device_fixture *f = *state;
    clnas_dataset ds;
    make_data(&ds, 48, 1);
    char path[1024], *dir = scratch_dir_new("spos-classes");
    assert_non_null(dir);
    scratch_dir_path(path, sizeof path, dir, "supernet.safetensors");
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    uint32_t *classes = malloc(CLNAS_NB201_CLASSES * sizeof *classes);
    assert_non_null(classes);
    const int n = clnas_spos_classes(&op_set, classes);
    assert_int_equal(n, CLNAS_NB201_CLASSES);

    clnas_supernet *whole = new_supernet(f, 9), *per_edge = new_supernet(f, 9);
    train_sampled(whole, &ds, 0, NULL, classes, n);
    train(per_edge, &ds, 0, NULL);
    clnas_supernet *first = new_supernet(f, 9);
    stopper s = {first, path, 0};
    train_sampled(first, &ds, 0, &s, classes, n);
    clnas_supernet_free(first);
    clnas_supernet *resumed = new_supernet(f, 12345);
    long step = -1;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_supernet_load(resumed, path, &step, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    train_sampled(resumed, &ds, (int)step, NULL, classes, n);
    assert_same_arena(whole, resumed, CLNAS_ARENA_PARAMS);
    assert_same_arena(whole, resumed, CLNAS_ARENA_MOMENTUM);

    const clnas_supernet_layout *l = clnas_supernet_get_layout(whole);
    double *x = malloc(l->param_elems * sizeof *x), *y = malloc(l->param_elems * sizeof *y);
    assert_int_equal(clnas_supernet_read_arena(whole, CLNAS_ARENA_PARAMS, x, &err), CLNAS_OK);
    assert_int_equal(clnas_supernet_read_arena(per_edge, CLNAS_ARENA_PARAMS, y, &err), CLNAS_OK);
    size_t differ = 0;
    for (size_t i = 0; i < l->param_elems; i++)
        differ += x[i] != y[i];
    assert_true(differ > 0);
    free(x);
    free(y);
    free(classes);
    clnas_supernet_free(whole);
    clnas_supernet_free(per_edge);
    clnas_supernet_free(resumed);
    clnas_dataset_free(&ds);
    scratch_dir_remove(dir);
    free(dir);
}

static void test_too_large_refused(void **state)
{
    device_fixture *f = *state;
    clnas_net_config c;
    clnas_net_config_default(&c);
    c.channels = 1024;
    c.cells = 16;
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_supernet *sn = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    assert_int_equal(clnas_supernet_new(f->dev, f->cache, &c, &op_set, 2, NULL, &sn, &err), CLNAS_ERR_UNSUPPORTED);
    assert_null(sn);
    assert_non_null(strstr(err.message, "MiB of weights"));
    assert_non_null(strstr(err.message, "fewer channels or cells"));

    /* weights that fit, but a path's activations that do not: refused when the path is asked for */
    c.channels = 64;
    c.cells = 1;
    c.batch = 4096;
    assert_int_equal(clnas_supernet_new(f->dev, f->cache, &c, &op_set, 2, NULL, &sn, &err), CLNAS_OK);
    clnas_genotype g;
    clnas_error_clear(&err);
    assert_int_equal(clnas_genotype_parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
                                          "nor_conv_3x3~1|nor_conv_3x3~2|", &g, &err), CLNAS_OK);
    clnas_model *path = NULL;
    assert_int_equal(clnas_supernet_path(sn, &g, &path, &err), CLNAS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "activations arena"));
    assert_non_null(strstr(err.message, "smaller batch"));
    clnas_supernet_free(sn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resume_matches_uninterrupted, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_class_sampling_resumes, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_too_large_refused, device_fixture_with_cache, device_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
