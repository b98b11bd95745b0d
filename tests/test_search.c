/* clnas — the search loop: the same config and seed give the same journal, and a search stopped at any point
 * (between trials, or in the middle of writing a line) and resumed ends with the journal of an uninterrupted
 * run; for every strategy, with the table evaluator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "trials.h"
#include "table_gen.h"
#include "scratch_dir.h"

typedef struct fixture {
    char dir[256];
    char table[300];
} fixture;

static void spit(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* The first of "seconds": (ending every timing key) and "timestamp": in p, or NULL; *len its length. */
static const char *timing_key(const char *p, size_t *len)
{
    const char *s = strstr(p, "seconds\":"), *t = strstr(p, "timestamp\":");
    if (t && (!s || t < s)) {
        *len = strlen("timestamp\":");
        return t;
    }
    *len = strlen("seconds\":");
    return s;
}

/* The journal with every timing field ("seconds", keys ending in "_seconds", the trials' "timestamp") removed. */
static char *without_timing(const char *journal)
{
    char *out = malloc(strlen(journal) + 1);
    size_t o = 0;
    for (const char *p = journal; *p;) {
        size_t len = 0;
        const char *key = timing_key(p, &len);
        if (!key) {
            strcpy(out + o, p);
            return out;
        }
        const char *start = key; /* back to the key's opening quote */
        while (start > p && start[-1] != '"')
            start--;
        start--;
        memcpy(out + o, p, (size_t)(start - p));
        o += (size_t)(start - p);
        const char *end = key + len;
        while (*end && *end != ',' && *end != '}')
            end++;
        p = *end == ',' ? end + 1 : end;
    }
    out[o] = '\0';
    return out;
}

/* Runs (or resumes) a search of `strategy` in run_dir with the table evaluator. */
static void run(const fixture *fx, const char *strategy_json, const char *run_dir)
{
    cJSON *params = cJSON_Parse(strategy_json);
    assert_non_null(params);
    const clnas_strategy_iface *ops = clnas_strategy_find(cJSON_GetObjectItem(params, "name")->valuestring);
    assert_non_null(ops);
    cJSON *resolved = cJSON_CreateObject();
    void *state = NULL;
    clnas_error err;
    if (ops->create(params, 7, NULL, resolved, &state, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_evaluator ev;
    if (clnas_table_evaluator_new(fx->table, &ev, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    mkdir(run_dir, 0777);
    volatile int stop = 0;
    clnas_trials_options opt;
    memset(&opt, 0, sizeof opt);
    opt.run_dir = run_dir;
    opt.title = "test";
    opt.stop = &stop;
    clnas_trials_summary sum;
    if (clnas_trials_run(ops, state, &ev, &opt, &sum, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(sum.trials_done, ops->budget(state));
    ev.iface->destroy(ev.state);
    ops->destroy(state);
    cJSON_Delete(resolved);
    cJSON_Delete(params);
}

static void check_strategy(void **state, const char *strategy_json, const char *tag)
{
    fixture *fx = *state;
    char a[400], b[400], path[500];
    snprintf(a, sizeof a, "%s/%s-a", fx->dir, tag);
    snprintf(b, sizeof b, "%s/%s-b", fx->dir, tag);
    run(fx, strategy_json, a);
    run(fx, strategy_json, b);
    snprintf(path, sizeof path, "%s/journal.jsonl", a);
    size_t len = 0;
    char *ja = test_read_file(path, &len);
    snprintf(path, sizeof path, "%s/journal.jsonl", b);
    char *jb = test_read_file(path, NULL);
    char *ta = without_timing(ja), *tb = without_timing(jb);
    assert_string_equal(ta, tb); /* same seed, same journal */

    /* line starts of the complete journal */
    size_t starts[1024];
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        if (i == 0 || ja[i - 1] == '\n')
            starts[lines++] = i;
    /* stop points: before any trial, between trials, and inside a line (a torn write) */
    size_t cuts[] = {0, starts[1], starts[lines / 2], starts[lines / 2] + 7, starts[lines - 1],
                     starts[lines - 1] + (len - starts[lines - 1]) / 2, len - 1, len};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        char r[400];
        snprintf(r, sizeof r, "%s/%s-cut%zu", fx->dir, tag, c);
        mkdir(r, 0777);
        snprintf(path, sizeof path, "%s/journal.jsonl", r);
        spit(path, ja, cuts[c]);
        run(fx, strategy_json, r); /* resumes from what the journal holds */
        char *jr = test_read_file(path, NULL);
        char *tr = without_timing(jr);
        if (strcmp(tr, ta) != 0)
            fail_msg("%s: resuming after %zu of %zu bytes gave another journal", tag, cuts[c], len);
        /* and best.json names the journal's best, although the cut run wrote none (a stop between the journal
         * line and best.json: issue 16's fault sweep) */
        snprintf(path, sizeof path, "%s/best.json", a);
        char *best_a = test_read_file(path, NULL);
        snprintf(path, sizeof path, "%s/best.json", r);
        char *best_r = test_read_file(path, NULL);
        if (!best_a || !best_r || strcmp(best_a, best_r) != 0)
            fail_msg("%s: resuming after %zu of %zu bytes gave %s best.json", tag, cuts[c], len,
                     best_r ? "another" : "no");
        free(best_a);
        free(best_r);
        free(tr);
        free(jr);
    }
    printf("%s: %d trials; identical journals after resuming at %zu cut points\n", tag, lines,
           sizeof cuts / sizeof cuts[0]);
    free(ta);
    free(tb);
    free(ja);
    free(jb);
}

static void test_rea_resume(void **state)
{
    check_strategy(state, "{\"name\": \"rea\", \"population\": 8, \"sample_size\": 3, \"cycles\": 30}", "rea");
}

static void test_random_resume(void **state)
{
    check_strategy(state, "{\"name\": \"random\", \"trials\": 25}", "random");
}

static void test_reinforce_resume(void **state)
{
    check_strategy(state, "{\"name\": \"reinforce\", \"trials\": 25}", "reinforce");
}

static void test_bo_resume(void **state)
{
    check_strategy(state, "{\"name\": \"bo\", \"trials\": 25, \"initial\": 6}", "bo");
}

/* Hyperband journals each trial's training fraction; resuming rebuilds its brackets from the journal; best.json is
 * the best trial at the full training budget, never a shortened one. */
static void test_hyperband_resume(void **state)
{
    check_strategy(state, "{\"name\": \"hyperband\", \"trials\": 30}", "hyperband");
    const fixture *fx = *state;
    char path[500];
    snprintf(path, sizeof path, "%s/hyperband-a/journal.jsonl", fx->dir);
    char *journal = test_read_file(path, NULL);
    double best_full = -1.0;
    int shortened = 0;
    for (char *line = strtok(journal, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *e = cJSON_Parse(line);
        assert_non_null(e);
        const cJSON *f = cJSON_GetObjectItem(e, "fitness");
        if (cJSON_GetObjectItem(e, "training_fraction"))
            shortened++;
        else if (cJSON_IsNumber(f) && f->valuedouble > best_full)
            best_full = f->valuedouble;
        cJSON_Delete(e);
    }
    free(journal);
    assert_true(shortened > 10);
    snprintf(path, sizeof path, "%s/hyperband-a/best.json", fx->dir);
    char *text = test_read_file(path, NULL);
    cJSON *best = cJSON_Parse(text);
    assert_true(cJSON_GetObjectItem(best, "fitness")->valuedouble == best_full);
    cJSON_Delete(best);
    free(text);
}

static int setup(void **state)
{
    static fixture fx;
    snprintf(fx.dir, sizeof fx.dir, "%s/clnas-search-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(fx.dir))
        return -1;
    snprintf(fx.table, sizeof fx.table, "%s/table.csv", fx.dir);
    clnas_table_model m;
    clnas_error err;
    if (clnas_table_model_init(&m, 3, CLNAS_TABLE_GEN_DEFAULT_NOISE, &err) != CLNAS_OK ||
        clnas_table_model_write_csv(&m, fx.table, &err) != CLNAS_OK)
        return -1;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rea_resume),
        cmocka_unit_test(test_random_resume),
        cmocka_unit_test(test_reinforce_resume),
        cmocka_unit_test(test_bo_resume),
        cmocka_unit_test(test_hyperband_resume),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
