/* clnas tests — multi-trial search over the darts and chain spaces (issue 13): a search stopped after a few trials
 * and resumed writes the journal of an uninterrupted one, REA and random train tiny proxies of each space and write
 * best.json with the space, BO, REINFORCE's per-decision policy and Hyperband's model work on every space (issue 13),
 * and what works on NB201 only (the one-shot strategies, the table evaluator) refuses
 * another space by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "run_dir.h"
#include "scratch_dir.h"
#include "search_entry.h"
#include "strategy.h"
#include "tiny_idx.h"

typedef struct calls {
    int evaluated, stop_after;
    volatile int stop;
} calls;

/* A fitness from the arch string alone (FNV-1a), so that every space's strings score and the runs compare. */
static clnas_status evaluate(const char *arch, void *user, double *fitness, clnas_error *err)
{
    (void)err;
    calls *c = user;
    c->evaluated++;
    uint64_t h = 1469598103934665603ull;
    for (const char *p = arch; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    *fitness = (double)(h % 1000) / 1000.0;
    return CLNAS_OK;
}

static void on_progress(const clnas_search_report *r, void *user)
{
    calls *c = user;
    if (c->stop_after && r->done == c->stop_after)
        c->stop = 1;
}

/* The tiny proxy's config; `top` more top-level fields ("" or "\"key\": value, "). */
static clnas_config *config_with(const char *space, const char *strategy_json, const char *data_dir, const char *top)
{
    char text[1700];
    snprintf(text, sizeof text, "{%s\"name\": \"spaces\", \"seed\": 5, \"space\": {\"name\": \"%s\"}, \"dataset\": "
             "{\"dir\": \"%s\", \"validation_size\": 32, \"train_subset\": 64}, \"proxy\": {\"channels\": 2, "
             "\"layers\": 3, \"batch\": 16, \"epochs\": 1}, \"strategy\": %s}", top, space, data_dir, strategy_json);
    clnas_config *cfg = NULL;
    clnas_error err;
    if (clnas_config_parse(text, "spaces-test", &cfg, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return cfg;
}

static clnas_config *config(const char *space, const char *strategy_json, const char *data_dir)
{
    return config_with(space, strategy_json, data_dir, "");
}

static clnas_status run(const clnas_config *cfg, const char *dir, int resume, calls *c, clnas_search_result *res,
                        clnas_error *err)
{
    clnas_search_params p = clnas_search_default_params();
    p.config = cfg;
    p.run_dir = dir;
    p.resume = resume;
    p.progress = on_progress;
    p.evaluate = evaluate;
    p.user = c;
    p.stop = &c->stop;
    clnas_error_clear(err);
    return clnas_search_run_on(NULL, NULL, &p, res, err);
}

/* The file without the values of "seconds" and "timestamp" (what a resumed run may write differently). */
static char *without_times(const char *dir, const char *name)
{
    char path[1100];
    char *text = test_read_file(scratch_dir_path(path, sizeof path, dir, name), NULL);
    assert_non_null(text);
    static const char *const keys[] = {"\"seconds\":", "\"timestamp\":"};
    for (int k = 0; k < 2; k++)
        for (char *p = text; (p = strstr(p, keys[k])) != NULL;) {
            char *value = p + strlen(keys[k]), *q = value;
            while (*q && *q != ',' && *q != '}')
                q++;
            memmove(value, q, strlen(q) + 1);
            p = value;
        }
    return text;
}

static void same_file(const char *a, const char *b, const char *name)
{
    char *x = without_times(a, name), *y = without_times(b, name);
    assert_string_equal(x, y);
    free(x);
    free(y);
}

/* best.json of dir names the space, and its arch parses in it and is the journal's best. */
static void check_best(const char *dir, const clnas_space_iface *space, const char *best_arch)
{
    const clnas_space_iface *read = NULL;
    clnas_space_genotype g;
    char text[CLNAS_SPACE_STR_MAX];
    clnas_error err;
    if (clnas_run_best_read_space(dir, &read, &g, text, sizeof text, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_ptr_equal(read, space);
    if (best_arch)
        assert_string_equal(text, best_arch);
    char path[1100];
    char *json = test_read_file(scratch_dir_path(path, sizeof path, dir, "best.json"), NULL);
    cJSON *j = cJSON_Parse(json);
    assert_string_equal(cJSON_GetObjectItem(j, "space")->valuestring, space->name);
    cJSON_Delete(j);
    free(json);
    /* the NB201 reader refuses it by name */
    clnas_genotype nb201;
    assert_int_equal(clnas_run_best_read(dir, &nb201, text, sizeof text, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, space->name));
}

/* Every journal line's arch is a string of the space (parses there, and not as another space's). */
static void check_journal_strings(const char *dir, const clnas_space_iface *space, int lines)
{
    char path[1100];
    scratch_dir_path(path, sizeof path, dir, "journal.jsonl");
    clnas_journal_entry *e = NULL;
    int n = 0, torn = 0;
    size_t good = 0;
    clnas_error err;
    if (clnas_journal_read_space(path, space, &e, &n, &torn, &good, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(n, lines);
    for (int i = 0; i < n; i++)
        assert_ptr_equal(e[i].space, space);
    clnas_journal_entries_free(e, n);
    /* read as NB201 it is refused, naming the line */
    assert_int_equal(clnas_journal_read(path, &e, &n, &torn, &good, &err), CLNAS_ERR_FORMAT);
    assert_non_null(strstr(err.message, "line 1"));
}

static void resume_matches(const char *scratch, const char *tag, const char *space_name, const char *strategy_json,
                           int trials)
{
    const clnas_space_iface *space;
    assert_int_equal(clnas_space_by_name(space_name, &space, NULL), CLNAS_OK);
    char whole[1100], part[1100], sub[200];
    snprintf(sub, sizeof sub, "%s-%s-whole", space_name, tag);
    scratch_dir_path(whole, sizeof whole, scratch, sub);
    snprintf(sub, sizeof sub, "%s-%s-part", space_name, tag);
    scratch_dir_path(part, sizeof part, scratch, sub);
    clnas_config *cfg = config(space_name, strategy_json, CLNAS_TEST_DATA);
    clnas_search_result a, b;
    clnas_error err;
    calls ca = {0, 0, 0}, cb = {0, 4, 0}, cc = {0, 0, 0};
    if (run(cfg, whole, 0, &ca, &a, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(a.done, trials);
    if (run(cfg, part, 0, &cb, &b, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(b.done, 4);
    assert_int_equal(b.stopped, 1);
    if (run(cfg, part, 1, &cc, &b, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(b.resumed_from, 4);
    assert_int_equal(b.done, trials);
    assert_int_equal(b.best_index, a.best_index);
    assert_string_equal(b.best_arch, a.best_arch);
    assert_int_equal(ca.evaluated, cb.evaluated + cc.evaluated);
    same_file(whole, part, "journal.jsonl");
    same_file(whole, part, "best.json");
    same_file(whole, part, "config.json");
    check_best(part, space, a.best_arch);
    check_journal_strings(part, space, trials);
    /* config.json keeps the space, so that the resume (which reads it) searches the same one */
    char path[1100];
    char *json = test_read_file(scratch_dir_path(path, sizeof path, part, "config.json"), NULL);
    cJSON *j = cJSON_Parse(json);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "space"), "name")->valuestring, space_name);
    cJSON_Delete(j);
    free(json);
    const clnas_space_iface *of_dir = NULL;
    assert_int_equal(clnas_run_dir_space(part, &of_dir, &err), CLNAS_OK);
    assert_ptr_equal(of_dir, space);
    clnas_config_free(cfg);
}

static void test_resume_darts_and_chain(void **state)
{
    static const char *const rea = "{\"name\": \"rea\", \"population\": 4, \"sample_size\": 2, \"cycles\": 8}";
    static const char *const random = "{\"name\": \"random\", \"trials\": 9}";
    /* one fidelity: the caller's evaluator has no lower ones */
    static const char *const hb = "{\"name\": \"hyperband\", \"trials\": 10, \"sampler\": \"random\", "
                                  "\"min_fraction\": 1}";
    resume_matches(*state, "rea", "darts", rea, 12);
    resume_matches(*state, "rea", "chain", rea, 12);
    resume_matches(*state, "random", "darts", random, 9);
    resume_matches(*state, "hyperband", "chain", hb, 10);
    /* REINFORCE on chain: the chain controller (Zoph & Le's LSTM), its state rebuilt by the replay */
    resume_matches(*state, "reinforce", "chain", "{\"name\": \"reinforce\", \"trials\": 9, \"layers\": 4, "
                   "\"hidden\": 8}", 9);
    /* BO, REINFORCE's per-decision policy and Hyperband's model through the spaces' decisions (issue 13) */
    static const char *const bo = "{\"name\": \"bo\", \"trials\": 9, \"initial\": 3, \"candidates\": 20, "
                                  "\"parents\": 2}";
    static const char *const per_edge = "{\"name\": \"reinforce\", \"trials\": 9, \"controller\": \"per_edge\"}";
    resume_matches(*state, "bo", "darts", bo, 9);
    resume_matches(*state, "bo", "chain", bo, 9);
    resume_matches(*state, "per-edge", "darts", per_edge, 9);
    resume_matches(*state, "per-edge", "chain", per_edge, 9);
    resume_matches(*state, "lstm", "darts", "{\"name\": \"reinforce\", \"trials\": 9, \"controller\": \"lstm\", "
                   "\"hidden\": 8}", 9);
    resume_matches(*state, "hyperband-bo", "darts", "{\"name\": \"hyperband\", \"trials\": 12, "
                   "\"min_fraction\": 1}", 12);
}

/* REA's proposals on darts are mutations of a population member: one of the space's neighbours. */
static void test_rea_mutates_in_the_space(void **unused)
{
    (void)unused;
    const clnas_space_iface *const spaces[] = {&clnas_space_darts, &clnas_space_chain};
    for (int k = 0; k < 2; k++) {
        const clnas_space_iface *space = spaces[k];
        cJSON *params = cJSON_Parse("{\"population\": 3, \"sample_size\": 3, \"cycles\": 6}");
        void *s = NULL;
        clnas_error err;
        assert_int_equal(clnas_strategy_rea.create(params, 2, space, NULL, &s, &err), CLNAS_OK);
        cJSON_Delete(params);
        clnas_space_genotype seen[9];
        for (int t = 0; t < 9; t++) {
            assert_int_equal(clnas_strategy_rea.propose(s, &seen[t], &err), CLNAS_OK);
            char text[CLNAS_SPACE_STR_MAX];
            clnas_space_genotype back;
            assert_int_equal(space->format(&seen[t], text, sizeof text, &err), CLNAS_OK);
            assert_int_equal(space->parse(text, &back, &err), CLNAS_OK);
            assert_true(clnas_space_genotype_equal(&back, &seen[t]));
            if (t >= 3) { /* a mutation of one of the (at most 3) members alive: a neighbour of one */
                int neighbour = 0;
                for (int m = t - 3; m < t && !neighbour; m++) {
                    const int n = space->neighbours(&seen[m], NULL, 0);
                    clnas_space_genotype *nb = malloc((size_t)(n ? n : 1) * sizeof *nb);
                    assert_non_null(nb);
                    assert_int_equal(space->neighbours(&seen[m], nb, n), n);
                    for (int i = 0; i < n && !neighbour; i++)
                        neighbour = clnas_space_genotype_equal(&nb[i], &seen[t]);
                    neighbour |= clnas_space_genotype_equal(&seen[m], &seen[t]); /* a mutation may be a no-op */
                    free(nb);
                }
                assert_true(neighbour);
            }
            assert_int_equal(clnas_strategy_rea.observe(s, &seen[t], 0.1 * (t % 7), &err), CLNAS_OK);
        }
        clnas_strategy_rea.destroy(s);
    }
}

static void expect_create_refused(const clnas_strategy_iface *ops, const char *params_json,
                                  const clnas_space_iface *space, const char *message)
{
    cJSON *params = params_json ? cJSON_Parse(params_json) : NULL;
    void *s = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    assert_int_equal(ops->create(params, 1, space, NULL, &s, &err), CLNAS_ERR_INVALID_ARG);
    assert_null(s);
    cJSON_Delete(params);
    if (strcmp(err.message, message) != 0)
        fail_msg("%s on %s:\n  expected: %s\n  got:      %s", ops->name, space->name, message, err.message);
}

static void test_nb201_only_parts_refuse_other_spaces(void **state)
{
    /* on chain the per-decision policy draws the depth itself */
    expect_create_refused(&clnas_strategy_reinforce, "{\"controller\": \"per_edge\", \"layers\": 4}",
                          &clnas_space_chain, "strategy.layers: the network depth of the chain space's \"lstm\" "
                          "controller; \"per_edge\" draws the depth as a decision");
    expect_create_refused(&clnas_strategy_reinforce, "{\"layers\": 4}", &clnas_space_nb201,
                          "strategy.layers: the chain space's network depth; this run's space is nb201");
    expect_create_refused(&clnas_strategy_reinforce, "{\"layers\": 21}", &clnas_space_chain,
                          "strategy.layers: expected an integer from 1 to 20, got 21");
    /* BO, REINFORCE (per_edge, the default but on chain) and Hyperband (sampler "bo") create on every space (NULL:
     * nb201, the default) */
    const clnas_strategy_iface *const any_space[] = {&clnas_strategy_bo, &clnas_strategy_reinforce,
                                                     &clnas_strategy_hyperband};
    const clnas_space_iface *const spaces[] = {NULL, &clnas_space_nb201, &clnas_space_darts, &clnas_space_chain};
    for (int k = 0; k < 3; k++)
        for (int sp = 0; sp < 4; sp++) {
            void *s = NULL;
            clnas_error err;
            assert_int_equal(any_space[k]->create(NULL, 1, spaces[sp], NULL, &s, &err), CLNAS_OK);
            any_space[k]->destroy(s);
        }

    /* one-shot strategies and the table evaluator, through the search entry */
    static const struct {
        const char *space, *strategy, *extra, *message;
    } runs[] = {
        {"darts", "{\"name\": \"gdas\", \"warm_up\": true}", "",
         "strategy.warm_up: builds every path's programs, which GDAS on space darts has too many of to enumerate; "
         "set it false"},
        {"darts", "{\"name\": \"spos\", \"warm_up\": true}", "",
         "strategy.warm_up: builds every path's programs, which space darts has too many of to enumerate; set it "
         "false"},
        {"chain", "{\"name\": \"gdas\", \"warm_up\": true}", "",
         "strategy.warm_up: builds every path's programs, which GDAS on space chain has too many of to enumerate; "
         "set it false"},
        {"chain", "{\"name\": \"darts\", \"derive\": \"without_none\"}", "",
         "strategy.derive: a rule about none edges; the chain space has no none op (every layer takes its strongest "
         "op): leave derive out"},
        {"chain", "{\"name\": \"spos\", \"warm_up\": true}", "",
         "strategy.warm_up: builds every path's programs, which space chain has too many of to enumerate; set it "
         "false"},
        {"darts", "{\"name\": \"random\", \"trials\": 2}", ", \"evaluator\": {\"kind\": \"table\", \"table\": \"%s\"}",
         "evaluator.kind \"table\": works on space nb201 only (this run's space is darts); use evaluator.kind "
         "\"train\" or \"zero-cost\""},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        char extra[1200], text[2400], dir[1100], name[32];
        snprintf(extra, sizeof extra, runs[i].extra, CLNAS_TEST_DATA "/../../configs/table.csv");
        snprintf(text, sizeof text, "{\"name\": \"refused\", \"space\": {\"name\": \"%s\"}, \"dataset\": {\"dir\": "
                 "\"%s\"}, \"strategy\": %s%s}", runs[i].space, CLNAS_TEST_DATA, runs[i].strategy, extra);
        clnas_config *cfg = NULL;
        clnas_error err;
        if (clnas_config_parse(text, "refused", &cfg, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        snprintf(name, sizeof name, "refused-%zu", i);
        scratch_dir_path(dir, sizeof dir, *state, name);
        clnas_search_params p = clnas_search_default_params();
        p.config = cfg;
        p.run_dir = dir;
        clnas_search_result res;
        assert_int_equal(clnas_search_run_on(NULL, NULL, &p, &res, &err), CLNAS_ERR_INVALID_ARG);
        if (strcmp(err.message, runs[i].message) != 0)
            fail_msg("run %zu:\n  expected: %s\n  got:      %s", i, runs[i].message, err.message);
        assert_int_not_equal(access(dir, F_OK), 0); /* no directory left behind */
        clnas_config_free(cfg);
    }
}

static void test_space_config_errors(void **unused)
{
    (void)unused;
    static const struct {
        const char *json, *message;
    } bad[] = {
        {"{\"space\": {\"name\": \"nb301\"}}",
         "space.name: unknown search space \"nb301\" (known: nb201, darts, chain)"},
        {"{\"space\": {\"name\": 201}}", "space.name: expected a search space's name (nb201, darts, chain), got 201"},
        {"{\"space\": {\"nme\": \"darts\"}}", "space.nme: unknown key (known: name)"},
        {"{\"space\": {\"name\": \"darts\"}, \"proxy\": {\"layers\": 65}}",
         "proxy.layers: expected an integer from 1 to 64, got 65"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clnas_config *cfg = NULL;
        clnas_error err;
        assert_int_not_equal(clnas_config_parse(bad[i].json, "bad", &cfg, &err), CLNAS_OK);
        if (!strstr(err.message, bad[i].message))
            fail_msg("%s:\n  expected: %s\n  got:      %s", bad[i].json, bad[i].message, err.message);
    }
    /* --set space.name overrides the file's, as `clnas search --space` does */
    clnas_config *cfg = config("nb201", "{\"name\": \"rea\"}", CLNAS_TEST_DATA);
    clnas_error err;
    assert_int_equal(clnas_config_set(cfg, "space.name=chain", &err), CLNAS_OK);
    assert_string_equal(clnas_config_settings(cfg)->space, "chain");
    assert_ptr_equal(clnas_search_config_space(clnas_config_settings(cfg)), &clnas_space_chain);
    assert_int_not_equal(clnas_config_set(cfg, "space.name=nb301", &err), CLNAS_OK);
    clnas_config_free(cfg);
}

/* `clnas search --space`: a bad name is a usage error naming the known spaces; --resume takes the run's own. */
static void test_cli_space_option(void **state)
{
    char out[1100], cmd[3000];
    scratch_dir_path(out, sizeof out, *state, "cli.txt");
    static const struct {
        const char *args, *message;
    } cases[] = {
        {"search --space nb301", "--space: unknown search space \"nb301\" (known: nb201, darts, chain)"},
        {"search --resume /nonexistent --space darts", "it takes no --config, --seed, --space, --memory-budget or --out"},
        {"search --resume /nonexistent --memory-budget 1G", "it takes no --config, --seed, --space, --memory-budget"},
        {"search --memory-budget 12X", "--memory-budget: expected a size in bytes >= 0, optionally followed by K, M or G"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(cmd, sizeof cmd, "'%s' %s > '%s' 2>&1", CLNAS_TOOL_PATH, cases[i].args, out);
        const int rc = system(cmd);
        assert_true(WIFEXITED(rc));
        assert_int_equal(WEXITSTATUS(rc), 2);
        char *text = test_read_file(out, NULL);
        assert_non_null(text);
        if (!strstr(text, cases[i].message))
            fail_msg("clnas %s:\n  expected: %s\n  got: %s", cases[i].args, cases[i].message, text);
        free(text);
    }
}

/* Fashion-MNIST-like 8x8 images: class c brightens rows c % 8. */
static int pixel(int i, int k, void *ctx)
{
    (void)ctx;
    return (k / 8 == (i % 10) % 8) ? 200 : (k * 37 + i * 11) % 60;
}

/* The tiny datasets (96 training, 16 test images of 8x8) in the scratch directory's data/, its path in data. */
static void write_tiny_data(void **state, char *data, size_t cap)
{
    scratch_dir_path(data, cap, *state, "data");
    assert_int_equal(mkdir(data, 0777), 0);
    assert_int_equal(tiny_idx_write(data, "train", 96, 8, pixel, NULL), 0);
    assert_int_equal(tiny_idx_write(data, "t10k", 16, 8, pixel, NULL), 0);
}

/* The search of cfg, as clnas search runs it, into dir. */
static clnas_status dispatch(const clnas_config *cfg, const char *dir, clnas_run_outcome *o, clnas_error *err)
{
    clnas_run_request req;
    memset(&req, 0, sizeof req);
    req.cfg = clnas_config_settings(cfg);
    req.out = dir;
    clnas_error_clear(err);
    return clnas_search_dispatch(&req, o, err);
}

static int count_in(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* REA on darts and random on chain train tiny proxies on the device and write best.json with the space. */
static void test_tiny_proxy_searches(void **state)
{
    char data[1100];
    write_tiny_data(state, data, sizeof data);
    static const struct {
        const char *space, *strategy;
        int trials;
    } cases[] = {
        {"darts", "{\"name\": \"rea\", \"population\": 2, \"sample_size\": 1, \"cycles\": 1}", 3},
        {"chain", "{\"name\": \"random\", \"trials\": 2}", 2},
        {"chain", "{\"name\": \"reinforce\", \"trials\": 3, \"layers\": 3, \"hidden\": 8}", 3},
        /* the zero-cost warm start scores the space's samples with the space's networks */
        {"darts", "{\"name\": \"rea\", \"population\": 2, \"sample_size\": 1, \"cycles\": 0, "
                  "\"warm_start_proxy\": \"params\", \"warm_start_samples\": 3}", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clnas_config *cfg = config(cases[i].space, cases[i].strategy, data);
        char dir[1100], name[32];
        snprintf(name, sizeof name, "%s-%zu", cases[i].space, i);
        scratch_dir_path(dir, sizeof dir, *state, name);
        clnas_run_outcome o;
        clnas_error err;
        if (dispatch(cfg, dir, &o, &err) != CLNAS_OK)
            fail_msg("%s: %s", cases[i].space, err.message);
        assert_int_equal(o.done, cases[i].trials);
        const clnas_space_iface *space;
        assert_int_equal(clnas_space_by_name(cases[i].space, &space, NULL), CLNAS_OK);
        char path[1100];
        char *journal = test_read_file(scratch_dir_path(path, sizeof path, dir, "journal.jsonl"), NULL);
        assert_non_null(journal);
        const int ok = count_in(journal, "\"status\":\"ok\"");
        if (ok != cases[i].trials)
            fail_msg("%s: %d of %d trials ok:\n%s", cases[i].space, ok, cases[i].trials, journal);
        free(journal);
        check_best(dir, space, o.best_arch);
        check_journal_strings(dir, space, cases[i].trials);
        clnas_config_free(cfg);
    }
}

/* A search's memory_budget reaches every trial's network: one no network fits fails each trial with the budget's
 * message (in the journal), and config.json keeps it. */
static void test_memory_budget_reaches_trials(void **state)
{
    char data[1100], dir[1100], path[1100];
    write_tiny_data(state, data, sizeof data);
    clnas_config *cfg = config_with("nb201", "{\"name\": \"random\", \"trials\": 2}", data, "\"memory_budget\": 1024, ");
    scratch_dir_path(dir, sizeof dir, *state, "budget");
    clnas_run_outcome o;
    clnas_error err;
    clnas_status st = dispatch(cfg, dir, &o, &err);
    char *journal = test_read_file(scratch_dir_path(path, sizeof path, dir, "journal.jsonl"), NULL);
    assert_non_null(journal);
    const int failed = count_in(journal, "more than the memory budget of 1024 bytes");
    if (failed != 2)
        fail_msg("status %s (%s); %d of 2 trials refused by the budget:\n%s", clnas_status_to_string(st),
                 err.message, failed, journal);
    free(journal);
    char *resolved = test_read_file(scratch_dir_path(path, sizeof path, dir, "config.json"), NULL);
    assert_non_null(resolved);
    assert_non_null(strstr(resolved, "\"memory_budget\":\t1024"));
    free(resolved);
    clnas_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rea_mutates_in_the_space),
        cmocka_unit_test(test_space_config_errors),
        scratch_dir_unit_test(test_nb201_only_parts_refuse_other_spaces),
        scratch_dir_unit_test(test_cli_space_option),
        scratch_dir_unit_test(test_resume_darts_and_chain),
        scratch_dir_unit_test(test_tiny_proxy_searches),
        scratch_dir_unit_test(test_memory_budget_reaches_trials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
