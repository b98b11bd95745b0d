/* clnas — "-" as an output file name (issue 17): `table generate --out -` writes the CSV to stdout (the summary to
 * stderr); `train --save -` writes the safetensors file to stdout (the results to stderr), and refuses a terminal. */
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

#include "scratch_dir.h"
#include "tiny_idx.h"

#ifndef CLNAS_TOOL_PATH
#error "define CLNAS_TOOL_PATH as the absolute path of the built clnas program"
#endif

/* `cd dir && clnas ARGS >dir/out 2>dir/err`: the exit status; a "-" file would land in dir. */
static int run_in(const char *dir, const char *args)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >out 2>err", dir, CLNAS_TOOL_PATH, args);
    int status = system(cmd);
    printf("$ clnas %s -> %d\n", args, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *read_in(const char *dir, const char *name, size_t *size)
{
    char path[1200];
    char *text = test_read_file(scratch_dir_path(path, sizeof path, dir, name), size);
    assert_non_null(text);
    return text;
}

static void assert_no_dash_file(const char *dir)
{
    char path[1200];
    struct stat st;
    assert_int_not_equal(stat(scratch_dir_path(path, sizeof path, dir, "-"), &st), 0);
}

static void test_table_generate_to_stdout(void **state)
{
    const char *dir = *state;
    assert_int_equal(run_in(dir, "table generate --out -"), 0);
    size_t n = 0;
    char *out = read_in(dir, "out", &n), *err = read_in(dir, "err", NULL);
    assert_int_equal(strncmp(out, "arch,accuracy\n", 14), 0);
    int lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += out[i] == '\n';
    assert_int_equal(lines, 15626); /* the header and every NB201 cell */
    assert_non_null(strstr(err, "wrote 15625 cells to standard output"));
    assert_null(strstr(out, "wrote"));
    assert_no_dash_file(dir);
    free(out);
    free(err);
}

/* Pixel k of image i: its class times 20 plus a pattern. */
static int pattern_pixel(int i, int k, void *ctx)
{
    (void)ctx;
    return (i % 10) * 20 + (i * 7 + k) % 40;
}

/* n 8x8 one-channel images and labels as the IDX files of `split` ("train" or "t10k") in dir. */
static void write_split(const char *dir, const char *split, int n)
{
    assert_int_equal(tiny_idx_write(dir, split, n, 8, pattern_pixel, NULL), 0);
}

#define TRAIN_ARGS "train --arch '|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|' " \
                   "--channels 4 --cells 1 --batch 64 --steps 2 --val 0 --data . --quiet"

static void test_train_save_to_stdout(void **state)
{
    const char *dir = *state;
    write_split(dir, "train", 128);
    write_split(dir, "t10k", 64);
    assert_int_equal(run_in(dir, TRAIN_ARGS " --save -"), 0);
    size_t n = 0;
    char *out = read_in(dir, "out", &n), *err = read_in(dir, "err", NULL);
    /* safetensors: an 8-byte little-endian header length, then the JSON header */
    assert_true(n > 8);
    uint64_t header = 0;
    for (int i = 7; i >= 0; i--)
        header = header << 8 | (unsigned char)out[i];
    assert_true(header > 2 && 8 + header <= n);
    assert_int_equal(out[8], '{');
    assert_non_null(strstr(err, "test accuracy")); /* the results moved to stderr */
    assert_no_dash_file(dir);
    free(out);
    free(err);
}

/* Binary weights onto a terminal are refused before any work, as a usage error. */
static void test_train_save_refuses_a_terminal(void **state)
{
    const char *dir = *state;
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "cd '%s' && script -qec \"'%s' %s --save -\" /dev/null >out 2>err", dir,
             CLNAS_TOOL_PATH, "train --arch '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|' --data .");
    int status = system(cmd);
    assert_true(WIFEXITED(status));
    char *out = read_in(dir, "out", NULL);
    printf("%s", out);
    assert_int_equal(WEXITSTATUS(status), 2);
    assert_non_null(strstr(out, "standard output is a terminal"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_table_generate_to_stdout),
        scratch_dir_unit_test(test_train_save_to_stdout),
        scratch_dir_unit_test(test_train_save_refuses_a_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
