/* clnas — weights saved by clnas load into the installed PyTorch module (share/clnas/nb201.py) by name, strictly,
 * and its eval-mode logits equal clnas's (issue 17). Skipped, saying why, where no python3 can import torch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "clnas/model.h"
#include "clnas/safetensors.h"
#include "device_fixture.h"
#include "model_build.h"
#include "scratch_dir.h"
#include "small_net.h"

#define SHARE_DIR CLNAS_TEST_DATA "/../../share/clnas"
#define CHECK_SCRIPT CLNAS_TEST_DATA "/../weights_pytorch_check.py"
#define ARCH "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|"
#define SIDE 12
#define BATCH 32 /* test_train's network: kernels shared */
#define CLASSES 10

/* Runs the check script with one interpreter (args NULL: --probe); its exit status (127: it could not start). */
static int run_check(const char *python, const char *weights, const char *batch)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const char *argv[] = {python, CHECK_SCRIPT, weights ? SHARE_DIR : "--probe", weights, batch, NULL};
        execvp(python, (char *const *)argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* A model trained two steps (running statistics away from 0 and 1), its weights saved, and one batch's eval-mode
 * logits written beside them. */
static void make_files(device_fixture *f, const char *weights, const char *batch)
{
    clnas_net_config cfg;
    small_net_config(&cfg, ARCH, 4, 1, BATCH, SIDE);
    clnas_model *m = NULL;
    clnas_error err;
    static float images[BATCH * SIDE * SIDE];
    int32_t labels[BATCH];
    double logits[BATCH * CLASSES];
    const double mean[1] = {0.5}, std[1] = {0.25};
    if (clnas_model_build(f->dev, f->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 11, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    for (int s = 0; s < 3; s++) {
        small_fixed_batch(images, labels, BATCH, SIDE, 20 + (uint64_t)s);
        if (clnas_model_set_batch(m, images, labels, &err) != CLNAS_OK ||
            (s < 2 && clnas_model_step(m, 0.05, NULL, NULL, &err) != CLNAS_OK))
            fail_msg("%s", err.message);
    }
    if (clnas_model_eval(m, logits, &err) != CLNAS_OK ||
        clnas_model_save_with_norm(m, weights, mean, std, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_tensor t[2] = {
        {.name = "input", .dtype = CLNAS_DTYPE_F32, .ndim = 4, .shape = {BATCH, 1, SIDE, SIDE}, .data = images,
         .nbytes = sizeof images},
        {.name = "logits", .dtype = CLNAS_DTYPE_F64, .ndim = 2, .shape = {BATCH, CLASSES}, .data = logits,
         .nbytes = sizeof logits},
    };
    assert_int_equal(clnas_safetensors_write(batch, t, 2, NULL, &err), CLNAS_OK);
    clnas_model_free(m);
}

static void test_pytorch_module_matches(void **state)
{
    device_fixture *f = *state;
    /* CLNAS_PYTHON first; then python3 on PATH, and Debian's own (a PATH python3 of pyenv or a venv may lack torch) */
    const char *env = getenv("CLNAS_PYTHON");
    const char *pythons[] = {env && *env ? env : "python3", "python3", "/usr/bin/python3"}, *python = NULL;
    for (size_t i = 0; i < sizeof pythons / sizeof pythons[0] && !python; i++)
        if (run_check(pythons[i], NULL, NULL) == 0)
            python = pythons[i];
    if (!python) {
        printf("skipped: no python3 here imports torch (install python3-torch, or set CLNAS_PYTHON)\n");
        skip();
    }
    char *dir = scratch_dir_new("clnas-weights-pytorch");
    assert_non_null(dir);
    char weights[4200], batch[4200];
    scratch_dir_path(weights, sizeof weights, dir, "w.safetensors");
    scratch_dir_path(batch, sizeof batch, dir, "batch.safetensors");
    make_files(f, weights, batch);
    int rc = run_check(python, weights, batch);
    scratch_dir_remove(dir);
    free(dir);
    if (rc != 0)
        fail_msg("%s %s: exit %d: the PyTorch module disagrees with clnas (output above)", python, CHECK_SCRIPT, rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pytorch_module_matches),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
