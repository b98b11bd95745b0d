/* clnas — GDAS on the DARTS cell space: a path of its supernet (DARTS' search network with one sampled op per edge,
 * over shared weights) computes and updates as the stand-alone path network with the same weights; the loop moves
 * both cell types' alpha (28 x 8) and derives DARTS genotypes; resumed from the arenas and alpha it ends as
 * uninterrupted; `clnas search` with strategy gdas on space darts writes best.json of space darts. */
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
#include <cjson/cJSON.h>

#include "build_darts_search.h"
#include "clnas/darts_genotype.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "darts.h"
#include "darts_space.h"
#include "device_fixture.h"
#include "executor.h"
#include "gdas.h"
#include "journal.h"
#include "model_build.h"
#include "plan.h"
#include "scratch_dir.h"
#include "search_fixture.h"
#include "small_net.h"
#include "supernet.h"
#include "supernet_arena.h"
#include "svg_plot.h"

#define HW 8
#define BATCH 4
#define IMAGES 24
#define LAYERS 3
#define MAXN 16384

static clnas_net_config gdas_net(int channels)
{
    clnas_net_config c;
    clnas_net_config_default(&c);
    c.space = CLNAS_NET_DARTS;
    c.darts_search = 1;
    c.gdas = 1;
    c.channels = channels;
    c.layers = LAYERS;
    c.batch = BATCH;
    c.height = c.width = HW;
    c.nesterov = 0; /* DARTS' SGD, as darts_run.c sets it */
    c.weight_decay = 3e-4;
    c.grad_clip = 5.0;
    return c;
}

static void assert_close(const double *a, const double *b, size_t n, const char *what, double tol)
{
    double mx = 0, ref = 0.01;
    for (size_t i = 0; i < n; i++) {
        mx = fmax(mx, fabs(a[i] - b[i]));
        ref = fmax(ref, fabs(b[i]));
    }
    if (mx > tol * ref)
        fail_msg("%s: max difference %g (scale %g)", what, mx, ref);
}

/* Forward, backward (dL/dh included) and one update of supernet paths equal the stand-alone path network's with the
 * weights and momenta copied in; three samples in one supernet (later ones share trained modules). */
static void test_path_equals_standalone(void **state)
{
    device_fixture *f = *state;
    clnas_error err;
    clnas_error_clear(&err);
    double *a = malloc(MAXN * sizeof *a), *b = malloc(MAXN * sizeof *b);
    for (int channels = 2; channels <= 3; channels++) {
        clnas_net_config c = gdas_net(channels);
        clnas_supernet *sn = supernet_new_ok(f, &c, 4, 7);
        clnas_rng rng;
        clnas_rng_seed(&rng, 50 + (uint64_t)channels);
        for (int p = 0; p < 3; p++) {
            for (int e = 0; e < CLNAS_NET_GDAS_DARTS_EDGES; e++)
                c.gdas_ops[e] = (uint8_t)clnas_rng_below(&rng, CLNAS_DARTS_OPS);
            clnas_model *path = NULL, *alone = NULL;
            if (clnas_supernet_path_gdas(sn, c.gdas_ops, &path, &err) != CLNAS_OK ||
                clnas_model_build(f->dev, f->cache, &c, &alone, &err) != CLNAS_OK)
                fail_msg("%s", err.message);
            const clnas_plan *plan = clnas_model_plan(alone), *pplan = clnas_model_plan(path);
            assert_int_equal(plan->nparams, pplan->nparams);
            for (int i = 0; i < plan->nparams; i++) {
                const clnas_param_info *pi = &plan->params[i];
                assert_true(pi->count <= MAXN);
                assert_int_equal(clnas_model_get(path, pi->name, a, pi->count, &err), CLNAS_OK);
                assert_int_equal(clnas_model_set(alone, pi->name, a, pi->count, &err), CLNAS_OK);
                if (pi->arena != CLNAS_ARENA_PARAMS)
                    continue;
                int j = clnas_plan_find_param(pplan, pi->name);
                assert_true(j >= 0);
                assert_int_equal(clnas_executor_read(clnas_model_executor(path), CLNAS_ARENA_MOMENTUM,
                                                     pplan->params[j].offset, a, pi->count, &err), CLNAS_OK);
                assert_int_equal(clnas_executor_write(clnas_model_executor(alone), CLNAS_ARENA_MOMENTUM, pi->offset,
                                                      a, pi->count, &err), CLNAS_OK);
            }
            float images[BATCH * HW * HW];
            int32_t labels[BATCH];
            small_fixed_batch(images, labels, BATCH, HW, 200 + (uint64_t)p);
            clnas_model *m[2] = {path, alone};
            double loss[2], logits[2][BATCH * 10];
            for (int k = 0; k < 2; k++) {
                const double zero = 0.0;
                for (int e = 0; e < CLNAS_NET_GDAS_DARTS_EDGES; e++) { /* as clnas_gdas_clear_dh does */
                    char name[64];
                    snprintf(name, sizeof name, "gdas.%s.%d.h_grad", e < 14 ? "normal" : "reduce", e % 14);
                    assert_int_equal(clnas_model_set(m[k], name, &zero, 1, &err), CLNAS_OK);
                }
                assert_int_equal(clnas_model_set_batch(m[k], images, labels, &err), CLNAS_OK);
                assert_int_equal(clnas_model_forward(m[k], &err), CLNAS_OK);
                assert_int_equal(clnas_model_backward(m[k], &err), CLNAS_OK);
                assert_int_equal(clnas_model_read_loss(m[k], &loss[k], &err), CLNAS_OK);
                assert_int_equal(clnas_model_read_logits(m[k], logits[k], &err), CLNAS_OK);
            }
            assert_close(&loss[0], &loss[1], 1, "loss", 1e-5);
            assert_close(logits[0], logits[1], (size_t)BATCH * 10, "logits", 1e-5);
            for (int i = 0; i < plan->nparams; i++) {
                const clnas_param_info *pi = &plan->params[i];
                if (strncmp(pi->name, "gdas.", 5) == 0 && strstr(pi->name, "h_grad")) {
                    assert_int_equal(clnas_model_get(path, pi->name, a, 1, &err), CLNAS_OK);
                    assert_int_equal(clnas_model_get(alone, pi->name, b, 1, &err), CLNAS_OK);
                    assert_close(a, b, 1, pi->name, 1e-4);
                }
                if (pi->arena != CLNAS_ARENA_PARAMS || !pi->live)
                    continue;
                assert_int_equal(clnas_model_get_grad(path, pi->name, a, pi->count, &err), CLNAS_OK);
                assert_int_equal(clnas_model_get_grad(alone, pi->name, b, pi->count, &err), CLNAS_OK);
                assert_close(a, b, pi->count, pi->name, 1e-5);
            }
            for (int k = 0; k < 2; k++)
                assert_int_equal(clnas_model_update(m[k], 0.05, &err), CLNAS_OK);
            for (int i = 0; i < plan->nparams; i++) {
                const clnas_param_info *pi = &plan->params[i];
                assert_int_equal(clnas_model_get(path, pi->name, a, pi->count, &err), CLNAS_OK);
                assert_int_equal(clnas_model_get(alone, pi->name, b, pi->count, &err), CLNAS_OK);
                assert_close(a, b, pi->count, pi->name, 1e-5);
            }
            clnas_model_free(alone);
        }
        clnas_supernet_free(sn);
    }
    free(a);
    free(b);
}

static clnas_status on_epoch(const clnas_darts_epoch *e, void *user, clnas_error *err)
{
    (void)err;
    epochs_seen *s = user;
    assert_true(e->darts_space);
    clnas_error verr;
    assert_int_equal(clnas_darts_genotype_validate(&e->derived_darts, &verr), CLNAS_OK);
    assert_true(isfinite(e->train_loss) && isfinite(e->val_loss));
    epochs_seen_count(s);
    return CLNAS_OK;
}

static clnas_darts_options options(int start, epochs_seen *seen, clnas_gdas *g, clnas_supernet *sn)
{
    clnas_darts_options o = search_fixture_options(start, seen, on_epoch);
    memset(g, 0, sizeof *g);
    g->tau_max = 10.0;
    g->tau_min = 0.1;
    g->seed = 9;
    g->supernet = sn;
    o.gdas = g;
    return o;
}

/* Two epochs move alpha's rows of both cell types; stopped after one and resumed on a fresh supernet with the arenas
 * and alpha restored, the same alpha and arenas as uninterrupted. */
static void test_search_and_resume(void **state)
{
    device_fixture *f = *state;
    clnas_dataset train = search_fixture_synthetic(IMAGES, HW, 1), val = search_fixture_synthetic(IMAGES, HW, 2);
    clnas_error err;
    clnas_alpha start;
    assert_int_equal(clnas_alpha_init(&start, CLNAS_DARTS_SPACE_ALPHA_EDGES, CLNAS_DARTS_OPS, 4, &err), CLNAS_OK);
    clnas_gdas g;
    int done = 0;
    const clnas_net_config c = gdas_net(2);
    clnas_supernet *a = supernet_new_ok(f, &c, 8, 5);
    clnas_alpha alpha_a = start;
    epochs_seen seen_a = {0, 0, 0};
    clnas_darts_options o = options(0, &seen_a, &g, a);
    if (clnas_darts_search(NULL, &alpha_a, &train, &val, &o, &done, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(done, 2);
    assert_int_equal(seen_a.count, 2);
    assert_int_equal(g.train_paths, 2 * (IMAGES / BATCH));
    int rows_moved[2] = {0, 0};
    for (int r = 0; r < CLNAS_DARTS_SPACE_ALPHA_EDGES; r++) {
        double moved = 0;
        for (int k = 0; k < CLNAS_DARTS_OPS; k++)
            moved = fmax(moved, fabs(alpha_a.alpha[r][k] - start.alpha[r][k]));
        rows_moved[r >= 14] += moved > 1e-5;
    }
    printf("alpha rows moved: %d normal, %d reduce\n", rows_moved[0], rows_moved[1]);
    assert_true(rows_moved[0] > 7 && rows_moved[1] > 7);

    clnas_supernet *b = supernet_new_ok(f, &c, 8, 5);
    clnas_alpha alpha_b = start;
    epochs_seen seen_b = {0, 1, 0};
    o = options(0, &seen_b, &g, b);
    assert_int_equal(clnas_darts_search(NULL, &alpha_b, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 1);
    clnas_supernet *r = supernet_new_ok(f, &c, 8, 12345);
    const clnas_arena arenas[] = {CLNAS_ARENA_PARAMS, CLNAS_ARENA_MOMENTUM, CLNAS_ARENA_STATE};
    for (int i = 0; i < 3; i++) {
        size_t n;
        double *v = supernet_arena_copy(b, arenas[i], &n);
        assert_int_equal(clnas_supernet_write_arena(r, arenas[i], v, &err), CLNAS_OK);
        free(v);
    }
    epochs_seen seen_r = {0, 0, 0};
    o = options(1, &seen_r, &g, r);
    assert_int_equal(clnas_darts_search(NULL, &alpha_b, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 2);
    assert_memory_equal(alpha_b.alpha, alpha_a.alpha, sizeof alpha_a.alpha);
    assert_memory_equal(alpha_b.adam_m, alpha_a.adam_m, sizeof alpha_a.adam_m);
    for (int i = 0; i < 3; i++) {
        size_t na, nr;
        double *pa = supernet_arena_copy(a, arenas[i], &na), *pr = supernet_arena_copy(r, arenas[i], &nr);
        assert_int_equal(na, nr);
        assert_memory_equal(pa, pr, na * sizeof *pa);
        free(pa);
        free(pr);
    }
    /* an NB201-shaped alpha is refused by name */
    clnas_alpha nb;
    assert_int_equal(clnas_alpha_init(&nb, CLNAS_NB201_EDGES, CLNAS_NB201_OPS, 4, &err), CLNAS_OK);
    clnas_model *m = NULL;
    assert_int_equal(clnas_gdas_sample(&g, &nb, &m, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "GDAS: alpha must be 28 edges x 8 ops, got 6 x 5"));
    clnas_supernet_free(a);
    clnas_supernet_free(b);
    clnas_supernet_free(r);
    clnas_dataset_free(&train);
    clnas_dataset_free(&val);
}

/* `clnas search` with configs/gdas.json on space darts, shrunk, then resumed when finished: best.json of space
 * darts with the last epoch's derived genotype, a journal line per epoch. */
static void test_search_writes_best(void **state)
{
    (void)state;
    if (access(CLNAS_DEFAULT_DATA_DIR, R_OK) != 0)
        skip();
    char *dir = scratch_dir_new("gdas-darts");
    assert_non_null(dir);
    static char out[1 << 16];
    const char *sets = "--set space.name=darts --set proxy.channels=2 --set proxy.layers=3 "
                       "--set dataset.train_subset=16 --set dataset.validation_size=16 --set proxy.batch=8 "
                       "--set strategy.epochs=2";
    assert_int_equal(search_fixture_run_cli("gdas.json", sets, dir, out, sizeof out), 0);
    assert_non_null(strstr(out, "GDAS: one op per edge sampled by hard Gumbel-softmax"));
    assert_non_null(strstr(out, "no warm-up (space darts"));
    assert_non_null(strstr(out, "C=2 layers=3"));
    char arch[CLNAS_SPACE_STR_MAX];
    search_fixture_assert_best_darts(dir, arch, sizeof arch);
    int n = 0;
    clnas_journal_entry *entries = search_fixture_journal_darts(dir, &n);
    assert_int_equal(n, 2);
    assert_true(clnas_journal_is_epochs(entries, n));
    clnas_journal_entries_free(entries, n);
    char path[1100];
    snprintf(path, sizeof path, "%s/run/gdas_checkpoint.safetensors", dir);
    assert_int_equal(access(path, R_OK), 0);
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "'%s' search --resume '%s/run' 2>&1", CLNAS_TOOL_PATH, dir);
    assert_int_equal(search_fixture_run(cmd, out, sizeof out), 0);
    scratch_dir_remove(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_path_equals_standalone, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_search_and_resume, device_fixture_with_cache, device_fixture_teardown),
        cmocka_unit_test(test_search_writes_best),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
