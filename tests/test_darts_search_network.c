/* clnas — DARTS' search network over the DARTS cell space (model_search.py's Network, codegen/build_darts_search.c)
 * generated in float64: finite-difference gradients of the weights and of both cell types' edge weights (alpha's
 * path), and its parameter table (model_search.py's names, non-affine cell BatchNorms, the edge weights). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "build_darts_search.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "device_fixture.h"
#include "fd_grad.h"
#include "model_build.h"
#include "plan.h"

#define BATCH 3
#define EDGES CLNAS_DARTS_SEARCH_EDGES
#define OPS 7 /* computed ops per edge: DARTS' PRIMITIVES but none */

static clnas_model *model_ok(device_fixture *fx, int channels, int layers, int in_channels, int hw)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_DARTS;
    cfg.darts_search = 1;
    cfg.channels = channels;
    cfg.layers = layers;
    cfg.in_channels = in_channels;
    cfg.height = cfg.width = hw;
    cfg.batch = BATCH;
    cfg.fp64 = 1;
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return m;
}

/* w[type][edge][op - 1] into darts.<type>.<e>.weight (ops 1..4) and weight2 (ops 5..7); suffix "" or "_grad". */
static void edge_weights_io(clnas_model *m, double w[2][EDGES][OPS], int get_grad)
{
    static const char *const type[2] = {"normal", "reduce"};
    clnas_error err;
    for (int t = 0; t < 2; t++)
        for (int e = 0; e < EDGES; e++) {
            char a[64], b[64];
            snprintf(a, sizeof a, "darts.%s.%d.weight%s", type[t], e, get_grad ? "_grad" : "");
            snprintf(b, sizeof b, "darts.%s.%d.weight2%s", type[t], e, get_grad ? "_grad" : "");
            clnas_status st = get_grad ? clnas_model_get(m, a, w[t][e], 4, &err)
                                       : clnas_model_set(m, a, w[t][e], 4, &err);
            if (st == CLNAS_OK)
                st = get_grad ? clnas_model_get(m, b, w[t][e] + 4, 3, &err)
                              : clnas_model_set(m, b, w[t][e] + 4, 3, &err);
            if (st != CLNAS_OK)
                fail_msg("%s", err.message);
        }
}

static void set_batch(clnas_model *m, clnas_rng *rng, int in_channels, int hw)
{
    const size_t n = (size_t)BATCH * (size_t)in_channels * (size_t)hw * (size_t)hw;
    double *x = malloc(n * sizeof *x);
    int32_t labels[BATCH] = {1, 7, 4};
    for (size_t i = 0; i < n; i++)
        x[i] = clnas_rng_normal(rng);
    clnas_error err;
    assert_int_equal(clnas_model_set_batch(m, x, labels, &err), CLNAS_OK);
    free(x);
}

/* tensors random PARAMS tensors (one element each) and edge_checks random edge weights against central differences
 * of the loss, the edge weights of both cell types drawn away from uniform. */
static void check(void **state, const char *what, int channels, int layers, int in_channels, int hw, int tensors,
                  int edge_checks)
{
    clnas_model *m = model_ok(*state, channels, layers, in_channels, hw);
    clnas_error err;
    clnas_rng rng;
    clnas_rng_seed(&rng, 7 + (uint64_t)layers);
    static double w[2][EDGES][OPS], dw[2][EDGES][OPS];
    for (int t = 0; t < 2; t++)
        for (int e = 0; e < EDGES; e++)
            for (int k = 0; k < OPS; k++)
                w[t][e][k] = 0.05 + 0.3 * clnas_rng_uniform(&rng);
    edge_weights_io(m, w, 0);
    set_batch(m, &rng, in_channels, hw);
    fd_loss_of(m);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    edge_weights_io(m, dw, 1);
    const clnas_plan *plan = clnas_model_plan(m);
    int failures = 0, checked = 0, params = 0;
    for (int i = 0; i < plan->nparams; i++)
        params += plan->params[i].arena == CLNAS_ARENA_PARAMS;
    /* weights: the stem, the classifier and random ones between */
    for (int n = 0; n < tensors; n++) {
        const int pick = n == 0 ? 0 : (int)clnas_rng_below(&rng, (uint32_t)params);
        const clnas_param_info *p = NULL;
        for (int i = 0, k = 0; i < plan->nparams && !p; i++)
            if (plan->params[i].arena == CLNAS_ARENA_PARAMS && k++ == (n == tensors - 1 ? params - 1 : pick))
                p = &plan->params[i];
        double *v = malloc(p->count * sizeof *v), *g = malloc(p->count * sizeof *g);
        assert_int_equal(clnas_model_get(m, p->name, v, p->count, &err), CLNAS_OK);
        assert_int_equal(clnas_model_get_grad(m, p->name, g, p->count, &err), CLNAS_OK);
        const size_t e = clnas_rng_below(&rng, (uint32_t)p->count);
        const double keep = v[e];
        double fd[2];
        for (int side = 0; side < 2; side++) {
            v[e] = keep + (side ? -FD_STEP : FD_STEP);
            assert_int_equal(clnas_model_set(m, p->name, v, p->count, &err), CLNAS_OK);
            fd[side] = fd_loss_of(m);
        }
        v[e] = keep;
        assert_int_equal(clnas_model_set(m, p->name, v, p->count, &err), CLNAS_OK);
        failures += !fd_check(p->name, e, g[e], (fd[0] - fd[1]) / (2 * FD_STEP));
        checked++;
        free(v);
        free(g);
    }
    /* edge weights: every op of both types is drawn over the checks */
    for (int n = 0; n < edge_checks; n++) {
        const int t = n % 2, k = (n / 2) % OPS, e = (int)clnas_rng_below(&rng, EDGES);
        const double keep = w[t][e][k];
        w[t][e][k] = keep + FD_STEP;
        edge_weights_io(m, w, 0);
        const double up = fd_loss_of(m);
        w[t][e][k] = keep - FD_STEP;
        edge_weights_io(m, w, 0);
        const double down = fd_loss_of(m);
        w[t][e][k] = keep;
        edge_weights_io(m, w, 0);
        char name[64];
        snprintf(name, sizeof name, "%s edge %d op %d weight", t ? "reduce" : "normal", e, k + 1);
        failures += !fd_check(name, 0, dw[t][e][k], (up - down) / (2 * FD_STEP));
        checked++;
    }
    printf("%s: %d gradient elements checked (%d weight tensors in all), %d wrong\n", what, checked, params, failures);
    clnas_model_free(m);
    assert_int_equal(failures, 0);
}

/* 3 layers: a normal cell, then two reduction cells (the second's preprocess0 a FactorizedReduce). */
static void test_gradients_3_layers(void **state)
{
    check(state, "C=2 layers=3 1x8x8", 2, 3, 1, 8, 24, 28);
}

/* 4 layers, 3 input channels: normal, reduce, reduce, normal (after a reduction), C=3. */
static void test_gradients_4_layers(void **state)
{
    check(state, "C=3 layers=4 3x8x8", 3, 4, 3, 8, 16, 14);
}

static const clnas_param_info *param(const clnas_plan *plan, const char *name)
{
    for (int i = 0; i < plan->nparams; i++)
        if (strcmp(plan->params[i].name, name) == 0)
            return &plan->params[i];
    fail_msg("no parameter %s", name);
    return NULL;
}

/* model_search.py's names and shapes; cell BatchNorms non-affine (STATE), the stem's affine; edge weights STATE. */
static void test_parameter_table(void **state)
{
    clnas_model *m = model_ok(*state, 2, 3, 1, 8);
    const clnas_plan *plan = clnas_model_plan(m);
    const clnas_param_info *p = param(plan, "stem.0.weight");
    assert_int_equal(p->shape[0], 6); /* 3C */
    assert_int_equal(param(plan, "stem.1.weight")->arena, CLNAS_ARENA_PARAMS);
    assert_int_equal(param(plan, "cells.0.preprocess0.op.2.weight")->arena, CLNAS_ARENA_STATE);
    p = param(plan, "cells.0._ops.13._ops.4.op.1.weight"); /* sep_conv_3x3's first depthwise, C=2 */
    assert_int_equal(p->shape[0], 2);
    assert_int_equal(p->shape[2], 3);
    p = param(plan, "cells.0._ops.0._ops.7.op.1.weight"); /* dil_conv_5x5 */
    assert_int_equal(p->shape[2], 5);
    assert_int_equal(param(plan, "cells.0._ops.0._ops.1.1.running_mean")->arena, CLNAS_ARENA_STATE);
    p = param(plan, "cells.1._ops.0._ops.3.conv_1.weight"); /* reduction: skip is a FactorizedReduce at 2C = 4 */
    assert_int_equal(p->shape[0], 2);
    assert_int_equal(p->shape[1], 4);
    p = param(plan, "cells.2.preprocess0.conv_1.weight"); /* after a reduction: cell 0's 4 x C in, 4C / 2 out */
    assert_int_equal(p->shape[0], 4);
    assert_int_equal(p->shape[1], 8);
    p = param(plan, "classifier.weight"); /* 4 nodes x 4C */
    assert_int_equal(p->shape[1], 32);
    for (int t = 0; t < 2; t++) {
        char name[64];
        snprintf(name, sizeof name, "darts.%s.13.weight", t ? "reduce" : "normal");
        assert_int_equal(param(plan, name)->count, 4);
        assert_int_equal(param(plan, name)->arena, CLNAS_ARENA_STATE);
        snprintf(name, sizeof name, "darts.%s.13.weight2_grad", t ? "reduce" : "normal");
        assert_int_equal(param(plan, name)->count, 3);
    }
    clnas_model_free(m);
}

/* DARTS' edge order: node k reads states 0..k+1, edges 0-1, 2-4, 5-8, 9-13. */
static void test_edge_order(void **state)
{
    (void)state;
    static const int node[EDGES] = {0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3};
    static const int from[EDGES] = {0, 1, 0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 3, 4};
    for (int e = 0; e < EDGES; e++) {
        int k, j;
        clnas_darts_search_edge(e, &k, &j);
        assert_int_equal(k, node[e]);
        assert_int_equal(j, from[e]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_order),
        cmocka_unit_test(test_parameter_table),
        cmocka_unit_test(test_gradients_3_layers),
        cmocka_unit_test(test_gradients_4_layers),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
