/* clnas — tests of runtime/bench_*.c on tiny sizes: every measurement returns sane numbers (positive, finite), the
 * op table covers every op and stage, and a model set up again on a filled program cache builds nothing. No timed
 * assertions: the machine's speed decides nothing here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_device.h"
#include "device_fixture.h"

#define BEST_ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"

static int sane(double x)
{
    return isfinite(x) && x > 0.0;
}

static void tiny_config(clnas_net_config *cfg)
{
    clnas_net_config_default(cfg);
    cfg->channels = 2;
    cfg->cells = 1;
    cfg->batch = 4;
    cfg->height = cfg->width = 8;
    clnas_error err;
    assert_int_equal(clnas_genotype_parse(BEST_ARCH, &cfg->genotype, &err), CLNAS_OK);
}

static void test_peak_and_copy(void **state)
{
    device_fixture *f = *state;
    clnas_error err;
    clnas_bench_fma_config c = {8, 4, 4};
    clnas_bench_fma_result r;
    if (clnas_bench_fma(f->dev, f->cache, &c, 0.001, &r, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_true(sane(r.gflops) && sane(r.seconds));
    assert_true(r.global >= c.local && r.global % c.local == 0);
    c.width = 5;
    assert_int_equal(clnas_bench_fma(f->dev, f->cache, &c, 0.001, &r, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "width 5"));

    clnas_bench_copy_result cr;
    if (clnas_bench_copy(f->dev, f->cache, 1 << 20, 2, &cr, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(cr.bytes, 1 << 20);
    assert_true(sane(cr.gbps) && sane(cr.seconds));
}

static void test_gemm_shapes_and_sgemm(void **state)
{
    device_fixture *f = *state;
    clnas_net_config cfg;
    tiny_config(&cfg);
    clnas_bench_gemm_shape shapes[64];
    int n = clnas_bench_conv_gemm_shapes(&cfg, shapes, 64);
    /* 2 convs in stage 1, 2 + 2 reduction convs in stages 2 and 3; 3 GEMMs each */
    assert_int_equal(n, 30);
    /* stage 1 3x3 forward: W[2][2*9] x col[18][4*8*8] */
    assert_string_equal(shapes[0].name, "stage 1 conv3x3 2->2 8x8 forward");
    assert_int_equal(shapes[0].m, 2);
    assert_int_equal(shapes[0].n, 4 * 8 * 8);
    assert_int_equal(shapes[0].k, 18);
    /* reduction 1 conv_a backward filter: dY[4][4*4*4] x col^T, k = the output pixels */
    int found = 0;
    for (int i = 0; i < n; i++) {
        assert_true(shapes[i].m && shapes[i].n && shapes[i].k);
        if (strcmp(shapes[i].name, "reduction 1 conv3x3 2->4 4x4 backward filter") == 0) {
            found = 1;
            assert_int_equal(shapes[i].m, 4);
            assert_int_equal(shapes[i].n, 18);
            assert_int_equal(shapes[i].k, 4 * 4 * 4);
            assert_int_equal(shapes[i].trans_b, 1);
        }
    }
    assert_true(found);
    assert_int_equal(clnas_bench_conv_gemm_shapes(&cfg, shapes, 4), 4);

    clnas_bench_gemm_result r;
    clnas_error err;
    if (clnas_bench_sgemm(f->dev, &shapes[0], 1, &r, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_true(sane(r.gflops) && sane(r.seconds) && sane(r.first_seconds));
}

static void test_ops_cover_every_op_and_stage(void **state)
{
    device_fixture *f = *state;
    clnas_net_config cfg;
    tiny_config(&cfg);
    clnas_bench_op_result ops[CLNAS_BENCH_MAX_OPS];
    int n = 0;
    clnas_error err;
    if (clnas_bench_ops(f->dev, f->cache, &cfg, 0, 1, ops, &n, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(n, 18);
    static const char *const names[] = {"nor_conv_3x3 stage 1", "nor_conv_1x1 stage 2", "avg_pool_3x3 stage 3",
                                        "skip_connect stage 1", "reduction 1 conv_a",   "reduction 2 shortcut"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        int hit = 0;
        for (int i = 0; i < n; i++)
            hit += strcmp(ops[i].name, names[k]) == 0;
        if (hit != 1)
            fail_msg("op row '%s' appears %d times", names[k], hit);
    }
    for (int i = 0; i < n; i++) {
        const clnas_bench_op_result *o = &ops[i];
        assert_true(o->stage >= 1 && o->stage <= 3);
        assert_true(o->instances >= 1);
        if (strcmp(o->op, "skip_connect") == 0) {
            assert_int_equal(o->forward_launches + o->backward_launches, 0);
            continue;
        }
        if (!(sane(o->forward_ms) && sane(o->backward_ms) && o->forward_launches > 0 && o->backward_launches > 0))
            fail_msg("%s: fwd %g ms (%d launches) bwd %g ms (%d launches)", o->name, o->forward_ms,
                     o->forward_launches, o->backward_ms, o->backward_launches);
        assert_true(sane(o->forward_flop) && sane(o->backward_flop));
        assert_string_equal(o->algo, "kernel"); /* the tests run with CLNAS_ALGO=kernel */
    }
    /* shapes: stage 2 runs 2C channels at half the size; the 3x3 conv is two edges of the cell */
    for (int i = 0; i < n; i++) {
        if (strcmp(ops[i].name, "nor_conv_3x3 stage 2") == 0) {
            assert_int_equal(ops[i].in_channels, 4);
            assert_int_equal(ops[i].height, 4);
            assert_int_equal(ops[i].instances, 2);
            /* forward conv: 2 x batch 4 x 4 x 4 x 9 x 4 x 4 */
            assert_true(fabs(ops[i].forward_flop - 2.0 * 4 * 4 * 4 * 9 * 4 * 4) < 1e-6);
        }
    }
}

static void test_train_throughput(void **state)
{
    device_fixture *f = *state;
    clnas_net_config cfg;
    tiny_config(&cfg);
    clnas_bench_train_result r;
    clnas_error err;
    if (clnas_bench_train(f->dev, f->cache, &cfg, 1, 2, &r, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_true(sane(r.images_per_second) && sane(r.seconds_per_step) && sane(r.setup_seconds));
    assert_true(r.launches_per_step > 10);
    assert_int_equal(clnas_bench_train(f->dev, f->cache, &cfg, 0, 0, &r, &err), CLNAS_ERR_INVALID_ARG);
}

/* The warm setup of a new model finds every program on disk: nothing is built and no algorithm is timed. */
static void test_warm_setup_hits_the_cache(void **state)
{
    device_fixture *f = *state;
    clnas_net_config cfg;
    tiny_config(&cfg);
    clnas_bench_setup_result cold, warm;
    clnas_error err;
    if (clnas_bench_setup(f->dev, f->dir, &cfg, NULL, &cold, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_true(cold.cache.builds > 0);
    assert_int_equal(cold.cache.disk_hits, 0);
    if (clnas_bench_setup(f->dev, f->dir, &cfg, NULL, &warm, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(warm.cache.builds, 0);
    assert_int_equal(warm.cache.disk_hits, cold.cache.builds);
    assert_int_equal(warm.algo_measured, 0);
    assert_true(sane(warm.total_seconds) && sane(warm.model_seconds) && sane(warm.first_step_seconds) &&
                sane(warm.step_seconds) && sane(warm.ready_seconds));
    assert_true(warm.ready_seconds <= warm.total_seconds + 1e-9);
    assert_true(fabs(warm.total_seconds - warm.model_seconds - warm.init_seconds - warm.first_step_seconds) < 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_peak_and_copy, device_fixture_with_cache, device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_gemm_shapes_and_sgemm, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_ops_cover_every_op_and_stage, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_train_throughput, device_fixture_with_cache, device_fixture_teardown),
        device_dir_unit_test(test_warm_setup_hits_the_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
