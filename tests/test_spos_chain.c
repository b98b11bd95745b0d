/* clnas — SPOS over the chain space: a skeleton's layers hold exactly the ops that keep their output's shape; the
 * space of its paths samples, mutates and lists neighbours among them; the supernet names every (layer, op) once;
 * a path computes what the stand-alone chain network with the same weights computes, and shares the stem and the
 * (layer, op) modules it has in common with other paths; `clnas search` with strategy spos on space chain writes a
 * best.json whose arch is a path of the skeleton, `clnas rank-eval --supernet` scores paths of it, and the other
 * one-shot strategies are refused by name. */
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

#include "chain_paths.h"
#include "chain_skeleton.h"
#include "clnas/chain_genotype.h"
#include "clnas/model.h"
#include "device_fixture.h"
#include "layout_check.h"
#include "model_build.h"
#include "path_check.h"
#include "plan.h"
#include "scratch_dir.h"
#include "search_fixture.h"
#include "small_net.h"
#include "spos_config.h"
#include "supernet.h"

#define SIDE 8
#define BATCH 4
/* layer 1 from the stem's C channels to 16 (convolutions only), 2 keeps 16 (all nine ops), 3 a pool summed with
 * output 1 (all nine), 4 strided to 32 (convolutions only) */
#define SKELETON "conv3x3-16 | conv3x3-16 | avgpool3x3 + skip(1) | conv3x3-32/s2"

static void assert_masks(const char *skeleton, const uint16_t *want)
{
    const clnas_chain_genotype g = small_net_chain(skeleton);
    uint16_t mask[CLNAS_CHAIN_MAX_LAYERS];
    clnas_error err;
    assert_int_equal(clnas_chain_path_masks(&g, mask, &err), CLNAS_OK);
    for (int i = 0; i < g.nlayers; i++)
        if (mask[i] != want[i])
            fail_msg("%s layer %d: mask 0x%x, expected 0x%x", skeleton, i + 1, mask[i], want[i]);
}

static void assert_not_path(const clnas_chain_genotype *skeleton, const char *text, const char *why_part)
{
    const clnas_chain_genotype g = small_net_chain(text);
    char why[200] = "";
    assert_int_equal(clnas_chain_is_path(skeleton, &g, why, sizeof why), 0);
    if (!strstr(why, why_part))
        fail_msg("%s: \"%s\" does not say \"%s\"", text, why, why_part);
}

/* Which ops each layer holds: convolutions to the layer's filters, pools where the channels are kept, identity
 * besides where the layer is not strided; a stem-width output (C) holds no convolution. */
static void test_masks(void **state)
{
    (void)state;
    const uint16_t conv = 0x3f, all = 0x1ff, pools = 0x0c0, identity = 0x100;
    assert_masks(CLNAS_CHAIN_SKELETON_DEFAULT, (const uint16_t[]){conv, all, all, conv, all, all});
    assert_masks(SKELETON, (const uint16_t[]){conv, all, all, conv});
    assert_masks("conv3x3-16 | maxpool3x3/s2", (const uint16_t[]){conv, conv | pools});
    assert_masks("maxpool3x3 | conv1x1-64 + cat(0)", (const uint16_t[]){pools | identity, conv});
    const clnas_chain_genotype s = small_net_chain(CLNAS_CHAIN_SKELETON_DEFAULT);
    char why[200];
    assert_int_equal(clnas_chain_is_path(&s, &s, why, sizeof why), 1);
    const clnas_chain_genotype p = small_net_chain("sepconv5x5-32 | maxpool3x3 | identity + skip(1) | conv7x7-64/s2 | "
                                         "avgpool3x3 | conv1x1-64 + skip(4)");
    assert_int_equal(clnas_chain_is_path(&s, &p, why, sizeof why), 1);
    const clnas_chain_genotype small = small_net_chain(SKELETON);
    assert_not_path(&small, "conv3x3-16 | conv3x3-16 | avgpool3x3 + skip(1) | avgpool3x3/s2",
                    "layer 4: the supernet's layer holds no avgpool3x3");
    assert_not_path(&s, "conv3x3-32 | conv3x3-32 | conv3x3-32 + skip(1) | conv3x3-64/s2 | conv3x3-64 | "
                        "conv3x3-128 + skip(4)", "layer 6: the supernet's layer holds no conv3x3-128");
    assert_not_path(&s, "conv3x3-32 | conv3x3-32 | conv3x3-32 + skip(1) | conv3x3-64 | conv3x3-64 | "
                        "conv3x3-64 + skip(4)", "layer 4: another stride or joins");
    assert_not_path(&s, "conv3x3-32 | conv3x3-32", "2 layers, the skeleton has 6");
}

/* The space of a skeleton's paths: samples reach every op of every layer, a mutation changes one layer's op, the
 * neighbours are every such change once; strings are the chain space's. */
static void test_path_space(void **state)
{
    (void)state;
    const clnas_chain_genotype s = small_net_chain(CLNAS_CHAIN_SKELETON_DEFAULT);
    clnas_chain_paths *paths = NULL;
    clnas_error err;
    assert_int_equal(clnas_chain_paths_new(&s, &paths, &err), CLNAS_OK);
    const clnas_space_iface *space = &paths->iface;
    assert_int_equal(space->decisions, 0);
    clnas_rng rng;
    clnas_rng_seed(&rng, 5);
    uint16_t seen[CLNAS_CHAIN_MAX_LAYERS] = {0};
    char why[200], text[CLNAS_SPACE_STR_MAX];
    for (int n = 0; n < 300; n++) {
        clnas_space_genotype g, child, back;
        space->sample(space, &rng, &g);
        clnas_chain_genotype c;
        memcpy(&c, g.u.bytes, sizeof c);
        if (!clnas_chain_is_path(&s, &c, why, sizeof why))
            fail_msg("sample %d: %s", n, why);
        for (int i = 0; i < c.nlayers; i++)
            seen[i] |= (uint16_t)(1u << clnas_chain_path_op_of(&c.layer[i]));
        assert_int_equal(space->format(&g, text, sizeof text, &err), CLNAS_OK);
        assert_int_equal(space->parse(text, &back, &err), CLNAS_OK);
        assert_true(clnas_space_genotype_equal(&g, &back));
        space->mutate(&g, &rng, &child);
        clnas_chain_genotype m;
        memcpy(&m, child.u.bytes, sizeof m);
        assert_int_equal(clnas_chain_is_path(&s, &m, why, sizeof why), 1);
        int differ = 0;
        for (int i = 0; i < c.nlayers; i++)
            differ += clnas_chain_path_op_of(&c.layer[i]) != clnas_chain_path_op_of(&m.layer[i]);
        assert_int_equal(differ, 1);
    }
    for (int i = 0; i < s.nlayers; i++)
        assert_int_equal(seen[i], paths->mask[i]);
    clnas_space_genotype g, out[64];
    space->sample(space, &rng, &g);
    const int n = space->neighbours(&g, out, 64);
    assert_int_equal(n, 5 + 8 + 8 + 5 + 8 + 8); /* every other op of every layer */
    for (int i = 0; i < n; i++) {
        clnas_chain_genotype c;
        memcpy(&c, out[i].u.bytes, sizeof c);
        assert_int_equal(clnas_chain_is_path(&s, &c, why, sizeof why), 1);
        assert_false(clnas_space_genotype_equal(&out[i], &g));
        for (int j = 0; j < i; j++)
            assert_false(clnas_space_genotype_equal(&out[i], &out[j]));
    }
    clnas_chain_paths_free(paths);
}

static clnas_net_config chain_net(const char *arch)
{
    clnas_net_config c;
    small_net_config(&c, NULL, 4, 1, BATCH, SIDE);
    c.space = CLNAS_NET_CHAIN;
    c.chain_genotype = small_net_chain(arch);
    return c;
}

/* The layout: each (layer, op with parameters) once, named after its op; the stem and the classifier once. */
static void test_layout_names_every_layer_op(void **state)
{
    (void)state;
    clnas_net_config c = chain_net(SKELETON);
    int modules = 0;
    clnas_supernet_layout l = layout_check_build(&c, &modules);
    assert_int_equal(modules, 4 * 6); /* the six convolutions of each of the four layers */
    assert_true(clnas_supernet_layout_find(&l, "layers.0.conv.weight") >= 0);
    assert_true(clnas_supernet_layout_find(&l, "layers.2.sepconv5x5.depthwise.weight") >= 0);
    assert_true(clnas_supernet_layout_find(&l, "layers.3.conv3x3.conv.weight") >= 0); /* the pool's layer */
    assert_true(clnas_supernet_layout_find(&l, "layers.4.conv1x1.bn.running_var") >= 0);
    assert_true(clnas_supernet_layout_find(&l, "classifier.weight") >= 0);
    assert_true(clnas_supernet_layout_find(&l, "layers.1.conv.weight") < 0);
    clnas_supernet_layout_free(&l);
}

static clnas_supernet *new_supernet(device_fixture *f)
{
    clnas_net_config c = chain_net(SKELETON);
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_supernet *sn = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_supernet_new(f->dev, f->cache, &c, &op_set, 4, NULL, &sn, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(clnas_supernet_init(sn, 7, &err), CLNAS_OK);
    return sn;
}

/* The first two values of a path's parameter. */
static void head2(clnas_model *m, const char *name, double *out)
{
    const clnas_plan *plan = clnas_model_plan(m);
    const int i = clnas_plan_find_param(plan, name);
    assert_true(i >= 0);
    double *all = malloc(plan->params[i].count * sizeof *all);
    clnas_error err;
    assert_non_null(all);
    assert_int_equal(clnas_model_get(m, name, all, plan->params[i].count, &err), CLNAS_OK);
    out[0] = all[0];
    out[1] = all[1];
    free(all);
}

static clnas_model *get_path(clnas_supernet *sn, const char *arch)
{
    const clnas_chain_genotype g = small_net_chain(arch);
    clnas_model *path = NULL;
    clnas_error err;
    if (clnas_supernet_path_chain(sn, &g, &path, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return path;
}

/* Forward, backward and one update of paths (the skeleton, and paths with every kind of op) equal the stand-alone
 * chain network's with the same weights; a genotype that is no path is refused with the layer named. */
static void test_path_equals_standalone(void **state)
{
    device_fixture *f = *state;
    static const char *const archs[] = {
        SKELETON,
        "sepconv3x3-16 | maxpool3x3 | conv5x5-16 + skip(1) | sepconv5x5-32/s2",
        "conv1x1-16 | identity | maxpool3x3 + skip(1) | conv7x7-32/s2",
        "conv7x7-16 | sepconv5x5-16 | identity + skip(1) | conv1x1-32/s2",
    };
    clnas_supernet *sn = new_supernet(f);
    clnas_error err;
    clnas_error_clear(&err);
    for (int p = 0; p < 4; p++) {
        clnas_net_config c = chain_net(archs[p]);
        clnas_model *path = get_path(sn, archs[p]), *alone = NULL;
        if (clnas_model_build(f->dev, f->cache, &c, &alone, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        float images[BATCH * SIDE * SIDE];
        int32_t labels[BATCH];
        small_fixed_batch(images, labels, BATCH, SIDE, 60 + (uint64_t)p);
        path_check_against_standalone(path, alone, clnas_supernet_get_layout(sn)->param_elems, images, labels, BATCH,
                                      0.0);
        clnas_model_free(alone);
    }
    const clnas_chain_genotype bad = small_net_chain("conv3x3-16 | conv3x3-16 | avgpool3x3 + skip(1) | avgpool3x3/s2");
    clnas_model *none = NULL;
    assert_int_equal(clnas_supernet_path_chain(sn, &bad, &none, &err), CLNAS_ERR_INVALID_ARG);
    assert_null(none);
    assert_non_null(strstr(err.message, "is not a path of the chain supernet of skeleton " SKELETON));
    assert_non_null(strstr(err.message, "layer 4: the supernet's layer holds no avgpool3x3"));
    clnas_supernet_free(sn);
}

/* A step of one path moves the stem, the classifier and its own (layer, op) modules only: another path differing
 * in layer 2 sees the shared ones moved and its own layer 2 unchanged. */
static void test_paths_share_weights(void **state)
{
    device_fixture *f = *state;
    clnas_supernet *sn = new_supernet(f);
    clnas_model *a = get_path(sn, "conv3x3-16 | conv5x5-16 | avgpool3x3 + skip(1) | conv3x3-32/s2");
    clnas_model *b = get_path(sn, "conv3x3-16 | sepconv3x3-16 | avgpool3x3 + skip(1) | conv3x3-32/s2");
    static const char *const shared[] = {"layers.0.conv.weight", "layers.1.conv.weight", "layers.4.bn.weight",
                                         "classifier.weight"};
    clnas_error err;
    clnas_error_clear(&err);
    double before[4][2], after[4][2], own[2], own_after[2];
    for (int i = 0; i < 4; i++)
        head2(a, shared[i], before[i]);
    head2(a, "layers.2.conv.weight", own);
    float images[BATCH * SIDE * SIDE];
    int32_t labels[BATCH];
    small_fixed_batch(images, labels, BATCH, SIDE, 9);
    assert_int_equal(clnas_model_set_batch(b, images, labels, &err), CLNAS_OK);
    assert_int_equal(clnas_model_step(b, 0.1, NULL, NULL, &err), CLNAS_OK);
    for (int i = 0; i < 4; i++) {
        head2(a, shared[i], after[i]);
        if (before[i][0] == after[i][0] && before[i][1] == after[i][1])
            fail_msg("%s: shared but not moved by the other path's step", shared[i]);
    }
    head2(a, "layers.2.conv.weight", own_after);
    assert_true(own[0] == own_after[0] && own[1] == own_after[1]);
    clnas_supernet_free(sn);
}

/* `clnas search` with configs/spos.json on space chain, shrunk: the supernet line, a best.json of space chain whose
 * arch is a path of the skeleton; bad skeletons for darts and gdas, and a skeleton on another space, refused. */
static void test_search_writes_best(void **state)
{
    (void)state;
    if (access(CLNAS_DEFAULT_DATA_DIR, R_OK) != 0)
        skip();
    char *dir = scratch_dir_new("spos-chain-search");
    assert_non_null(dir);
    static char out[1 << 16];
    const char *sets = "--set space.name=chain --set proxy.channels=4 --set 'strategy.skeleton=" SKELETON "' "
                       "--set dataset.train_subset=16 --set dataset.validation_size=16 --set proxy.batch=8 "
                       "--set proxy.epochs=1 --set strategy.bn_batches=1 --set strategy.population=2 "
                       "--set strategy.sample_size=2 --set strategy.cycles=2";
    assert_int_equal(search_fixture_run_cli("spos.json", sets, dir, out, sizeof out), 0);
    assert_non_null(strstr(out, "one-shot SPOS on space chain (supernet of skeleton " SKELETON ", stem width 4: per "
                                "layer the ops that keep its output's shape, 2916 paths"));
    assert_non_null(strstr(out, "supernet arena: "));
    char path[1100];
    snprintf(path, sizeof path, "%s/run/best.json", dir);
    cJSON *best = search_fixture_read_json(path);
    const cJSON *space = cJSON_GetObjectItemCaseSensitive(best, "space");
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(best, "arch");
    assert_true(cJSON_IsString(space) && strcmp(space->valuestring, "chain") == 0);
    assert_true(cJSON_IsString(arch));
    const clnas_chain_genotype skeleton = small_net_chain(SKELETON), found = small_net_chain(arch->valuestring);
    char why[200];
    if (!clnas_chain_is_path(&skeleton, &found, why, sizeof why))
        fail_msg("best.json arch %s: %s", arch->valuestring, why);
    cJSON_Delete(best);
    /* rank-eval on the run: the sampled architectures are paths of the skeleton, scored by the supernet and trained
     * stand-alone */
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --supernet '%s/run' --archs 3 2>&1", CLNAS_TOOL_PATH, dir);
    if (search_fixture_run(cmd, out, sizeof out) != 0)
        fail_msg("%s", out);
    assert_non_null(strstr(out, "space chain"));
    assert_non_null(strstr(out, "stand-alone: stem width 4"));
    assert_non_null(strstr(out, "Kendall tau:"));
    snprintf(path, sizeof path, "%s/run/rank_eval.json", dir);
    cJSON *j = search_fixture_read_json(path), *row;
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "rows");
    assert_int_equal(cJSON_GetArraySize(rows), 3);
    cJSON_ArrayForEach(row, rows) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(row, "arch");
        assert_true(cJSON_IsString(a));
        const clnas_chain_genotype g = small_net_chain(a->valuestring);
        if (!clnas_chain_is_path(&skeleton, &g, why, sizeof why))
            fail_msg("rank_eval.json arch %s: %s", a->valuestring, why);
    }
    cJSON_Delete(j);
    scratch_dir_remove(dir);
    free(dir);

    static const char *const refused[][2] = {
        {"--set space.name=chain --set 'strategy.skeleton=conv3x3-16 | conv3x3-16 | conv3x3-17'",
         "strategy.skeleton: "},
        {"--set space.name=chain --set strategy.skeleton=3", "strategy.skeleton: expected a chain genotype string"},
        {"--set 'strategy.skeleton=conv3x3-16'", "strategy.skeleton: the chain space's skeleton; this run's space "
                                                 "is nb201"},
        {"--set space.name=chain --set 'strategy.skeleton=conv3x3-16 | conv3x3-17'", "strategy.skeleton: "},
    };
    for (int i = 0; i < 4; i++) {
        dir = scratch_dir_new("spos-chain-refused");
        assert_non_null(dir);
        const char *config = i == 0 ? "darts.json" : i == 1 ? "gdas.json" : "spos.json";
        assert_int_not_equal(search_fixture_run_cli(config, refused[i][0], dir, out, sizeof out), 0);
        if (!strstr(out, refused[i][1]))
            fail_msg("%s: expected \"%s\" in:\n%s", refused[i][0], refused[i][1], out);
        search_fixture_assert_no_journal(dir);
        scratch_dir_remove(dir);
        free(dir);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_masks),
        cmocka_unit_test(test_path_space),
        cmocka_unit_test(test_layout_names_every_layer_op),
        cmocka_unit_test_setup_teardown(test_path_equals_standalone, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_paths_share_weights, device_fixture_with_cache, device_fixture_teardown),
        cmocka_unit_test(test_search_writes_best),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
