/* clnas — the DARTS search loop on a tiny synthetic dataset: alpha moves, the epoch reports, and a run resumed after
 * its first epoch (weights, momenta, statistics and alpha restored) ends where an uninterrupted one does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "darts.h"
#include "darts_checkpoint.h"
#include "device_fixture.h"
#include "executor.h"
#include "model_build.h"
#include "plan.h"
#include "scratch_dir.h"
#include "search_fixture.h"

#define IMAGES 24
#define HW 8
#define BATCH 4

static clnas_model *model_ok(device_fixture *fx)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.channels = 2;
    cfg.cells = 1;
    cfg.batch = BATCH;
    cfg.height = cfg.width = HW;
    cfg.darts = 1;
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 3, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return m;
}

static clnas_status on_epoch(const clnas_darts_epoch *e, void *user, clnas_error *err)
{
    (void)err;
    epochs_seen *s = user;
    assert_int_equal(e->epoch, s->count);
    assert_true(e->val_accuracy >= 0.0 && e->val_accuracy <= 1.0 && isfinite(e->train_loss));
    assert_true(e->skip_share_derived >= 0.0 && e->skip_share_derived <= 1.0);
    assert_true(e->skip_prob_mean > 0.0 && e->skip_prob_mean < 1.0);
    epochs_seen_count(s);
    return CLNAS_OK;
}

/* The two splits every search here runs on, and alpha's start. */
static clnas_alpha search_start(clnas_dataset *train, clnas_dataset *val)
{
    *train = search_fixture_synthetic(IMAGES, HW, 1);
    *val = search_fixture_synthetic(IMAGES, HW, 2);
    clnas_alpha start;
    clnas_error err;
    assert_int_equal(clnas_alpha_init(&start, CLNAS_NB201_EDGES, CLNAS_NB201_OPS, 4, &err), CLNAS_OK);
    return start;
}

static void test_search_and_resume(void **state)
{
    clnas_dataset train, val;
    const clnas_alpha start = search_start(&train, &val);
    clnas_error err;

    /* uninterrupted: 2 epochs */
    clnas_model *a = model_ok(*state);
    clnas_alpha alpha_a = start;
    epochs_seen seen_a = {0, 0, 0};
    clnas_darts_options o = search_fixture_options(0, &seen_a, on_epoch);
    int done = 0;
    if (clnas_darts_search(a, &alpha_a, &train, &val, &o, &done, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(done, 2);
    assert_int_equal(seen_a.count, 2);
    assert_int_equal(alpha_a.adam_step, 2 * (IMAGES / BATCH));
    const double moved = search_fixture_alpha_moved(&start, &alpha_a);
    printf("alpha moved by up to %.4f in %ld Adam steps\n", moved, alpha_a.adam_step);
    assert_true(moved > 0.01);

    /* stopped after epoch 1, then resumed on a fresh model with the arenas and alpha restored from its checkpoint */
    clnas_model *b = model_ok(*state);
    clnas_alpha alpha_b = start;
    epochs_seen seen_b = {0, 1, 0};
    o = search_fixture_options(0, &seen_b, on_epoch);
    seen_b.stop_after = 1;
    assert_int_equal(clnas_darts_search(b, &alpha_b, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 1);
    assert_int_equal(alpha_b.adam_step, IMAGES / BATCH);
    clnas_model *c = model_ok(*state);
    search_fixture_checkpoint_round_trip(b, c, &alpha_b);
    epochs_seen seen_c = {0, 0, 0};
    o = search_fixture_options(1, &seen_c, on_epoch);
    assert_int_equal(clnas_darts_search(c, &alpha_b, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 2);
    search_fixture_assert_same_end(a, &alpha_a, c, &alpha_b);
    clnas_model_free(a);
    clnas_model_free(b);
    clnas_model_free(c);
    clnas_dataset_free(&train);
    clnas_dataset_free(&val);
}

/* What each epoch reported: its alpha, the derived cell and how many epochs' alpha it averaged. */
typedef struct epoch_record {
    epochs_seen seen;
    clnas_alpha alpha[2];
    clnas_genotype derived[2];
    int derived_from[2];
} epoch_record;

static clnas_status record_epoch(const clnas_darts_epoch *e, void *user, clnas_error *err)
{
    epoch_record *r = user;
    r->alpha[e->epoch] = *e->alpha;
    r->derived[e->epoch] = e->derived;
    r->derived_from[e->epoch] = e->derived_from;
    return on_epoch(e, &r->seen, err);
}

static clnas_darts_options record_options(int start, epoch_record *r)
{
    clnas_darts_options o = search_fixture_options(start, &r->seen, record_epoch);
    o.user = r;
    o.derive_epochs = 2;
    return o;
}

/* strategy.derive_epochs 2: epoch 0's cell is its alpha's, epoch 1's that of the two epochs' softmax averaged; a
 * run resumed after epoch 0 with epoch 0's alpha as its history derives epoch 1's cell as the uninterrupted run. */
static void test_derive_averages_epochs(void **state)
{
    clnas_dataset train, val;
    const clnas_alpha start = search_start(&train, &val);
    clnas_error err;
    clnas_model *a = model_ok(*state);
    clnas_alpha alpha_a = start;
    epoch_record ra;
    memset(&ra, 0, sizeof ra);
    clnas_darts_options o = record_options(0, &ra);
    int done = 0;
    if (clnas_darts_search(a, &alpha_a, &train, &val, &o, &done, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(done, 2);
    assert_int_equal(ra.derived_from[0], 1);
    assert_int_equal(ra.derived_from[1], 2);
    clnas_genotype g;
    clnas_alpha avg;
    assert_int_equal(clnas_alpha_derive(&ra.alpha[0], &g, &err), CLNAS_OK);
    assert_memory_equal(g.ops, ra.derived[0].ops, sizeof g.ops);
    assert_int_equal(clnas_alpha_average(ra.alpha, 2, &avg, &err), CLNAS_OK);
    assert_int_equal(clnas_alpha_derive(&avg, &g, &err), CLNAS_OK);
    assert_memory_equal(g.ops, ra.derived[1].ops, sizeof g.ops);

    clnas_model *b = model_ok(*state), *c = model_ok(*state);
    clnas_alpha alpha_b = start;
    epoch_record rb, rc;
    memset(&rb, 0, sizeof rb);
    memset(&rc, 0, sizeof rc);
    o = record_options(0, &rb);
    rb.seen.stop_after = 1;
    assert_int_equal(clnas_darts_search(b, &alpha_b, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 1);
    search_fixture_checkpoint_round_trip(b, c, &alpha_b);
    o = record_options(1, &rc);
    o.history = rb.alpha;
    o.nhistory = 1;
    assert_int_equal(clnas_darts_search(c, &alpha_b, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 2);
    assert_int_equal(rc.derived_from[1], 2);
    assert_memory_equal(rc.derived[1].ops, ra.derived[1].ops, sizeof g.ops);
    clnas_model_free(a);
    clnas_model_free(b);
    clnas_model_free(c);
    clnas_dataset_free(&train);
    clnas_dataset_free(&val);
}

/* beta-Decay in the loop: with the linear schedule epoch 0 runs at weight 0, so alpha after it equals the plain
 * run's; at a constant weight that dominates the validation gradient, every logit's Adam step is downwards and
 * mean logsumexp(alpha) ends below the plain run's. */
static void test_beta_decay(void **state)
{
    clnas_dataset train, val;
    const clnas_alpha start = search_start(&train, &val);
    clnas_error err;
    clnas_alpha plain1 = start, linear1 = start, plain2 = start, constant2 = start;
    clnas_alpha *runs[] = {&plain1, &linear1, &plain2, &constant2};
    double arch_lr = 0;
    for (int r = 0; r < 4; r++) {
        clnas_model *m = model_ok(*state);
        epochs_seen seen = {0, r < 2 ? 1 : 0, 0};
        clnas_darts_options o = search_fixture_options(0, &seen, on_epoch);
        if (r < 2)
            seen.stop_after = 1;
        o.beta_decay = r == 1 ? 0.5 : r == 3 ? 10.0 : 0.0;
        o.beta_decay_linear = r == 1;
        arch_lr = o.adam.lr;
        int done = 0;
        if (clnas_darts_search(m, runs[r], &train, &val, &o, &done, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        assert_int_equal(done, r < 2 ? 1 : 2);
        clnas_model_free(m);
    }
    assert_memory_equal(linear1.alpha, plain1.alpha, sizeof plain1.alpha);
    const double lse_plain = clnas_alpha_beta_decay(&plain2, 0, NULL), lse_beta = clnas_alpha_beta_decay(&constant2, 0,
                                                                                                           NULL);
    printf("mean logsumexp(alpha) after 2 epochs: %.5f plain, %.5f with beta-Decay 10\n", lse_plain, lse_beta);
    assert_true(lse_beta < lse_plain - 0.5 * arch_lr * (double)plain2.adam_step);
    clnas_dataset_free(&train);
    clnas_dataset_free(&val);
}

/* `clnas search` refuses a DARTS network that cannot fit the device, with the figure and what to shrink, before
 * allocating anything (needs Debian's Fashion-MNIST for the config's data; skipped without it). */
static void test_refuses_network_too_large(void **state)
{
    (void)state;
    if (access(CLNAS_DEFAULT_DATA_DIR, R_OK) != 0)
        skip();
    char *dir = scratch_dir_new("darts-big");
    assert_non_null(dir);
    char out[8192];
    search_fixture_assert_too_large("darts.json", "DARTS", dir, out, sizeof out);
    assert_non_null(strstr(out, "MiB"));
    scratch_dir_remove(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_and_resume),
        cmocka_unit_test(test_derive_averages_epochs),
        cmocka_unit_test(test_beta_decay),
        cmocka_unit_test(test_refuses_network_too_large),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
