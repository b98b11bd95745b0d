/* clnas — GDAS over a supernet of which each forward runs only the sampled path: alpha's straight-through gradient
 * against central differences in float64 with the Gumbel noise fixed, and a search stopped after its first epoch
 * and resumed ending where an uninterrupted one does. */
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

#include "clnas/model.h"
#include "clnas/rng.h"
#include "darts.h"
#include "device_fixture.h"
#include "executor.h"
#include "fd_grad.h"
#include "gdas.h"
#include "gdas_config.h"
#include "plan.h"
#include "scratch_dir.h"
#include "search_fixture.h"
#include "supernet.h"
#include "supernet_arena.h"

#define HW 8
#define IMAGES 24
#define BATCH 4

static clnas_supernet *supernet_ok(device_fixture *fx, int fp64)
{
    clnas_net_config cfg = supernet_gdas_config(fp64, BATCH, HW);
    return supernet_new_ok(fx, &cfg, 8, 5);
}

/* The edge weights as GDAS' forward sees them with alpha moved to `alpha` and the noise fixed: the sampled op's
 * h is 1 + soft(alpha) - soft(alpha0), 1 in value at alpha0 with soft's derivative; the other ops are not in the
 * path at all. */
static void set_straight_through(clnas_supernet *sn, const clnas_gdas *g0, const clnas_alpha *alpha,
                                 const clnas_rng *noise)
{
    clnas_gdas g = *g0;
    g.rng = *noise;
    int chosen[CLNAS_NB201_EDGES];
    double soft[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];
    clnas_error err;
    assert_int_equal(clnas_alpha_gumbel_sample(alpha, &g.rng, g.tau, chosen, soft, &err), CLNAS_OK);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        const int k = g0->chosen[e];
        const double h = k == CLNAS_OP_NONE ? 1.0
                                            : 1.0 + soft[e * CLNAS_NB201_OPS + k] - g0->soft[e * CLNAS_NB201_OPS + k];
        char name[64];
        snprintf(name, sizeof name, "gdas.edges.%d_%d.h", clnas_nb201_edge_to[e], clnas_nb201_edge_from[e]);
        assert_int_equal(clnas_supernet_set(sn, name, &h, 1, &err), CLNAS_OK);
    }
}

static void test_straight_through_gradient(void **state)
{
    clnas_supernet *sn = supernet_ok(*state, 1);
    clnas_model *m = NULL;
    clnas_error err;
    clnas_rng rng;
    clnas_rng_seed(&rng, 11);
    double x[BATCH * HW * HW];
    int32_t labels[BATCH] = {1, 7, 4, 0};
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = clnas_rng_normal(&rng);
    clnas_alpha alpha;
    assert_int_equal(clnas_alpha_init(&alpha, CLNAS_NB201_EDGES, CLNAS_NB201_OPS, 3, &err), CLNAS_OK);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int k = 0; k < CLNAS_NB201_OPS; k++)
            alpha.alpha[e][k] = clnas_rng_normal(&rng);
    clnas_gdas g;
    memset(&g, 0, sizeof g);
    g.tau_max = 2.0;
    g.tau_min = 0.5;
    g.seed = 21;
    g.supernet = sn;
    assert_int_equal(clnas_gdas_epoch_begin(&g, 0, 3, &err), CLNAS_OK);
    assert_true(g.tau == 2.0);
    /* a sample that runs convolutions and at least one none, so both paths of the gradient are exercised, and
     * whose output depends on the input (edge 3_0 or 3_2 live) */
    clnas_rng noise;
    int conv = 0, none = 0;
    for (int tries = 0; tries < 400 && !(conv && none); tries++) {
        noise = g.rng;
        assert_int_equal(clnas_gdas_sample(&g, &alpha, &m, &err), CLNAS_OK);
        conv = none = 0;
        for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
            conv += g.chosen[e] == CLNAS_OP_NOR_CONV_3X3 || g.chosen[e] == CLNAS_OP_NOR_CONV_1X1;
            none += g.chosen[e] == CLNAS_OP_NONE;
        }
        conv = conv && g.chosen[3] != CLNAS_OP_NONE && g.chosen[5] != CLNAS_OP_NONE;
    }
    assert_true(conv && none);
    assert_int_equal(clnas_model_set_batch(m, x, labels, &err), CLNAS_OK);
    /* h is 1 in value on every edge */
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        double h;
        char name[64];
        snprintf(name, sizeof name, "gdas.edges.%d_%d.h", clnas_nb201_edge_to[e], clnas_nb201_edge_from[e]);
        assert_int_equal(clnas_supernet_get(sn, name, &h, 1, &err), CLNAS_OK);
        assert_true(h == 1.0);
    }
    fd_loss_of(m);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    double dalpha[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];
    assert_int_equal(clnas_gdas_alpha_gradient(&g, &alpha, dalpha, &err), CLNAS_OK);
    int bad = 0;
    double largest = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        for (int k = 0; k < CLNAS_NB201_OPS; k++) {
            clnas_alpha a = alpha;
            a.alpha[e][k] = alpha.alpha[e][k] + FD_STEP;
            set_straight_through(sn, &g, &a, &noise);
            const double up = fd_loss_of(m);
            a.alpha[e][k] = alpha.alpha[e][k] - FD_STEP;
            set_straight_through(sn, &g, &a, &noise);
            const double down = fd_loss_of(m);
            const double numeric = (up - down) / (2 * FD_STEP), analytic = dalpha[e * CLNAS_NB201_OPS + k];
            largest = fmax(largest, fabs(numeric));
            char what[24];
            snprintf(what, sizeof what, "dalpha[%d]", e);
            bad += !fd_check(what, (size_t)k, analytic, numeric);
        }
        if (g.chosen[e] == CLNAS_OP_NONE) /* none's output is zero: no gradient reaches its edge's alpha */
            for (int k = 0; k < CLNAS_NB201_OPS; k++)
                assert_true(dalpha[e * CLNAS_NB201_OPS + k] == 0.0);
    }
    printf("GDAS dalpha: 30 entries against central differences, largest |dalpha| %.3g\n", largest);
    assert_int_equal(bad, 0);
    assert_true(largest > 1e-4);
    clnas_supernet_free(sn);
}

static clnas_status on_epoch(const clnas_darts_epoch *e, void *user, clnas_error *err)
{
    (void)err;
    epochs_seen *s = user;
    assert_int_equal(e->epoch, s->count);
    assert_true(isfinite(e->train_loss) && isfinite(e->val_loss));
    epochs_seen_count(s);
    return CLNAS_OK;
}

/* The shared two-epoch options, searching through GDAS g on supernet sn. */
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

static void test_search_and_resume(void **state)
{
    clnas_dataset train = search_fixture_synthetic(IMAGES, HW, 1), val = search_fixture_synthetic(IMAGES, HW, 2);
    clnas_error err;
    clnas_alpha start;
    assert_int_equal(clnas_alpha_init(&start, CLNAS_NB201_EDGES, CLNAS_NB201_OPS, 4, &err), CLNAS_OK);
    clnas_gdas g;
    int done = 0;

    clnas_supernet *a = supernet_ok(*state, 0);
    clnas_alpha alpha_a = start;
    epochs_seen seen_a = {0, 0, 0};
    clnas_darts_options o = options(0, &seen_a, &g, a);
    if (clnas_darts_search(NULL, &alpha_a, &train, &val, &o, &done, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(done, 2);
    assert_true(fabs(g.tau - 0.1) < 1e-12); /* the last epoch ran at tau_min */
    assert_int_equal(alpha_a.adam_step, 2 * (IMAGES / BATCH));
    const double moved = search_fixture_alpha_moved(&start, &alpha_a);
    printf("alpha moved by up to %.4f in %ld Adam steps\n", moved, alpha_a.adam_step);
    assert_true(moved > 0.01);
    assert_int_equal(g.train_paths, 2 * (IMAGES / BATCH));

    /* stopped after epoch 1, resumed on a fresh model with the arenas and alpha restored */
    clnas_supernet *b = supernet_ok(*state, 0);
    clnas_alpha alpha_b = start;
    epochs_seen seen_b = {0, 1, 0};
    o = options(0, &seen_b, &g, b);
    seen_b.stop_after = 1;
    assert_int_equal(clnas_darts_search(NULL, &alpha_b, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 1);
    clnas_supernet *c = supernet_ok(*state, 0);
    assert_int_equal(clnas_supernet_init(c, 12345, &err), CLNAS_OK); /* the restored arenas must replace these */
    const clnas_arena arenas[] = {CLNAS_ARENA_PARAMS, CLNAS_ARENA_MOMENTUM, CLNAS_ARENA_STATE};
    for (int i = 0; i < 3; i++) {
        size_t n;
        double *v = supernet_arena_copy(b, arenas[i], &n);
        assert_int_equal(clnas_supernet_write_arena(c, arenas[i], v, &err), CLNAS_OK);
        free(v);
    }
    epochs_seen seen_c = {0, 0, 0};
    o = options(1, &seen_c, &g, c);
    assert_int_equal(clnas_darts_search(NULL, &alpha_b, &train, &val, &o, &done, &err), CLNAS_OK);
    assert_int_equal(done, 2);
    assert_memory_equal(alpha_b.alpha, alpha_a.alpha, sizeof alpha_a.alpha);
    assert_memory_equal(alpha_b.adam_m, alpha_a.adam_m, sizeof alpha_a.adam_m);
    for (int i = 0; i < 3; i++) {
        size_t na, nc;
        double *pa = supernet_arena_copy(a, arenas[i], &na), *pc = supernet_arena_copy(c, arenas[i], &nc);
        assert_int_equal(na, nc);
        assert_memory_equal(pa, pc, na * sizeof *pa);
        free(pa);
        free(pc);
    }
    clnas_supernet_free(a);
    clnas_supernet_free(b);
    clnas_supernet_free(c);
    clnas_dataset_free(&train);
    clnas_dataset_free(&val);
}

static clnas_status parse(const char *text, clnas_gdas_config *p, clnas_error *err)
{
    cJSON *j = cJSON_Parse(text), *resolved = cJSON_CreateObject();
    assert_non_null(j);
    clnas_status st = clnas_gdas_config_parse(j, resolved, p, err);
    cJSON_Delete(j);
    cJSON_Delete(resolved);
    return st;
}

/* The strategy section: defaults as NB201's GDAS, and errors naming the field and what was expected. */
static void test_params(void **state)
{
    (void)state;
    clnas_gdas_config p;
    clnas_error err;
    assert_int_equal(parse("{\"name\": \"gdas\"}", &p, &err), CLNAS_OK);
    assert_int_equal(p.epochs, 1);
    assert_true(p.tau_max == 10.0 && p.tau_min == 0.1);
    assert_true(p.adam.lr == 3e-4 && p.adam.beta1 == 0.5 && p.adam.beta2 == 0.999 && p.adam.weight_decay == 1e-3);
    assert_true(p.max_paths == 64 && p.warm_up == 1);
    assert_int_equal(parse("{\"name\": \"gdas\", \"max_paths\": 8, \"warm_up\": false}", &p, &err), CLNAS_OK);
    assert_true(p.max_paths == 8 && p.warm_up == 0);
    assert_int_not_equal(parse("{\"name\": \"gdas\", \"warm_up\": 1}", &p, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "strategy.warm_up: expected true or false, got 1"));
    assert_int_not_equal(parse("{\"name\": \"gdas\", \"max_paths\": 0}", &p, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "strategy.max_paths"));
    assert_int_equal(parse("{\"name\": \"gdas\", \"epochs\": 3, \"tau_max\": 5, \"tau_min\": 1}", &p, &err),
                     CLNAS_OK);
    assert_true(p.epochs == 3 && p.tau_max == 5.0 && p.tau_min == 1.0);
    assert_int_not_equal(parse("{\"name\": \"gdas\", \"tau_max\": 1, \"tau_min\": 2}", &p, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "strategy.tau_min"));
    assert_int_not_equal(parse("{\"name\": \"gdas\", \"tau_min\": 0}", &p, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "strategy.tau_min"));
    assert_int_not_equal(parse("{\"name\": \"gdas\", \"temperature\": 1}", &p, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "temperature"));
}

/* The CLI: a bad temperature schedule is refused naming the field; a network too large for the device is refused
 * with the figure and what to shrink, before anything is written (needs Debian's Fashion-MNIST; skipped
 * without it). */
static void test_cli_refusals(void **state)
{
    (void)state;
    if (access(CLNAS_DEFAULT_DATA_DIR, R_OK) != 0)
        skip();
    char *dir = scratch_dir_new("gdas-cli");
    assert_non_null(dir);
    char out[8192];
    /* a --set the strategy refuses is bad usage: exit 2 (issue 17) */
    assert_int_equal(search_fixture_run_cli("gdas.json", "--set strategy.tau_min=20", dir, out, sizeof out), 2);
    assert_non_null(strstr(out, "strategy.tau_min: expected at most tau_max (10)"));
    search_fixture_assert_too_large("gdas.json", "GDAS", dir, out, sizeof out);
    scratch_dir_remove(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_straight_through_gradient),
        cmocka_unit_test(test_search_and_resume),
        cmocka_unit_test(test_cli_refusals),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
