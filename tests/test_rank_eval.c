/* clnas — tests of rank-eval on synthetic accuracies: known tau, the journal cache, failures, sampling, outputs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "space_nb201.h"
#include "rank_eval.h"
#include "scratch_dir.h"

/* A synthetic accuracy of a cell: a fixed pseudo-random value per cell index in [0.1, 0.9). */
static double synthetic(const clnas_genotype *g, uint64_t salt)
{
    uint64_t x = clnas_genotype_to_index(g) * 0x9E3779B97F4A7C15ull ^ salt;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return 0.1 + 0.8 * (double)(x >> 11) / 9007199254740992.0;
}

typedef struct supernet_fake {
    int mode; /* 0: the stand-alone value, 1: its negation mapped to 0..1, 2: an unrelated value */
} supernet_fake;

static clnas_status fake_supernet(void *state, const clnas_space_genotype *g_s, double *acc, clnas_error *err)
{
    const clnas_genotype g_nb201 = clnas_nb201_of(g_s), *g = &g_nb201;
    (void)err;
    const supernet_fake *s = state;
    const double v = synthetic(g, 1);
    *acc = s->mode == 0 ? v : s->mode == 1 ? 1.0 - v : synthetic(g, 2);
    return CLNAS_OK;
}

typedef struct standalone_fake {
    int calls;
    int fail_every; /* > 0: every fail_every-th call is a failed trial */
} standalone_fake;

static clnas_status fake_evaluate(void *state, const clnas_space_genotype *g_s, clnas_evaluator_result *out,
                                  clnas_error *err)
{
    const clnas_genotype g_nb201 = clnas_nb201_of(g_s), *g = &g_nb201;
    (void)err;
    standalone_fake *s = state;
    memset(out, 0, sizeof *out);
    s->calls++;
    if (s->fail_every > 0 && s->calls % s->fail_every == 0) {
        out->status = CLNAS_TRIAL_FAILED;
        out->fitness = NAN;
        snprintf(out->error, sizeof out->error, "synthetic failure");
        return CLNAS_OK;
    }
    out->status = CLNAS_TRIAL_OK;
    out->fitness = synthetic(g, 1);
    return CLNAS_OK;
}

static void fake_destroy(void *state)
{
    (void)state;
}

static const clnas_evaluator_iface fake_evaluator_iface = {"fake", fake_evaluate, fake_destroy, NULL, NULL};

static clnas_rank_eval_result run_ok(int archs, int mode, standalone_fake *sf, const clnas_journal_entry *cache,
                                     int cache_count)
{
    supernet_fake sn = {mode};
    clnas_evaluator ev = {&fake_evaluator_iface, sf};
    clnas_rank_eval_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.archs = archs;
    cfg.seed = 42;
    cfg.supernet = fake_supernet;
    cfg.supernet_state = &sn;
    cfg.standalone = &ev;
    cfg.cache = cache;
    cfg.cache_count = cache_count;
    clnas_rank_eval_result r;
    clnas_error err = {0};
    if (clnas_rank_eval_run(&cfg, &r, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return r;
}

/* Kendall tau by counting pairs (no ties in these synthetic values). */
static double tau_by_pairs(const clnas_rank_eval_result *r)
{
    long conc = 0, disc = 0;
    for (int i = 0; i < r->count; i++)
        for (int j = i + 1; j < r->count; j++) {
            const clnas_rank_eval_row *a = &r->rows[i], *b = &r->rows[j];
            if (!isfinite(a->standalone) || !isfinite(b->standalone))
                continue;
            const double s = (a->standalone - b->standalone) * (a->supernet - b->supernet);
            conc += s > 0;
            disc += s < 0;
        }
    return (double)(conc - disc) / (double)(conc + disc);
}

static void test_known_tau(void **unused)
{
    (void)unused;
    standalone_fake sf = {0, 0};
    clnas_rank_eval_result r = run_ok(25, 0, &sf, NULL, 0);
    assert_int_equal(r.count, 25);
    assert_int_equal(r.usable, 25);
    assert_int_equal(sf.calls, 25);
    assert_true(fabs(r.kendall_tau - 1.0) < 1e-12 && fabs(r.spearman_rho - 1.0) < 1e-12);
    clnas_rank_eval_result_free(&r);
    sf.calls = 0;
    r = run_ok(25, 1, &sf, NULL, 0);
    assert_true(fabs(r.kendall_tau + 1.0) < 1e-12 && fabs(r.spearman_rho + 1.0) < 1e-12);
    clnas_rank_eval_result_free(&r);
    r = run_ok(40, 2, &sf, NULL, 0);
    const double want = tau_by_pairs(&r);
    assert_true(fabs(want) < 0.99);
    assert_true(fabs(r.kendall_tau - want) < 1e-12);
    clnas_rank_eval_result_free(&r);
}

/* Stand-alone results come from the journal where it has the class (by canonical hash), trained otherwise. */
static void test_cache_is_used_by_canonical_hash(void **unused)
{
    (void)unused;
    clnas_genotype archs[10];
    clnas_error err = {0};
    assert_int_equal(clnas_rank_eval_sample(10, 42, archs, &err), CLNAS_OK);
    clnas_journal_entry cache[4];
    memset(cache, 0, sizeof cache);
    for (int i = 0; i < 4; i++) {
        cache[i].trial = i;
        clnas_nb201_to(&archs[2 * i], &cache[i].arch);
        clnas_genotype_canonical(&archs[2 * i], NULL, 0, &cache[i].hash, NULL);
        cache[i].status = i == 3 ? CLNAS_TRIAL_FAILED : CLNAS_TRIAL_OK;
        cache[i].fitness = i == 3 ? NAN : 0.5 + 0.01 * i;
    }
    standalone_fake sf = {0, 0};
    clnas_rank_eval_result r = run_ok(10, 0, &sf, cache, 4);
    assert_int_equal(sf.calls, 7); /* 3 usable cache hits; the failed entry does not count */
    assert_int_equal(r.cached, 3);
    for (int i = 0; i < 3; i++) {
        assert_true(r.rows[2 * i].standalone_cached);
        assert_true(r.rows[2 * i].standalone == 0.5 + 0.01 * i);
    }
    assert_false(r.rows[6].standalone_cached);
    assert_false(r.rows[1].standalone_cached);
    clnas_rank_eval_result_free(&r);
}

/* A failed stand-alone run leaves the row out of the correlations. */
static void test_failed_rows_are_not_usable(void **unused)
{
    (void)unused;
    standalone_fake sf = {0, 4};
    clnas_rank_eval_result r = run_ok(12, 0, &sf, NULL, 0);
    assert_int_equal(r.count, 12);
    assert_int_equal(r.usable, 9);
    assert_true(isnan(r.rows[3].standalone));
    assert_true(fabs(r.kendall_tau - 1.0) < 1e-12);
    clnas_rank_eval_result_free(&r);
}

static void test_sampling_is_seeded_and_distinct(void **unused)
{
    (void)unused;
    enum { K = 300 };
    clnas_genotype a[K], b[K];
    clnas_error err = {0};
    assert_int_equal(clnas_rank_eval_sample(K, 5, a, &err), CLNAS_OK);
    assert_int_equal(clnas_rank_eval_sample(K, 5, b, &err), CLNAS_OK);
    assert_memory_equal(a, b, sizeof a);
    uint64_t h[K];
    for (int i = 0; i < K; i++) {
        clnas_genotype_canonical(&a[i], NULL, 0, &h[i], NULL);
        for (int j = 0; j < i; j++)
            assert_true(h[i] != h[j]);
    }
    assert_int_equal(clnas_rank_eval_sample(0, 5, a, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_rank_eval_sample(5391, 5, a, &err), CLNAS_ERR_INVALID_ARG);
}

static void test_bad_config_and_stop(void **unused)
{
    (void)unused;
    supernet_fake sn = {0};
    standalone_fake sf = {0, 0};
    clnas_evaluator ev = {&fake_evaluator_iface, &sf};
    clnas_rank_eval_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.archs = 2;
    cfg.supernet = fake_supernet;
    cfg.supernet_state = &sn;
    cfg.standalone = &ev;
    clnas_rank_eval_result r;
    clnas_error err = {0};
    assert_int_equal(clnas_rank_eval_run(&cfg, &r, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "--archs"));
    cfg.archs = 8;
    cfg.supernet = NULL;
    assert_int_equal(clnas_rank_eval_run(&cfg, &r, &err), CLNAS_ERR_INVALID_ARG);
    cfg.supernet = fake_supernet;
    volatile int stop = 1;
    cfg.stop = &stop;
    assert_int_equal(clnas_rank_eval_run(&cfg, &r, &err), CLNAS_OK);
    assert_int_equal(r.count, 0);
    assert_true(isnan(r.kendall_tau));
    clnas_rank_eval_result_free(&r);
}

static void test_json_and_svg_outputs(void **state)
{
    const char *dir = *state;
    standalone_fake sf = {0, 5};
    clnas_rank_eval_result r = run_ok(10, 2, &sf, NULL, 0);
    clnas_error err = {0};
    cJSON *json = NULL;
    assert_int_equal(clnas_rank_eval_to_json(&r, &json, &err), CLNAS_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "rows")), 10);
    assert_true(cJSON_GetObjectItem(json, "kendall_tau")->valuedouble == r.kendall_tau);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(json, "rows"), 4),
                                                 "standalone")));
    cJSON_Delete(json);
    char path[1024];
    scratch_dir_path(path, sizeof path, dir, "rank_eval.svg");
    assert_int_equal(clnas_rank_eval_svg_write(&r, path, "spos <test>", &err), CLNAS_OK);
    char *svg = test_read_file(path, NULL);
    assert_non_null(svg);
    int points = 0;
    for (const char *c = svg; (c = strstr(c, "<circle")); c++)
        points++;
    assert_int_equal(points, r.usable);
    assert_non_null(strstr(svg, "spos &lt;test&gt;"));
    assert_non_null(strstr(svg, "Kendall tau"));
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);
    clnas_rank_eval_result_free(&r);
}

/* Runs `clnas rank-eval --supernet dir` with stderr into stdout; returns its exit status and output. */
static int run_cli(const char *dir, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --supernet '%s' --archs 5 2>&1", CLNAS_TOOL_PATH, dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The tool refuses a multi-trial run directory, and a one-shot one whose network is not a SPOS supernet. */
static void test_cli_names_what_dir_is(void **state)
{
    const char *dir = *state;
    char path[1024], out[4096];
    scratch_dir_path(path, sizeof path, dir, "config.json");
    write_text(path, "{\"strategy\": {\"name\": \"rea\"}}\n");
    assert_int_equal(run_cli(dir, out, sizeof out), 1);
    assert_non_null(strstr(out, "is not a one-shot run"));
    assert_non_null(strstr(out, "\"rea\""));
    write_text(path, "{\"strategy\": {\"name\": \"darts\"}}\n");
    assert_int_equal(run_cli(dir, out, sizeof out), 1);
    assert_non_null(strstr(out, "is a darts run"));
    scratch_dir_path(path, sizeof path, dir, "missing");
    assert_int_equal(run_cli(path, out, sizeof out), 1);
    assert_non_null(strstr(out, "config.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_tau),
        cmocka_unit_test(test_cache_is_used_by_canonical_hash),
        cmocka_unit_test(test_failed_rows_are_not_usable),
        cmocka_unit_test(test_sampling_is_seeded_and_distinct),
        cmocka_unit_test(test_bad_config_and_stop),
        scratch_dir_unit_test(test_json_and_svg_outputs),
        scratch_dir_unit_test(test_cli_names_what_dir_is),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
