/* clnas — DARTS and GDAS over the chain space: the chain search network of a skeleton (codegen/build_chain_search.c)
 * in float64 against finite differences of its weights and of alpha through oneshot/darts_chain.c; with one-hot
 * layer weights, and as a GDAS path, equal to the stand-alone chain network of that path; the derivation; the
 * DARTS loop and its resume; and `clnas search` with both strategies on the chain space end to end (journal, heat
 * map, best.json, rank-eval of the GDAS supernet). */
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

#include "build_chain_search.h"
#include "chain_paths.h"
#include "clnas/chain_genotype.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "darts_chain.h"
#include "darts_checkpoint.h"
#include "device_fixture.h"
#include "layout_check.h"
#include "executor.h"
#include "fd_grad.h"
#include "model_build.h"
#include "path_check.h"
#include "plan.h"
#include "scratch_dir.h"
#include "search_fixture.h"
#include "small_net.h"
#include "supernet.h"
#include "supernet_layout.h"

#define BATCH 3
#define SIDE 8
#define STEM 4
/* layer 1 from the stem's 4 channels to 16 (the six convolutions), 2 keeps 16 (all nine ops: two MIXED nodes), 3
 * keeps 16 and sums output 1 (all nine), 4 strided to 32 (convolutions) */
#define SKELETON "conv3x3-16 | conv3x3-16 | conv3x3-16 + skip(1) | conv3x3-32/s2"
#define LAYERS 4
#define OPS CLNAS_CHAIN_PATH_OPS

static clnas_net_config net_config(const char *arch, int search, int gdas)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_CHAIN;
    cfg.chain_genotype = small_net_chain(arch);
    cfg.darts_search = search;
    cfg.gdas = gdas;
    cfg.channels = STEM;
    cfg.height = cfg.width = SIDE;
    cfg.batch = BATCH;
    cfg.fp64 = 1;
    return cfg;
}

static clnas_model *model_ok(device_fixture *fx, const clnas_net_config *cfg, uint64_t seed)
{
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(fx->dev, fx->cache, cfg, &m, &err) != CLNAS_OK ||
        clnas_model_init(m, seed, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return m;
}

static void set_batch(clnas_model *m, uint64_t seed)
{
    double x[BATCH * SIDE * SIDE];
    int32_t labels[BATCH] = {2, 9, 5};
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (int i = 0; i < BATCH * SIDE * SIDE; i++)
        x[i] = clnas_rng_normal(&rng);
    clnas_error err;
    assert_int_equal(clnas_model_set_batch(m, x, labels, &err), CLNAS_OK);
}

/* alpha of the skeleton drawn away from uniform. */
static clnas_alpha spread_alpha(uint64_t seed)
{
    const clnas_chain_genotype sk = small_net_chain(SKELETON);
    clnas_alpha a;
    clnas_error err;
    assert_int_equal(clnas_darts_chain_alpha_init(&a, &sk, seed, &err), CLNAS_OK);
    clnas_rng rng;
    clnas_rng_seed(&rng, seed + 1);
    for (int e = 0; e < a.edges; e++)
        for (int k = 0; k < a.ops; k++)
            if (clnas_alpha_holds(&a, e, k))
                a.alpha[e][k] = clnas_rng_normal(&rng);
    return a;
}

static double loss_at(clnas_model *m, const clnas_alpha *a)
{
    clnas_error err;
    assert_int_equal(clnas_darts_chain_set_edge_weights(m, a, &err), CLNAS_OK);
    return fd_loss_of(m);
}

/* The masks of the skeleton, the search network's layer weights (5 ops in weight, the rest in weight2), and its
 * weights' and alpha's gradients against central differences of the loss. */
static void test_search_network_gradients(void **state)
{
    const clnas_net_config cfg = net_config(SKELETON, 1, 0);
    clnas_model *m = model_ok(*state, &cfg, 3);
    const clnas_plan *plan = clnas_model_plan(m);
    int found = 0;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (strcmp(p->name, "darts.layers.2.weight") == 0 || strcmp(p->name, "darts.layers.3.weight") == 0)
            found += p->count == 5 && p->arena == CLNAS_ARENA_STATE;
        if (strcmp(p->name, "darts.layers.2.weight2") == 0 || strcmp(p->name, "darts.layers.3.weight2") == 0)
            found += p->count == 4;
        if (strcmp(p->name, "darts.layers.1.weight") == 0 || strcmp(p->name, "darts.layers.4.weight") == 0)
            found += p->count == 5;
        if (strcmp(p->name, "darts.layers.1.weight2") == 0 || strcmp(p->name, "darts.layers.4.weight2") == 0)
            found += p->count == 1;
        if (strcmp(p->name, "layers.2.sepconv5x5.bn.weight") == 0) /* non-affine: gamma held as STATE */
            found += p->arena == CLNAS_ARENA_STATE;
        if (strcmp(p->name, "layers.0.bn.weight") == 0) /* the stem's BatchNorm stays affine */
            found += p->arena == CLNAS_ARENA_PARAMS;
    }
    assert_int_equal(found, 10);
    clnas_alpha a = spread_alpha(11);
    assert_int_equal(a.edges, LAYERS);
    assert_int_equal(a.mask[0], 0x3f);
    assert_int_equal(a.mask[1], 0);
    clnas_error err;
    set_batch(m, 21);
    loss_at(m, &a);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    double dalpha[LAYERS * OPS];
    assert_int_equal(clnas_darts_chain_alpha_gradient(m, &a, dalpha, &err), CLNAS_OK);
    clnas_rng rng;
    clnas_rng_seed(&rng, 9);
    int checked = 0;
    int failures = fd_check_params(m, &rng, 1, 1, &checked);
    for (int e = 0; e < LAYERS; e++)
        for (int k = 0; k < OPS; k++) {
            if (!clnas_alpha_holds(&a, e, k)) {
                assert_true(dalpha[e * OPS + k] == 0.0);
                continue;
            }
            clnas_alpha q = a;
            q.alpha[e][k] += FD_STEP;
            const double up = loss_at(m, &q);
            q.alpha[e][k] -= 2 * FD_STEP;
            const double down = loss_at(m, &q);
            char name[64];
            snprintf(name, sizeof name, "alpha layer %d %s", e + 1, clnas_chain_path_op_name(k));
            failures += !fd_check(name, 0, dalpha[e * OPS + k], (up - down) / (2 * FD_STEP));
            checked++;
        }
    printf("chain search network %s: %d gradient elements checked, %d wrong\n", SKELETON, checked, failures);
    clnas_model_free(m);
    assert_int_equal(failures, 0);
}

/* Copies every parameter and running statistic of `path` from the search network src: path the stand-alone chain
 * network of g, or (g NULL) a GDAS path, whose names are the search network's. */
static void copy_into_standalone(clnas_model *src, const clnas_chain_genotype *g, clnas_model *path)
{
    const clnas_plan *plan = clnas_model_plan(path);
    clnas_error err;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (strncmp(p->name, "gdas.", 5) == 0) /* a GDAS path's h: 1 from its init */
            continue;
        char name[CLNAS_NAME_MAX];
        if (g) /* a stand-alone network: its layer names get the op */
            assert_int_equal(clnas_supernet_chain_param_name(g, p->name, name, sizeof name, &err), CLNAS_OK);
        else
            snprintf(name, sizeof name, "%s", p->name);
        double *v = malloc(p->count * sizeof *v);
        if (clnas_model_get(src, name, v, p->count, &err) != CLNAS_OK)
            fail_msg("%s (as %s): %s", p->name, name, err.message);
        assert_int_equal(clnas_model_set(path, p->name, v, p->count, &err), CLNAS_OK);
        free(v);
    }
}

static void forward_logits(clnas_model *m, double *logits, double *loss)
{
    clnas_error err;
    assert_int_equal(clnas_model_forward(m, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_logits(m, logits, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_loss(m, loss, &err), CLNAS_OK);
}

/* With each layer's weights one-hot on the op of a path, the search network computes that path's stand-alone chain
 * network (its BatchNorm gamma 1, beta 0); so does the GDAS path of those ops (h = 1), whose dL/dh is the
 * central difference of the loss in h. The derivation picks each layer's strongest held op. */
static void test_one_hot_and_gdas_path_equal_standalone(void **state)
{
    static const char *const paths[] = {
        "sepconv5x5-16 | identity | maxpool3x3 + skip(1) | conv1x1-32/s2",
        "conv7x7-16 | avgpool3x3 | identity + skip(1) | sepconv3x3-32/s2",
        "conv1x1-16 | sepconv3x3-16 | sepconv5x5-16 + skip(1) | conv5x5-32/s2",
    };
    const clnas_net_config cfg = net_config(SKELETON, 1, 0);
    clnas_model *search = model_ok(*state, &cfg, 5);
    clnas_error err;
    for (int n = 0; n < 3; n++) {
        const clnas_chain_genotype g = small_net_chain(paths[n]);
        char why[200];
        if (!clnas_chain_is_path(&cfg.chain_genotype, &g, why, sizeof why))
            fail_msg("%s: %s", paths[n], why);
        clnas_alpha a = spread_alpha(1);
        for (int e = 0; e < LAYERS; e++)
            for (int k = 0; k < OPS; k++)
                if (clnas_alpha_holds(&a, e, k))
                    a.alpha[e][k] = k == clnas_chain_path_op_of(&g.layer[e]) ? 0.0 : -800.0; /* softmax: one-hot */
        clnas_chain_genotype derived;
        assert_int_equal(clnas_darts_chain_derive(&a, &cfg.chain_genotype, &derived, &err), CLNAS_OK);
        assert_true(clnas_chain_genotype_equal(&derived, &g));
        assert_int_equal(clnas_darts_chain_set_edge_weights(search, &a, &err), CLNAS_OK);
        const clnas_net_config alone_cfg = net_config(paths[n], 0, 0);
        clnas_model *alone = model_ok(*state, &alone_cfg, 9);
        copy_into_standalone(search, &g, alone);
        set_batch(search, 30 + (uint64_t)n);
        set_batch(alone, 30 + (uint64_t)n);
        double z1[BATCH * 10], z2[BATCH * 10], l1, l2;
        forward_logits(search, z1, &l1);
        forward_logits(alone, z2, &l2);
        path_check_close(z1, z2, BATCH * 10, "one-hot search network logits");
        path_check_close(&l1, &l2, 1, "one-hot search network loss");
        /* the GDAS path of g: the search network's names, so the same weights load by name */
        clnas_net_config gcfg = net_config(SKELETON, 1, 1);
        for (int e = 0; e < LAYERS; e++)
            gcfg.gdas_ops[e] = (uint8_t)clnas_chain_path_op_of(&g.layer[e]);
        clnas_model *gpath = model_ok(*state, &gcfg, 13);
        copy_into_standalone(search, NULL, gpath); /* the path's names are the search network's */
        set_batch(gpath, 30 + (uint64_t)n);
        forward_logits(gpath, z1, &l1);
        path_check_close(z1, z2, BATCH * 10, "GDAS path logits");
        assert_int_equal(clnas_model_backward(gpath, &err), CLNAS_OK);
        const double one = 1.0;
        for (int i = 1; i <= LAYERS; i++) {
            char name[64];
            double dh, h;
            snprintf(name, sizeof name, "gdas.layers.%d.h_grad", i);
            assert_int_equal(clnas_model_get(gpath, name, &dh, 1, &err), CLNAS_OK);
            snprintf(name, sizeof name, "gdas.layers.%d.h", i);
            h = 1.0 + FD_STEP;
            assert_int_equal(clnas_model_set(gpath, name, &h, 1, &err), CLNAS_OK);
            const double up = fd_loss_of(gpath);
            h = 1.0 - FD_STEP;
            assert_int_equal(clnas_model_set(gpath, name, &h, 1, &err), CLNAS_OK);
            const double down = fd_loss_of(gpath);
            assert_int_equal(clnas_model_set(gpath, name, &one, 1, &err), CLNAS_OK);
            assert_true(fd_check(name, 0, dh, (up - down) / (2 * FD_STEP)));
        }
        clnas_model_free(gpath);
        clnas_model_free(alone);
    }
    /* a GDAS path asking a layer for an op it cannot hold is refused, naming the layer */
    clnas_net_config bad = net_config(SKELETON, 1, 1);
    bad.gdas_ops[3] = CLNAS_CHAIN_PATH_IDENTITY; /* layer 4 is strided */
    clnas_model *m = NULL;
    assert_int_not_equal(clnas_model_build(((device_fixture *)*state)->dev, ((device_fixture *)*state)->cache, &bad,
                                           &m, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "layer 4 cannot compute op 8 (identity)"));
    clnas_model_free(search);
}

/* GDAS' chain supernet layout: the search network's (layer, op) modules once each, every layer's h in module 0. */
static void test_gdas_layout(void **state)
{
    (void)state;
    clnas_net_config c = net_config(SKELETON, 1, 1);
    int modules = 0;
    clnas_supernet_layout l = layout_check_build(&c, &modules);
    assert_int_equal(modules, 4 * 6); /* the six convolutions of each layer; pools and identity hold nothing */
    const char *const names[] = {"layers.0.conv.weight", "layers.2.sepconv5x5.depthwise.weight",
                                 "layers.4.conv7x7.bn.running_var", "layers.3.sepconv3x3.pointwise.weight",
                                 "gdas.layers.4.h_grad", "classifier.bias"};
    for (int i = 0; i < 6; i++)
        if (clnas_supernet_layout_find(&l, names[i]) < 0)
            fail_msg("no %s in GDAS' chain supernet", names[i]);
    const clnas_supernet_param *h = &l.params[clnas_supernet_layout_find(&l, "gdas.layers.1.h")];
    assert_int_equal(h->module, 0);
    assert_int_equal(h->info.arena, CLNAS_ARENA_STATE);
    clnas_supernet_layout_free(&l);
}

/* GDAS' chain supernet: three of its paths (one per chain genotype, through clnas_supernet_path_chain) run forward,
 * backward and an update over the shared arenas (stale gradients of other paths in them) exactly as a GDAS path
 * model of the same ops built on its own arenas. */
static void test_gdas_supernet_paths_equal_own_models(void **state)
{
    device_fixture *f = *state;
    static const char *const paths[] = {
        SKELETON,
        "sepconv5x5-16 | identity | maxpool3x3 + skip(1) | conv1x1-32/s2",
        "conv7x7-16 | sepconv3x3-16 | avgpool3x3 + skip(1) | sepconv5x5-32/s2",
    };
    clnas_net_config c = net_config(SKELETON, 1, 1);
    c.fp64 = 0; /* path_check_against_standalone feeds float images */
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_supernet *sn = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_supernet_new(f->dev, f->cache, &c, &op_set, 4, NULL, &sn, &err) != CLNAS_OK ||
        clnas_supernet_init(sn, 7, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    for (int n = 0; n < 3; n++) {
        const clnas_chain_genotype g = small_net_chain(paths[n]);
        for (int e = 0; e < LAYERS; e++)
            c.gdas_ops[e] = (uint8_t)clnas_chain_path_op_of(&g.layer[e]);
        clnas_model *path = NULL, *alone = NULL;
        if (clnas_supernet_path_chain(sn, &g, &path, &err) != CLNAS_OK ||
            clnas_model_build(f->dev, f->cache, &c, &alone, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        float images[BATCH * SIDE * SIDE];
        int32_t labels[BATCH];
        small_fixed_batch(images, labels, BATCH, SIDE, 70 + (uint64_t)n);
        path_check_against_standalone(path, alone, clnas_supernet_get_layout(sn)->param_elems, images, labels, BATCH,
                                      0.0);
        clnas_model_free(alone);
    }
    clnas_supernet_free(sn);
}

static clnas_status on_epoch(const clnas_darts_epoch *e, void *user, clnas_error *err)
{
    (void)err;
    epochs_seen *s = user;
    assert_true(e->chain_space);
    const clnas_chain_genotype sk = small_net_chain(SKELETON);
    char why[200];
    if (!clnas_chain_is_path(&sk, &e->derived_chain, why, sizeof why))
        fail_msg("epoch %d's derived network: %s", e->epoch, why);
    assert_true(e->skip_prob_mean > 0.0 && e->skip_prob_mean < 1.0); /* identity's mean softmax */
    assert_true(isfinite(e->train_loss) && isfinite(e->val_loss));
    epochs_seen_count(s);
    return CLNAS_OK;
}

static clnas_model *loop_model(device_fixture *fx)
{
    clnas_net_config cfg = net_config(SKELETON, 1, 0);
    cfg.fp64 = 0;
    cfg.batch = 4;
    return model_ok(fx, &cfg, 3);
}

/* The DARTS loop over the chain search network: every held op's alpha moves and the others stay 0; a run stopped
 * after epoch 1 and resumed on a fresh network through the checkpoint ends with the uninterrupted run's alpha and
 * weights. */
static void test_loop_and_resume(void **state)
{
    clnas_dataset train = search_fixture_synthetic(24, SIDE, 1), val = search_fixture_synthetic(24, SIDE, 2);
    const clnas_chain_genotype sk = small_net_chain(SKELETON);
    clnas_error err;
    clnas_alpha start, a_alpha, b_alpha;
    assert_int_equal(clnas_darts_chain_alpha_init(&start, &sk, 4, &err), CLNAS_OK);
    clnas_model *a = loop_model(*state), *b = loop_model(*state), *c = loop_model(*state);
    a_alpha = b_alpha = start;
    epochs_seen seen_a = {0}, seen_b = {0}, seen_c = {0};
    clnas_darts_options o = search_fixture_options(0, &seen_a, on_epoch);
    o.chain_skeleton = &sk;
    int done = 0;
    assert_int_equal(clnas_darts_search(a, &a_alpha, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 2);
    for (int e = 0; e < LAYERS; e++)
        for (int k = 0; k < OPS; k++)
            if (clnas_alpha_holds(&start, e, k))
                assert_true(a_alpha.alpha[e][k] != start.alpha[e][k]);
            else
                assert_true(a_alpha.alpha[e][k] == 0.0 && a_alpha.adam_v[e][k] == 0.0);
    o = search_fixture_options(0, &seen_b, on_epoch);
    o.chain_skeleton = &sk;
    seen_b.stop_after = 1;
    assert_int_equal(clnas_darts_search(b, &b_alpha, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 1);
    search_fixture_checkpoint_round_trip(b, c, &b_alpha);
    assert_memory_equal(b_alpha.mask, start.mask, sizeof start.mask);
    o = search_fixture_options(1, &seen_c, on_epoch);
    o.chain_skeleton = &sk;
    assert_int_equal(clnas_darts_search(c, &b_alpha, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 2);
    search_fixture_assert_same_end(a, &a_alpha, c, &b_alpha);
    clnas_model_free(a);
    clnas_model_free(b);
    clnas_model_free(c);
    clnas_dataset_free(&train);
    clnas_dataset_free(&val);
}

/* The epoch lines of a run's journal: their archs (paths of skeleton) with the space and the masked alpha. */
static int journal_archs(const char *dir, const char *skeleton, char archs[][CLNAS_CHAIN_GENOTYPE_STR_MAX], int cap)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/journal.jsonl", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char line[1 << 16];
    int n = 0;
    const clnas_chain_genotype sk = small_net_chain(skeleton);
    while (fgets(line, sizeof line, f) && n < cap) {
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        const cJSON *arch = cJSON_GetObjectItemCaseSensitive(j, "arch");
        const cJSON *space = cJSON_GetObjectItemCaseSensitive(j, "space");
        const cJSON *alpha = cJSON_GetObjectItemCaseSensitive(j, "alpha");
        assert_true(cJSON_IsString(arch) && cJSON_IsString(space) && strcmp(space->valuestring, "chain") == 0);
        assert_non_null(cJSON_GetObjectItemCaseSensitive(alpha, "mask"));
        const clnas_chain_genotype g = small_net_chain(arch->valuestring);
        char why[200];
        if (!clnas_chain_is_path(&sk, &g, why, sizeof why))
            fail_msg("journal line %d: %s: %s", n, arch->valuestring, why);
        snprintf(archs[n++], CLNAS_CHAIN_GENOTYPE_STR_MAX, "%s", arch->valuestring);
        cJSON_Delete(j);
    }
    fclose(f);
    return n;
}

/* two layers on Fashion-MNIST's 28 x 28 images: the six convolutions, then all nine ops */
#define CLI_SKELETON "conv3x3-16 | conv3x3-16"
#define SETS                                                                                                      \
    "--set space.name=chain --set proxy.channels=4 --set 'strategy.skeleton=" CLI_SKELETON "' "                  \
    "--set dataset.train_subset=32 --set dataset.validation_size=16 --set proxy.batch=8 "

/* `clnas search` with configs/darts.json and configs/gdas.json on the chain space: a journal line per epoch with the
 * derived network and the masked alpha, the heat map, best.json of space chain; rank-eval scores the GDAS
 * supernet's paths. */
static void test_search_cli(void **state)
{
    (void)state;
    if (access(CLNAS_DEFAULT_DATA_DIR, R_OK) != 0)
        skip();
    static char out[1 << 16];
    static char archs[4][CLNAS_CHAIN_GENOTYPE_STR_MAX];
    char path[1100], cmd[2400];
    char *dir = scratch_dir_new("darts-chain");
    assert_non_null(dir);
    assert_int_equal(search_fixture_run_cli("darts.json", SETS "--set strategy.epochs=2 --set strategy.derive_epochs=2",
                                            dir, out, sizeof out), 0);
    assert_non_null(strstr(out, "search network chain space: a skeleton of 2 layers"));
    assert_non_null(strstr(out, "identity: "));
    snprintf(path, sizeof path, "%s/run/alpha_epoch_001.svg", dir);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/run/best.json", dir);
    cJSON *best = search_fixture_read_json(path);
    const cJSON *space = cJSON_GetObjectItemCaseSensitive(best, "space");
    const cJSON *rule = cJSON_GetObjectItemCaseSensitive(best, "rule");
    assert_true(cJSON_IsString(space) && strcmp(space->valuestring, "chain") == 0);
    assert_true(cJSON_IsString(rule) && strstr(rule->valuestring, "every layer's strongest op"));
    cJSON_Delete(best);
    snprintf(path, sizeof path, "%s/run", dir);
    assert_int_equal(journal_archs(path, CLI_SKELETON, archs, 4), 2);
    scratch_dir_remove(dir);
    free(dir);

    dir = scratch_dir_new("gdas-chain");
    assert_non_null(dir);
    assert_int_equal(search_fixture_run_cli("gdas.json", SETS "--set strategy.epochs=1 --set strategy.warm_up=false",
                                            dir, out, sizeof out), 0);
    assert_non_null(strstr(out, "GDAS supernet: "));
    snprintf(path, sizeof path, "%s/run", dir);
    assert_int_equal(journal_archs(path, CLI_SKELETON, archs, 4), 1);
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --supernet '%s/run' --archs 3 2>&1", CLNAS_TOOL_PATH, dir);
    if (search_fixture_run(cmd, out, sizeof out) != 0)
        fail_msg("%s", out);
    assert_non_null(strstr(out, "space chain, GDAS"));
    assert_non_null(strstr(out, "Kendall tau:"));
    scratch_dir_remove(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_search_network_gradients, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_one_hot_and_gdas_path_equal_standalone, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test(test_gdas_layout),
        cmocka_unit_test_setup_teardown(test_gdas_supernet_paths_equal_own_models, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_loop_and_resume, device_fixture_with_cache, device_fixture_teardown),
        cmocka_unit_test(test_search_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
