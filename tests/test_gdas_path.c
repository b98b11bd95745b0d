/* clnas — a GDAS path of the supernet: only the sampled ops run (no launch binds an unsampled op's weights, whose
 * weights, momenta and BatchNorm statistics stay bit-unchanged through training steps), the path's loss equals the
 * stand-alone cell's in float64, after the warm-up GDAS' paths build no program, and the supernet evaluator
 * (rank-eval) scores GDAS paths with h kept at 1 through BatchNorm recalibration. */
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
#include "gdas.h"
#include "model_build.h"
#include "plan.h"
#include "program_cache.h"
#include "search_fixture.h"
#include "space_nb201.h"
#include "spos.h"
#include "supernet.h"
#include "supernet_arena.h"

#define HW 8
#define BATCH 4

/* Edge 1_0 cannot reach the output (2_1 and 3_1 are none); 2_0, 3_0 and 3_2 are live. */
static const char *const PARTLY_DEAD = "|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|skip_connect~0|none~1|"
                                       "avg_pool_3x3~2|";
static const char *const ALL_LIVE = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
                                    "skip_connect~2|";

static clnas_supernet *supernet_ok(device_fixture *fx, int fp64, int max_paths)
{
    clnas_net_config cfg = supernet_gdas_config(fp64, BATCH, HW);
    return supernet_new_ok(fx, &cfg, max_paths, 5);
}

/* A GDAS sampler over sn at a fixed temperature tau with Gumbel noise from seed, its one epoch begun, and a fresh
 * alpha from alpha_seed. */
static void gdas_begin(clnas_gdas *gd, clnas_supernet *sn, double tau, uint64_t seed, clnas_alpha *alpha,
                       uint64_t alpha_seed)
{
    clnas_error err;
    memset(gd, 0, sizeof *gd);
    gd->tau_max = gd->tau_min = tau;
    gd->seed = seed;
    gd->supernet = sn;
    assert_int_equal(clnas_alpha_init(alpha, CLNAS_NB201_EDGES, CLNAS_NB201_OPS, alpha_seed, &err), CLNAS_OK);
    assert_int_equal(clnas_gdas_epoch_begin(gd, 0, 1, &err), CLNAS_OK);
}

static clnas_genotype parse(const char *text)
{
    clnas_genotype g;
    clnas_error err;
    if (clnas_genotype_parse(text, &g, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return g;
}

static void set_batch(clnas_model *m, int fp64, uint64_t seed)
{
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    double xd[BATCH * HW * HW];
    float xf[BATCH * HW * HW];
    for (int i = 0; i < BATCH * HW * HW; i++)
        xf[i] = (float)(xd[i] = clnas_rng_normal(&rng));
    int32_t labels[BATCH] = {3, 1, 4, 1};
    clnas_error err;
    assert_int_equal(clnas_model_set_batch(m, fp64 ? (void *)xd : (void *)xf, labels, &err), CLNAS_OK);
}

/* May the path of g touch supernet parameter p: the fixed modules, or the op g puts on a live edge. */
static int in_path(const clnas_supernet_param *p, const clnas_genotype *g)
{
    if (p->module == 0)
        return 1;
    int zero[CLNAS_NB201_NODES], live[CLNAS_NB201_EDGES];
    clnas_genotype_analyse(g, zero, live);
    const int m = p->module - 1, op = m % CLNAS_NB201_OPS, edge = (m / CLNAS_NB201_OPS) % CLNAS_NB201_EDGES;
    return live[edge] && g->ops[edge] == op;
}

/* Every parameter-arena binding of every launch overlaps only parameters of the path; returns launches checked. */
static int check_bindings(const clnas_plan *plan, const clnas_plan_launch *launches, int n,
                          const clnas_supernet_layout *l, const clnas_genotype *g)
{
    int bound = 0;
    for (int i = 0; i < n; i++) {
        const clnas_kernel_desc *d = &plan->kernels[launches[i].kernel].desc;
        for (int a = 0; a < d->nargs; a++) {
            const clnas_plan_binding *x = &launches[i].arg[a];
            if (d->arg_kind[a] != CLNAS_ARG_TENSOR || x->arena > CLNAS_ARENA_STATE)
                continue;
            const clnas_arena owner = x->arena == CLNAS_ARENA_STATE ? CLNAS_ARENA_STATE : CLNAS_ARENA_PARAMS;
            int overlaps = 0;
            for (int p = 0; p < l->nparams; p++) {
                const clnas_param_info *q = &l->params[p].info;
                if (q->arena != owner || q->offset >= x->offset + x->count || x->offset >= q->offset + q->count)
                    continue;
                overlaps++;
                if (!in_path(&l->params[p], g))
                    fail_msg("launch %s binds %s of %s, an op the path does not compute", launches[i].label,
                             clnas_arena_name(x->arena), q->name);
            }
            assert_true(overlaps > 0);
            bound++;
        }
    }
    return bound;
}

static void test_only_sampled_ops_run(void **state)
{
    device_fixture *fx = *state;
    clnas_supernet *sn = supernet_ok(fx, 0, 4);
    const clnas_supernet_layout *l = clnas_supernet_get_layout(sn);
    clnas_error err;
    const clnas_genotype g = parse(PARTLY_DEAD);
    clnas_model *m = NULL;
    assert_int_equal(clnas_supernet_path(sn, &g, &m, &err), CLNAS_OK);
    const clnas_plan *plan = clnas_model_plan(m);
    int bound = check_bindings(plan, plan->train, plan->ntrain, l, &g) +
                check_bindings(plan, plan->eval, plan->neval, l, &g);

    /* the DARTS search network of the same size computes every op of every edge */
    clnas_net_config dc = supernet_gdas_config(0, BATCH, HW);
    dc.gdas = 0;
    dc.darts = 1;
    clnas_plan *darts = NULL;
    assert_int_equal(clnas_plan_compile(&dc, &darts, &err), CLNAS_OK);
    printf("launches of a training step: GDAS path %s %d, DARTS search network %d; %d weight bindings checked\n",
           PARTLY_DEAD, plan->ntrain, darts->ntrain, bound);
    assert_true(plan->ntrain < darts->ntrain / 2);
    clnas_plan_free(darts);

    static const clnas_arena arenas[] = {CLNAS_ARENA_PARAMS, CLNAS_ARENA_GRADS, CLNAS_ARENA_MOMENTUM,
                                         CLNAS_ARENA_STATE};
    double *before[4];
    size_t n[4];
    for (int a = 0; a < 4; a++)
        before[a] = supernet_arena_copy(sn, arenas[a], &n[a]);
    for (int step = 0; step < 2; step++) {
        double loss;
        set_batch(m, 0, 7 + (uint64_t)step);
        assert_int_equal(clnas_model_step(m, 0.1, &loss, NULL, &err), CLNAS_OK);
        assert_true(isfinite(loss));
    }
    int unchanged = 0, moved = 0;
    for (int a = 0; a < 4; a++) {
        size_t k;
        double *after = supernet_arena_copy(sn, arenas[a], &k);
        for (int p = 0; p < l->nparams; p++) {
            const clnas_param_info *q = &l->params[p].info;
            if ((q->arena == CLNAS_ARENA_STATE) != (arenas[a] == CLNAS_ARENA_STATE))
                continue;
            const int same = memcmp(before[a] + q->offset, after + q->offset, q->count * sizeof(double)) == 0;
            if (!in_path(&l->params[p], &g)) {
                if (!same)
                    fail_msg("%s of %s moved, an op the path does not compute", clnas_arena_name(arenas[a]), q->name);
                unchanged++;
            } else if (l->params[p].module != 0 && arenas[a] != CLNAS_ARENA_GRADS) {
                /* the path's own conv weights, momenta and running statistics do move (the test can fail) */
                if (strstr(q->name, "conv.weight") || strstr(q->name, "running_")) {
                    if (same)
                        fail_msg("%s of %s did not move", clnas_arena_name(arenas[a]), q->name);
                    moved++;
                }
            }
        }
        free(after);
        free(before[a]);
    }
    printf("after 2 steps: %d tensors of unsampled ops bit-unchanged, %d of the sampled path moved\n", unchanged,
           moved);
    assert_true(moved >= 3 && unchanged > 50);

    /* GDAS' sampler hands out exactly the sampled cell's path */
    clnas_gdas gd;
    clnas_alpha alpha;
    gdas_begin(&gd, sn, 1.0, 3, &alpha, 2);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(clnas_gdas_sample(&gd, &alpha, &m, &err), CLNAS_OK);
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            assert_int_equal(clnas_model_config(m)->genotype.ops[e], gd.chosen[e]);
    }
    clnas_supernet_free(sn);
}

/* With h = 1 a GDAS path is the stand-alone network of its cell (BatchNorm affine at its initial gamma 1, beta 0):
 * the same weights give the same loss and logits to rounding in float64. */
static void test_path_matches_standalone(void **state)
{
    device_fixture *fx = *state;
    clnas_supernet *sn = supernet_ok(fx, 1, 4);
    clnas_error err;
    const char *const archs[] = {ALL_LIVE, PARTLY_DEAD};
    for (int t = 0; t < 2; t++) {
        const clnas_genotype g = parse(archs[t]);
        clnas_model *path = NULL, *alone = NULL;
        assert_int_equal(clnas_supernet_path(sn, &g, &path, &err), CLNAS_OK);
        clnas_net_config cfg = supernet_gdas_config(1, BATCH, HW);
        cfg.gdas = 0;
        cfg.genotype = g;
        if (clnas_model_build(fx->dev, fx->cache, &cfg, &alone, &err) != CLNAS_OK ||
            clnas_model_init(alone, 99, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        const clnas_plan *plan = clnas_model_plan(alone);
        int copied = 0;
        for (int i = 0; i < plan->nparams; i++) {
            const clnas_param_info *p = &plan->params[i];
            char name[CLNAS_NAME_MAX];
            double *v = malloc(p->count * sizeof *v);
            assert_int_equal(clnas_supernet_param_name(&g, p->name, name, sizeof name, &err), CLNAS_OK);
            assert_int_equal(clnas_supernet_get(sn, name, v, p->count, &err), CLNAS_OK);
            assert_int_equal(clnas_model_set(alone, p->name, v, p->count, &err), CLNAS_OK);
            free(v);
            copied++;
        }
        double loss[2], logits[2][BATCH * 10];
        clnas_model *models[2] = {path, alone};
        for (int k = 0; k < 2; k++) {
            set_batch(models[k], 1, 17);
            assert_int_equal(clnas_model_forward(models[k], &err), CLNAS_OK);
            assert_int_equal(clnas_model_read_loss(models[k], &loss[k], &err), CLNAS_OK);
            assert_int_equal(clnas_model_read_logits(models[k], logits[k], &err), CLNAS_OK);
        }
        double worst = 0;
        for (int i = 0; i < BATCH * 10; i++)
            worst = fmax(worst, fabs(logits[0][i] - logits[1][i]));
        printf("%s: %d tensors copied; loss path %.15f, stand-alone %.15f; logits differ by %.2g\n", archs[t], copied,
               loss[0], loss[1], worst);
        assert_true(fabs(loss[0] - loss[1]) <= 1e-12 * fmax(1.0, fabs(loss[1])));
        assert_true(worst <= 1e-12);
        clnas_model_free(alone);
    }
    clnas_supernet_free(sn);
}

static int program_loads(device_fixture *f)
{
    clnas_program_cache_stats s;
    clnas_program_cache_stats_get(f->cache, &s);
    return s.builds + s.disk_hits;
}

/* After the warm-up, GDAS steps over 40 sampled paths at the hottest temperature load no program. */
static void test_no_new_programs_after_warm_up(void **state)
{
    device_fixture *fx = *state;
    clnas_supernet *sn = supernet_ok(fx, 0, 2);
    clnas_error err;
    int programs = 0;
    if (clnas_supernet_warm_up(sn, &programs, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    const int warm = program_loads(fx);
    clnas_gdas gd;
    clnas_alpha alpha;
    gdas_begin(&gd, sn, 10.0, 4, &alpha, 1);
    for (int i = 0; i < 40; i++) {
        clnas_model *m = NULL;
        double loss;
        assert_int_equal(clnas_gdas_sample(&gd, &alpha, &m, &err), CLNAS_OK);
        set_batch(m, 0, (uint64_t)i);
        assert_int_equal(clnas_model_step(m, 0.05, &loss, NULL, &err), CLNAS_OK);
    }
    int compiled = 0, reused = 0;
    clnas_supernet_path_stats(sn, &compiled, &reused);
    printf("warm-up: %d programs; then 40 GDAS steps compiled %d paths and loaded %d programs\n", programs, compiled,
           program_loads(fx) - warm);
    assert_true(compiled >= 30);
    assert_int_equal(program_loads(fx), warm);
    clnas_supernet_free(sn);
}

static double result_val_loss(const clnas_evaluator_result *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->extra, "val_loss");
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

/* The supernet evaluator (rank-eval's supernet side) scores GDAS paths: BatchNorm recalibration leaves every edge's
 * h at 1 and its dL/dh as it was; the same path scored twice gives the same accuracy and loss; and a score equals
 * the one of a stand-alone model of that GDAS path (its own arenas) holding the supernet's weights, recalibrated and
 * evaluated directly. Trained a few steps first, so that weights and statistics are not their initial values. */
static void test_supernet_evaluator_scores_gdas_paths(void **state)
{
    device_fixture *fx = *state;
    clnas_supernet *sn = supernet_ok(fx, 1, 4);
    clnas_error err;
    clnas_dataset train = search_fixture_synthetic(24, HW, 1), val = search_fixture_synthetic(20, HW, 2);
    double mean[CLNAS_BATCHER_MAX_CHANNELS], std[CLNAS_BATCHER_MAX_CHANNELS];
    for (int c = 0; c < CLNAS_BATCHER_MAX_CHANNELS; c++)
        mean[c] = 0.5, std[c] = 0.25;
    const char *const archs[] = {ALL_LIVE, PARTLY_DEAD};
    for (int t = 0; t < 2; t++) {
        const clnas_genotype g = parse(archs[t]);
        clnas_model *m = NULL;
        double loss;
        assert_int_equal(clnas_supernet_path(sn, &g, &m, &err), CLNAS_OK);
        for (int step = 0; step < 2; step++) {
            set_batch(m, 1, 40 + (uint64_t)step);
            assert_int_equal(clnas_model_step(m, 0.1, &loss, NULL, &err), CLNAS_OK);
        }
    }
    double dh_before[CLNAS_NB201_EDGES]; /* the dL/dh the steps' backwards left: recalibration must not touch them */
    int dh_nonzero = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        char name[64];
        snprintf(name, sizeof name, "gdas.edges.%d_%d.h_grad", clnas_nb201_edge_to[e], clnas_nb201_edge_from[e]);
        assert_int_equal(clnas_supernet_get(sn, name, &dh_before[e], 1, &err), CLNAS_OK);
        dh_nonzero += dh_before[e] != 0.0;
    }
    assert_true(dh_nonzero > 0);
    clnas_evaluator ev;
    assert_int_equal(clnas_supernet_evaluator_new(sn, &train, &val, 3, 7, mean, std, &ev, &err), CLNAS_OK);
    for (int t = 0; t < 2; t++) {
        const clnas_genotype g = parse(archs[t]);
        clnas_space_genotype arch;
        clnas_nb201_to(&g, &arch);
        clnas_evaluator_result r[2];
        for (int k = 0; k < 2; k++) {
            memset(&r[k], 0, sizeof r[k]);
            assert_int_equal(ev.iface->evaluate(ev.state, &arch, &r[k], &err), CLNAS_OK);
            if (r[k].status != CLNAS_TRIAL_OK)
                fail_msg("%s: %s", archs[t], r[k].error);
        }
        assert_true(r[0].fitness >= 0.0 && r[0].fitness <= 1.0);
        assert_true(r[0].fitness == r[1].fitness);
        assert_true(result_val_loss(&r[0]) == result_val_loss(&r[1]) && isfinite(result_val_loss(&r[0])));
        for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
            char name[64];
            double h = 0, dh = 0;
            snprintf(name, sizeof name, "gdas.edges.%d_%d.h", clnas_nb201_edge_to[e], clnas_nb201_edge_from[e]);
            assert_int_equal(clnas_supernet_get(sn, name, &h, 1, &err), CLNAS_OK);
            if (h != 1.0)
                fail_msg("%s is %g after BatchNorm recalibration, not 1", name, h);
            snprintf(name, sizeof name, "gdas.edges.%d_%d.h_grad", clnas_nb201_edge_to[e], clnas_nb201_edge_from[e]);
            assert_int_equal(clnas_supernet_get(sn, name, &dh, 1, &err), CLNAS_OK);
            assert_true(dh == dh_before[e]);
        }
        /* the direct evaluation: a model of the same GDAS path with its own arenas, the supernet's weights and
         * statistics copied in by name */
        clnas_net_config cfg = supernet_gdas_config(1, BATCH, HW);
        cfg.genotype = g;
        clnas_model *alone = NULL;
        if (clnas_model_build(fx->dev, fx->cache, &cfg, &alone, &err) != CLNAS_OK ||
            clnas_model_init(alone, 99, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        const clnas_plan *plan = clnas_model_plan(alone);
        for (int i = 0; i < plan->nparams; i++) {
            const clnas_param_info *p = &plan->params[i];
            char name[CLNAS_NAME_MAX];
            double *v = malloc(p->count * sizeof *v);
            assert_int_equal(clnas_supernet_param_name(&g, p->name, name, sizeof name, &err), CLNAS_OK);
            assert_int_equal(clnas_supernet_get(sn, name, v, p->count, &err), CLNAS_OK);
            assert_int_equal(clnas_model_set(alone, p->name, v, p->count, &err), CLNAS_OK);
            free(v);
        }
        double acc = NAN, val_loss = NAN;
        assert_int_equal(clnas_path_bn_recalibrate(alone, &train, 3, 7, mean, std, &err), CLNAS_OK);
        assert_int_equal(clnas_evaluate(alone, &val, mean, std, &acc, &val_loss, &err), CLNAS_OK);
        printf("%s: supernet path accuracy %.4f loss %.12f; stand-alone GDAS path %.4f loss %.12f\n", archs[t],
               r[0].fitness, result_val_loss(&r[0]), acc, val_loss);
        assert_true(acc == r[0].fitness);
        assert_true(fabs(val_loss - result_val_loss(&r[0])) <= 1e-12 * fmax(1.0, fabs(val_loss)));
        clnas_model_free(alone);
        for (int k = 0; k < 2; k++)
            clnas_evaluator_result_clear(&r[k]);
    }
    ev.iface->destroy(ev.state);
    clnas_dataset_free(&train);
    clnas_dataset_free(&val);
    clnas_supernet_free(sn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_sampled_ops_run),
        cmocka_unit_test(test_path_matches_standalone),
        cmocka_unit_test(test_no_new_programs_after_warm_up),
        cmocka_unit_test(test_supernet_evaluator_scores_gdas_paths),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
