/* clnas — `clnas train` keeps what it has finished: output paths that cannot be written are refused before any
 * training, and a Ctrl-C during the final test pass still leaves the weights and the result on disk. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scratch_dir.h"

#ifndef CLNAS_TOOL_PATH
#error "define CLNAS_TOOL_PATH as the absolute path of the built clnas program"
#endif

#define DATA_DIR "/usr/share/datasets/fashion-mnist"
#define ARCH "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"

typedef struct child {
    pid_t pid;
    FILE *err; /* the child's stderr */
} child;

/* Starts `clnas train` on a tiny network with extra arguments (NULL-terminated), stderr piped back. */
static child start_train(const char *const *extra)
{
    const char *argv[32] = {CLNAS_TOOL_PATH, "train", "--arch", ARCH, "--channels", "2", "--cells", "1",
                            "--batch", "8", "--steps", "2", "--train-subset", "64"};
    int n = 14;
    for (int i = 0; extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    child c = {fork(), NULL};
    assert_true(c.pid >= 0);
    if (c.pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    c.err = fdopen(fds[0], "r");
    assert_non_null(c.err);
    return c;
}

/* Everything left on the child's stderr, then its wait status. */
static int finish(child *c, char *text, size_t cap)
{
    size_t len = strlen(text);
    while (len + 1 < cap && fgets(text + len, (int)(cap - len), c->err))
        len += strlen(text + len);
    fclose(c->err);
    int status;
    assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
    return status;
}

/* A path that cannot be written is refused at once, naming the path and the reason, before anything is trained. */
static void refused(const char *option, const char *path, const char *reason)
{
    const char *extra[] = {option, path, NULL};
    child c = start_train(extra);
    char text[8192] = "";
    int status = finish(&c, text, sizeof text);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 || !strstr(text, path) || !strstr(text, reason) ||
        strstr(text, "kernels ready") || strstr(text, "clnas: training"))
        fail_msg("%s %s: expected exit 1 naming the path and \"%s\" before training; status %d, stderr:\n%s",
                 option, path, reason, status, text);
}

static void test_unwritable_outputs_refused_before_training(void **state)
{
    const char *dir = *state;
    char missing[4096], under_file[4096], file[4096], target_dir[4096];
    snprintf(missing, sizeof missing, "%s/nodir/sub/w.safetensors", dir);
    scratch_dir_path(file, sizeof file, dir, "plain");
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(under_file, sizeof under_file, "%s/w.safetensors", file);
    scratch_dir_path(target_dir, sizeof target_dir, dir, "adir");
    assert_int_equal(mkdir(target_dir, 0777), 0);
    refused("--save", missing, "No such file or directory");
    refused("--save", under_file, "is not a directory");
    refused("--save", target_dir, "is a directory");
    refused("--result", missing, "No such file or directory");
    refused("--result", target_dir, "is a directory");
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* SIGINT from the end of the kernel build until the program exits: training stops after a step, and the
 * interrupts that land in the test pass (10,000 images at batch 8) must not kill it before the files exist; it
 * then exits 130 (interrupted), not 0. */
static void test_interrupt_keeps_weights_and_result(void **state)
{
    struct stat st;
    if (stat(DATA_DIR, &st) != 0)
        skip();
    const char *dir = *state;
    char weights[4096], result[4096];
    scratch_dir_path(weights, sizeof weights, dir, "w.safetensors");
    scratch_dir_path(result, sizeof result, dir, "result.json");
    const char *extra[] = {"--save", weights, "--result", result, NULL};
    child c = start_train(extra);
    char text[16384] = "";
    size_t len = 0;
    while (len + 1 < sizeof text && fgets(text + len, (int)(sizeof text - len), c.err)) {
        len += strlen(text + len);
        if (strstr(text, "kernels ready"))
            break;
    }
    assert_non_null(strstr(text, "kernels ready"));
    const struct timespec pause = {0, 20 * 1000 * 1000};
    int status = 0, sent = 0;
    while (waitpid(c.pid, &status, WNOHANG) == 0) {
        kill(c.pid, SIGINT);
        sent++;
        nanosleep(&pause, NULL);
    }
    while (len + 1 < sizeof text && fgets(text + len, (int)(sizeof text - len), c.err))
        len += strlen(text + len);
    fclose(c.err);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 130 || !exists(weights) || !exists(result))
        fail_msg("after %d SIGINTs: %s %d (expected exit 130; weights %s, result %s); stderr:\n%s", sent,
                 WIFEXITED(status) ? "exited" : "killed by signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), exists(weights) ? "written" : "missing",
                 exists(result) ? "written" : "missing", text);
    assert_true(sent > 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_unwritable_outputs_refused_before_training),
        scratch_dir_unit_test(test_interrupt_keeps_weights_and_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
