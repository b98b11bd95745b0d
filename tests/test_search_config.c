/* clnas — tests of the search config: defaults, every bad field's message, --set, relative paths, round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch_dir.h"
#include "search_config.h"

#define DEFAULT_DATASET "/usr/share/datasets/fashion-mnist"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* Parses json text as a config tree (the test's own JSON must be valid). */
static cJSON *tree(const char *json)
{
    cJSON *t = cJSON_Parse(json);
    if (!t)
        fail_msg("test JSON does not parse: %s", json);
    return t;
}

static void assert_config_equal(const clnas_search_config *a, const clnas_search_config *b)
{
    assert_string_equal(a->name, b->name);
    assert_true(a->seed == b->seed);
    assert_string_equal(a->device, b->device);
    assert_true(a->memory_budget == b->memory_budget);
    assert_string_equal(a->space, b->space);
    assert_string_equal(a->dataset.dir, b->dataset.dir);
    assert_int_equal(a->dataset.validation_size, b->dataset.validation_size);
    assert_int_equal(a->dataset.train_subset, b->dataset.train_subset);
    assert_int_equal(a->proxy.channels, b->proxy.channels);
    assert_int_equal(a->proxy.cells, b->proxy.cells);
    assert_int_equal(a->proxy.epochs, b->proxy.epochs);
    assert_int_equal(a->proxy.batch, b->proxy.batch);
    assert_true(a->proxy.lr == b->proxy.lr);
    assert_int_equal(isnan(a->proxy.measured_kendall_tau), isnan(b->proxy.measured_kendall_tau));
    if (!isnan(a->proxy.measured_kendall_tau))
        assert_true(a->proxy.measured_kendall_tau == b->proxy.measured_kendall_tau);
    assert_string_equal(a->proxy.measured_note, b->proxy.measured_note);
    assert_string_equal(a->evaluator.kind, b->evaluator.kind);
    assert_string_equal(a->evaluator.table, b->evaluator.table);
    assert_string_equal(a->strategy_name, b->strategy_name);
    assert_non_null(a->strategy);
    assert_non_null(b->strategy);
    assert_true(cJSON_Compare(a->strategy, b->strategy, 1));
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
    (void)state;
    clnas_search_config d;
    clnas_search_config_defaults(&d);
    assert_string_equal(d.name, "search");
    assert_true(d.seed == 0);
    assert_string_equal(d.device, "");
    assert_string_equal(d.space, "nb201");
    assert_string_equal(d.dataset.dir, DEFAULT_DATASET);
    assert_int_equal(d.dataset.validation_size, 5000);
    assert_int_equal(d.dataset.train_subset, 10000);
    assert_int_equal(d.proxy.channels, 8);
    assert_int_equal(d.proxy.cells, 1);
    assert_int_equal(d.proxy.epochs, 1);
    assert_int_equal(d.proxy.batch, 128);
    assert_true(d.proxy.lr == 0.1);
    assert_true(isnan(d.proxy.measured_kendall_tau));
    assert_string_equal(d.proxy.measured_note, "");
    assert_string_equal(d.evaluator.kind, "train");
    assert_string_equal(d.evaluator.table, "");
    assert_string_equal(d.strategy_name, "rea");
    assert_null(d.strategy);

    /* {} is every default; the default dataset directory must exist for kind train */
    cJSON *t = tree("{}");
    clnas_search_config cfg;
    clnas_error err = {0};
    struct stat st;
    clnas_status s = clnas_search_config_parse(t, &cfg, &err);
    if (stat(DEFAULT_DATASET, &st) == 0) {
        assert_int_equal(s, CLNAS_OK);
        d.strategy = cJSON_CreateObject();
        cJSON_AddStringToObject(d.strategy, "name", "rea");
        assert_config_equal(&cfg, &d);
        cJSON_Delete(d.strategy);
        clnas_search_config_free(&cfg);
    } else {
        assert_int_equal(s, CLNAS_ERR_NOT_FOUND);
        assert_non_null(strstr(err.message, "dataset.dir: directory \"" DEFAULT_DATASET "\""));
    }
    cJSON_Delete(t);

    /* everything but the dataset directory at its default */
    t = tree("{\"dataset\": {\"dir\": \"/\"}}");
    assert_int_equal(clnas_search_config_parse(t, &cfg, &err), CLNAS_OK);
    snprintf(d.dataset.dir, sizeof d.dataset.dir, "/");
    d.strategy = cJSON_CreateObject();
    cJSON_AddStringToObject(d.strategy, "name", "rea");
    assert_config_equal(&cfg, &d);
    cJSON_Delete(d.strategy);
    clnas_search_config_free(&cfg);
    cJSON_Delete(t);
}

/* ---- every kind of bad field: its own message ---- */

typedef struct bad_case {
    const char *json;
    const char *message;
} bad_case;

#define RUN_NAME "a run name of 1 to 63 characters from A-Z a-z 0-9 . _ - (not starting with '.')"
#define DEVICE_WHAT "a device index (an integer from 0 to 1023) or a name substring (at most 127 bytes)"
#define NOTE_300                                                                                                   \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const bad_case bad_cases[] = {
    /* the top level */
    {"{\"sed\": 1}",
     "sed: unknown key (known: name, seed, device, memory_budget, space, dataset, proxy, evaluator, strategy, objective, "
     "ran_on)"},
    {"{\"objective\": {\"max_params\": -1}}",
     "objective.max_params: expected an integer from 0 (no limit) to 1000000000000, or null, got -1"},
    {"{\"objective\": {\"max_latency_ms\": -5}}",
     "objective.max_latency_ms: expected milliseconds above 0, or null (no budget), got -5"},
    {"{\"objective\": {\"max_param\": 5}}",
     "objective.max_param: unknown key (known: max_params, max_latency_ms, latency, latency_batch, latency_launches)"},
    {"{\"seed\": 1, \"seed\": 2}", "seed: duplicate key"},
    {"{\"memory_budget\": -1}", "memory_budget: expected a number of bytes >= 0 (0: no budget), got -1"},
    {"{\"memory_budget\": \"512M\"}", "memory_budget: expected a number of bytes >= 0 (0: no budget), got \"512M\""},
    {"[1, 2]", "config: expected a JSON object, got [1,2]"},
    {"{\"name\": 3}", "name: expected " RUN_NAME ", got 3"},
    {"{\"name\": \"a/b\"}", "name: expected " RUN_NAME ", got \"a/b\""},
    {"{\"name\": \"\"}", "name: expected " RUN_NAME ", got \"\""},
    {"{\"name\": \"..\"}", "name: expected " RUN_NAME ", got \"..\""},
    {"{\"name\": \"0123456789012345678901234567890123456789012345678901234567890123\"}",
     "name: expected " RUN_NAME ", got \"0123456789012345678901234567890123456789012345678901234567890123\""},
    {"{\"seed\": -1}", "seed: expected an integer from 0 to 9007199254740991, got -1"},
    {"{\"seed\": 1.5}", "seed: expected an integer from 0 to 9007199254740991, got 1.5"},
    {"{\"seed\": \"7\"}", "seed: expected an integer from 0 to 9007199254740991, got \"7\""},
    {"{\"seed\": 1e300}", "seed: expected an integer from 0 to 9007199254740991, got 1e+300"},
    {"{\"device\": true}", "device: expected " DEVICE_WHAT ", got true"},
    {"{\"device\": -1}", "device: expected " DEVICE_WHAT ", got -1"},
    {"{\"device\": 1024}", "device: expected " DEVICE_WHAT ", got 1024"},
    /* space */
    {"{\"space\": 3}", "space: expected an object, got 3"},
    {"{\"space\": {\"nme\": \"nb201\"}}", "space.nme: unknown key (known: name)"},
    {"{\"space\": {\"name\": \"nb301\"}}", "space.name: unknown search space \"nb301\" (known: nb201, darts, chain)"},
    {"{\"space\": {\"name\": null}}", "space.name: expected a search space's name (nb201, darts, chain), got null"},
    {"{\"proxy\": {\"layers\": 0}}", "proxy.layers: expected an integer from 1 to 64, got 0"},
    /* dataset */
    {"{\"dataset\": []}", "dataset: expected an object, got []"},
    {"{\"dataset\": {\"validaton_size\": 1}}",
     "dataset.validaton_size: unknown key (known: dir, validation_size, train_subset)"},
    {"{\"dataset\": {\"dir\": 5}}", "dataset.dir: expected a path (a string of at most 511 bytes), got 5"},
    {"{\"dataset\": {\"validation_size\": 60000}}",
     "dataset.validation_size: expected an integer from 0 to 59999, got 60000"},
    {"{\"dataset\": {\"validation_size\": -1}}",
     "dataset.validation_size: expected an integer from 0 to 59999, got -1"},
    {"{\"dataset\": {\"train_subset\": \"all\"}}",
     "dataset.train_subset: expected an integer from 0 to 10000000, got \"all\""},
    {"{\"dataset\": {\"train_subset\": 10000001}}",
     "dataset.train_subset: expected an integer from 0 to 10000000, got 10000001"},
    /* proxy */
    {"{\"proxy\": \"small\"}", "proxy: expected an object, got \"small\""},
    {"{\"proxy\": {\"epoch\": 2}}",
     "proxy.epoch: unknown key (known: channels, cells, layers, epochs, batch, lr, measured_kendall_tau, "
     "measured_note)"},
    {"{\"proxy\": {\"channels\": 0}}", "proxy.channels: expected an integer from 1 to 1024, got 0"},
    {"{\"proxy\": {\"channels\": 1025}}", "proxy.channels: expected an integer from 1 to 1024, got 1025"},
    {"{\"proxy\": {\"channels\": \"8\"}}", "proxy.channels: expected an integer from 1 to 1024, got \"8\""},
    {"{\"proxy\": {\"cells\": 0}}", "proxy.cells: expected an integer from 1 to 16, got 0"},
    {"{\"proxy\": {\"cells\": 17}}", "proxy.cells: expected an integer from 1 to 16, got 17"},
    {"{\"proxy\": {\"epochs\": \"two\"}}", "proxy.epochs: expected an integer from 1 to 1000, got \"two\""},
    {"{\"proxy\": {\"epochs\": 0}}", "proxy.epochs: expected an integer from 1 to 1000, got 0"},
    {"{\"proxy\": {\"epochs\": 1001}}", "proxy.epochs: expected an integer from 1 to 1000, got 1001"},
    {"{\"proxy\": {\"epochs\": 2.5}}", "proxy.epochs: expected an integer from 1 to 1000, got 2.5"},
    {"{\"proxy\": {\"batch\": 1}}", "proxy.batch: expected an integer from 2 to 4096, got 1"},
    {"{\"proxy\": {\"batch\": 4097}}", "proxy.batch: expected an integer from 2 to 4096, got 4097"},
    {"{\"proxy\": {\"batch\": [128]}}", "proxy.batch: expected an integer from 2 to 4096, got [128]"},
    {"{\"proxy\": {\"lr\": 0}}", "proxy.lr: expected a number greater than 0 and at most 10, got 0"},
    {"{\"proxy\": {\"lr\": -0.1}}", "proxy.lr: expected a number greater than 0 and at most 10, got -0.1"},
    {"{\"proxy\": {\"lr\": 10.5}}", "proxy.lr: expected a number greater than 0 and at most 10, got 10.5"},
    {"{\"proxy\": {\"lr\": \"0.1\"}}", "proxy.lr: expected a number greater than 0 and at most 10, got \"0.1\""},
    {"{\"proxy\": {\"measured_kendall_tau\": 1.5}}",
     "proxy.measured_kendall_tau: expected a number from -1 to 1, or null, got 1.5"},
    {"{\"proxy\": {\"measured_kendall_tau\": \"high\"}}",
     "proxy.measured_kendall_tau: expected a number from -1 to 1, or null, got \"high\""},
    {"{\"proxy\": {\"measured_note\": 5}}",
     "proxy.measured_note: expected a string of at most 255 bytes, or null, got 5"},
    {"{\"proxy\": {\"measured_note\": \"" NOTE_300 "\"}}",
     "proxy.measured_note: expected a string of at most 255 bytes, or null, got "
     "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."},
    /* evaluator */
    {"{\"evaluator\": \"table\"}", "evaluator: expected an object, got \"table\""},
    {"{\"evaluator\": {\"tabel\": \"t.csv\"}}", "evaluator.tabel: unknown key (known: kind, table, proxy)"},
    {"{\"evaluator\": {\"proxy\": \"synflow_bn\"}}",
     "evaluator.proxy: expected one of \"snip\", \"grad_norm\", \"params\", \"flops\", \"synflow\", \"naswot\", "
     "\"jacob_cov\", got \"synflow_bn\""},
    {"{\"evaluator\": {\"kind\": \"lookup\"}}",
     "evaluator.kind: expected one of \"train\", \"table\", \"zero-cost\", got \"lookup\""},
    {"{\"evaluator\": {\"kind\": \"table\", \"table\": 3}}",
     "evaluator.table: expected a path (a string of at most 511 bytes), got 3"},
    {"{\"evaluator\": {\"kind\": \"table\"}}",
     "evaluator.table: required when evaluator.kind is \"table\" (a CSV file with the header arch,accuracy or a JSON "
     "object {arch: accuracy})"},
    /* strategy: only its name is checked here */
    {"{\"strategy\": 5}", "strategy: expected an object, got 5"},
    {"{\"strategy\": {\"name\": \"evolution\"}}",
     "strategy.name: expected one of \"rea\", \"random\", \"reinforce\", \"bo\", \"hyperband\", \"spos\", "
     "\"darts\", \"gdas\", got \"evolution\""},
    {"{\"strategy\": {\"name\": 1}}",
     "strategy.name: expected one of \"rea\", \"random\", \"reinforce\", \"bo\", \"hyperband\", \"spos\", "
     "\"darts\", \"gdas\", got 1"},
    /* a typo is reported before a missing file */
    {"{\"dataset\": {\"dir\": \"/nonexistent-clnas\"}, \"proxy\": {\"cels\": 1}}",
     "proxy.cels: unknown key (known: channels, cells, layers, epochs, batch, lr, measured_kendall_tau, "
     "measured_note)"},
};

static void test_bad_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        cJSON *t = tree(bad_cases[i].json);
        clnas_search_config cfg;
        clnas_error err = {0};
        clnas_status s = clnas_search_config_parse(t, &cfg, &err);
        if (s != CLNAS_ERR_FORMAT || strcmp(err.message, bad_cases[i].message) != 0)
            fail_msg("config %s\n  expected: %s\n  got (%s): %s", bad_cases[i].json, bad_cases[i].message,
                     clnas_status_to_string(s), err.message);
        assert_null(cfg.strategy);
        cJSON_Delete(t);
    }
}

/* Values at the ends of every range are accepted. */
static void test_range_ends(void **state)
{
    (void)state;
    static const char *const good[] = {
        "{\"dataset\": {\"dir\": \"/\", \"validation_size\": 0, \"train_subset\": 0}, \"seed\": 9007199254740991}",
        "{\"dataset\": {\"dir\": \"/\", \"validation_size\": 59999, \"train_subset\": 10000000}, \"device\": 1023}",
        "{\"dataset\": {\"dir\": \"/\"}, \"proxy\": {\"channels\": 1, \"cells\": 1, \"epochs\": 1, \"batch\": 2, "
        "\"lr\": 1e-9, \"measured_kendall_tau\": -1}}",
        "{\"dataset\": {\"dir\": \"/\"}, \"proxy\": {\"channels\": 1024, \"cells\": 16, \"epochs\": 1000, \"batch\": "
        "4096, \"lr\": 10, \"measured_kendall_tau\": 1, \"measured_note\": null}}",
        "{\"dataset\": {\"dir\": \"/\"}, \"name\": \"A-z_0.9\", \"device\": \"pthread\"}",
        "{\"dataset\": {\"dir\": \"/\"}, \"memory_budget\": 0}",
        "{\"dataset\": {\"dir\": \"/\"}, \"memory_budget\": 1e17}",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cJSON *t = tree(good[i]);
        clnas_search_config cfg;
        clnas_error err = {0};
        if (clnas_search_config_parse(t, &cfg, &err) != CLNAS_OK)
            fail_msg("config %s: %s", good[i], err.message);
        clnas_search_config_free(&cfg);
        cJSON_Delete(t);
    }
    cJSON *t = tree("{\"dataset\": {\"dir\": \"/\"}, \"device\": 3, \"seed\": 9007199254740991}");
    clnas_search_config cfg;
    assert_int_equal(clnas_search_config_parse(t, &cfg, NULL), CLNAS_OK);
    assert_string_equal(cfg.device, "3");
    assert_true(cfg.seed == 9007199254740991ULL);
    clnas_search_config_free(&cfg);
    cJSON_Delete(t);
}

/* ---- missing files ---- */

static void expect_parse(const char *json, clnas_status want, const char *message)
{
    cJSON *t = tree(json);
    clnas_search_config cfg;
    clnas_error err = {0};
    clnas_status s = clnas_search_config_parse(t, &cfg, &err);
    if (s != want || (message && strcmp(err.message, message) != 0))
        fail_msg("config %s\n  expected (%s): %s\n  got (%s): %s", json, clnas_status_to_string(want),
                 message ? message : "", clnas_status_to_string(s), err.message);
    if (s == CLNAS_OK)
        clnas_search_config_free(&cfg);
    cJSON_Delete(t);
}

static void test_missing_files(void **state)
{
    const char *dir = *state;
    char file[1024], json[2048], msg[2048];
    write_text(scratch_dir_path(file, sizeof file, dir, "table.csv"), "arch,accuracy\n");

    expect_parse("{\"dataset\": {\"dir\": \"/nonexistent-clnas/fmnist\"}}", CLNAS_ERR_NOT_FOUND,
                 "dataset.dir: directory \"/nonexistent-clnas/fmnist\": does not exist");
    snprintf(json, sizeof json, "{\"dataset\": {\"dir\": \"%s\"}}", file);
    snprintf(msg, sizeof msg, "dataset.dir: \"%s\" is not a directory", file);
    expect_parse(json, CLNAS_ERR_FORMAT, msg);

    expect_parse("{\"evaluator\": {\"kind\": \"table\", \"table\": \"/nonexistent-clnas/t.csv\"}}", CLNAS_ERR_NOT_FOUND,
                 "evaluator.table: file \"/nonexistent-clnas/t.csv\": does not exist");
    snprintf(json, sizeof json, "{\"evaluator\": {\"kind\": \"table\", \"table\": \"%s\"}}", dir);
    snprintf(msg, sizeof msg, "evaluator.table: \"%s\" is not a file", dir);
    expect_parse(json, CLNAS_ERR_FORMAT, msg);

    /* kind table needs no dataset; kind train ignores the table */
    snprintf(json, sizeof json,
             "{\"dataset\": {\"dir\": \"/nonexistent-clnas\"}, "
             "\"evaluator\": {\"kind\": \"table\", \"table\": \"%s\"}}",
             file);
    expect_parse(json, CLNAS_OK, NULL);
    snprintf(json, sizeof json,
             "{\"dataset\": {\"dir\": \"%s\"}, "
             "\"evaluator\": {\"kind\": \"train\", \"table\": \"/nonexistent-clnas\"}}",
             dir);
    expect_parse(json, CLNAS_OK, NULL);
}

/* ---- reading files ---- */

static void expect_read_error(const char *dir, const char *text, clnas_status want, const char *message_tail)
{
    char path[1024], msg[2048];
    write_text(scratch_dir_path(path, sizeof path, dir, "bad.json"), text);
    cJSON *root = (cJSON *)1;
    clnas_error err = {0};
    clnas_status s = clnas_search_config_read(path, &root, &err);
    snprintf(msg, sizeof msg, "%s%s", path, message_tail);
    if (s != want || strcmp(err.message, msg) != 0)
        fail_msg("file text %s\n  expected (%s): %s\n  got (%s): %s", text, clnas_status_to_string(want), msg,
                 clnas_status_to_string(s), err.message);
    assert_null(root);
}

static void test_read_errors(void **state)
{
    const char *dir = *state;
    expect_read_error(dir, "{\n  \"seed\": 1,\n  \"proxy\": {\"epochs\": }\n}\n", CLNAS_ERR_PARSE,
                      ":3:23: invalid JSON near `  \"proxy\": {\"epochs\": }`");
    expect_read_error(dir, "{\"seed\": 1,}", CLNAS_ERR_PARSE,
                      ":1:13: invalid JSON near `{\"seed\": 1,}` at the end of the file");
    expect_read_error(dir, "", CLNAS_ERR_PARSE, ": the file is empty; expected a JSON object");
    expect_read_error(dir, "{\"seed\": 1} trailing", CLNAS_ERR_PARSE,
                      ":1:13: invalid JSON near `{\"seed\": 1} trailing`");
    expect_read_error(dir, " \n\t\n", CLNAS_ERR_PARSE, ": the file is empty; expected a JSON object");
    expect_read_error(dir, "{\"a\": [1, 2,\n  3, }, \"this part is not shown\"}", CLNAS_ERR_PARSE,
                      ":2:6: invalid JSON near `  3, }, \"this part is`");
    expect_read_error(dir, "[1]", CLNAS_ERR_FORMAT, ": expected a JSON object at the top level, got [1]");

    char path[1024];
    scratch_dir_path(path, sizeof path, dir, "nul.json");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite("{}\0{}", 1, 5, f);
    fclose(f);
    cJSON *root;
    clnas_error err = {0};
    assert_int_equal(clnas_search_config_read(path, &root, &err), CLNAS_ERR_PARSE);
    assert_non_null(strstr(err.message, ":1:3: a NUL byte (byte offset 2)"));

    scratch_dir_path(path, sizeof path, dir, "absent.json");
    assert_int_equal(clnas_search_config_read(path, &root, &err), CLNAS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, path));
}

/* ---- relative paths ---- */

static void test_relative_paths(void **state)
{
    const char *dir = *state;
    char sub[1024], path[1024], want[PATH_MAX + 64], cwd_before[PATH_MAX], cwd[PATH_MAX];
    scratch_dir_path(sub, sizeof sub, dir, "cfgs");
    assert_int_equal(mkdir(sub, 0755), 0);
    scratch_dir_path(path, sizeof path, sub, "data");
    assert_int_equal(mkdir(path, 0755), 0);
    write_text(scratch_dir_path(path, sizeof path, sub, "table.csv"), "arch,accuracy\n");
    write_text(scratch_dir_path(path, sizeof path, sub, "c.json"),
               "{\"dataset\": {\"dir\": \"data\"}, \"evaluator\": {\"kind\": \"table\", \"table\": \"table.csv\"}}");
    assert_non_null(getcwd(cwd_before, sizeof cwd_before));

    /* read by absolute path, by a relative path, and from the config's own directory: same result */
    const char *read_as[] = {path, "cfgs/c.json", "./cfgs/c.json", "c.json"};
    const char *run_in[] = {cwd_before, dir, dir, sub};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(chdir(run_in[i]), 0);
        assert_non_null(getcwd(cwd, sizeof cwd));
        cJSON *root;
        clnas_error err = {0};
        if (clnas_search_config_read(read_as[i], &root, &err) != CLNAS_OK)
            fail_msg("%s: %s", read_as[i], err.message);
        clnas_search_config cfg;
        assert_int_equal(clnas_search_config_parse(root, &cfg, &err), CLNAS_OK);
        /* the config's directory, absolute */
        char base[PATH_MAX + 8];
        snprintf(base, sizeof base, "%s%s", i == 0 ? sub : cwd, i == 1 || i == 2 ? "/cfgs" : "");
        snprintf(want, sizeof want, "%s/table.csv", base);
        assert_string_equal(cfg.evaluator.table, want);
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "evaluator"), "table")->valuestring, want);
        snprintf(want, sizeof want, "%s/data", base);
        assert_string_equal(cfg.dataset.dir, want);
        clnas_search_config_free(&cfg);

        /* --set paths are relative to the working directory */
        assert_int_equal(clnas_search_config_apply_set(root, "dataset.dir=elsewhere", &err), CLNAS_OK);
        assert_int_equal(clnas_search_config_parse(root, &cfg, &err), CLNAS_OK);
        snprintf(want, sizeof want, "%s/elsewhere", cwd);
        assert_string_equal(cfg.dataset.dir, want);
        clnas_search_config_free(&cfg);
        cJSON_Delete(root);
    }
    assert_int_equal(chdir(cwd_before), 0);
}

/* ---- --set ---- */

static void test_apply_set(void **state)
{
    (void)state;
    cJSON *root = tree("{\"proxy\": {\"epochs\": 1, \"lr\": 0.1}, \"strategy\": {\"name\": \"rea\", \"cycles\": 5}}");
    clnas_error err = {0};
    assert_int_equal(clnas_search_config_apply_set(root, "proxy.epochs=3", &err), CLNAS_OK);
    assert_int_equal(clnas_search_config_apply_set(root, "proxy.lr=0.05", &err), CLNAS_OK);
    assert_int_equal(clnas_search_config_apply_set(root, "strategy.name=random", &err), CLNAS_OK);
    assert_int_equal(clnas_search_config_apply_set(root, "dataset.dir=/", &err), CLNAS_OK);
    assert_int_equal(clnas_search_config_apply_set(root, "name=\"quoted\"", &err), CLNAS_OK);
    assert_int_equal(clnas_search_config_apply_set(root, "device=gpu=1", &err), CLNAS_OK);
    assert_int_equal(clnas_search_config_apply_set(root, "proxy.measured_kendall_tau=null", &err), CLNAS_OK);
    assert_int_equal(clnas_search_config_apply_set(root, "proxy.measured_note=", &err), CLNAS_OK);
    assert_int_equal(clnas_search_config_apply_set(root, "memory_budget=536870912", &err), CLNAS_OK);

    cJSON *want = tree("{\"proxy\": {\"epochs\": 3, \"lr\": 0.05, \"measured_kendall_tau\": null, \"measured_note\": "
                       "\"\"}, \"strategy\": {\"name\": \"random\", \"cycles\": 5}, \"dataset\": {\"dir\": \"/\"}, "
                       "\"name\": \"quoted\", \"device\": \"gpu=1\", \"memory_budget\": 536870912}");
    assert_true(cJSON_Compare(root, want, 1));
    cJSON_Delete(want);

    clnas_search_config cfg;
    assert_int_equal(clnas_search_config_parse(root, &cfg, &err), CLNAS_OK);
    assert_int_equal(cfg.proxy.epochs, 3);
    assert_true(cfg.proxy.lr == 0.05);
    assert_string_equal(cfg.strategy_name, "random");
    assert_string_equal(cfg.device, "gpu=1");
    assert_true(cfg.memory_budget == 536870912.0);
    clnas_search_config_free(&cfg);

    /* a text value where a number belongs is reported by parse, with the field's path */
    assert_int_equal(clnas_search_config_apply_set(root, "proxy.epochs=two", &err), CLNAS_OK);
    assert_int_equal(clnas_search_config_parse(root, &cfg, &err), CLNAS_ERR_FORMAT);
    assert_string_equal(err.message, "proxy.epochs: expected an integer from 1 to 1000, got \"two\"");
    /* new objects are created on the way; parse then names the unknown key */
    assert_int_equal(clnas_search_config_apply_set(root, "proxy.epochs=2", &err), CLNAS_OK);
    assert_int_equal(clnas_search_config_apply_set(root, "extra.deep.key=1", &err), CLNAS_OK);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "extra"), "deep"),
                                         "key")->valuedouble, 1);
    assert_int_equal(clnas_search_config_parse(root, &cfg, &err), CLNAS_ERR_FORMAT);
    assert_non_null(strstr(err.message, "extra: unknown key"));
    cJSON_DeleteItemFromObject(root, "extra");

    /* malformed assignments: an error each, and the tree is left as it was */
    static const struct {
        const char *assignment, *message;
    } bad[] = {
        {"proxy.epochs", "--set \"proxy.epochs\": expected key=value (e.g. proxy.epochs=3)"},
        {"=3", "--set \"=3\": the key before '=' is empty"},
        {"proxy..epochs=3", "--set \"proxy..epochs=3\": the key has an empty part (expected names joined by '.', "
                            "e.g. proxy.epochs)"},
        {".seed=3", "--set \".seed=3\": the key has an empty part (expected names joined by '.', e.g. proxy.epochs)"},
        {"proxy.=3", "--set \"proxy.=3\": the key has an empty part (expected names joined by '.', e.g. proxy.epochs)"},
        {"proxy.epochs.x=1", "--set \"proxy.epochs.x=1\": proxy.epochs is 2, not an object, so it has no key \"x\""},
        {"name.first.x=1", "--set \"name.first.x=1\": name is \"quoted\", not an object, so it has no key \"first.x\""},
    };
    char *before = cJSON_PrintUnformatted(root);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clnas_status s = clnas_search_config_apply_set(root, bad[i].assignment, &err);
        if (s != CLNAS_ERR_PARSE || strcmp(err.message, bad[i].message) != 0)
            fail_msg("--set %s\n  expected: %s\n  got (%s): %s", bad[i].assignment, bad[i].message,
                     clnas_status_to_string(s), err.message);
        char *after = cJSON_PrintUnformatted(root);
        assert_string_equal(before, after);
        cJSON_free(after);
    }
    cJSON_free(before);
    cJSON *array = tree("[]");
    assert_int_equal(clnas_search_config_apply_set(array, "seed=1", &err), CLNAS_ERR_INVALID_ARG);
    cJSON_Delete(array);
    cJSON_Delete(root);
}

/* ---- resolved JSON ---- */

static void round_trip(const clnas_search_config *cfg)
{
    cJSON *j = clnas_search_config_to_json(cfg, NULL);
    assert_non_null(j);
    clnas_search_config again;
    clnas_error err = {0};
    if (clnas_search_config_parse(j, &again, &err) != CLNAS_OK)
        fail_msg("to_json output does not parse: %s", err.message);
    assert_config_equal(cfg, &again);
    clnas_search_config_free(&again);

    /* and through text, as the run directory's config.json */
    char *text = cJSON_Print(j);
    cJSON *reparsed = cJSON_Parse(text);
    assert_non_null(reparsed);
    assert_int_equal(clnas_search_config_parse(reparsed, &again, &err), CLNAS_OK);
    assert_config_equal(cfg, &again);
    clnas_search_config_free(&again);
    cJSON_Delete(reparsed);
    cJSON_free(text);
    cJSON_Delete(j);
}

static void test_to_json_round_trip(void **state)
{
    const char *dir = *state;
    char table[1024], json[4096];
    write_text(scratch_dir_path(table, sizeof table, dir, "t.csv"), "arch,accuracy\n");
    snprintf(json, sizeof json,
             "{\"name\": \"rt-1\", \"seed\": 123456789012, \"device\": \"pthread\", \"memory_budget\": 495452160, "
             "\"space\": {\"name\": \"nb201\"}, "
             "\"dataset\": {\"dir\": \"%s\", \"validation_size\": 1234, \"train_subset\": 0}, "
             "\"proxy\": {\"channels\": 16, \"cells\": 5, \"epochs\": 12, \"batch\": 256, \"lr\": 0.05, "
             "\"measured_kendall_tau\": 0.36, \"measured_note\": \"K=12, two seeds \\\"quoted\\\"\"}, "
             "\"evaluator\": {\"kind\": \"table\", \"table\": \"%s\"}, "
             "\"strategy\": {\"name\": \"reinforce\", \"trials\": 7, \"lr\": 0.001, \"nested\": {\"a\": [1, 2]}}}",
             dir, table);
    cJSON *t = tree(json);
    clnas_search_config cfg;
    clnas_error err = {0};
    if (clnas_search_config_parse(t, &cfg, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_true(cfg.seed == 123456789012ULL);
    assert_true(cfg.proxy.measured_kendall_tau == 0.36);
    assert_true(cfg.memory_budget == 495452160.0);
    round_trip(&cfg);

    /* the strategy's resolved object replaces the config's, with "name" first */
    cJSON *resolved = tree("{\"trials\": 7, \"lr\": 0.001, \"ema_momentum\": 0.9}");
    cJSON *j = clnas_search_config_to_json(&cfg, resolved);
    cJSON *sg = cJSON_GetObjectItem(j, "strategy");
    assert_string_equal(sg->child->string, "name");
    assert_string_equal(sg->child->valuestring, "reinforce");
    assert_true(cJSON_GetObjectItem(sg, "ema_momentum")->valuedouble == 0.9);
    assert_null(cJSON_GetObjectItem(sg, "nested"));
    cJSON_Delete(j);
    cJSON_Delete(resolved);
    clnas_search_config_free(&cfg);
    cJSON_Delete(t);

    /* defaults (measured_kendall_tau null, no strategy object) */
    t = tree("{\"dataset\": {\"dir\": \"/\"}}");
    assert_int_equal(clnas_search_config_parse(t, &cfg, &err), CLNAS_OK);
    round_trip(&cfg);
    j = clnas_search_config_to_json(&cfg, NULL);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "proxy"), "measured_kendall_tau")));
    cJSON_Delete(j);
    clnas_search_config_free(&cfg);
    cJSON_Delete(t);
}

/* ---- the shipped configs ---- */

static void test_shipped_configs(void **state)
{
    (void)state;
    static const char *const files[] = {"default.json", "rea.json", "random.json", "reinforce.json", "gpu-full.json",
                                        "table-rea.json", "spos.json",   "gdas.json", "bo.json", "hyperband.json"};
    static const char *const strategies[] = {"rea", "rea", "random", "reinforce", "rea", "rea", "spos", "gdas", "bo",
                                             "hyperband"};
    for (int i = 0; i < 10; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/../../configs/%s", CLNAS_TEST_DATA, files[i]);
        cJSON *root;
        clnas_error err = {0};
        if (clnas_search_config_read(path, &root, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        clnas_search_config cfg;
        clnas_status s = clnas_search_config_parse(root, &cfg, &err);
        /* only a missing data file may stop a shipped config (the dataset or the generated table) */
        if (s == CLNAS_ERR_NOT_FOUND) {
            cJSON_Delete(root);
            continue;
        }
        if (s != CLNAS_OK)
            fail_msg("%s: %s", files[i], err.message);
        assert_string_equal(cfg.strategy_name, strategies[i]);
        assert_string_equal(cfg.space, "nb201");
        if (i == 0) {
            assert_int_equal(cfg.proxy.channels, 8);
            assert_int_equal(cfg.proxy.cells, 1);
            assert_int_equal(cfg.dataset.validation_size, 5000);
            assert_int_equal(cfg.dataset.train_subset, 20000); /* the ground-truth-chosen proxy */
        }
        clnas_search_config_free(&cfg);
        cJSON_Delete(root);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_range_ends),
        cmocka_unit_test_setup_teardown(test_missing_files, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_read_errors, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_relative_paths, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test(test_apply_set),
        cmocka_unit_test_setup_teardown(test_to_json_round_trip, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test(test_shipped_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
