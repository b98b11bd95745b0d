/* clnas — the DARTS search network (every edge the weighted sum of all ops) generated in float64: finite-difference
 * gradients of the weights and of the edge weights (alpha's path), the fixed non-affine BatchNorms, and a one-hot
 * weighting that reproduces the stand-alone network of that cell. */
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

#define PER_TENSOR 3
#define BATCH 3
#define HW 8

static const char *const edge_names[CLNAS_NB201_EDGES] = {"1_0", "2_0", "2_1", "3_0", "3_1", "3_2"};

static clnas_model *model_ok(device_fixture *fx, int darts, const char *arch)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    clnas_error err;
    if (arch)
        assert_int_equal(clnas_genotype_parse(arch, &cfg.genotype, &err), CLNAS_OK);
    cfg.channels = 3;
    cfg.cells = 1;
    cfg.batch = BATCH;
    cfg.height = cfg.width = HW;
    cfg.fp64 = 1;
    cfg.darts = darts;
    clnas_model *m = NULL;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return m;
}

static void set_edge_weights(clnas_model *m, const double w[CLNAS_NB201_EDGES][4])
{
    clnas_error err;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        char name[64];
        snprintf(name, sizeof name, "darts.edges.%s.weight", edge_names[e]);
        if (clnas_model_set(m, name, w[e], 4, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
    }
}

static void set_batch(clnas_model *m, clnas_rng *rng)
{
    double x[BATCH * HW * HW];
    int32_t labels[BATCH] = {1, 7, 4};
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = clnas_rng_normal(rng);
    clnas_error err;
    assert_int_equal(clnas_model_set_batch(m, x, labels, &err), CLNAS_OK);
}

/* Every trained weight and every edge weight against central differences of the loss. */
static void test_gradients(void **state)
{
    clnas_model *m = model_ok(*state, 1, NULL);
    clnas_error err;
    clnas_rng rng;
    clnas_rng_seed(&rng, 7);
    double w[CLNAS_NB201_EDGES][4];
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int k = 0; k < 4; k++)
            w[e][k] = 0.1 + 0.4 * clnas_rng_uniform(&rng);
    set_edge_weights(m, w);
    set_batch(m, &rng);
    fd_loss_of(m);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    int checked = 0;
    int failures = fd_check_params(m, &rng, PER_TENSOR, 0, &checked);
    /* the edge weights: their gradient (summed over the cells sharing them) is a STATE tensor the backward fills */
    fd_loss_of(m);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    double dw[CLNAS_NB201_EDGES][4];
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        char name[64];
        snprintf(name, sizeof name, "darts.edges.%s.weight_grad", edge_names[e]);
        assert_int_equal(clnas_model_get(m, name, dw[e], 4, &err), CLNAS_OK);
    }
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int k = 0; k < 4; k++) {
            double keep = w[e][k];
            w[e][k] = keep + FD_STEP;
            set_edge_weights(m, w);
            double up = fd_loss_of(m);
            w[e][k] = keep - FD_STEP;
            set_edge_weights(m, w);
            double down = fd_loss_of(m);
            w[e][k] = keep;
            set_edge_weights(m, w);
            char what[64];
            snprintf(what, sizeof what, "edge %s weight", edge_names[e]);
            failures += !fd_check(what, (size_t)k, dw[e][k], (up - down) / (2 * FD_STEP));
            checked++;
        }
    printf("DARTS network: %d gradient elements checked, %d wrong\n", checked, failures);
    clnas_model_free(m);
    assert_int_equal(failures, 0);
}

/* Cell BatchNorms have no affine parameters: gamma 1 and beta 0 are STATE, and an update leaves them so; the stem,
 * reduction and head BatchNorms stay affine. */
static void test_cell_batchnorm_is_not_affine(void **state)
{
    clnas_model *m = model_ok(*state, 1, NULL);
    const clnas_plan *plan = clnas_model_plan(m);
    clnas_error err;
    clnas_rng rng;
    clnas_rng_seed(&rng, 3);
    double w[CLNAS_NB201_EDGES][4];
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int k = 0; k < 4; k++)
            w[e][k] = 0.25;
    set_edge_weights(m, w);
    set_batch(m, &rng);
    double loss;
    assert_int_equal(clnas_model_step(m, 0.1, &loss, NULL, &err), CLNAS_OK);
    int fixed = 0, affine = 0;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        const size_t n = strlen(p->name);
        const int bn_weight = n >= 9 && strcmp(p->name + n - 9, "bn.weight") == 0;
        if (!bn_weight)
            continue;
        const int in_cell_edge = strstr(p->name, ".edges.") != NULL;
        if (in_cell_edge) {
            assert_int_equal(p->arena, CLNAS_ARENA_STATE);
            double v[64];
            assert_true(p->count <= 64);
            assert_int_equal(clnas_model_get(m, p->name, v, p->count, &err), CLNAS_OK);
            for (size_t k = 0; k < p->count; k++)
                assert_true(v[k] == 1.0);
            fixed++;
        } else {
            assert_int_equal(p->arena, CLNAS_ARENA_PARAMS);
            affine++;
        }
    }
    assert_int_equal(fixed, 36); /* 3 stages x one cell x 6 edges x 2 convs */
    assert_true(affine >= 2);
    clnas_model_free(m);
}

/* The supernet name of a stand-alone parameter of cell genotype g: the op inserted after "cells.K.edges.J_I.". */
static void darts_name(const clnas_genotype *g, const char *name, char *out, size_t cap)
{
    const char *edges = strstr(name, ".edges.");
    if (!edges || strncmp(name, "cells.", 6) != 0) {
        snprintf(out, cap, "%s", name);
        return;
    }
    const char *rest = strchr(edges + 7, '.') + 1;
    char edge[8];
    snprintf(edge, sizeof edge, "%.*s", (int)(rest - 1 - (edges + 7)), edges + 7);
    int e = 0;
    while (strcmp(edge_names[e], edge) != 0)
        e++;
    snprintf(out, cap, "%.*s%s.%s", (int)(rest - name), name, clnas_nb201_op_name((clnas_nb201_op)g->ops[e]), rest);
}

/* Weights one-hot on a cell's ops: the DARTS network computes that cell's stand-alone network (its BatchNorms set to
 * gamma 1, beta 0), loss and logits. */
static void test_one_hot_weights_give_the_cell(void **state)
{
    const char *arch = "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|";
    clnas_genotype g;
    clnas_error err;
    assert_int_equal(clnas_genotype_parse(arch, &g, &err), CLNAS_OK);
    clnas_model *darts = model_ok(*state, 1, NULL), *alone = model_ok(*state, 0, arch);
    const clnas_plan *plan = clnas_model_plan(alone);
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        char name[CLNAS_NAME_MAX];
        darts_name(&g, p->name, name, sizeof name);
        double *v = malloc(p->count * sizeof *v);
        if (clnas_model_get(darts, name, v, p->count, &err) != CLNAS_OK)
            fail_msg("%s (for %s)", err.message, p->name);
        assert_int_equal(clnas_model_set(alone, p->name, v, p->count, &err), CLNAS_OK);
        free(v);
    }
    double w[CLNAS_NB201_EDGES][4] = {{0}};
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        if (g.ops[e] != CLNAS_OP_NONE)
            w[e][g.ops[e] - 1] = 1.0;
    set_edge_weights(darts, w);
    clnas_rng rng, rng2;
    clnas_rng_seed(&rng, 11);
    rng2 = rng;
    set_batch(darts, &rng);
    set_batch(alone, &rng2);
    double la = fd_loss_of(darts), lb = fd_loss_of(alone);
    double za[BATCH * 10], zb[BATCH * 10];
    assert_int_equal(clnas_model_read_logits(darts, za, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_logits(alone, zb, &err), CLNAS_OK);
    printf("one-hot DARTS loss %.15g, stand-alone %.15g\n", la, lb);
    assert_true(fabs(la - lb) < 1e-12);
    for (int i = 0; i < BATCH * 10; i++)
        assert_true(fabs(za[i] - zb[i]) < 1e-12);
    clnas_model_free(darts);
    clnas_model_free(alone);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradients),
        cmocka_unit_test(test_cell_batchnorm_is_not_affine),
        cmocka_unit_test(test_one_hot_weights_give_the_cell),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
