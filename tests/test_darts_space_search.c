/* clnas — DARTS over the DARTS cell space end to end: the loop moves both cell types' alpha on a synthetic dataset,
 * `clnas search` writes best.json with "space": "darts" and an arch that parses, the admission refuses a search
 * network too large for the device, and the space and depth from space.name and proxy.layers. */
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

#include "clnas/data.h"
#include "clnas/darts_genotype.h"
#include "darts.h"
#include "darts_checkpoint.h"
#include "darts_config.h"
#include "darts_space.h"
#include "device_fixture.h"
#include "executor.h"
#include "journal.h"
#include "svg_plot.h"
#include "model_build.h"
#include "scratch_dir.h"
#include "search_fixture.h"

#define IMAGES 24
#define HW 8
#define BATCH 4

static clnas_status on_epoch(const clnas_darts_epoch *e, void *user, clnas_error *err)
{
    (void)err;
    epochs_seen *s = user;
    assert_true(e->darts_space);
    clnas_error verr;
    assert_int_equal(clnas_darts_genotype_validate(&e->derived_darts, &verr), CLNAS_OK);
    assert_true(e->skip_share_derived >= 0.0 && e->skip_share_derived <= 1.0);
    assert_true(e->skip_prob_mean > 0.0 && e->skip_prob_mean < 1.0);
    assert_true(isfinite(e->train_loss) && isfinite(e->val_loss));
    epochs_seen_count(s);
    return CLNAS_OK;
}

static clnas_model *model_ok(device_fixture *fx)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_DARTS;
    cfg.darts_search = 1;
    cfg.channels = 2;
    cfg.layers = 3;
    cfg.batch = BATCH;
    cfg.height = cfg.width = HW;
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 3, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return m;
}

/* Stopped after epoch 1 and resumed on a fresh network through the checkpoint (arenas and the 28 x 8 alpha with
 * Adam's state): the same alpha and weights as two uninterrupted epochs. */
static void test_resume_matches_uninterrupted(void **state)
{
    clnas_dataset train = search_fixture_synthetic(IMAGES, HW, 1), val = search_fixture_synthetic(IMAGES, HW, 2);
    clnas_error err;
    clnas_alpha start, a_alpha, b_alpha;
    assert_int_equal(clnas_alpha_init(&start, CLNAS_DARTS_SPACE_ALPHA_EDGES, CLNAS_DARTS_OPS, 4, &err), CLNAS_OK);
    clnas_model *a = model_ok(*state), *b = model_ok(*state), *c = model_ok(*state);
    a_alpha = b_alpha = start;
    epochs_seen seen_a = {0}, seen_b = {0}, seen_c = {0};
    clnas_darts_options o = search_fixture_options(0, &seen_a, on_epoch);
    int done = 0;
    assert_int_equal(clnas_darts_search(a, &a_alpha, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 2);
    o = search_fixture_options(0, &seen_b, on_epoch);
    seen_b.stop_after = 1;
    assert_int_equal(clnas_darts_search(b, &b_alpha, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 1);
    search_fixture_checkpoint_round_trip(b, c, &b_alpha);
    assert_int_equal(b_alpha.edges, CLNAS_DARTS_SPACE_ALPHA_EDGES);
    o = search_fixture_options(1, &seen_c, on_epoch);
    assert_int_equal(clnas_darts_search(c, &b_alpha, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 2);
    search_fixture_assert_same_end(a, &a_alpha, c, &b_alpha);
    clnas_model_free(a);
    clnas_model_free(b);
    clnas_model_free(c);
    clnas_dataset_free(&train);
    clnas_dataset_free(&val);
}

/* Two epochs of the loop over a 3-layer search network (a normal and two reduction cells): every row of alpha moves,
 * the normal cells' and the reduction cells'. */
static void test_loop_moves_both_cell_types(void **state)
{
    device_fixture *fx = *state;
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_DARTS;
    cfg.darts_search = 1;
    cfg.channels = 2;
    cfg.layers = 3;
    cfg.batch = BATCH;
    cfg.height = cfg.width = HW;
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 3, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_dataset train = search_fixture_synthetic(IMAGES, HW, 1), val = search_fixture_synthetic(IMAGES, HW, 2);
    clnas_alpha alpha, start;
    assert_int_equal(clnas_alpha_init(&alpha, CLNAS_DARTS_SPACE_ALPHA_EDGES, CLNAS_DARTS_OPS, 4, &err), CLNAS_OK);
    start = alpha;
    epochs_seen seen = {0};
    clnas_darts_options opt = search_fixture_options(0, &seen, on_epoch);
    int done = 0;
    if (clnas_darts_search(m, &alpha, &train, &val, &opt, &done, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(done, 2);
    assert_int_equal(seen.count, 2);
    for (int r = 0; r < CLNAS_DARTS_SPACE_ALPHA_EDGES; r++) {
        double moved = 0;
        for (int k = 0; k < CLNAS_DARTS_OPS; k++)
            moved = fmax(moved, fabs(alpha.alpha[r][k] - start.alpha[r][k]));
        if (!(moved > 1e-4))
            fail_msg("alpha row %d (%s edge %d) moved only %g", r, r < 14 ? "normal" : "reduce", r % 14, moved);
    }
    /* an NB201-shaped alpha is refused by the DARTS-space network */
    clnas_alpha nb;
    assert_int_equal(clnas_alpha_init(&nb, CLNAS_NB201_EDGES, CLNAS_NB201_OPS, 4, &err), CLNAS_OK);
    assert_int_equal(clnas_darts_set_edge_weights(m, &nb, &err), CLNAS_ERR_INVALID_ARG);
    clnas_dataset_free(&train);
    clnas_dataset_free(&val);
    clnas_model_free(m);
}

/* `clnas search` with the shipped config, shrunk: best.json names the DARTS space and an arch that parses, one
 * line per epoch in journal.jsonl (what `clnas report` shows), the admission's figures printed. */
static void test_search_writes_best(void **state)
{
    (void)state;
    if (access(CLNAS_DEFAULT_DATA_DIR, R_OK) != 0)
        skip();
    char *dir = scratch_dir_new("darts-space");
    assert_non_null(dir);
    static char out[1 << 16];
    const char *sets = "--set proxy.channels=2 --set proxy.layers=3 --set dataset.train_subset=16 "
                       "--set dataset.validation_size=16 --set proxy.batch=8 --set strategy.epochs=2";
    assert_int_equal(search_fixture_run_cli("darts-space-darts.json", sets, dir, out, sizeof out), 0);
    assert_non_null(strstr(out, "DARTS search network (DARTS space): "));
    assert_non_null(strstr(out, "C=2 layers=3"));
    char arch[CLNAS_SPACE_STR_MAX];
    search_fixture_assert_best_darts(dir, arch, sizeof arch);
    /* the journal an NB201 DARTS run writes: a line per epoch, the derived genotype in DARTS' form (the last one
     * best.json's), alpha of 28 x 8 */
    int n = 0;
    clnas_journal_entry *entries = search_fixture_journal_darts(dir, &n);
    assert_int_equal(n, 2);
    assert_true(clnas_journal_is_epochs(entries, n));
    char last[CLNAS_SPACE_STR_MAX];
    clnas_journal_entry_arch(&entries[1], last, sizeof last);
    assert_string_equal(arch, last);
    char path[1100];
    snprintf(path, sizeof path, "%s/run/best.json", dir);
    cJSON *best = search_fixture_read_json(path);
    assert_true(cJSON_GetObjectItemCaseSensitive(best, "params")->valuedouble > 0);
    cJSON_Delete(best);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(entries[1].extra, "space")->valuestring, "darts");
    clnas_alpha alpha;
    clnas_error err;
    assert_int_equal(clnas_alpha_from_json(cJSON_GetObjectItemCaseSensitive(entries[1].extra, "alpha"), &alpha, &err),
                     CLNAS_OK);
    assert_int_equal(alpha.edges, 28);
    assert_true(entries[1].params > 0 && entries[1].flops > 0);
    clnas_journal_entries_free(entries, n);
    snprintf(path, sizeof path, "%s/run/alpha_epoch_001.svg", dir);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/run/progress.svg", dir);
    assert_int_equal(access(path, R_OK), 0);
    /* clnas report shows it by epoch */
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "'%s' report '%s/run' 2>&1", CLNAS_TOOL_PATH, dir);
    assert_int_equal(search_fixture_run(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "2 epochs of a differentiable search (darts)"));
    assert_non_null(strstr(out, last));
    /* a run of an older clnas (epochs.jsonl, no journal.jsonl) is refused on resume, saying why */
    char moved[1100];
    snprintf(path, sizeof path, "%s/run/journal.jsonl", dir);
    snprintf(moved, sizeof moved, "%s/run/epochs.jsonl", dir);
    assert_int_equal(rename(path, moved), 0);
    snprintf(cmd, sizeof cmd, "'%s' search --resume '%s/run' 2>&1", CLNAS_TOOL_PATH, dir);
    assert_int_equal(search_fixture_run(cmd, out, sizeof out), 1);
    if (!strstr(out, "epochs.jsonl: this DARTS-space run was begun by an older clnas"))
        fail_msg("resume of an older run: %s", out);
    scratch_dir_remove(dir);
    free(dir);
}

/* Too large for the device: refused before anything is built, with the arena figure and what to shrink. */
static void test_refuses_network_too_large(void **state)
{
    (void)state;
    if (access(CLNAS_DEFAULT_DATA_DIR, R_OK) != 0)
        skip();
    char *dir = scratch_dir_new("darts-space-big");
    assert_non_null(dir);
    static char out[8192];
    assert_int_equal(search_fixture_run_cli("darts-space-darts.json", "--set proxy.channels=32 --set proxy.batch=512",
                                            dir, out, sizeof out), 1);
    assert_non_null(strstr(out, "the DARTS search network (DARTS space) needs"));
    assert_non_null(strstr(out, "MiB"));
    assert_non_null(strstr(out, "fewer channels (proxy.channels 32), fewer layers (proxy.layers 5) or a smaller "
                                "batch (proxy.batch 512)"));
    char path[1100];
    snprintf(path, sizeof path, "%s/run/best.json", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    /* so large that a tensor passes 2^31 elements: the plan cannot be compiled, and the error still says so */
    scratch_dir_remove(dir);
    free(dir);
    dir = scratch_dir_new("darts-space-huge");
    assert_non_null(dir);
    assert_int_equal(search_fixture_run_cli("darts-space-darts.json", "--set proxy.channels=256 --set proxy.batch=4096",
                                            dir, out, sizeof out), 1);
    assert_non_null(strstr(out, "the DARTS search network (DARTS space) of 256 channels, 5 layers, batch 4096 cannot "
                                "be compiled (use fewer channels, layers or a smaller batch)"));
    scratch_dir_remove(dir);
    free(dir);
}

/* The space is the config's space.name and the depth proxy.layers, as for every search: the strategy section has
 * no keys of its own for them. */
static void test_config_keys(void **state)
{
    (void)state;
    clnas_darts_config c;
    clnas_error err;
    static const char *const refused[] = {"{\"name\": \"darts\", \"space\": \"darts\"}",
                                          "{\"name\": \"darts\", \"layers\": 8}"};
    static const char *const messages[] = {"strategy.space: unknown key", "strategy.layers: unknown key"};
    for (int k = 0; k < 2; k++) {
        cJSON *s = cJSON_Parse(refused[k]), *resolved = cJSON_CreateObject();
        assert_int_not_equal(clnas_darts_config_parse(s, resolved, &c, &err), CLNAS_OK);
        assert_non_null(strstr(err.message, messages[k]));
        cJSON_Delete(s);
        cJSON_Delete(resolved);
    }
    cJSON *s = cJSON_Parse("{\"name\": \"darts\", \"epochs\": 3}"), *resolved = cJSON_CreateObject();
    assert_int_equal(clnas_darts_config_parse(s, resolved, &c, &err), CLNAS_OK);
    assert_int_equal(c.epochs, 3);
    cJSON_Delete(s);
    cJSON_Delete(resolved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_keys),
        cmocka_unit_test(test_loop_moves_both_cell_types),
        cmocka_unit_test(test_resume_matches_uninterrupted),
        cmocka_unit_test(test_search_writes_best),
        cmocka_unit_test(test_refuses_network_too_large),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
