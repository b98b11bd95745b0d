/* clnas — `clnas eval --weights FILE` alone evaluates weights as they were trained (network and normalisation
 * from the file's metadata): a file saved with --mean 0.9 --std 0.1 evaluated at chance before; options that
 * differ from the file are refused naming what it was saved with; `train --init FILE` needs no --arch (issue 17). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "scratch_dir.h"

#ifndef CLNAS_TOOL_PATH
#error "define CLNAS_TOOL_PATH as the absolute path of the built clnas program"
#endif

#define DATA_DIR "/usr/share/datasets/fashion-mnist"
/* test_cli_train's network: its kernels are in the shared test cache */
#define ARCH "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"
#define SWAPPED "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|skip_connect~1|nor_conv_3x3~2|"

/* Runs clnas with the NULL-terminated arguments; stdout and stderr into out and err; the exit status. */
static int run(const char *const *args, char *out, size_t out_cap, char *err, size_t err_cap)
{
    char out_path[] = "/tmp/clnas-weights-cli-out-XXXXXX", err_path[] = "/tmp/clnas-weights-cli-err-XXXXXX";
    int fo = mkstemp(out_path), fe = mkstemp(err_path);
    assert_true(fo >= 0 && fe >= 0);
    const char *argv[40] = {CLNAS_TOOL_PATH};
    int n = 1;
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fo, 1);
        dup2(fe, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fo);
    close(fe);
    char *o = test_read_file(out_path, NULL), *e = test_read_file(err_path, NULL);
    snprintf(out, out_cap, "%s", o ? o : "");
    snprintf(err, err_cap, "%s", e ? e : "");
    free(o);
    free(e);
    unlink(out_path);
    unlink(err_path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The "test accuracy ... test loss ..." line of a command's output. */
static void result_line(const char *out, char *line, size_t cap)
{
    const char *p = strstr(out, "test accuracy");
    assert_non_null(p);
    size_t n = strcspn(p, "\n");
    snprintf(line, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

static void test_eval_reads_the_file(void **state)
{
    struct stat sb;
    if (stat(DATA_DIR, &sb) != 0) {
        printf("skipped: %s is not installed\n", DATA_DIR);
        skip();
    }
    char w[4200], out[16384], err[16384], trained[256], evaluated[256];
    scratch_dir_path(w, sizeof w, *state, "w.safetensors");
    const char *train[] = {"train", "--arch", ARCH, "--channels", "2", "--cells", "1", "--batch", "8", "--steps",
                           "6", "--train-subset", "64", "--mean", "0.9", "--std", "0.1", "--save", w, "--quiet",
                           NULL};
    int rc = run(train, out, sizeof out, err, sizeof err);
    if (rc != 0)
        fail_msg("train: exit %d\n%s%s", rc, out, err);
    result_line(out, trained, sizeof trained);

    /* --weights alone: the same network, the same normalisation, the same numbers as train's own test pass */
    char result[4200];
    scratch_dir_path(result, sizeof result, *state, "eval.json");
    const char *eval[] = {"eval", "--weights", w, "--batch", "8", "--result", result, NULL};
    rc = run(eval, out, sizeof out, err, sizeof err);
    if (rc != 0)
        fail_msg("eval: exit %d\n%s%s", rc, out, err);
    result_line(out, evaluated, sizeof evaluated);
    printf("train: %s\neval:  %s\n", trained, evaluated);
    assert_string_equal(trained, evaluated);
    assert_non_null(strstr(err, "mean [0.9000] std [0.1000] (the metadata of"));
    char *text = test_read_file(result, NULL);
    cJSON *json = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *norm = cJSON_GetObjectItemCaseSensitive(json, "normalization");
    const cJSON *mean = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(norm, "mean"), 0);
    const cJSON *std = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(norm, "std"), 0);
    assert_true(cJSON_IsNumber(mean) && mean->valuedouble == 0.9 && cJSON_IsNumber(std) && std->valuedouble == 0.1);
    cJSON_Delete(json);

    /* a --result that cannot be written: refused before the data is read or a kernel built */
    char nodir[4300];
    snprintf(nodir, sizeof nodir, "%s/nodir/eval.json", (const char *)*state);
    const char *unwritable[] = {"eval", "--weights", w, "--batch", "8", "--result", nodir, NULL};
    rc = run(unwritable, out, sizeof out, err, sizeof err);
    if (rc != 1 || !strstr(err, nodir) || !strstr(err, "No such file or directory") || strstr(out, "test accuracy"))
        fail_msg("eval --result %s: exit %d\n%s%s", nodir, rc, out, err);
    /* a wrong width: refused at once, saying what the file was saved with */
    const char *wide[] = {"eval", "--weights", w, "--batch", "8", "--channels", "4", NULL};
    rc = run(wide, out, sizeof out, err, sizeof err);
    if (rc != 1 || !strstr(err, "--channels 4 differs from the file's 2 (it was saved with arch " ARCH " C=2 N=1)"))
        fail_msg("eval --channels 4: exit %d\n%s", rc, err);
    /* pool and skip swapped: the parameters fit, the network is another; refused unless --ignore-metadata */
    const char *swapped[] = {"eval", "--weights", w, "--batch", "8", "--arch", SWAPPED, NULL};
    rc = run(swapped, out, sizeof out, err, sizeof err);
    if (rc != 1 || !strstr(err, "differs from the file's arch") || !strstr(err, "--ignore-metadata"))
        fail_msg("eval --arch swapped: exit %d\n%s", rc, err);

    /* train --init FILE: the network and the normalisation from the file */
    const char *init[] = {"train", "--init", w, "--batch", "8", "--steps", "1", "--train-subset", "64", "--quiet",
                          NULL};
    rc = run(init, out, sizeof out, err, sizeof err);
    if (rc != 0 || !strstr(out, "arch " ARCH) || !strstr(err, "(the metadata of"))
        fail_msg("train --init: exit %d\n%s%s", rc, out, err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_eval_reads_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
