/* clnas — SPOS over the DARTS cell space: a path of the supernet computes what the stand-alone genotype network
 * (NetworkCIFAR) with the same weights computes; two paths share exactly the (edge, op) pairs they have in common;
 * supernet training resumed from a checkpoint ends with the uninterrupted weights; `clnas search` with strategy spos
 * on space darts writes best.json with "space": "darts" and a genotype that parses. */
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

#include "clnas/darts_genotype.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "device_fixture.h"
#include "layout_check.h"
#include "journal.h"
#include "model_build.h"
#include "path_check.h"
#include "plan.h"
#include "reference.h"
#include "scratch_dir.h"
#include "search_fixture.h"
#include "small_net.h"
#include "space_iface.h"
#include "spos.h"
#include "supernet.h"
#include "text_input.h"

#define SIDE 8
#define BATCH 4
#define LAYERS 3
#define STEPS 6
#define STOP_AT 3

static clnas_net_config darts_net(int channels)
{
    clnas_net_config c;
    small_net_config(&c, NULL, channels, 1, BATCH, SIDE);
    c.space = CLNAS_NET_DARTS;
    c.layers = LAYERS;
    clnas_rng rng;
    clnas_rng_seed(&rng, 1);
    clnas_darts_genotype_sample(&rng, &c.darts_genotype);
    return c;
}

static clnas_supernet *new_supernet_clip(device_fixture *f, int channels, int max_paths, uint64_t seed, double clip)
{
    clnas_net_config c = darts_net(channels);
    c.grad_clip = clip;
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_supernet *sn = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_supernet_new(f->dev, f->cache, &c, &op_set, max_paths, NULL, &sn, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(clnas_supernet_init(sn, seed, &err), CLNAS_OK);
    return sn;
}

static clnas_supernet *new_supernet(device_fixture *f, int channels, int max_paths, uint64_t seed)
{
    return new_supernet_clip(f, channels, max_paths, seed, 0.0);
}

static void get_path(clnas_supernet *sn, const clnas_darts_genotype *g, clnas_model **path)
{
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_supernet_path_darts(sn, g, path, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
}

/* The layout: every (cell, edge, op) with parameters once, 14 edges a cell, no none. */
static void test_layout_names_every_edge_op(void **state)
{
    (void)state;
    clnas_net_config c = darts_net(2);
    int modules = 0;
    clnas_supernet_layout l = layout_check_build(&c, &modules);
    /* per cell 14 edges x 4 parametrised ops (sep 3/5, dil 3/5), plus the stride-2 skip_connect (FactorizedReduce)
     * on the reduction cells' 8 edges from their inputs */
    assert_int_equal(modules, LAYERS * 14 * 4 + 2 * 8);
    assert_true(clnas_supernet_layout_find(&l, "cells.0.edges.5_4.sep_conv_5x5.op.1.weight") >= 0);
    assert_true(clnas_supernet_layout_find(&l, "cells.1.edges.2_0.skip_connect.conv_1.weight") >= 0);
    assert_true(clnas_supernet_layout_find(&l, "cells.0.edges.2_0.skip_connect.conv_1.weight") < 0);
    assert_true(clnas_supernet_layout_find(&l, "cells.2.preprocess0.conv_1.weight") >= 0); /* after a reduction */
    assert_true(clnas_supernet_layout_find(&l, "classifier.weight") >= 0);
    clnas_supernet_layout_free(&l);
}

/* Forward, backward and one update of a path equal the stand-alone genotype network's with the same weights, on
 * two widths and three genotypes each; with clip > 0 both clip the gradients at that global norm (the path's
 * gradients then lie among the other paths' stale ones in the supernet's arena). */
static void path_vs_standalone(device_fixture *f, double clip)
{
    clnas_error err;
    clnas_error_clear(&err);
    for (int channels = 2; channels <= 3; channels++) {
        clnas_supernet *sn = new_supernet_clip(f, channels, 4, 7, clip);
        clnas_net_config c = darts_net(channels);
        c.grad_clip = clip;
        float images[BATCH * SIDE * SIDE];
        int32_t labels[BATCH];
        clnas_rng rng;
        clnas_rng_seed(&rng, 40 + (uint64_t)channels);
        for (int p = 0; p < 3; p++) {
            clnas_darts_genotype_sample(&rng, &c.darts_genotype);
            clnas_model *path = NULL, *alone = NULL;
            get_path(sn, &c.darts_genotype, &path);
            if (clnas_model_build(f->dev, f->cache, &c, &alone, &err) != CLNAS_OK)
                fail_msg("%s", err.message);
            small_fixed_batch(images, labels, BATCH, SIDE, 100 + (uint64_t)p);
            path_check_against_standalone(path, alone, clnas_supernet_get_layout(sn)->param_elems, images, labels,
                                          BATCH, clip);
            clnas_model_free(alone);
        }
        clnas_supernet_free(sn);
    }
}

static void test_path_equals_standalone(void **state)
{
    path_vs_standalone(*state, 0.0);
}

/* strategy.grad_clip: the path clips as the stand-alone network with grad_clip does. */
static void test_path_clips_as_standalone(void **state)
{
    path_vs_standalone(*state, 0.02);
}

/* Whether the supernet parameter `name` is a live parameter of the path cfg. */
static int on_path(const clnas_net_config *cfg, const clnas_plan *plan, const char *name)
{
    for (int j = 0; j < plan->nparams; j++) {
        char sn_name[CLNAS_NAME_MAX];
        clnas_error err;
        assert_int_equal(clnas_supernet_path_param_name(cfg, plan->params[j].name, sn_name, sizeof sn_name, &err),
                         CLNAS_OK);
        if (plan->params[j].live && strcmp(sn_name, name) == 0)
            return 1;
    }
    return 0;
}

/* Two genotypes that differ in one edge's op: a step of the second moves exactly its own supernet parameters, so
 * the first path sees the shared ones moved and its own edge's op unchanged. */
static void test_paths_share_weights(void **state)
{
    device_fixture *f = *state;
    clnas_supernet *sn = new_supernet(f, 2, 4, 3);
    const clnas_supernet_layout *l = clnas_supernet_get_layout(sn);
    clnas_error err;
    clnas_error_clear(&err);
    clnas_net_config c1 = darts_net(2), c2;
    c1.darts_genotype.normal.op[0] = CLNAS_DARTS_SEP_CONV_3X3; /* the edge the two differ on */
    c1.darts_genotype.normal.op[2] = CLNAS_DARTS_SEP_CONV_5X5; /* one they share, with parameters */
    c2 = c1;
    c2.darts_genotype.normal.op[0] = CLNAS_DARTS_DIL_CONV_3X3;
    clnas_model *p1 = NULL, *p2 = NULL;
    get_path(sn, &c1.darts_genotype, &p1);
    get_path(sn, &c2.darts_genotype, &p2);
    double *before = malloc(l->param_elems * sizeof *before), *after = malloc(l->param_elems * sizeof *after);
    assert_int_equal(clnas_supernet_read_arena(sn, CLNAS_ARENA_PARAMS, before, &err), CLNAS_OK);
    float images[BATCH * SIDE * SIDE];
    int32_t labels[BATCH];
    small_fixed_batch(images, labels, BATCH, SIDE, 9);
    assert_int_equal(clnas_model_set_batch(p2, images, labels, &err), CLNAS_OK);
    assert_int_equal(clnas_model_step(p2, 0.1, NULL, NULL, &err), CLNAS_OK);
    assert_int_equal(clnas_supernet_read_arena(sn, CLNAS_ARENA_PARAMS, after, &err), CLNAS_OK);
    const clnas_plan *plan2 = clnas_model_plan(p2);
    for (int i = 0; i < l->nparams; i++) {
        const clnas_param_info *sp = &l->params[i].info;
        if (sp->arena != CLNAS_ARENA_PARAMS)
            continue;
        int changed = 0;
        for (size_t k = 0; k < sp->count; k++)
            changed |= before[sp->offset + k] != after[sp->offset + k];
        if (changed != on_path(&c2, plan2, sp->name))
            fail_msg("%s %s", sp->name, changed ? "was updated off the path" : "was not updated");
    }
    /* through the first path: edge 2 (shared) moved, edge 0 (its own sep_conv_3x3) did not */
    const clnas_plan *plan1 = clnas_model_plan(p1);
    int shared = 0, own = 0;
    for (int i = 0; i < plan1->nparams; i++) {
        const clnas_param_info *pi = &plan1->params[i];
        const int e0 = strncmp(pi->name, "cells.0._ops.0.", 15) == 0;
        const int e2 = strncmp(pi->name, "cells.0._ops.2.", 15) == 0;
        if (pi->arena != CLNAS_ARENA_PARAMS || (!e0 && !e2))
            continue;
        double *x = malloc(pi->count * sizeof *x);
        assert_int_equal(clnas_model_get(p1, pi->name, x, pi->count, &err), CLNAS_OK);
        int moved = 0;
        for (size_t k = 0; k < pi->count; k++) {
            assert_true(x[k] == after[pi->offset + k]);
            moved |= x[k] != before[pi->offset + k];
        }
        if (moved != e2)
            fail_msg("%s through the first path: %s", pi->name, e2 ? "shared but not moved" : "moved by the other");
        shared += e2;
        own += e0;
        free(x);
    }
    assert_true(shared >= 4 && own >= 4);
    /* genotypes outside the supernet are refused by name */
    clnas_darts_genotype bad = c1.darts_genotype;
    bad.reduce.input[7] = bad.reduce.input[6];
    clnas_model *none = NULL;
    assert_int_equal(clnas_supernet_path_darts(sn, &bad, &none, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "reduce node 5 reads state"));
    free(before);
    free(after);
    clnas_supernet_free(sn);
}

typedef struct stopper {
    clnas_supernet *sn;
    const char *path;
    volatile int stop;
} stopper;

static clnas_status save_and_stop(int step, double loss, void *user, clnas_error *err)
{
    (void)loss;
    stopper *s = user;
    if (step != STOP_AT)
        return CLNAS_OK;
    s->stop = 1;
    return clnas_supernet_save(s->sn, s->path, 1, step, err);
}

static void train(clnas_supernet *sn, const clnas_dataset *ds, int start, stopper *s)
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
    opt.report_every = 1;
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

/* Stopped at a checkpoint and resumed in a fresh supernet: the uninterrupted weights, momenta and statistics, and
 * the same scores from the supernet evaluator. */
static void test_resume_matches_uninterrupted(void **state)
{
    device_fixture *f = *state;
    clnas_dataset ds = search_fixture_synthetic(32, SIDE, 1), val = search_fixture_synthetic(16, SIDE, 2);
    char path[1024], *dir = scratch_dir_new("spos-darts-resume");
    assert_non_null(dir);
    scratch_dir_path(path, sizeof path, dir, "supernet.safetensors");
    clnas_error err;
    clnas_error_clear(&err);
    clnas_supernet *whole = new_supernet(f, 2, 8, 9);
    train(whole, &ds, 0, NULL);
    clnas_supernet *first = new_supernet(f, 2, 8, 9);
    stopper s = {first, path, 0};
    train(first, &ds, 0, &s);
    clnas_supernet_free(first);
    clnas_supernet *resumed = new_supernet(f, 2, 8, 12345);
    long step = -1;
    if (clnas_supernet_load(resumed, path, &step, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(step, STOP_AT);
    train(resumed, &ds, (int)step, NULL);
    assert_same_arena(whole, resumed, CLNAS_ARENA_PARAMS);
    assert_same_arena(whole, resumed, CLNAS_ARENA_MOMENTUM);
    assert_same_arena(whole, resumed, CLNAS_ARENA_STATE);

    double mean[4] = {0.5, 0.5, 0.5, 0.5}, std[4] = {0.3, 0.3, 0.3, 0.3};
    clnas_evaluator ev[2];
    assert_int_equal(clnas_supernet_evaluator_new(whole, &ds, &val, 2, 5, mean, std, &ev[0], &err), CLNAS_OK);
    assert_int_equal(clnas_supernet_evaluator_new(resumed, &ds, &val, 2, 5, mean, std, &ev[1], &err), CLNAS_OK);
    clnas_rng rng;
    clnas_rng_seed(&rng, 77);
    for (int i = 0; i < 2; i++) {
        clnas_space_genotype g;
        clnas_space_darts.sample(&clnas_space_darts, &rng, &g);
        clnas_evaluator_result r[2];
        for (int k = 0; k < 2; k++) {
            assert_int_equal(ev[k].iface->evaluate(ev[k].state, &g, &r[k], &err), CLNAS_OK);
            if (r[k].status != CLNAS_TRIAL_OK)
                fail_msg("%s", r[k].error);
            assert_true(r[k].params > 0);
        }
        assert_true(r[0].fitness == r[1].fitness);
        for (int k = 0; k < 2; k++)
            cJSON_Delete(r[k].extra);
    }
    for (int k = 0; k < 2; k++)
        ev[k].iface->destroy(ev[k].state);
    clnas_supernet_free(whole);
    clnas_supernet_free(resumed);
    clnas_dataset_free(&ds);
    clnas_dataset_free(&val);
    scratch_dir_remove(dir);
    free(dir);
}

/* A supernet too large for the device is refused before any allocation, with its size and what to shrink. */
static void test_too_large_refused(void **state)
{
    device_fixture *f = *state;
    clnas_net_config c = darts_net(1024);
    c.layers = 20;
    c.height = c.width = 32;
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_supernet *sn = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    assert_int_equal(clnas_supernet_new(f->dev, f->cache, &c, &op_set, 2, NULL, &sn, &err), CLNAS_ERR_UNSUPPORTED);
    assert_null(sn);
    assert_non_null(strstr(err.message, "the supernet (C=1024, layers=20) needs "));
    assert_non_null(strstr(err.message, "use fewer channels or layers (proxy.channels, proxy.layers)"));
}

/* A reference of space darts: n genotypes of distinct classes with made-up accuracies. */
static void write_darts_reference(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "# space: darts\n%s\n", CLNAS_REFERENCE_HEADER);
    clnas_rng rng;
    clnas_rng_seed(&rng, 3);
    for (int i = 0; i < n; i++) {
        clnas_space_genotype g;
        clnas_space_darts.sample(&clnas_space_darts, &rng, &g);
        char text[CLNAS_SPACE_STR_MAX], hex[17];
        uint64_t h;
        assert_int_equal(clnas_space_darts.format(&g, text, sizeof text, NULL), CLNAS_OK);
        assert_int_equal(clnas_space_darts.canonical(&g, NULL, 0, &h, NULL), CLNAS_OK);
        clnas_hash_to_hex(h, hex);
        const double acc = 0.1 + 0.1 * i;
        fprintf(f, "\"%s\",%s,%.2f,%.2f,%.2f,100,100\n", text, hex, acc, acc, acc);
    }
    fclose(f);
}

/* rank-eval on a darts SPOS run: --supernet samples darts genotypes, scores them with the supernet and trains them
 * stand-alone; --reference with a darts reference scores its rows with the supernet; an nb201 reference is refused
 * by name. */
static void rank_eval_darts_run(const char *dir)
{
    static char out[1 << 16];
    char cmd[4096], path[1100];
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --supernet '%s/run' --archs 3 2>&1", CLNAS_TOOL_PATH, dir);
    if (search_fixture_run(cmd, out, sizeof out) != 0)
        fail_msg("%s", out);
    assert_non_null(strstr(out, "space darts"));
    assert_non_null(strstr(out, "Kendall tau:"));
    snprintf(path, sizeof path, "%s/run/rank_eval.json", dir);
    cJSON *j = search_fixture_read_json(path);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "rows"), *row;
    assert_int_equal(cJSON_GetArraySize(rows), 3);
    cJSON_ArrayForEach(row, rows) {
        const cJSON *arch = cJSON_GetObjectItemCaseSensitive(row, "arch");
        const cJSON *sup = cJSON_GetObjectItemCaseSensitive(row, "supernet");
        clnas_darts_genotype g;
        clnas_error err;
        assert_true(cJSON_IsString(arch));
        if (clnas_darts_genotype_parse(arch->valuestring, &g, &err) != CLNAS_OK)
            fail_msg("rank_eval.json arch %s: %s", arch->valuestring, err.message);
        assert_true(cJSON_IsNumber(sup) && sup->valuedouble >= 0.0 && sup->valuedouble <= 1.0);
    }
    cJSON_Delete(j);
    snprintf(path, sizeof path, "%s/run/rank_eval.csv", dir); /* DARTS' strings quoted: they hold commas */
    char *csv = NULL;
    size_t len = 0;
    clnas_error err;
    if (clnas_file_read_text(path, 1 << 20, &csv, &len, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_non_null(strstr(csv, "arch,standalone,supernet,standalone_cached\n\"Genotype(normal=[('"));
    free(csv);
    snprintf(path, sizeof path, "%s/darts-ref.csv", dir);
    write_darts_reference(path, 4);
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --reference '%s' --estimator 'supernet:%s/run' --estimator "
             "'supernet-loss:%s/run' 2>&1", CLNAS_TOOL_PATH, path, dir, dir);
    if (search_fixture_run(cmd, out, sizeof out) != 0)
        fail_msg("%s", out);
    assert_non_null(strstr(out, "space darts"));
    assert_non_null(strstr(out, "4/4  Genotype(normal=")); /* each row scored by the supernet */
    assert_non_null(strstr(out, "supernet-loss:"));
    assert_non_null(strstr(out, "reference: "));
    snprintf(path, sizeof path, "%s/nb201-ref.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", CLNAS_REFERENCE_HEADER);
    for (int i = 0; i < 3; i++) {
        clnas_genotype c;
        clnas_genotype_from_index((uint32_t)i * 4001 + 7, &c);
        char text[CLNAS_GENOTYPE_STR_MAX], hex[17];
        uint64_t h;
        clnas_genotype_format(&c, text, sizeof text, NULL);
        clnas_genotype_canonical(&c, NULL, 0, &h, NULL);
        clnas_hash_to_hex(h, hex);
        fprintf(f, "%s,%s,0.%d,0.%d,0.%d,100,100\n", text, hex, i + 1, i + 1, i + 1);
    }
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --reference '%s' --estimator 'supernet:%s/run' 2>&1", CLNAS_TOOL_PATH,
             path, dir);
    assert_int_equal(search_fixture_run(cmd, out, sizeof out), 1);
    assert_non_null(strstr(out, "searched space darts; the reference is of space nb201"));
}

/* `clnas search` with configs/spos.json on space darts, shrunk: the supernet's arena printed, best.json of space
 * darts with a genotype that parses, journal lines in DARTS' form. */
static void test_search_writes_best(void **state)
{
    (void)state;
    if (access(CLNAS_DEFAULT_DATA_DIR, R_OK) != 0)
        skip();
    char *dir = scratch_dir_new("spos-darts-search");
    assert_non_null(dir);
    static char out[1 << 16];
    const char *sets = "--set space.name=darts --set proxy.channels=2 --set proxy.layers=3 "
                       "--set dataset.train_subset=16 --set dataset.validation_size=16 --set proxy.batch=8 "
                       "--set proxy.epochs=1 --set strategy.bn_batches=1 --set strategy.population=2 "
                       "--set strategy.sample_size=2 --set strategy.cycles=1 --set strategy.grad_clip=5";
    assert_int_equal(search_fixture_run_cli("spos.json", sets, dir, out, sizeof out), 0);
    assert_non_null(strstr(out, "one-shot SPOS on space darts (supernet C=2 layers=3"));
    assert_non_null(strstr(out, "supernet arena: "));
    assert_non_null(strstr(out, "gradient clipping: each step's path gradients at global L2 norm 5"));
    char arch[CLNAS_SPACE_STR_MAX];
    search_fixture_assert_best_darts(dir, arch, sizeof arch);
    int n = 0;
    clnas_journal_entry *entries = search_fixture_journal_darts(dir, &n);
    assert_true(n >= 2);
    char text[CLNAS_SPACE_STR_MAX];
    clnas_journal_entry_arch(&entries[0], text, sizeof text);
    assert_non_null(strstr(text, "Genotype(normal=["));
    assert_true(entries[0].params > 0);
    clnas_journal_entries_free(entries, n);
    rank_eval_darts_run(dir);
    scratch_dir_remove(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_names_every_edge_op),
        cmocka_unit_test_setup_teardown(test_path_equals_standalone, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_path_clips_as_standalone, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_paths_share_weights, device_fixture_with_cache, device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_resume_matches_uninterrupted, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_too_large_refused, device_fixture_with_cache, device_fixture_teardown),
        cmocka_unit_test(test_search_writes_best),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
