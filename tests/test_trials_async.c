/* clnas — the trials loop with several trials in flight (asynchronous workers): every proposed trial is journaled
 * once, a run stopped with trials in flight and resumed (with another number of workers, or one) hands those out
 * again and, completing in the same order, writes the uninterrupted run's journal byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "space_nb201.h"
#include "scratch_dir.h"
#include "trials.h"

#define MAX_OUT 16

/* A fitness for every arch (the table evaluator's role, without a file). */
static double fitness_of(const clnas_space_genotype *g_s)
{
    const clnas_genotype g_nb201 = clnas_nb201_of(g_s), *g = &g_nb201;
    uint64_t h = 0;
    clnas_genotype_canonical(g, NULL, 0, &h, NULL);
    return (double)(h % 1000) / 1000.0;
}

/* Which job in flight finishes next: a fixed scramble of the trial numbers, so that two drivers with the same jobs in
 * flight complete them in the same order. */
static int finishes_first(const clnas_trials_job *out, int n)
{
    int k = 0;
    for (int i = 1; i < n; i++)
        if ((out[i].trial * 7919) % 1021 < (out[k].trial * 7919) % 1021) /* a permutation: 1021 is a prime > 128 */
            k = i;
    return k;
}

typedef struct run_args {
    const char *dir;
    int workers;      /* jobs kept in flight */
    int stop_after;   /* trials done before the run "dies" with its jobs in flight (-1: run to the end) */
    int fail_every;   /* every n-th trial fails (0: none) */
} run_args;

/* Runs (or resumes) REA in a->dir keeping a->workers jobs in flight; returns the trials done. */
static int drive(const run_args *a)
{
    cJSON *params = cJSON_Parse("{\"name\": \"rea\", \"population\": 8, \"cycles\": 120}");
    void *state = NULL;
    clnas_error err;
    if (clnas_strategy_rea.create(params, 3, NULL, NULL, &state, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_trials_options opt;
    memset(&opt, 0, sizeof opt);
    opt.run_dir = a->dir;
    opt.title = "async";
    clnas_trials *t = NULL;
    clnas_status st = clnas_trials_open(&clnas_strategy_rea, state, a->workers, &opt, &t, &err);
    clnas_trials_job out[MAX_OUT];
    int n = 0;
    while (st == CLNAS_OK && clnas_trials_done(t) != a->stop_after) {
        int got = 1;
        while (st == CLNAS_OK && n < a->workers && got)
            st = clnas_trials_next(t, &out[n], &got, &err), n += got;
        if (st != CLNAS_OK || n == 0)
            break;
        const int k = finishes_first(out, n);
        clnas_evaluator_result r;
        memset(&r, 0, sizeof r);
        r.status = a->fail_every && out[k].trial % a->fail_every == 0 ? CLNAS_TRIAL_FAILED : CLNAS_TRIAL_OK;
        r.fitness = r.status == CLNAS_TRIAL_OK ? fitness_of(&out[k].arch) : NAN;
        r.seconds = 1.0;
        if (r.status != CLNAS_TRIAL_OK)
            snprintf(r.error, sizeof r.error, "out of memory (simulated)");
        st = clnas_trials_complete(t, &out[k], &r, &err);
        out[k] = out[--n];
    }
    clnas_trials_summary sum;
    st = clnas_trials_close(t, st, &sum, &err);
    if (st != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_strategy_rea.destroy(state);
    cJSON_Delete(params);
    return sum.trials_done;
}

/* Every trial 0 .. budget-1 once; "completion" is the line's index; "proposals" never falls. */
static void check_each_once(const char *dir, int budget)
{
    char path[512];
    clnas_journal_entry *e = NULL;
    int n = 0, torn = 0;
    size_t good = 0;
    clnas_error err;
    if (clnas_journal_read(scratch_dir_path(path, sizeof path, dir, "journal.jsonl"), &e, &n, &torn, &good, &err)
        != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(n, budget);
    char *seen = calloc((size_t)budget, 1);
    for (int i = 0; i < n; i++) {
        assert_true(e[i].trial >= 0 && e[i].trial < budget);
        assert_false(seen[e[i].trial]);
        seen[e[i].trial] = 1;
        assert_true(e[i].has_order);
        assert_int_equal(e[i].completion, i);
        assert_true(i == 0 || e[i].proposals >= e[i - 1].proposals);
    }
    free(seen);
    clnas_journal_entries_free(e, n);
}

static void test_each_trial_once_out_of_order(void **state)
{
    char dir[512];
    scratch_dir_path(dir, sizeof dir, *state, "run");
    mkdir(dir, 0777);
    run_args a = {dir, 5, -1, 7};
    assert_int_equal(drive(&a), 128);
    check_each_once(dir, 128);
}

/* text without its "timestamp" keys (when each line was written: the one thing a resumed run may not repeat). */
static void strip_timestamps(char *text)
{
    const char key[] = ",\"timestamp\":\"";
    for (char *p = strstr(text, key); p; p = strstr(p, key)) {
        char *end = strchr(p + sizeof key - 1, '"');
        if (!end)
            break;
        memmove(p, end + 1, strlen(end + 1) + 1);
    }
}

/* Stopped with jobs in flight, resumed with the same workers: the journal of the run that never stopped. */
static void test_resume_is_exact(void **state)
{
    char whole[512], cut[512], p1[600], p2[600];
    scratch_dir_path(whole, sizeof whole, *state, "whole");
    scratch_dir_path(cut, sizeof cut, *state, "cut");
    mkdir(whole, 0777);
    mkdir(cut, 0777);
    run_args a = {whole, 6, -1, 5};
    drive(&a);
    for (int stop_after = 3; stop_after < 120; stop_after += 29) {
        scratch_dir_remove(cut);
        mkdir(cut, 0777);
        run_args b = {cut, 6, stop_after, 5};
        assert_int_equal(drive(&b), stop_after);
        b.stop_after = -1;
        assert_int_equal(drive(&b), 128);
        char *x = test_read_file(scratch_dir_path(p1, sizeof p1, whole, "journal.jsonl"), NULL);
        char *y = test_read_file(scratch_dir_path(p2, sizeof p2, cut, "journal.jsonl"), NULL);
        assert_non_null(x);
        assert_non_null(y);
        strip_timestamps(x);
        strip_timestamps(y);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
}

/* Resumed with fewer workers, or with the one-at-a-time loop: the trials in flight are done, none twice. */
static void test_resume_with_other_workers(void **state)
{
    for (int workers = 1; workers <= 2; workers++) {
        char dir[512];
        scratch_dir_path(dir, sizeof dir, *state, workers == 1 ? "one" : "two");
        mkdir(dir, 0777);
        run_args a = {dir, 9, 40, 0};
        assert_int_equal(drive(&a), 40);
        a.workers = workers;
        a.stop_after = -1;
        assert_int_equal(drive(&a), 128);
        check_each_once(dir, 128);
    }
}

/* A one-worker run writes the journal lines of today: no order keys. */
static void test_one_worker_writes_no_order_keys(void **state)
{
    char dir[512], path[600];
    scratch_dir_path(dir, sizeof dir, *state, "sync");
    mkdir(dir, 0777);
    run_args a = {dir, 1, -1, 0};
    assert_int_equal(drive(&a), 128);
    char *text = test_read_file(scratch_dir_path(path, sizeof path, dir, "journal.jsonl"), NULL);
    assert_non_null(text);
    assert_null(strstr(text, "\"completion\""));
    free(text);
}

/* The strategies' handshake with several proposals allowed: results in any order, no more than allowed waiting, no
 * arch that is not waiting. */
static void test_strategies_take_results_in_any_order(void **unused)
{
    (void)unused;
    const clnas_strategy_iface *all[] = {&clnas_strategy_rea, &clnas_strategy_random, &clnas_strategy_reinforce};
    for (size_t i = 0; i < 3; i++) {
        void *s = NULL;
        clnas_error err;
        if (all[i]->create(NULL, 1, NULL, NULL, &s, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        assert_int_equal(all[i]->set_in_flight(s, 0, &err), CLNAS_ERR_INVALID_ARG);
        assert_int_equal(all[i]->set_in_flight(s, CLNAS_STRATEGY_MAX_IN_FLIGHT + 1, &err), CLNAS_ERR_INVALID_ARG);
        assert_int_equal(all[i]->set_in_flight(s, 3, &err), CLNAS_OK);
        clnas_space_genotype g[4];
        for (int k = 0; k < 3; k++)
            assert_int_equal(all[i]->propose(s, &g[k], &err), CLNAS_OK);
        assert_int_equal(all[i]->propose(s, &g[3], &err), CLNAS_ERR_INVALID_ARG); /* three wait already */
        assert_non_null(strstr(err.message, "3 proposals wait"));
        clnas_genotype other_nb201 = clnas_nb201_of(&g[1]);
        other_nb201.ops[0] = (uint8_t)((other_nb201.ops[0] + 1) % CLNAS_NB201_OPS);
        clnas_space_genotype other;
        clnas_nb201_to(&other_nb201, &other);
        if (memcmp(&other, &g[0], sizeof other) && memcmp(&other, &g[2], sizeof other))
            assert_int_equal(all[i]->observe(s, &other, 0.5, &err), CLNAS_ERR_MISMATCH);
        for (int k = 2; k >= 0; k--) /* the last proposal's result first */
            assert_int_equal(all[i]->observe(s, &g[k], 0.1 * k, &err), CLNAS_OK);
        assert_int_equal(all[i]->observe(s, &g[0], 0.5, &err), CLNAS_ERR_MISMATCH); /* nothing waits */
        assert_int_equal(all[i]->propose(s, &g[3], &err), CLNAS_OK);
        all[i]->destroy(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strategies_take_results_in_any_order),
        scratch_dir_unit_test(test_each_trial_once_out_of_order),
        scratch_dir_unit_test(test_resume_is_exact),
        scratch_dir_unit_test(test_resume_with_other_workers),
        scratch_dir_unit_test(test_one_worker_writes_no_order_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
