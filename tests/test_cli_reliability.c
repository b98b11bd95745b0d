/* clnas — the command line under hostile input and signals (issue 16): non-regular and oversized inputs refused at
 * once, a search in which every trial failed exits 1 with the causes counted, an interrupted search exits 130 after
 * writing its journal, two searches on one run directory (the second refused with the first's PID), and messages
 * that say what is wrong with what. Table searches only: no training, seconds in all. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clnas/safetensors.h"
#include "scratch_dir.h"

#ifndef CLNAS_TOOL_PATH
#error "define CLNAS_TOOL_PATH as the absolute path of the built clnas program"
#endif

#define ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"

static int guarded_setup(void **state)
{
    alarm(120); /* a command that blocks fails the test instead of hanging the suite */
    return scratch_dir_setup(state);
}

static int guarded_teardown(void **state)
{
    alarm(0);
    return scratch_dir_teardown(state);
}

#define guarded_test(f) cmocka_unit_test_setup_teardown(f, guarded_setup, guarded_teardown)

/* Starts clnas with argv (NULL-terminated, without the program), stdout and stderr into <dir>/out and <dir>/err. */
static pid_t start(const char *dir, const char *const *args)
{
    const char *argv[40] = {CLNAS_TOOL_PATH};
    int n = 1;
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char out[1024], err[1024];
    scratch_dir_path(out, sizeof out, dir, "out");
    scratch_dir_path(err, sizeof err, dir, "err");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr))
            _exit(127);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* The exit status (a signal is a failure), and stderr into text. */
static int finish(const char *dir, pid_t pid, char *text, size_t cap)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status))
        fail_msg("clnas was killed by signal %d", WTERMSIG(status));
    char path[1024];
    char *err = test_read_file(scratch_dir_path(path, sizeof path, dir, "err"), NULL);
    snprintf(text, cap, "%s", err ? err : "");
    free(err);
    return WEXITSTATUS(status);
}

static int run(const char *dir, const char *const *args, char *text, size_t cap)
{
    return finish(dir, start(dir, args), text, cap);
}

static void expect(const char *dir, const char *const *args, int want, const char *part1, const char *part2)
{
    char text[8192];
    int rc = run(dir, args, text, sizeof text);
    if (rc != want || !strstr(text, part1) || (part2 && !strstr(text, part2)))
        fail_msg("clnas %s %s: exit %d (want %d), stderr (want \"%s\"%s%s):\n%s", args[0], args[1], rc, want, part1,
                 part2 ? " and " : "", part2 ? part2 : "", text);
}

static const char *path_in(const char *dir, const char *name)
{
    static char path[4][1024];
    static int next;
    next = (next + 1) % 4;
    return scratch_dir_path(path[next], sizeof path[next], dir, name);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* A table search config over <dir>/table.csv holding one architecture. */
static const char *table_config(const char *dir)
{
    char text[2048];
    write_text(path_in(dir, "table.csv"), "arch,accuracy\n" ARCH ",0.5\n");
    snprintf(text, sizeof text, "{\"evaluator\": {\"kind\": \"table\", \"table\": \"table.csv\"}, \"strategy\": "
             "{\"name\": \"random\", \"trials\": 4}}");
    const char *path = path_in(dir, "table.json");
    write_text(path, text);
    return path;
}

static void test_inputs_refused_at_once(void **state)
{
    const char *dir = *state;
    const char *fifo = path_in(dir, "fifo.json");
    assert_int_equal(mkfifo(fifo, 0644), 0);
    const char *out = path_in(dir, "run");
    expect(dir, (const char *[]){"search", "--config", fifo, "--out", out, NULL}, 1, fifo, "it is a FIFO");
    expect(dir, (const char *[]){"search", "--config", "/dev/zero", "--out", out, NULL}, 1,
           "/dev/zero: cannot read: it is a character device", NULL);
    expect(dir, (const char *[]){"search", "--config", dir, "--out", out, NULL}, 1, "it is a directory", NULL);
    const char *big = path_in(dir, "big.json");
    int fd = open(big, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0 && ftruncate(fd, (off_t)17 << 20) == 0);
    close(fd);
    expect(dir, (const char *[]){"search", "--config", big, "--out", out, NULL}, 1, "big.json: the file is 17.0 MiB",
           "over the limit of 16.0 MiB");
    const char *config = table_config(dir);
    expect(dir, (const char *[]){"search", "--config", config, "--set", "proxy.epochs=two", "--out", out, NULL}, 2,
           "clnas search: --set proxy.epochs=two: proxy.epochs: expected an integer", NULL);
    struct stat sb;
    assert_int_not_equal(stat(out, &sb), 0); /* refused before the run directory was made */
    /* report probed a run's rank_eval.json with fopen, which waits for a writer when it is a FIFO */
    const char *run = path_in(dir, "fifo-run");
    assert_int_equal(mkdir(run, 0755), 0);
    char run_file[1100];
    snprintf(run_file, sizeof run_file, "%s/journal.jsonl", run);
    write_text(run_file, "{\"trial\":0,\"arch\":\"" ARCH "\",\"hash\":\"efc36f9d2a3de04b\",\"fitness\":0.5,"
               "\"params\":10982,\"flops\":2113984,\"seconds\":0.75,\"status\":\"ok\",\"error\":null}\n");
    snprintf(run_file, sizeof run_file, "%s/rank_eval.json", run);
    assert_int_equal(mkfifo(run_file, 0644), 0);
    expect(dir, (const char *[]){"report", run, NULL}, 1, run_file, "it is a FIFO");
}

static void test_all_trials_failed_exits_1(void **state)
{
    const char *dir = *state;
    const char *config = table_config(dir);
    /* random trials on a table of one architecture: each sample misses it (seed 0's four do) */
    expect(dir, (const char *[]){"search", "--config", config, "--out", path_in(dir, "run"), NULL}, 1,
           "every one of the 4 trials failed, by cause:", "4  failed: arch <arch> is not in the table");
}

/* Waits until path exists (a run's journal: the search is under way). */
static void wait_for(const char *path)
{
    struct stat sb;
    const struct timespec pause = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 3000 && stat(path, &sb) != 0; i++)
        nanosleep(&pause, NULL);
    assert_int_equal(stat(path, &sb), 0);
}

static void test_interrupt_and_lock(void **state)
{
    const char *dir = *state;
    char run_dir[1024], journal[1100], pid_text[64], sub[1024];
    const char *config = table_config(dir);
    snprintf(run_dir, sizeof run_dir, "%s", path_in(dir, "run"));
    snprintf(journal, sizeof journal, "%s/journal.jsonl", run_dir);
    /* a long search: REA over the built-in table config's whole table, far more cycles than the test waits for */
    char table[1024];
    snprintf(table, sizeof table, "evaluator.table=%s/../../configs/table.csv", CLNAS_TEST_DATA);
    pid_t first = start(dir, (const char *[]){"search", "--config", config, "--set", table, "--set",
                                              "strategy={\"name\": \"rea\", \"cycles\": 10000000}", "--out", run_dir,
                                              NULL});
    wait_for(journal);
    snprintf(pid_text, sizeof pid_text, "process %ld holds", (long)first);
    /* the second search, in its own scratch subdirectory so its stderr file is its own */
    snprintf(sub, sizeof sub, "%s", path_in(dir, "second"));
    assert_int_equal(mkdir(sub, 0755), 0);
    expect(sub, (const char *[]){"search", "--resume", run_dir, NULL}, 1, "is in use by another search", pid_text);
    expect(sub, (const char *[]){"search", "--config", config, "--out", run_dir, NULL}, 1,
           "is in use by another search", pid_text);
    kill(first, SIGTERM);
    char text[8192];
    int rc = finish(dir, first, text, sizeof text);
    if (rc != 130)
        fail_msg("an interrupted search exited %d, expected 130; stderr:\n%s", rc, text);
    char *lines = test_read_file(journal, NULL);
    assert_non_null(lines);
    assert_non_null(strstr(lines, "\"trial\":0"));
    free(lines);
}

static void test_messages(void **state)
{
    const char *dir = *state;
    const char *missing = path_in(dir, "no-such-run");
    expect(dir, (const char *[]){"report", missing, NULL}, 1, missing, "no such run directory");
    expect(dir, (const char *[]){"report", dir, NULL}, 1, "journal.jsonl: no such file", NULL);
    expect(dir, (const char *[]){"train", "--lr", "1e-400", NULL}, 2, "\"1e-400\" underflows", NULL);
    const char *config = table_config(dir);
    expect(dir, (const char *[]){"search", "--config", config, "--set", "seed=9007199254740993", NULL}, 2,
           "seed: expected an integer from 0 to 9007199254740991, got 9007199254740992", NULL);
    write_text(path_in(dir, "best.json"), "{\"arch\": \"" ARCH "\\u0000junk\"}");
    expect(dir, (const char *[]){"train", "--from", dir, "--steps", "1", NULL}, 1, "best.json:1:",
           "a string holds \\u0000");
}

/* Programs a command built into <dir>/cache (its own program cache). */
static int programs_built(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "find '%s/cache' -name '*.bin' 2>/dev/null | grep -q .", dir);
    return system(cmd) == 0;
}

/* Weights of another width (C=2 against --channels 4) and a batch the data cannot fill are refused before the
 * device builds a kernel (they used to be found after 40-50 s of building). */
static void test_checked_before_kernels(void **state)
{
    const char *dir = *state;
    struct stat sb;
    if (stat("/usr/share/datasets/fashion-mnist", &sb) != 0)
        skip();
    char cache[1100];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("CLNAS_CACHE_DIR", cache, 1); /* inherited by the commands: an empty cache, so any build leaves a file */
    float stem[2 * 1 * 3 * 3] = {0};
    clnas_tensor t = {"stem.conv.weight", CLNAS_DTYPE_F32, 4, {2, 1, 3, 3}, stem, sizeof stem};
    const char *weights = path_in(dir, "w.safetensors");
    clnas_error err = {0};
    assert_int_equal(clnas_safetensors_write(weights, &t, 1, NULL, &err), CLNAS_OK);
    expect(dir, (const char *[]){"eval", "--arch", ARCH, "--channels", "4", "--cells", "1", "--batch", "8",
                                 "--weights", weights, NULL}, 1,
           "tensor 'stem.conv.weight' has shape [2x1x3x3], expected [4x1x3x3]", "another --channels");
    expect(dir, (const char *[]){"train", "--arch", ARCH, "--channels", "2", "--cells", "1", "--batch", "128",
                                 "--train-subset", "64", NULL}, 1,
           "--batch 128 is larger than the 64 training images (--train-subset): use --batch 64 or less", NULL);
    assert_false(programs_built(dir));
}

/* PoCL without a writable cache directory offers no device: the message says which directory, not "no device". */
static void test_pocl_cache_unwritable(void **state)
{
    const char *dir = *state;
    char text[8192];
    if (run(dir, (const char *[]){"devices", NULL}, text, sizeof text) != 0)
        skip();
    char path[1024], *listing = test_read_file(scratch_dir_path(path, sizeof path, dir, "out"), NULL);
    int pocl = listing && strstr(listing, "Portable Computing Language");
    free(listing);
    if (!pocl)
        skip();
    const char *names[] = {"HOME", "XDG_CACHE_HOME", "POCL_CACHE_DIR"};
    char *saved[3];
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(names[i]);
        saved[i] = v ? strdup(v) : NULL;
        unsetenv(names[i]);
    }
    setenv("HOME", "/proc/clnas-no-such-home", 1);
    int rc = run(dir, (const char *[]){"devices", NULL}, text, sizeof text);
    for (int i = 0; i < 3; i++) {
        if (saved[i])
            setenv(names[i], saved[i], 1);
        else
            unsetenv(names[i]);
        free(saved[i]);
    }
    if (rc == 0) /* another platform's device was found */
        skip();
    if (rc != 1 || !strstr(text, "kernel cache directory /proc/clnas-no-such-home/.cache/pocl cannot be made") ||
        !strstr(text, "set POCL_CACHE_DIR"))
        fail_msg("exit %d, stderr:\n%s", rc, text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        guarded_test(test_inputs_refused_at_once),
        guarded_test(test_all_trials_failed_exits_1),
        guarded_test(test_interrupt_and_lock),
        guarded_test(test_messages),
        guarded_test(test_checked_before_kernels),
        guarded_test(test_pocl_cache_unwritable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
