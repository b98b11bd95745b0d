/* clnas — a search's progress and records (issue 17): kernel builds announced by every strategy on a cold program
 * cache, a time-left estimate that a first trial's kernel builds do not inflate, and where each run ran (ran_on in
 * config.json, device, driver, version and timestamp in every journal line) for one-shot runs too. */
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
#include <time.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "space_nb201.h"
#include "evaluator.h"
#include "scratch_dir.h"
#include "tiny_idx.h"
#include "strategy.h"
#include "strategy_ops.h"
#include "trials.h"

#ifndef CLNAS_TOOL_PATH
#error "define CLNAS_TOOL_PATH as the absolute path of the built clnas program"
#endif

#define CONFIGS CLNAS_TEST_DATA "/../../configs"

/* ---- the estimate ---- */

typedef struct slow_first {
    int calls;
} slow_first;

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* The first evaluation "builds kernels" for 0.6 s (and says so in compile_seconds and first_step_seconds, as the
 * train evaluator does);
 * every later one takes 0.02 s. */
static clnas_status slow_first_evaluate(void *state, const clnas_space_genotype *arch_s, clnas_evaluator_result *out,
                                        clnas_error *err)
{
    (void)arch_s;
    (void)err;
    slow_first *s = state;
    memset(out, 0, sizeof *out);
    const double compile = s->calls++ == 0 ? 0.6 : 0;
    sleep_seconds(compile + 0.02);
    out->status = CLNAS_TRIAL_OK;
    out->fitness = 0.1 * s->calls;
    out->seconds = compile + 0.02;
    out->extra = cJSON_CreateObject();
    cJSON_AddNumberToObject(out->extra, "compile_seconds", compile / 2);
    cJSON_AddNumberToObject(out->extra, "first_step_seconds", compile / 2); /* where PoCL compiles on first use */
    return CLNAS_OK;
}

static void no_destroy(void *state)
{
    (void)state;
}

static const clnas_evaluator_iface slow_first_iface = {"train", slow_first_evaluate, no_destroy, NULL, NULL};

typedef struct estimates {
    double start;                     /* before the run */
    double per_trial[8], at[8];       /* the estimate after trial k, and when it came */
} estimates;

static void keep_estimate(const clnas_trials_progress *p, void *user)
{
    estimates *e = user;
    e->per_trial[p->done] = p->seconds_per_trial;
    e->at[p->done] = clnas_clock_seconds();
}

static void test_estimate_leaves_out_the_first_trials_builds(void **state)
{
    const char *dir = *state;
    const clnas_strategy_iface *random = clnas_strategy_find("random");
    assert_non_null(random);
    void *st = create_ok(random, "{\"trials\": 5}", 7);
    slow_first sf = {0};
    clnas_evaluator ev = {&slow_first_iface, &sf};
    estimates e = {0};
    clnas_trials_options opt;
    memset(&opt, 0, sizeof opt);
    opt.run_dir = dir;
    opt.title = "estimate";
    opt.progress = keep_estimate;
    opt.user = &e;
    clnas_trials_summary sum;
    clnas_error err;
    e.start = clnas_clock_seconds();
    assert_int_equal(clnas_trials_run(random, st, &ev, &opt, &sum, &err), CLNAS_OK);
    random->destroy(st);
    printf("seconds per trial after each trial: %.3f %.3f %.3f %.3f %.3f\n", e.per_trial[1], e.per_trial[2],
           e.per_trial[3], e.per_trial[4], e.per_trial[5]);
    /* The estimate after trial k is the wall time since the run began, less the first trial's 0.6 s of builds,
     * over k: at most (at[k] - start - 0.6) / k, whatever the machine's load (the run began after `start`, the
     * estimate was made before `at[k]`); counting the builds would put it 0.6 / k above that. And never below the
     * 0.02 s every trial sleeps. No bound on the time itself: a loaded machine makes every trial slower. */
    for (int k = 1; k <= 5; k++) {
        const double without_builds = (e.at[k] - e.start - 0.6) / k;
        if (!(e.per_trial[k] <= without_builds + 1e-6 && e.per_trial[k] >= 0.02 - 1e-6))
            fail_msg("after trial %d: estimate %.4f s, expected from 0.02 to %.4f (the wall time less the builds, "
                     "per trial)", k, e.per_trial[k], without_builds);
    }
}

/* ---- cold-cache searches through the command line ---- */

/* Pixel k of image i of the tiny datasets: its class times 20 plus a pattern. */
static int pattern_pixel(int i, int k, void *ctx)
{
    (void)ctx;
    return (i % 10) * 20 + (i * 7 + k) % 40;
}

/* n 8x8 one-channel images and their labels, as IDX files in dir/data. */
static void write_data(const char *dir, int n)
{
    char data[1100];
    scratch_dir_path(data, sizeof data, dir, "data");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", data);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(tiny_idx_write(data, "train", n, 8, pattern_pixel, NULL), 0);
}

/* `clnas search --config CONFIGS/<config> --out dir/run <sets>` on a tiny proxy, with a program cache of its own
 * (cold); returns its stderr (malloc'ed). */
static char *cold_search(const char *dir, const char *config, const char *sets)
{
    write_data(dir, 384);
    char run[1100], cache[1100], data[1100], err[1100], cmd[4000];
    scratch_dir_path(run, sizeof run, dir, "run");
    scratch_dir_path(cache, sizeof cache, dir, "cache");
    scratch_dir_path(data, sizeof data, dir, "data");
    scratch_dir_path(err, sizeof err, dir, "stderr.txt");
    snprintf(cmd, sizeof cmd, "CLNAS_CACHE_DIR='%s' '%s' search --config '%s/%s' --out '%s' --set dataset.dir='%s' "
             "--set proxy.channels=4 --set proxy.cells=1 --set proxy.batch=64 --set dataset.train_subset=256 "
             "--set dataset.validation_size=128 %s >/dev/null 2>'%s'", cache, CLNAS_TOOL_PATH, CONFIGS, config, run,
             data, sets, err);
    int status = system(cmd);
    char *text = test_read_file(err, NULL);
    assert_non_null(text);
    printf("$ %s\n[stderr]\n%s", cmd, text);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return text;
}

/* The announcement, and the last count with "done" (or the unannounced count) on stderr. */
static void assert_builds_shown(const char *err)
{
    assert_non_null(strstr(err, "clnas: building"));
    assert_true(strstr(err, ", done") || strstr(err, " built ("));
}

static cJSON *read_json(const char *dir, const char *name)
{
    char run[1100], path[1200];
    scratch_dir_path(run, sizeof run, dir, "run");
    char *text = test_read_file(scratch_dir_path(path, sizeof path, run, name), NULL);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    return j;
}

/* config.json's ran_on, and every line of the run's journal with device, driver, clnas_version and timestamp. */
static void assert_provenance(const char *dir, const char *journal)
{
    cJSON *cfg = read_json(dir, "config.json");
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(cfg, "ran_on");
    assert_true(cJSON_IsObject(on));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(on, "device")));
    assert_true(strlen(cJSON_GetObjectItemCaseSensitive(on, "device")->valuestring) > 0);
    cJSON_Delete(cfg);
    char run[1100], path[1200];
    scratch_dir_path(run, sizeof run, dir, "run");
    char *text = test_read_file(scratch_dir_path(path, sizeof path, run, journal), NULL);
    assert_non_null(text);
    int lines = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        static const char *const keys[] = {"device", "driver", "clnas_version", "timestamp"};
        for (int k = 0; k < 4; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[k]);
            if (!cJSON_IsString(v) || !v->valuestring[0])
                fail_msg("%s line %d: no %s", journal, lines, keys[k]);
        }
        cJSON_Delete(j);
        lines++;
    }
    assert_true(lines > 0);
    free(text);
}

static void test_multi_trial_search_announces_builds(void **state)
{
    char *err = cold_search(*state, "random.json", "--set strategy.trials=1"); /* a second arch: 20 more builds */
    assert_builds_shown(err);
    free(err);
}

static void test_spos_announces_builds_and_records_where(void **state)
{
    char *err = cold_search(*state, "spos.json", "--set proxy.epochs=1 --set dataset.train_subset=2000 "
                            "--set strategy.cycles=2 "
                            "--set strategy.population=2 --set strategy.sample_size=2 --set strategy.bn_batches=1 "
                            "--set strategy.top_k=1");
    assert_builds_shown(err);
    free(err);
    assert_provenance(*state, "journal.jsonl");
}

static void test_darts_announces_builds_and_records_where(void **state)
{
    char *err = cold_search(*state, "darts.json", "--set strategy.epochs=1");
    assert_builds_shown(err);
    free(err);
    assert_provenance(*state, "journal.jsonl");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_estimate_leaves_out_the_first_trials_builds),
        scratch_dir_unit_test(test_multi_trial_search_announces_builds),
        scratch_dir_unit_test(test_spos_announces_builds_and_records_where),
        scratch_dir_unit_test(test_darts_announces_builds_and_records_where),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
