/* clnas — tests of bench/bench_*.c on tiny sizes: every measurement returns sane numbers (positive, finite) whose
 * rates agree with the work the test counts itself (flops, bytes, images) in the documented units, times that fit
 * inside the test's own clock around the call, the op table covering every op and stage, and a model set up again
 * on a filled program cache building nothing. No timed assertions: the machine's speed decides nothing here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_device.h"
#include "clock.h"
#include "device_fixture.h"

#define BEST_ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"

static int sane(double x)
{
    return isfinite(x) && x > 0.0;
}

/* A rate the code reports equals work / seconds counted here, in the unit named (1e9 = giga). */
static void assert_rate(const char *what, double reported, double work, double seconds)
{
    double expected = work / seconds * 1e-9;
    if (!(fabs(reported - expected) <= 1e-9 * expected))
        fail_msg("%s: reported %.6g, counted %.6g", what, reported, expected);
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
    /* each work-item runs CHAINS fmas of WIDTH lanes per trip: 2 flops per lane (kernels/bench_fma.cl) */
    assert_rate("fma gflops", r.gflops, 2.0 * 8 * 4 * CLNAS_BENCH_FMA_ITERS * (double)r.global, r.seconds);
    c.width = 5;
    assert_int_equal(clnas_bench_fma(f->dev, f->cache, &c, 0.001, &r, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "width 5"));

    clnas_bench_copy_result cr;
    if (clnas_bench_copy(f->dev, f->cache, (1 << 20) + 13, 2, &cr, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(cr.bytes, 1 << 20); /* whole float4s only */
    assert_true(sane(cr.gbps) && sane(cr.seconds));
    assert_rate("copy GB/s (read + written)", cr.gbps, 2.0 * (1 << 20), cr.seconds);
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
    assert_rate("sgemm gflops", r.gflops, 2.0 * 2 * (4 * 8 * 8) * 18, r.seconds);
}

static void test_ops_cover_every_op_and_stage(void **state)
{
    device_fixture *f = *state;
    clnas_net_config cfg;
    tiny_config(&cfg);
    clnas_bench_op_result ops[CLNAS_BENCH_MAX_OPS];
    int n = 0;
    clnas_error err;
    double t0 = clnas_clock_seconds();
    if (clnas_bench_ops(f->dev, f->cache, &cfg, 0, 1, ops, &n, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    double wall_ms = 1e3 * (clnas_clock_seconds() - t0);
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
    /* milliseconds per instance of the one timed step: all of them together fit in the call */
    double timed_ms = 0;
    for (int i = 0; i < n; i++)
        timed_ms += (ops[i].forward_ms + ops[i].backward_ms) * ops[i].instances;
    if (!(timed_ms <= wall_ms))
        fail_msg("the ops' times add up to %.3f ms, more than the %.3f ms the call took", timed_ms, wall_ms);
    /* shapes: stage 2 runs 2C channels at half the size; the 3x3 conv is two edges of the cell */
    for (int i = 0; i < n; i++) {
        if (strcmp(ops[i].name, "nor_conv_3x3 stage 2") == 0) {
            assert_int_equal(ops[i].in_channels, 4);
            assert_int_equal(ops[i].height, 4);
            assert_int_equal(ops[i].instances, 2);
            /* forward conv: 2 x batch 4 x 4 x 4 x 9 x 4 x 4 */
            assert_true(fabs(ops[i].forward_flop - 2.0 * 4 * 4 * 4 * 9 * 4 * 4) < 1e-6);
        } else if (strcmp(ops[i].name, "nor_conv_1x1 stage 1") == 0) {
            /* 2 x batch 4 x 2 out x 2 in x 1 x 8 x 8 */
            assert_true(fabs(ops[i].forward_flop - 2.0 * 4 * 2 * 2 * 8 * 8) < 1e-6);
        } else if (strcmp(ops[i].name, "avg_pool_3x3 stage 1") == 0) {
            /* 9 adds per output: batch 4 x 2 x 8 x 8 */
            assert_true(fabs(ops[i].forward_flop - 4.0 * 2 * 8 * 8 * 9) < 1e-6);
        } else if (strcmp(ops[i].name, "reduction 1 conv_a") == 0) {
            /* stride 2: 2 x batch 4 x 4 out x 2 in x 9 x 4 x 4 */
            assert_int_equal(ops[i].out_channels, 4);
            assert_true(fabs(ops[i].forward_flop - 2.0 * 4 * 4 * 2 * 9 * 4 * 4) < 1e-6);
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
    double t0 = clnas_clock_seconds();
    if (clnas_bench_train(f->dev, f->cache, &cfg, 1, 2, &r, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    double wall = clnas_clock_seconds() - t0;
    assert_true(sane(r.images_per_second) && sane(r.seconds_per_step) && sane(r.setup_seconds));
    assert_true(r.launches_per_step > 10);
    /* images per second, not steps: one step's time at that rate is one batch */
    assert_true(fabs(r.images_per_second * r.seconds_per_step - cfg.batch) < 1e-9 * cfg.batch);
    /* setup and the two timed steps happened inside the call (the warm-up step too, uncounted) */
    assert_true(r.setup_seconds + 2 * r.seconds_per_step <= wall);
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
    double t0 = clnas_clock_seconds();
    if (clnas_bench_setup(f->dev, f->dir, &cfg, NULL, &warm, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    double wall = clnas_clock_seconds() - t0;
    assert_int_equal(warm.cache.builds, 0);
    assert_int_equal(warm.cache.disk_hits, cold.cache.builds);
    assert_int_equal(warm.algo_measured, 0);
    assert_true(sane(warm.total_seconds) && sane(warm.model_seconds) && sane(warm.first_step_seconds) &&
                sane(warm.step_seconds) && sane(warm.ready_seconds));
    /* seconds, each phase once: model, init and the two steps follow one another inside the call */
    if (!(warm.model_seconds + warm.init_seconds + warm.first_step_seconds + warm.step_seconds <= wall))
        fail_msg("model %g + init %g + first step %g + step %g s exceed the %g s the call took", warm.model_seconds,
                 warm.init_seconds, warm.first_step_seconds, warm.step_seconds, wall);
    assert_true(warm.total_seconds <= wall);
    /* the model's parts: kernels and algorithm choices are inside it, the plan is the rest */
    assert_true(warm.kernels_seconds >= 0 && warm.algo_seconds >= 0 && warm.plan_seconds >= 0);
    assert_true(warm.kernels_seconds + warm.algo_seconds <= warm.model_seconds);
    /* ready: at least model and init, at most the whole first step on top */
    assert_true(warm.ready_seconds >= warm.model_seconds + warm.init_seconds);
    assert_true(warm.ready_seconds <= warm.total_seconds + 1e-9);
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
