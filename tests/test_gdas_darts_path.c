/* clnas — a GDAS path of DARTS' search network (net.darts_search with net.gdas): with the search network's
 * weights, it computes what the search network computes with one-hot edge weights on the sampled ops (loss, logits,
 * the sampled ops' gradients), its dL/dh is the search network's dL/dw of the sampled op, summed over the cells of
 * the type, and it holds only the sampled ops' parameters; a DARTS genotype's path on GDAS' supernet (rank-eval) is
 * the GDAS path of its 8 edges per cell type. */
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
#include "clnas/darts_genotype.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "device_fixture.h"
#include "model_build.h"
#include "plan.h"
#include "small_net.h"
#include "supernet.h"

#define SIDE 8
#define BATCH 4
#define LAYERS 3
#define MAXN 16384

static const char *const type_name[2] = {"normal", "reduce"};

static clnas_net_config search_net(int channels)
{
    clnas_net_config c;
    clnas_net_config_default(&c);
    c.space = CLNAS_NET_DARTS;
    c.darts_search = 1;
    c.channels = channels;
    c.layers = LAYERS;
    c.batch = BATCH;
    c.height = c.width = SIDE;
    return c;
}

static clnas_model *build(device_fixture *f, const clnas_net_config *c)
{
    clnas_model *m = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_model_build(f->dev, f->cache, c, &m, &err) != CLNAS_OK || clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return m;
}

static void assert_near(const double *a, const double *b, size_t n, const char *what, double tol)
{
    double mx = 0, ref = 0.01;
    for (size_t i = 0; i < n; i++) {
        mx = fmax(mx, fabs(a[i] - b[i]));
        ref = fmax(ref, fabs(b[i]));
    }
    if (mx > tol * ref)
        fail_msg("%s: max difference %g (scale %g)", what, mx, ref);
}

static void assert_close(const double *a, const double *b, size_t n, const char *what)
{
    assert_near(a, b, n, what, 1e-5);
}

/* The search network's edge weights one-hot on ops (none: all zero). */
static void set_one_hot(clnas_model *full, const uint8_t *ops)
{
    clnas_error err;
    for (int t = 0; t < 2; t++)
        for (int e = 0; e < CLNAS_DARTS_SEARCH_EDGES; e++) {
            double w[CLNAS_DARTS_SEARCH_W0] = {0}, w2[CLNAS_DARTS_SEARCH_W1] = {0};
            const int op = ops[t * CLNAS_DARTS_SEARCH_EDGES + e];
            if (op >= 1 && op <= CLNAS_DARTS_SEARCH_W0)
                w[op - 1] = 1;
            else if (op > CLNAS_DARTS_SEARCH_W0)
                w2[op - 1 - CLNAS_DARTS_SEARCH_W0] = 1;
            char name[64];
            snprintf(name, sizeof name, "darts.%s.%d.weight", type_name[t], e);
            assert_int_equal(clnas_model_set(full, name, w, CLNAS_DARTS_SEARCH_W0, &err), CLNAS_OK);
            snprintf(name, sizeof name, "darts.%s.%d.weight2", type_name[t], e);
            assert_int_equal(clnas_model_set(full, name, w2, CLNAS_DARTS_SEARCH_W1, &err), CLNAS_OK);
        }
}

/* The search network's dL/dw of op `op` of edge e of type t. */
static double full_dw(clnas_model *full, int t, int e, int op)
{
    double g[CLNAS_DARTS_SEARCH_W0];
    char name[64];
    clnas_error err;
    const int second = op > CLNAS_DARTS_SEARCH_W0;
    snprintf(name, sizeof name, "darts.%s.%d.%s", type_name[t], e, second ? "weight2_grad" : "weight_grad");
    assert_int_equal(clnas_model_get(full, name, g, second ? CLNAS_DARTS_SEARCH_W1 : CLNAS_DARTS_SEARCH_W0, &err),
                     CLNAS_OK);
    return g[second ? op - 1 - CLNAS_DARTS_SEARCH_W0 : op - 1];
}

static void compare(device_fixture *f, int channels, const uint8_t *ops, uint64_t batch_seed)
{
    clnas_error err;
    clnas_error_clear(&err);
    clnas_net_config fc = search_net(channels), pc = fc;
    pc.gdas = 1;
    memcpy(pc.gdas_ops, ops, sizeof pc.gdas_ops);
    clnas_model *full = build(f, &fc), *path = build(f, &pc);
    set_one_hot(full, ops);
    const clnas_plan *fplan = clnas_model_plan(full), *pplan = clnas_model_plan(path);
    assert_true(pplan->nparams < fplan->nparams); /* the sampled ops only */
    double *a = malloc(MAXN * sizeof *a), *b = malloc(MAXN * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    for (int i = 0; i < pplan->nparams; i++) { /* the search network's weights and running statistics */
        const clnas_param_info *p = &pplan->params[i];
        assert_true(p->count <= MAXN);
        if (strncmp(p->name, "gdas.", 5) == 0)
            continue;
        if (clnas_plan_find_param(fplan, p->name) < 0)
            fail_msg("the path's parameter %s is not the search network's", p->name);
        assert_int_equal(clnas_model_get(full, p->name, a, p->count, &err), CLNAS_OK);
        assert_int_equal(clnas_model_set(path, p->name, a, p->count, &err), CLNAS_OK);
    }
    for (int e = 0; e < CLNAS_NET_GDAS_DARTS_EDGES; e++) { /* an unsampled op's parameters are not in the path */
        char name[CLNAS_NAME_MAX];
        const int other = ops[e] == CLNAS_DARTS_SEP_CONV_3X3 ? CLNAS_DARTS_SEP_CONV_5X5 : CLNAS_DARTS_SEP_CONV_3X3;
        const int cellno = e < CLNAS_DARTS_SEARCH_EDGES ? 0 : 1; /* cell 1 of 3 is a reduction cell */
        snprintf(name, sizeof name, "cells.%d._ops.%d._ops.%d.op.1.weight", cellno, e % CLNAS_DARTS_SEARCH_EDGES,
                 other);
        assert_true(clnas_plan_find_param(fplan, name) >= 0);
        assert_true(clnas_plan_find_param(pplan, name) < 0);
    }
    float images[BATCH * SIDE * SIDE];
    int32_t labels[BATCH];
    small_fixed_batch(images, labels, BATCH, SIDE, batch_seed);
    clnas_model *m[2] = {path, full};
    double loss[2], logits[2][BATCH * 10];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(clnas_model_set_batch(m[k], images, labels, &err), CLNAS_OK);
        assert_int_equal(clnas_model_forward(m[k], &err), CLNAS_OK);
        assert_int_equal(clnas_model_backward(m[k], &err), CLNAS_OK);
        assert_int_equal(clnas_model_read_loss(m[k], &loss[k], &err), CLNAS_OK);
        assert_int_equal(clnas_model_read_logits(m[k], logits[k], &err), CLNAS_OK);
    }
    assert_close(&loss[0], &loss[1], 1, "loss");
    assert_close(logits[0], logits[1], (size_t)BATCH * 10, "logits");
    for (int i = 0; i < pplan->nparams; i++) {
        const clnas_param_info *p = &pplan->params[i];
        if (p->arena != CLNAS_ARENA_PARAMS || !p->live)
            continue;
        assert_int_equal(clnas_model_get_grad(path, p->name, a, p->count, &err), CLNAS_OK);
        assert_int_equal(clnas_model_get_grad(full, p->name, b, p->count, &err), CLNAS_OK);
        assert_close(a, b, p->count, p->name);
    }
    int nonzero = 0;
    for (int t = 0; t < 2; t++)
        for (int e = 0; e < CLNAS_DARTS_SEARCH_EDGES; e++) {
            const int op = ops[t * CLNAS_DARTS_SEARCH_EDGES + e];
            char name[64];
            double dh;
            snprintf(name, sizeof name, "gdas.%s.%d.h_grad", type_name[t], e);
            assert_int_equal(clnas_model_get(path, name, &dh, 1, &err), CLNAS_OK);
            if (op == CLNAS_DARTS_NONE) {
                assert_true(dh == 0.0);
                continue;
            }
            const double want = full_dw(full, t, e, op);
            snprintf(name, sizeof name, "dL/dh of %s edge %d (op %d)", type_name[t], e, op);
            assert_near(&dh, &want, 1, name, 1e-4); /* a float dot product over the type's cells */
            nonzero += dh != 0.0;
        }
    assert_true(nonzero > 10);
    free(a);
    free(b);
    clnas_model_free(full);
    clnas_model_free(path);
}

/* Random ops (none included) on two widths. */
static void test_path_equals_one_hot_search_network(void **state)
{
    device_fixture *f = *state;
    clnas_rng rng;
    clnas_rng_seed(&rng, 11);
    for (int channels = 2; channels <= 3; channels++)
        for (int k = 0; k < 2; k++) {
            uint8_t ops[CLNAS_NET_GDAS_DARTS_EDGES];
            for (int e = 0; e < CLNAS_NET_GDAS_DARTS_EDGES; e++)
                ops[e] = (uint8_t)clnas_rng_below(&rng, CLNAS_DARTS_OPS);
            compare(f, channels, ops, 30 + (uint64_t)(2 * channels + k));
        }
}

/* A node whose edges are all none is zero, and so are the edges reading it (their h_grad 0, as the search network's
 * dL/dw of an op fed zeros). */
static void test_zero_node(void **state)
{
    uint8_t ops[CLNAS_NET_GDAS_DARTS_EDGES];
    for (int e = 0; e < CLNAS_NET_GDAS_DARTS_EDGES; e++)
        ops[e] = (uint8_t)(1 + e % (CLNAS_DARTS_OPS - 1));
    for (int t = 0; t < 2; t++) { /* node 2 (edges 0, 1) of both types: none */
        ops[t * CLNAS_DARTS_SEARCH_EDGES + 0] = CLNAS_DARTS_NONE;
        ops[t * CLNAS_DARTS_SEARCH_EDGES + 1] = CLNAS_DARTS_NONE;
    }
    ops[4] = CLNAS_DARTS_SEP_CONV_3X3; /* node 3 reads node 2 (edge 4) with a convolution */
    compare(*state, 2, ops, 77);
}

/* A DARTS genotype as GDAS' path ops (rank-eval's paths of a GDAS run on space darts): DARTS_V2 edge by edge, node k's
 * edges from states 0..k+1 at k (k + 3) / 2; a node reading one state twice is no path. */
static void test_genotype_ops(void **unused)
{
    (void)unused;
    enum { NO = CLNAS_DARTS_NONE, MAXP = CLNAS_DARTS_MAX_POOL_3X3, SKIP = CLNAS_DARTS_SKIP_CONNECT,
           SEP3 = CLNAS_DARTS_SEP_CONV_3X3, DIL3 = CLNAS_DARTS_DIL_CONV_3X3 };
    /* normal [(sep3,0),(sep3,1)], [(sep3,0),(sep3,1)], [(sep3,1),(skip,0)], [(skip,0),(dil3,2)];
     * reduce [(max,0),(max,1)], [(skip,2),(max,1)], [(max,0),(skip,2)], [(skip,2),(max,1)] */
    static const uint8_t want[CLNAS_NET_GDAS_DARTS_EDGES] = {
        SEP3, SEP3, SEP3, SEP3, NO, SKIP, SEP3, NO, NO, SKIP, NO, DIL3, NO, NO,
        MAXP, MAXP, NO, MAXP, SKIP, MAXP, NO, SKIP, NO, NO, MAXP, SKIP, NO, NO};
    clnas_darts_genotype g;
    clnas_error err;
    assert_int_equal(clnas_darts_genotype_named("DARTS_V2", &g, &err), CLNAS_OK);
    uint8_t ops[CLNAS_NET_GDAS_DARTS_EDGES];
    char why[160] = "";
    assert_int_equal(clnas_gdas_darts_ops_of(&g, ops, why, sizeof why), 1);
    assert_memory_equal(ops, want, sizeof want);
    g.reduce.input[7] = g.reduce.input[6]; /* node 5 of the reduction cell reads state 2 twice */
    assert_int_equal(clnas_gdas_darts_ops_of(&g, ops, why, sizeof why), 0);
    assert_non_null(strstr(why, "reduce node 5 reads state 2 twice"));
}

/* On GDAS' DARTS-space supernet, the path of a genotype is the GDAS path of its ops (the same cached model). */
static void test_genotype_path_on_supernet(void **state)
{
    device_fixture *f = *state;
    clnas_net_config c = search_net(2);
    c.gdas = 1;
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_supernet *sn = NULL;
    clnas_error err;
    if (clnas_supernet_new(f->dev, f->cache, &c, &op_set, 2, NULL, &sn, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_darts_genotype g;
    assert_int_equal(clnas_darts_genotype_named("DARTS_V1", &g, &err), CLNAS_OK);
    uint8_t ops[CLNAS_NET_GDAS_DARTS_EDGES];
    char why[160];
    assert_int_equal(clnas_gdas_darts_ops_of(&g, ops, why, sizeof why), 1);
    clnas_model *by_ops = NULL, *by_genotype = NULL;
    assert_int_equal(clnas_supernet_path_gdas(sn, ops, &by_ops, &err), CLNAS_OK);
    assert_int_equal(clnas_supernet_path_darts(sn, &g, &by_genotype, &err), CLNAS_OK);
    assert_ptr_equal(by_ops, by_genotype);
    assert_memory_equal(clnas_model_config(by_genotype)->gdas_ops, ops, sizeof ops);
    int compiled = 0, reused = 0;
    clnas_supernet_path_stats(sn, &compiled, &reused);
    assert_int_equal(compiled, 1);
    g.normal.input[1] = g.normal.input[0];
    assert_int_equal(clnas_supernet_path_darts(sn, &g, &by_genotype, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "not a path of GDAS' DARTS-space supernet"));
    clnas_supernet_free(sn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genotype_ops),
        cmocka_unit_test_setup_teardown(test_genotype_path_on_supernet, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_path_equals_one_hot_search_network, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_zero_node, device_fixture_with_cache, device_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
