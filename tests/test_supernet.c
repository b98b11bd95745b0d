/* clnas — the weight-sharing supernet: a path through it computes what the stand-alone network with the same
 * weights computes; its optimizer touches only its own parameters; paths reuse programs; BatchNorm
 * recalibration gives the plain average of batch statistics; SPOS sampling is uniform. */
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
#include "clnas/train.h"
#include "device_fixture.h"
#include "model_build.h"
#include "path_check.h"
#include "plan.h"
#include "program_cache.h"
#include "small_net.h"
#include "spos.h"
#include "supernet.h"

#define SIDE 8

static const char *const PATHS[] = {
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
    "|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|skip_connect~2|", /* a zero node, BN_CONST */
    "|nor_conv_1x1~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|",                 /* dead edges */
};

static void make_data(clnas_dataset *ds, int count, uint64_t seed)
{
    clnas_rng rng;
    small_dataset_alloc(ds, &rng, count, SIDE, seed);
    for (int i = 0; i < count * SIDE * SIDE; i++)
        ds->pixels[i] = (uint8_t)clnas_rng_below(&rng, 256);
    for (int i = 0; i < count; i++)
        ds->labels[i] = (uint8_t)clnas_rng_below(&rng, 10);
}

static clnas_net_config small_net(void)
{
    clnas_net_config c;
    small_net_config(&c, NULL, 4, 1, 4, SIDE);
    return c;
}

static clnas_supernet *new_supernet(device_fixture *f, int max_paths)
{
    clnas_net_config c = small_net();
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_supernet *sn = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    clnas_status st = clnas_supernet_new(f->dev, f->cache, &c, &op_set, max_paths, NULL, &sn, &err);
    if (st != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(clnas_supernet_init(sn, 7, &err), CLNAS_OK);
    return sn;
}

static clnas_genotype parse(const char *s)
{
    clnas_genotype g;
    clnas_error err;
    assert_int_equal(clnas_genotype_parse(s, &g, &err), CLNAS_OK);
    return g;
}

static void get_path(clnas_supernet *sn, const clnas_genotype *g, clnas_model **path)
{
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_supernet_path(sn, g, path, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
}

static void random_batch(const clnas_net_config *c, float *images, int32_t *labels, uint64_t seed)
{
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (int i = 0; i < c->batch * c->in_channels * c->height * c->width; i++)
        images[i] = (float)clnas_rng_normal(&rng);
    for (int i = 0; i < c->batch; i++)
        labels[i] = (int32_t)clnas_rng_below(&rng, (uint32_t)c->classes);
}

/* Forward, backward and one update of a path equal the stand-alone network's with the same weights. */
static void test_path_equals_standalone(void **state)
{
    device_fixture *f = *state;
    clnas_supernet *sn = new_supernet(f, 4);
    clnas_error err;
    clnas_error_clear(&err);
    clnas_net_config c = small_net();
    size_t nimg = (size_t)c.batch * (size_t)c.height * (size_t)c.width;
    float *images = malloc(nimg * sizeof *images);
    int32_t labels[4];
    for (size_t p = 0; p < sizeof PATHS / sizeof PATHS[0]; p++) {
        c.genotype = parse(PATHS[p]);
        clnas_model *path = NULL, *alone = NULL;
        get_path(sn, &c.genotype, &path);
        if (clnas_model_build(f->dev, f->cache, &c, &alone, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        random_batch(&c, images, labels, 100 + p);
        path_check_against_standalone(path, alone, clnas_supernet_get_layout(sn)->param_elems, images, labels,
                                      c.batch, 0.0);
        clnas_model_free(alone);
    }
    free(images);
    clnas_supernet_free(sn);
}

/* A step of a path changes exactly the supernet parameters (and momenta) of its live modules. */
static void test_optimizer_touches_only_the_path(void **state)
{
    device_fixture *f = *state;
    clnas_supernet *sn = new_supernet(f, 4);
    const clnas_supernet_layout *l = clnas_supernet_get_layout(sn);
    clnas_error err;
    clnas_error_clear(&err);
    clnas_net_config c = small_net();
    float *images = malloc((size_t)c.batch * SIDE * SIDE * sizeof *images);
    int32_t labels[4];
    double *before = malloc(l->param_elems * sizeof *before), *after = malloc(l->param_elems * sizeof *after);
    double *mom = malloc(l->param_elems * sizeof *mom);
    for (size_t p = 0; p < sizeof PATHS / sizeof PATHS[0]; p++) {
        clnas_genotype g = parse(PATHS[p]);
        clnas_model *path = NULL;
        get_path(sn, &g, &path);
        const clnas_plan *plan = clnas_model_plan(path);
        assert_int_equal(clnas_supernet_read_arena(sn, CLNAS_ARENA_PARAMS, before, &err), CLNAS_OK);
        random_batch(&c, images, labels, 200 + p);
        assert_int_equal(clnas_model_set_batch(path, images, labels, &err), CLNAS_OK);
        assert_int_equal(clnas_model_step(path, 0.1, NULL, NULL, &err), CLNAS_OK);
        assert_int_equal(clnas_supernet_read_arena(sn, CLNAS_ARENA_PARAMS, after, &err), CLNAS_OK);
        for (int i = 0; i < l->nparams; i++) {
            const clnas_param_info *sp = &l->params[i].info;
            if (sp->arena != CLNAS_ARENA_PARAMS)
                continue;
            int on_path = 0; /* a live parameter of the path with this supernet name */
            for (int j = 0; j < plan->nparams && !on_path; j++) {
                char name[CLNAS_NAME_MAX];
                assert_int_equal(clnas_supernet_param_name(&g, plan->params[j].name, name, sizeof name, &err),
                                 CLNAS_OK);
                on_path = plan->params[j].live && strcmp(name, sp->name) == 0;
            }
            int changed = 0;
            for (size_t k = 0; k < sp->count; k++)
                changed |= before[sp->offset + k] != after[sp->offset + k];
            if (changed != on_path)
                fail_msg("path %zu: %s %s", p, sp->name, on_path ? "was not updated" : "was updated off the path");
        }
    }
    /* momenta exist only where some path has stepped */
    assert_int_equal(clnas_supernet_read_arena(sn, CLNAS_ARENA_MOMENTUM, mom, &err), CLNAS_OK);
    int idx = clnas_supernet_layout_find(l, "cells.0.edges.1_0.avg_pool_3x3.conv.weight");
    assert_int_equal(idx, -1); /* ops without parameters have none in the supernet */
    idx = clnas_supernet_layout_find(l, "cells.2.edges.3_2.nor_conv_3x3.conv.weight");
    assert_true(idx >= 0);
    for (size_t k = 0; k < l->params[idx].info.count; k++)
        assert_true(mom[l->params[idx].info.offset + k] == 0.0);
    free(before);
    free(after);
    free(mom);
    free(images);
    clnas_supernet_free(sn);
}

static int program_builds(device_fixture *f)
{
    clnas_program_cache_stats s;
    clnas_program_cache_stats_get(f->cache, &s);
    return s.builds + s.disk_hits; /* a program not seen before in this process, compiled now or loaded */
}

/* After the warm-up pass, 100 more random paths need no program this process has not loaded. */
static void test_no_new_programs_after_warm_up(void **state)
{
    device_fixture *f = *state;
    clnas_supernet *sn = new_supernet(f, 2);
    clnas_error err;
    clnas_error_clear(&err);
    int before = program_builds(f), programs = 0;
    if (clnas_supernet_warm_up(sn, &programs, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    int warm = program_builds(f);
    print_message("warm-up: %d distinct programs, %d new to this process\n", programs, warm - before);
    clnas_rng rng;
    clnas_rng_seed(&rng, 11);
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    for (int i = 0; i < 100; i++) {
        clnas_genotype g;
        clnas_spos_sample(&op_set, &rng, &g);
        clnas_model *path = NULL;
        get_path(sn, &g, &path);
    }
    int compiled = 0, reused = 0;
    clnas_supernet_path_stats(sn, &compiled, &reused);
    assert_true(compiled >= 90); /* a cache of 2 paths: nearly every path was compiled */
    assert_int_equal(program_builds(f), warm);
    clnas_supernet_free(sn);
}

/* Recalibrated running statistics of the stem's BatchNorm equal the host's average of its batch statistics. */
static void test_bn_recalibration_average(void **state)
{
    device_fixture *f = *state;
    clnas_supernet *sn = new_supernet(f, 2);
    clnas_error err;
    clnas_error_clear(&err);
    clnas_net_config c = small_net();
    clnas_dataset ds;
    make_data(&ds, 40, 3);
    double mean[4] = {0.5, 0.5, 0.5, 0.5}, std[4] = {0.25, 0.25, 0.25, 0.25};
    clnas_genotype g = parse(PATHS[0]);
    clnas_model *path = NULL;
    get_path(sn, &g, &path);
    const int K = 3, C = c.channels, HW = SIDE * SIDE;
    assert_int_equal(clnas_path_bn_recalibrate(path, &ds, K, 5, mean, std, &err), CLNAS_OK);
    double w[4 * 9], rm[4], rv[4], want_m[4] = {0}, want_v[4] = {0};
    assert_int_equal(clnas_supernet_get(sn, "stem.conv.weight", w, (size_t)C * 9, &err), CLNAS_OK);
    assert_int_equal(clnas_supernet_get(sn, "stem.bn.running_mean", rm, (size_t)C, &err), CLNAS_OK);
    assert_int_equal(clnas_supernet_get(sn, "stem.bn.running_var", rv, (size_t)C, &err), CLNAS_OK);
    clnas_batcher b;
    float *img = malloc((size_t)c.batch * HW * sizeof *img);
    int32_t labels[4];
    double *y = malloc((size_t)c.batch * HW * sizeof *y);
    assert_int_equal(clnas_batcher_init(&b, &ds, c.batch, 1, 5, mean, std, &err), CLNAS_OK);
    for (int k = 0; k < K; k++) {
        int got = 0;
        assert_int_equal(clnas_batcher_next(&b, img, sizeof(float), labels, &got, &err), CLNAS_OK);
        assert_int_equal(got, c.batch);
        for (int ch = 0; ch < C; ch++) {
            double s = 0, ss = 0;
            for (int n = 0; n < c.batch; n++)
                for (int r = 0; r < SIDE; r++)
                    for (int q = 0; q < SIDE; q++) {
                        double acc = 0;
                        for (int dr = -1; dr <= 1; dr++)
                            for (int dq = -1; dq <= 1; dq++) {
                                int rr = r + dr, qq = q + dq;
                                if (rr >= 0 && rr < SIDE && qq >= 0 && qq < SIDE)
                                    acc += w[ch * 9 + (dr + 1) * 3 + dq + 1] * img[(size_t)n * HW + rr * SIDE + qq];
                            }
                        y[(size_t)n * HW + r * SIDE + q] = acc;
                        s += acc;
                    }
            double m = s / (c.batch * HW);
            for (int i = 0; i < c.batch * HW; i++)
                ss += (y[i] - m) * (y[i] - m);
            want_m[ch] += m / K;
            want_v[ch] += ss / (c.batch * HW - 1) / K;
        }
    }
    path_check_close(rm, want_m, (size_t)C, "running_mean");
    path_check_close(rv, want_v, (size_t)C, "running_var");
    clnas_batcher_free(&b);
    free(img);
    free(y);
    clnas_dataset_free(&ds);
    clnas_supernet_free(sn);
}

/* Chi-square over each edge's op for 10,000 draws: 4 degrees of freedom, 0.1% critical value 18.47. */
static void test_spos_sampling_uniform(void **state)
{
    (void)state;
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_rng rng;
    clnas_rng_seed(&rng, 2024);
    int count[CLNAS_NB201_EDGES][CLNAS_NB201_OPS] = {{0}};
    const int draws = 10000;
    for (int i = 0; i < draws; i++) {
        clnas_genotype g;
        clnas_spos_sample(&op_set, &rng, &g);
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            count[e][g.ops[e]]++;
    }
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        double chi = 0, want = draws / (double)CLNAS_NB201_OPS;
        for (int k = 0; k < CLNAS_NB201_OPS; k++)
            chi += (count[e][k] - want) * (count[e][k] - want) / want;
        if (chi > 18.47)
            fail_msg("edge %d: chi-square %.2f", e, chi);
    }
    /* a restricted edge draws only what it holds */
    op_set.op_mask[2] = (1u << CLNAS_OP_SKIP_CONNECT) | (1u << CLNAS_OP_NOR_CONV_3X3);
    for (int i = 0; i < 1000; i++) {
        clnas_genotype g;
        clnas_spos_sample(&op_set, &rng, &g);
        assert_true(g.ops[2] == CLNAS_OP_SKIP_CONNECT || g.ops[2] == CLNAS_OP_NOR_CONV_3X3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_path_equals_standalone, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_optimizer_touches_only_the_path, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_no_new_programs_after_warm_up, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bn_recalibration_average, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test(test_spos_sampling_uniform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
