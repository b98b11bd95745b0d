/* clnas — hostile inputs (issue 16): FIFOs, devices and directories where files are read, text inputs over their
 * size caps, embedded NULs (raw or as JSON's \u0000), nesting beyond the parser's limit, --set errors blamed on the
 * --set that caused them. Each check is one a careless reader fails: it blocks (the alarm kills the test), reads
 * without end, or silently cuts a string short. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clnas/data.h"
#include "clnas/device.h"
#include "device_memory.h"
#include "executor.h"
#include "model_build.h"
#include "plan.h"
#include "profile_query.h"
#include "program_cache.h"
#include "evaluator.h"
#include "file_io.h"
#include "journal.h"
#include "run_dir.h"
#include "run_setup.h"
#include "scratch_dir.h"
#include "search_config.h"
#include "text_input.h"

#define ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"

/* A blocked open or read must not hang the suite: the alarm kills a test that waits (a failure, not a hang). */
static int guarded_setup(void **state)
{
    alarm(60);
    return scratch_dir_setup(state);
}

static int guarded_teardown(void **state)
{
    alarm(0);
    return scratch_dir_teardown(state);
}

#define guarded_test(f) cmocka_unit_test_setup_teardown(f, guarded_setup, guarded_teardown)

static const char *path_in(const char *dir, const char *name)
{
    static char path[4][1024];
    static int next;
    next = (next + 1) % 4;
    return scratch_dir_path(path[next], sizeof path[next], dir, name);
}

static const char *write_bytes(const char *dir, const char *name, const void *data, size_t n)
{
    const char *path = path_in(dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char *write_text(const char *dir, const char *name, const char *text)
{
    return write_bytes(dir, name, text, strlen(text));
}

static const char *make_fifo(const char *dir, const char *name)
{
    const char *path = path_in(dir, name);
    assert_int_equal(mkfifo(path, 0644), 0);
    return path;
}

/* A sparse file of `bytes`: its size is what a cap sees, without the disk space. */
static const char *make_sparse(const char *dir, const char *name, off_t bytes)
{
    const char *path = path_in(dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, bytes), 0);
    close(fd);
    return path;
}

static void expect_message(clnas_status got, clnas_status want, const clnas_error *err, const char *part1,
                           const char *part2)
{
    if (got != want || !strstr(err->message, part1) || (part2 && !strstr(err->message, part2)))
        fail_msg("status %d (want %d), message \"%s\" (want \"%s\"%s%s)", got, want, err->message, part1,
                 part2 ? " and " : "", part2 ? part2 : "");
}

/* ---- core: the one open of an input file ---- */

static void test_core_refuses_non_regular(void **state)
{
    const char *dir = *state;
    const char *fifo = make_fifo(dir, "fifo");
    char *text = NULL;
    size_t n = 0;
    clnas_error err = {0};
    expect_message(clnas_file_read_all(fifo, &text, &n, &err), CLNAS_ERR_IO, &err, fifo, "it is a FIFO");
    expect_message(clnas_file_read_all(dir, &text, &n, &err), CLNAS_ERR_IO, &err, dir, "it is a directory");
    expect_message(clnas_file_read_all("/dev/zero", &text, &n, &err), CLNAS_ERR_IO, &err, "/dev/zero",
                   "it is a character device");
    FILE *f = NULL;
    expect_message(clnas_file_fopen_read(fifo, &f, &err), CLNAS_ERR_IO, &err, fifo, "FIFO");
    assert_null(f);
    int fd = -1;
    expect_message(clnas_file_open_read(path_in(dir, "absent"), &fd, &err), CLNAS_ERR_NOT_FOUND, &err, "absent",
                   NULL);
    /* a regular file is read, and blocking reads work on it (O_NONBLOCK was cleared) */
    const char *ok = write_text(dir, "ok.txt", "hello\n");
    assert_int_equal(clnas_file_open_read(ok, &fd, &err), CLNAS_OK);
    assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    close(fd);
    assert_int_equal(clnas_file_read_all(ok, &text, &n, &err), CLNAS_OK);
    assert_string_equal(text, "hello\n");
    free(text);
}

static void test_core_caps_and_nul(void **state)
{
    const char *dir = *state;
    char *text = NULL;
    size_t n = 0;
    clnas_error err = {0};
    const char *big = make_sparse(dir, "big.json", (off_t)CLNAS_CONFIG_MAX_BYTES + 1);
    expect_message(clnas_file_read_text(big, CLNAS_CONFIG_MAX_BYTES, &text, &n, &err), CLNAS_ERR_FORMAT, &err, big,
                   "over the limit of 16.0 MiB");
    const char *at_cap = make_sparse(dir, "cap.txt", 1000);
    expect_message(clnas_file_read_text(at_cap, 1000, &text, &n, &err), CLNAS_ERR_PARSE, &err, "cap.txt:1:1: a NUL "
                   "byte (byte offset 0)", NULL); /* exactly the cap is read (zeros here, refused as NULs) */
    const char *nul = write_bytes(dir, "nul.txt", "ab\ncd\0ef", 8);
    expect_message(clnas_file_read_text(nul, 100, &text, &n, &err), CLNAS_ERR_PARSE, &err, "nul.txt:2:3: a NUL byte "
                   "(byte offset 5)", NULL);
    assert_null(text);

    const char *json = "{\n  \"a\": \"x\\\\u0000\",\n  \"b\": \"y\\u0000z\"}";
    expect_message(clnas_json_text_check(json, strlen(json), 1000, "f.json", &err), CLNAS_ERR_PARSE, &err,
                   "f.json:3:10: a string holds \\u0000", NULL); /* the escaped backslash of "a" is no escape */
    assert_int_equal(clnas_json_text_check("{\"k\\\"\\u0000\": 1}", 16, 1000, "k", &err), CLNAS_ERR_PARSE);
    assert_int_equal(clnas_json_text_check("[[[]]]", 6, 3, "d", &err), CLNAS_OK);
    expect_message(clnas_json_text_check("[[[[]]]]", 8, 3, "d", &err), CLNAS_ERR_PARSE, &err, "d:1:4: arrays and "
                   "objects nested more than 3 deep", NULL);
    assert_int_equal(clnas_json_text_check("[\"[[[[\"]", 8, 3, "d", &err), CLNAS_OK); /* brackets in a string */
    /* numbers out of a double's range, which cJSON reads as 0 and infinity */
    const char *tiny = "{\"proxy\": {\n  \"lr\": 1e-400}}";
    expect_message(clnas_json_text_check(tiny, strlen(tiny), 1000, "c.json", &err), CLNAS_ERR_PARSE, &err,
                   "c.json:2:9: the number 1e-400 underflows to 0", NULL);
    expect_message(clnas_json_text_check("[-2.5E+999]", 11, 10, "n", &err), CLNAS_ERR_PARSE, &err,
                   "n:1:2: the number -2.5E+999 overflows a double", NULL);
    const char *fine = "[0, -0.0, 0e-500, 1e-310, 1.5e308, \"1e-400\", \"run-1e999\", -1, 12345678901234567890]";
    assert_int_equal(clnas_json_text_check(fine, strlen(fine), 10, "f", &err), CLNAS_OK);
}

/* ---- search configs and --set ---- */

static void test_config_inputs(void **state)
{
    const char *dir = *state;
    cJSON *root = NULL;
    clnas_error err = {0};
    const char *fifo = make_fifo(dir, "config.json");
    expect_message(clnas_search_config_read(fifo, &root, &err), CLNAS_ERR_IO, &err, fifo, "FIFO");
    expect_message(clnas_search_config_read("/dev/zero", &root, &err), CLNAS_ERR_IO, &err, "/dev/zero",
                   "character device");
    expect_message(clnas_search_config_read(dir, &root, &err), CLNAS_ERR_IO, &err, dir, "it is a directory");
    const char *big = make_sparse(dir, "big.json", (off_t)CLNAS_CONFIG_MAX_BYTES + 1);
    expect_message(clnas_search_config_read(big, &root, &err), CLNAS_ERR_FORMAT, &err, big, "over the limit");
    const char *nul = write_text(dir, "nul.json", "{\"name\": \"ab\\u0000cd\"}");
    expect_message(clnas_search_config_read(nul, &root, &err), CLNAS_ERR_PARSE, &err, "nul.json:1:13: a string "
                   "holds \\u0000", NULL);
    char deep[3000];
    memset(deep, '[', 1001);
    memset(deep + 1001, ']', 1001);
    deep[2002] = '\0';
    const char *deep_path = write_text(dir, "deep.json", deep);
    expect_message(clnas_search_config_read(deep_path, &root, &err), CLNAS_ERR_PARSE, &err, "deep.json:1:1001: "
                   "arrays and objects nested more than 1000 deep", NULL);
    assert_null(root);
}

static void test_set_errors_name_the_set(void **state)
{
    const char *dir = *state;
    const char *path = write_text(dir, "c.json", "{\"evaluator\": {\"kind\": \"table\", \"table\": \"t.csv\"}}");
    write_text(dir, "t.csv", "arch,accuracy\n" ARCH ",0.5\n");
    clnas_search_config cfg;
    clnas_error err = {0};
    const char *sets[] = {"proxy.channels=4", "proxy.epochs=two", "seed=3"};
    expect_message(clnas_run_config_load(path, sets, 3, NULL, &cfg, &err), CLNAS_ERR_FORMAT, &err,
                   "--set proxy.epochs=two: proxy.epochs: expected an integer", NULL);
    assert_null(strstr(err.message, "c.json"));
    /* the file's own error is still the file's, even with --set options that are fine */
    const char *bad = write_text(dir, "bad.json", "{\"proxy\": {\"epochs\": 0}}");
    expect_message(clnas_run_config_load(bad, sets + 2, 1, NULL, &cfg, &err), CLNAS_ERR_FORMAT, &err,
                   "bad.json: proxy.epochs", NULL);
    /* and a value a --set puts right is no error */
    const char *fix[] = {"proxy.epochs=2"};
    assert_int_equal(clnas_run_config_load(bad, fix, 1, NULL, &cfg, &err), CLNAS_OK);
    clnas_search_config_free(&cfg);
    const char *nul[] = {"name=\"a\\u0000b\""};
    expect_message(clnas_run_config_load(path, nul, 1, NULL, &cfg, &err), CLNAS_ERR_PARSE, &err,
                   "--set name=\"a\\u0000b\"", "a string holds \\u0000");
}

/* ---- tables ---- */

static void test_table_inputs(void **state)
{
    const char *dir = *state;
    clnas_evaluator ev;
    clnas_error err = {0};
    const char *fifo = make_fifo(dir, "t.csv");
    expect_message(clnas_table_evaluator_new(fifo, &ev, &err), CLNAS_ERR_IO, &err, fifo, "FIFO");
    /* a NUL byte used to end the table there: the rows after it were silently lost */
    const char csv[] = "arch,accuracy\n" ARCH ",0.5\n\0|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,0.1\n";
    const char *nul = write_bytes(dir, "nul.csv", csv, sizeof csv - 1);
    expect_message(clnas_table_evaluator_new(nul, &ev, &err), CLNAS_ERR_PARSE, &err, "nul.csv:3:1: a NUL byte", NULL);
    const char *json = write_text(dir, "t.json", "{\"" ARCH "\\u0000junk\": 0.5}");
    expect_message(clnas_table_evaluator_new(json, &ev, &err), CLNAS_ERR_PARSE, &err, "t.json:1:", "\\u0000");
    const char *big = make_sparse(dir, "big.csv", (off_t)CLNAS_TABLE_MAX_BYTES + 1);
    expect_message(clnas_table_evaluator_new(big, &ev, &err), CLNAS_ERR_FORMAT, &err, "big.csv", "256.0 MiB");
}

/* ---- journals and best.json ---- */

/* A real journal line of ARCH (hash and all), as the search writes it. */
static char *journal_line(void)
{
    clnas_journal_entry e;
    memset(&e, 0, sizeof e);
    clnas_error err = {0};
    assert_int_equal(clnas_space_nb201.parse(ARCH, &e.arch, &err), CLNAS_OK);
    assert_int_equal(clnas_space_nb201.canonical(&e.arch, NULL, 0, &e.hash, &err), CLNAS_OK);
    e.fitness = 0.5;
    e.status = CLNAS_TRIAL_OK;
    char *line = clnas_journal_format(&e);
    assert_non_null(line);
    return line;
}

static void test_journal_inputs(void **state)
{
    const char *dir = *state;
    clnas_journal_entry *entries = NULL;
    int n = 0, torn = 0;
    size_t good = 0;
    clnas_error err = {0};
    const char *fifo = make_fifo(dir, "fifo.jsonl");
    expect_message(clnas_journal_read(fifo, &entries, &n, &torn, &good, &err), CLNAS_ERR_IO, &err, fifo, "FIFO");
    /* "arch":"<ARCH>\u0000junk" used to read as ARCH */
    char *line = journal_line();
    char text[2048];
    char *arch_end = strstr(line, "|\",") + 1;
    snprintf(text, sizeof text, "%.*s\\u0000junk%s\n", (int)(arch_end - line), line, arch_end);
    free(line);
    const char *path = write_text(dir, "journal.jsonl", text);
    expect_message(clnas_journal_read(path, &entries, &n, &torn, &good, &err), CLNAS_ERR_PARSE, &err,
                   "journal.jsonl:1:", "a string holds \\u0000");
    const char *big = make_sparse(dir, "big.jsonl", (off_t)CLNAS_JOURNAL_MAX_BYTES + 1);
    expect_message(clnas_journal_read(big, &entries, &n, &torn, &good, &err), CLNAS_ERR_FORMAT, &err, "big.jsonl",
                   "1024.0 MiB");
}

static void test_best_json(void **state)
{
    const char *dir = *state;
    clnas_genotype g;
    char arch[256];
    clnas_error err = {0};
    write_text(dir, "best.json", "{\"arch\": \"" ARCH "\\u0000junk\", \"fitness\": 0.5}");
    expect_message(clnas_run_best_read(dir, &g, arch, sizeof arch, &err), CLNAS_ERR_PARSE, &err, "best.json:1:",
                   "\\u0000");
    write_text(dir, "best.json", "{\"arch\": \"" ARCH "\", \"fitness\": 0.5}");
    assert_int_equal(clnas_run_best_read(dir, &g, arch, sizeof arch, &err), CLNAS_OK);
    assert_string_equal(arch, ARCH);
    unlink(path_in(dir, "best.json"));
    make_fifo(dir, "best.json");
    expect_message(clnas_run_best_read(dir, &g, arch, sizeof arch, &err), CLNAS_ERR_IO, &err, "best.json", "FIFO");
}

/* ---- data files ---- */

static void test_data_inputs(void **state)
{
    const char *dir = *state;
    clnas_dataset ds;
    clnas_error err = {0};
    const char *images = make_fifo(dir, "train-images-idx3-ubyte");
    const char *labels = make_fifo(dir, "train-labels-idx1-ubyte");
    expect_message(clnas_idx_load(images, labels, &ds, &err), CLNAS_ERR_IO, &err, images, "FIFO");
    const char *cifar = make_fifo(dir, "data_batch_1.bin");
    expect_message(clnas_cifar10_load(&cifar, 1, &ds, &err), CLNAS_ERR_IO, &err, cifar, "regular file");
}

/* ---- memory admission ---- */

/* The default device, a program cache in dir and the default network of ARCH at C=channels, N=1, batch 8; 0 when
 * there is no device (the caller skips). */
static int small_network_on_device(const char *dir, int channels, clnas_device **dev, clnas_program_cache **cache,
                                   clnas_net_config *cfg)
{
    clnas_error err = {0};
    if (clnas_device_open(NULL, dev, &err) != CLNAS_OK)
        return 0;
    assert_int_equal(clnas_program_cache_new(*dev, dir, cache, &err), CLNAS_OK);
    clnas_net_config_default(cfg);
    assert_int_equal(clnas_genotype_parse(ARCH, &cfg->genotype, &err), CLNAS_OK);
    cfg->channels = channels;
    cfg->cells = 1;
    cfg->batch = 8;
    return 1;
}

/* A network whose buffers each fit the device's largest allocation but not, together, its memory is refused before
 * a buffer is made or a kernel built (train and eval used to check only each buffer). */
static void test_admission_of_the_whole_network(void **state)
{
    clnas_device *dev = NULL;
    clnas_program_cache *cache = NULL;
    clnas_net_config cfg;
    if (!small_network_on_device(*state, 2, &dev, &cache, &cfg))
        skip();
    clnas_error err = {0};
    cfg.recompute = 0; /* the network as it is (recomputing also would not fit: below) */
    dev->info.global_mem_bytes = 64 * 1024; /* a device this small: every buffer alone is within max_alloc */
    clnas_model *model = NULL;
    clnas_status st = clnas_model_build(dev, cache, &cfg, &model, &err);
    clnas_program_cache_stats stats;
    clnas_program_cache_stats_get(cache, &stats);
    clnas_model_free(model);
    clnas_program_cache_free(cache);
    clnas_device_free(dev);
    expect_message(st, CLNAS_ERR_UNSUPPORTED, &err, "the network (C=2, N=1, batch 8) needs",
                   "MiB of device memory");
    assert_non_null(strstr(err.message, "recompute convolution outputs in the backward pass, or use a smaller batch"));
    assert_int_equal(stats.builds + stats.disk_hits, 0);
}

/* The device memory a plan of cfg on dev takes, with recompute as given. */
static double plan_bytes(const clnas_device *dev, clnas_net_config cfg, int recompute)
{
    clnas_plan *plan = NULL;
    clnas_error err = {0};
    cfg.recompute = recompute;
    assert_int_equal(clnas_plan_compile_on(dev, &cfg, &plan, &err), CLNAS_OK);
    assert_int_equal(plan->config.recompute, recompute);
    double total, largest;
    clnas_plan_device_bytes(plan, &total, &largest);
    clnas_plan_free(plan);
    return total;
}

/* clnas_net_config's default recompute (CLNAS_RECOMPUTE_AUTO) keeps the convolution outputs where the network fits
 * the device and recomputes them where only then it fits; where neither fits, the error names the smaller. */
static void test_recompute_where_memory_needs_it(void **state)
{
    clnas_device *dev = NULL;
    clnas_program_cache *cache = NULL;
    clnas_net_config cfg;
    if (!small_network_on_device(*state, 4, &dev, &cache, &cfg))
        skip();
    clnas_error err = {0};
    assert_int_equal(cfg.recompute, CLNAS_RECOMPUTE_AUTO);
    const double kept = plan_bytes(dev, cfg, 0), recomputed = plan_bytes(dev, cfg, 1);
    assert_true(recomputed < kept);
    const unsigned long long memory = dev->info.global_mem_bytes;

    /* room for the network as it is: nothing recomputed */
    clnas_model *model = NULL;
    assert_int_equal(clnas_model_build(dev, cache, &cfg, &model, &err), CLNAS_OK);
    assert_int_equal(clnas_model_config(model)->recompute, 0);
    clnas_model_free(model);

    /* room between the two: some recomputed (the cheapest first: not all), within the device's memory, and
     * --no-recompute (0) is refused with that advice */
    dev->info.global_mem_bytes = (unsigned long long)((kept + recomputed) / 2 / CLNAS_DEVICE_MEMORY_SHARE);
    assert_int_equal(clnas_model_build(dev, cache, &cfg, &model, &err), CLNAS_OK);
    assert_int_equal(clnas_model_config(model)->recompute, 1);
    const clnas_plan *some = clnas_model_plan(model);
    assert_true(some->recompute.recomputed > 0 && some->recompute.recomputed < some->recompute.candidates);
    assert_true(some->recompute_for_fits && !some->recompute_for_budget); /* the device's memory asked for it */
    double total, largest;
    clnas_plan_device_bytes(some, &total, &largest);
    assert_true(total <= CLNAS_DEVICE_MEMORY_SHARE * (double)dev->info.global_mem_bytes);
    const int for_device = some->recompute.recomputed;
    clnas_model_free(model);
    /* a memory budget under the device's memory (what recomputing all takes) recomputes more to fit it, as few as
     * fit; one under recomputing all is refused */
    clnas_net_config budget = cfg;
    budget.memory_budget = recomputed;
    assert_int_equal(clnas_model_build(dev, cache, &budget, &model, &err), CLNAS_OK);
    some = clnas_model_plan(model);
    assert_true(some->recompute.recomputed >= for_device);
    clnas_plan_device_bytes(some, &total, &largest);
    assert_true(total <= recomputed);
    assert_true(some->recompute_for_budget && some->recompute_for_fits);
    clnas_model_free(model);
    model = NULL;
    budget.memory_budget = recomputed - 1;
    expect_message(clnas_model_build(dev, cache, &budget, &model, &err), CLNAS_ERR_UNSUPPORTED, &err,
                   "the network (C=4, N=1, batch 8) needs", "more than the memory budget of");
    assert_null(model);
    model = NULL;
    clnas_net_config never = cfg;
    never.recompute = 0;
    expect_message(clnas_model_build(dev, cache, &never, &model, &err), CLNAS_ERR_UNSUPPORTED, &err,
                   "the network (C=4, N=1, batch 8) needs", "recompute convolution outputs in the backward pass");
    assert_null(model);

    /* room for neither: the recomputing network's error */
    dev->info.global_mem_bytes = (unsigned long long)(recomputed / 2 / CLNAS_DEVICE_MEMORY_SHARE);
    expect_message(clnas_model_build(dev, cache, &cfg, &model, &err), CLNAS_ERR_UNSUPPORTED, &err,
                   "the network (C=4, N=1, batch 8, recomputing convolution outputs) needs", "use a smaller batch");
    assert_null(model);

    /* an invalid value is named */
    dev->info.global_mem_bytes = memory;
    cfg.recompute = 2;
    expect_message(clnas_model_build(dev, cache, &cfg, &model, &err), CLNAS_ERR_INVALID_ARG, &err, "recompute",
                   "got 2");
    clnas_program_cache_free(cache);
    clnas_device_free(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        guarded_test(test_core_refuses_non_regular), guarded_test(test_core_caps_and_nul),
        guarded_test(test_config_inputs),             guarded_test(test_set_errors_name_the_set),
        guarded_test(test_table_inputs),              guarded_test(test_journal_inputs),
        guarded_test(test_best_json),                 guarded_test(test_data_inputs),
        guarded_test(test_admission_of_the_whole_network), guarded_test(test_recompute_where_memory_needs_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
