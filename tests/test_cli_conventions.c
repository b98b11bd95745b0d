/* clnas — the command line's conventions (issue 17): progress on stderr and results on stdout, trial numbers from 0,
 * compact trial lines, --json, --seed, --set errors as usage errors, a finished run's budget extended on --resume,
 * every strategy named in --help; and the numbers the records hold (a cached duplicate's own size, the table
 * evaluator's params and FLOPs, where and when each trial ran). Table searches only: seconds, no device. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "arch_cost.h"
#include "evaluator.h"
#include "journal.h"
#include "plan.h"
#include "run_provenance.h"
#include "scratch_dir.h"
#include "trials.h"

#ifndef CLNAS_TOOL_PATH
#error "define CLNAS_TOOL_PATH as the absolute path of the built clnas program"
#endif

typedef struct tool_run {
    char *out, *err; /* what the program wrote to stdout and to stderr */
    int status;      /* exit status; -1 when it did not exit normally */
} tool_run;

/* `clnas ARGS` with stdout and stderr into files of dir, read back. */
static tool_run run_tool(const char *dir, const char *fmt, ...)
{
    char args[1500], cmd[3000], out[1100], err[1100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    scratch_dir_path(out, sizeof out, dir, "stdout.txt");
    scratch_dir_path(err, sizeof err, dir, "stderr.txt");
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s'", CLNAS_TOOL_PATH, args, out, err);
    int status = system(cmd);
    tool_run r = {test_read_file(out, NULL), test_read_file(err, NULL), WIFEXITED(status) ? WEXITSTATUS(status) : -1};
    assert_non_null(r.out);
    assert_non_null(r.err);
    printf("$ clnas %s\n[stdout]\n%s[stderr]\n%s", args, r.out, r.err);
    return r;
}

static void tool_run_free(tool_run *r)
{
    free(r->out);
    free(r->err);
}

#define TABLE_CONFIG CLNAS_TEST_DATA "/../../configs/table-rea.json"

/* A 2-cycle table search into dir/name. */
static tool_run table_search(const char *dir, const char *name, const char *more)
{
    char run[1100];
    scratch_dir_path(run, sizeof run, dir, name);
    return run_tool(dir, "search --config '%s' --set strategy.cycles=2 --out '%s' %s", TABLE_CONFIG, run, more);
}

/* Progress (trial lines, the set-up account) on stderr, results on stdout; trials from 0, [k/N] done; lines fit a
 * terminal. */
static void test_search_streams(void **state)
{
    const char *dir = *state;
    tool_run r = table_search(dir, "run", "");
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, "trial   0"));
    assert_non_null(strstr(r.err, "trial   0 [1/12]"));
    assert_non_null(strstr(r.err, "trial  11 [12/12]"));
    assert_non_null(strstr(r.out, "best: "));
    assert_non_null(strstr(r.out, "Top 10"));
    for (const char *p = r.err; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (strncmp(p, "trial ", 6) == 0)
            assert_in_range(n, 40, 120);
        p += n + (nl != NULL);
    }
    tool_run_free(&r);
}

static cJSON *parse_json(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    return j;
}

/* --json: one object on stdout; the table evaluator's trials have the network's params and FLOPs, not 0. */
static void test_search_json(void **state)
{
    const char *dir = *state;
    tool_run r = table_search(dir, "run", "--json");
    assert_int_equal(r.status, 0);
    cJSON *j = parse_json(r.out);
    assert_string_equal(cJSON_GetObjectItem(j, "strategy")->valuestring, "rea");
    assert_int_equal(cJSON_GetObjectItem(j, "done")->valueint, 12);
    const cJSON *top = cJSON_GetObjectItem(j, "top");
    assert_true(cJSON_GetArraySize(top) >= 1);
    const cJSON *first = cJSON_GetArrayItem(top, 0);
    assert_true(cJSON_GetObjectItem(first, "params")->valuedouble > 1000);
    assert_true(cJSON_GetObjectItem(first, "flops")->valuedouble > 1e6);
    long params;
    double flops;
    clnas_genotype g;
    clnas_error err;
    assert_int_equal(clnas_genotype_parse(cJSON_GetObjectItem(first, "arch")->valuestring, &g, &err), CLNAS_OK);
    clnas_net_config nc;
    clnas_net_config_default(&nc);
    nc.genotype = g;
    assert_int_equal(clnas_arch_cost(&nc, &params, &flops, &err), CLNAS_OK);
    assert_int_equal((long)cJSON_GetObjectItem(first, "params")->valuedouble, params);
    cJSON_Delete(j);
    tool_run_free(&r);

    char run[1100];
    r = run_tool(dir, "report '%s' --json", scratch_dir_path(run, sizeof run, dir, "run"));
    assert_int_equal(r.status, 0);
    j = parse_json(r.out);
    assert_int_equal(cJSON_GetObjectItem(j, "trials")->valueint, 12);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(j, "top")) >= 1);
    cJSON_Delete(j);
    tool_run_free(&r);
}

static cJSON *read_json(const char *dir, const char *name)
{
    char path[1100];
    char *text = test_read_file(scratch_dir_path(path, sizeof path, dir, name), NULL);
    assert_non_null(text);
    cJSON *j = parse_json(text);
    free(text);
    return j;
}

/* --seed is the config's seed; a --set the parser or the strategy refuses exits 2, not blamed on the file. */
static void test_search_seed_and_set_errors(void **state)
{
    const char *dir = *state;
    tool_run r = table_search(dir, "seeded", "--seed 7");
    assert_int_equal(r.status, 0);
    tool_run_free(&r);
    char run[1100];
    cJSON *cfg = read_json(scratch_dir_path(run, sizeof run, dir, "seeded"), "config.json");
    assert_int_equal(cJSON_GetObjectItem(cfg, "seed")->valueint, 7);
    cJSON_Delete(cfg);

    r = table_search(dir, "bad1", "--set strategy.cyclez=3");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "strategy.cyclez"));
    tool_run_free(&r);
    r = table_search(dir, "bad2", "--set seed=-4");
    assert_int_equal(r.status, 2);
    assert_null(strstr(r.err, "table-rea.json"));
    tool_run_free(&r);
    r = table_search(dir, "bad3", "--set nokey");
    assert_int_equal(r.status, 2);
    tool_run_free(&r);
    r = run_tool(dir, "proxy-check --set proxy.channels=many");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "proxy.channels"));
    tool_run_free(&r);
}

static int journal_lines(const char *run)
{
    char path[1100];
    char *text = test_read_file(scratch_dir_path(path, sizeof path, run, "journal.jsonl"), NULL);
    assert_non_null(text);
    int n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    free(text);
    return n;
}

/* A finished run's budget grows on --resume with --set strategy.cycles (the earlier trials replayed and checked);
 * it never shrinks, and no other key is taken. */
static void test_resume_extends_budget(void **state)
{
    const char *dir = *state;
    tool_run r = table_search(dir, "run", "");
    assert_int_equal(r.status, 0);
    tool_run_free(&r);
    char run[1100];
    scratch_dir_path(run, sizeof run, dir, "run");
    assert_int_equal(journal_lines(run), 12);
    r = run_tool(dir, "search --resume '%s' --set strategy.cycles=6", run);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "trial  15 [16/16]"));
    tool_run_free(&r);
    assert_int_equal(journal_lines(run), 16);
    cJSON *cfg = read_json(run, "config.json");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cfg, "strategy"), "cycles")->valueint, 6);
    cJSON_Delete(cfg);
    r = run_tool(dir, "search --resume '%s' --set strategy.cycles=3", run);
    assert_int_equal(r.status, 2);
    tool_run_free(&r);
    r = run_tool(dir, "search --resume '%s' --set strategy.population=3", run);
    assert_int_equal(r.status, 2);
    tool_run_free(&r);
    assert_int_equal(journal_lines(run), 16);
}

/* --config NAME.json finds a config by name (installed under share/clnas/configs, or the source tree's). */
static void test_config_by_name(void **state)
{
    const char *dir = *state;
    char run[1100];
    tool_run r = run_tool(dir, "search --config table-rea.json --set strategy.cycles=1 --out '%s'",
                          scratch_dir_path(run, sizeof run, dir, "run"));
    assert_int_equal(r.status, 0);
    tool_run_free(&r);
    assert_int_equal(journal_lines(run), 11);
}

/* Every strategy is named where a newcomer looks. */
static void test_help_names_strategies(void **state)
{
    const char *dir = *state;
    const char *names[] = {"rea", "random", "reinforce", "spos", "darts", "gdas"};
    tool_run top = run_tool(dir, "--help"), search = run_tool(dir, "search --help");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_non_null(strstr(top.out, names[i]));
        assert_non_null(strstr(search.out, names[i]));
    }
    tool_run_free(&top);
    tool_run_free(&search);
}

/* A --set that changes the proxy drops the default proxy's measured Kendall tau (measured for another proxy): the
 * run does not print it and config.json records null. No device matches, so the run stops right after writing
 * config.json (and loading the data). */
static void test_proxy_set_drops_measured_tau(void **state)
{
    const char *dir = *state;
    char run[1100];
    scratch_dir_path(run, sizeof run, dir, "run");
    tool_run r = run_tool(dir, "search --set proxy.channels=4 --device no-such-device-xyz --out '%s'", run);
    assert_int_equal(r.status, 1);
    assert_null(strstr(r.err, "Kendall tau 0.42"));
    tool_run_free(&r);
    cJSON *cfg = read_json(run, "config.json");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(cfg, "proxy"), "measured_kendall_tau")));
    cJSON_Delete(cfg);
}

/* rank-eval creates --out DIR before it evaluates anything (it used to fail at the end, losing the results). */
static void test_rank_eval_creates_out(void **state)
{
    const char *dir = *state;
    char out[1100];
    scratch_dir_path(out, sizeof out, dir, "a/b/c");
    tool_run r = run_tool(dir, "rank-eval --supernet '%s/missing' --out '%s'", dir, out);
    assert_int_equal(r.status, 1);
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    tool_run_free(&r);
}

/* ---- the records: a cached duplicate's own size, and where and when each trial ran ---- */

/* D's node 2 is a conv of a zero node (its output is BatchNorm's beta, a constant NB201's canonical form drops), so
 * D is isomorphic to E, but D trains that conv's weights: same class, different parameter counts. */
#define ARCH_E "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
#define ARCH_D "|none~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"

typedef struct fixed_list {
    clnas_space_genotype arch[2];
    int next;
} fixed_list;

static clnas_status fl_create(const cJSON *params, uint64_t seed, const clnas_space_iface *space, cJSON *resolved,
                              void **state, clnas_error *err)
{
    (void)params, (void)seed, (void)resolved, (void)space;
    fixed_list *f = calloc(1, sizeof *f);
    clnas_space_nb201.parse(ARCH_E, &f->arch[0], err);
    clnas_space_nb201.parse(ARCH_D, &f->arch[1], err);
    *state = f;
    return CLNAS_OK;
}

static int fl_budget(const void *state)
{
    (void)state;
    return 2;
}

static clnas_status fl_propose(void *state, clnas_space_genotype *out, clnas_error *err)
{
    (void)err;
    fixed_list *f = state;
    *out = f->arch[f->next++ % 2];
    return CLNAS_OK;
}

static clnas_status fl_observe(void *state, const clnas_space_genotype *arch, double fitness, clnas_error *err)
{
    (void)state, (void)arch, (void)fitness, (void)err;
    return CLNAS_OK;
}

static const clnas_strategy_iface fixed_list_iface = {.name = "fixed", .create = fl_create, .budget = fl_budget,
                                                      .propose = fl_propose, .observe = fl_observe, .destroy = free};

static long params_of(const char *arch)
{
    clnas_net_config nc;
    clnas_net_config_default(&nc);
    clnas_error err;
    assert_int_equal(clnas_genotype_parse(arch, &nc.genotype, &err), CLNAS_OK);
    long params;
    double flops;
    assert_int_equal(clnas_arch_cost(&nc, &params, &flops, &err), CLNAS_OK);
    return params;
}

/* The graph-based figures equal the compiled plan's (clnas_model_param_count's rule, clnas_plan_forward_flops). */
static void test_arch_cost_matches_plan(void **state)
{
    (void)state;
    const char *archs[] = {ARCH_E, ARCH_D, "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|"
                                           "nor_conv_3x3~2|",
                           "|nor_conv_1x1~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|none~2|"};
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        clnas_net_config nc;
        clnas_net_config_default(&nc);
        nc.channels = 8;
        nc.cells = 2;
        clnas_error err;
        assert_int_equal(clnas_genotype_parse(archs[i], &nc.genotype, &err), CLNAS_OK);
        long params;
        double flops;
        assert_int_equal(clnas_arch_cost(&nc, &params, &flops, &err), CLNAS_OK);
        clnas_plan *plan = NULL;
        assert_int_equal(clnas_plan_compile_descs(&nc, &plan, &err), CLNAS_OK);
        long expected = 0;
        for (int p = 0; p < plan->nparams; p++)
            if (plan->params[p].arena == CLNAS_ARENA_PARAMS && plan->params[p].live)
                expected += (long)plan->params[p].count;
        assert_int_equal(params, expected);
        assert_true(flops == clnas_plan_forward_flops(plan));
        clnas_plan_free(plan);
    }
}

static void test_cached_duplicate_own_size(void **state)
{
    const char *dir = *state;
    assert_true(params_of(ARCH_D) > params_of(ARCH_E));
    char table[1100];
    FILE *f = fopen(scratch_dir_path(table, sizeof table, dir, "t.csv"), "w");
    assert_non_null(f);
    fprintf(f, "arch,accuracy\n%s,0.5\n", ARCH_E);
    fclose(f);
    clnas_error err;
    clnas_evaluator ev;
    assert_int_equal(clnas_table_evaluator_new(table, &ev, &err), CLNAS_OK);
    void *fl = NULL;
    assert_int_equal(fl_create(NULL, 0, NULL, NULL, &fl, &err), CLNAS_OK);
    clnas_trials_options opt;
    memset(&opt, 0, sizeof opt);
    opt.run_dir = dir;
    opt.title = "fixed";
    opt.device = "test device";
    opt.driver = "test driver";
    clnas_trials_summary sum;
    assert_int_equal(clnas_trials_run(&fixed_list_iface, fl, &ev, &opt, &sum, &err), CLNAS_OK);
    free(fl);
    ev.iface->destroy(ev.state);

    char path[1100];
    clnas_journal_entry *e = NULL;
    int n = 0, torn = 0;
    size_t good = 0;
    assert_int_equal(clnas_journal_read(scratch_dir_path(path, sizeof path, dir, "journal.jsonl"), &e, &n, &torn,
                                        &good, &err), CLNAS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(e[1].status, CLNAS_TRIAL_CACHED);
    assert_true(e[1].fitness == e[0].fitness);
    assert_int_equal(e[0].params, params_of(ARCH_E));
    assert_int_equal(e[1].params, params_of(ARCH_D));
    for (int i = 0; i < n; i++) {
        assert_string_equal(cJSON_GetObjectItem(e[i].extra, "device")->valuestring, "test device");
        assert_string_equal(cJSON_GetObjectItem(e[i].extra, "driver")->valuestring, "test driver");
        assert_true(cJSON_IsString(cJSON_GetObjectItem(e[i].extra, "clnas_version")));
        const char *stamp = cJSON_GetObjectItem(e[i].extra, "timestamp")->valuestring;
        assert_int_equal(strlen(stamp), 20); /* 2026-12-04T17:01:29Z */
        assert_int_equal(stamp[10], 'T');
    }
    clnas_journal_entries_free(e, n);
}

/* config.json records the device, driver and clnas version a run used ("device" stays the selector), and the run's
 * config.json still loads for --resume. */
static void test_config_records_device(void **state)
{
    const char *dir = *state;
    char run[1100];
    tool_run r = table_search(dir, "run", "");
    assert_int_equal(r.status, 0);
    tool_run_free(&r);
    scratch_dir_path(run, sizeof run, dir, "run");
    clnas_device dev;
    memset(&dev, 0, sizeof dev);
    snprintf(dev.info.name, sizeof dev.info.name, "Test GPU");
    snprintf(dev.info.driver_version, sizeof dev.info.driver_version, "9.9");
    snprintf(dev.info.platform, sizeof dev.info.platform, "Test Platform");
    clnas_error err;
    assert_int_equal(clnas_run_record_device(run, &dev, &err), CLNAS_OK);
    cJSON *cfg = read_json(run, "config.json");
    const cJSON *on = cJSON_GetObjectItem(cfg, "ran_on");
    assert_string_equal(cJSON_GetObjectItem(on, "device")->valuestring, "Test GPU");
    assert_string_equal(cJSON_GetObjectItem(on, "driver")->valuestring, "9.9");
    assert_true(cJSON_IsString(cJSON_GetObjectItem(on, "clnas_version")));
    cJSON_Delete(cfg);
    r = run_tool(dir, "search --resume '%s'", run); /* finished: replays and ends */
    assert_int_equal(r.status, 0);
    tool_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_search_streams),
        scratch_dir_unit_test(test_search_json),
        scratch_dir_unit_test(test_search_seed_and_set_errors),
        scratch_dir_unit_test(test_resume_extends_budget),
        scratch_dir_unit_test(test_config_by_name),
        scratch_dir_unit_test(test_help_names_strategies),
        scratch_dir_unit_test(test_proxy_set_drops_measured_tau),
        scratch_dir_unit_test(test_rank_eval_creates_out),
        scratch_dir_unit_test(test_config_records_device),
        scratch_dir_unit_test(test_arch_cost_matches_plan),
        scratch_dir_unit_test(test_cached_duplicate_own_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
