/* clnas — the input normalisation recorded with weights: a data directory's per-channel statistics, computed for
 * any data (MNIST-like files are not given Fashion-MNIST's figures), cached by the files' identity, and Fashion-
 * MNIST's published figures for its own files (issue 17). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "data_norm.h"
#include "scratch_dir.h"
#include "tiny_idx.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

/* Pixel k of image i: *(int *)base + (i * 7 + k) % 50. */
static int offset_pixel(int i, int k, void *base)
{
    return *(const int *)base + (i * 7 + k) % 50;
}

/* train-images/labels IDX files of n 4x4 images whose pixels are base + (i * 7 + k) % 50. */
static void write_idx(const char *dir, int n, int base)
{
    assert_int_equal(tiny_idx_write(dir, "train", n, 4, offset_pixel, &base), 0);
}

/* The same statistics by hand. */
static void expected_stats(int n, int base, double *mean, double *std)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 16; k++) {
            double v = (base + (i * 7 + k) % 50) / 255.0;
            s += v;
            s2 += v * v;
        }
    *mean = s / (16.0 * n);
    *std = sqrt(s2 / (16.0 * n) - *mean * *mean);
}

static void norm_of(const char *data, const char *cache, double *mean, double *std, clnas_norm_source *source)
{
    clnas_error err;
    int channels = 0;
    if (clnas_dataset_dir_norm(data, NULL, cache, mean, std, &channels, source, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(channels, 1);
}

static void test_computed_and_cached(void **state)
{
    const char *dir = *state;
    char data[4200], cache[4200];
    scratch_dir_path(data, sizeof data, dir, "mnist-like");
    scratch_dir_path(cache, sizeof cache, dir, "cache");
    assert_int_equal(mkdir(data, 0777), 0);
    write_idx(data, 30, 10);
    double mean, std, want_mean, want_std;
    clnas_norm_source source;
    expected_stats(30, 10, &want_mean, &want_std);
    norm_of(data, cache, &mean, &std, &source);
    printf("computed mean %.6f std %.6f (%s)\n", mean, std, clnas_norm_source_name(source));
    assert_int_equal(source, CLNAS_NORM_COMPUTED);
    assert_true(fabs(mean - want_mean) < 1e-12 && fabs(std - want_std) < 1e-12);
    assert_true(fabs(mean - 0.2860) > 0.1); /* not Fashion-MNIST's */
    /* the second time from the cache, the same values */
    double mean2, std2;
    norm_of(data, cache, &mean2, &std2, &source);
    assert_int_equal(source, CLNAS_NORM_CACHED);
    assert_true(mean2 == mean && std2 == std);
    /* other files under the same names (another size): computed again */
    write_idx(data, 40, 100);
    expected_stats(40, 100, &want_mean, &want_std);
    norm_of(data, cache, &mean, &std, &source);
    assert_int_equal(source, CLNAS_NORM_COMPUTED);
    assert_true(fabs(mean - want_mean) < 1e-12 && fabs(std - want_std) < 1e-12);
    /* no cache directory: computed each time */
    norm_of(data, NULL, &mean2, &std2, &source);
    assert_int_equal(source, CLNAS_NORM_COMPUTED);
    assert_true(mean2 == mean && std2 == std);
}

/* The default data keeps the published figures, so its results stay what they were. */
static void test_fashion_mnist_published(void **state)
{
    struct stat sb;
    if (stat(FASHION_DIR, &sb) != 0) {
        printf("skipped: %s is not installed (Debian's dataset-fashion-mnist)\n", FASHION_DIR);
        skip();
    }
    char cache[4200];
    scratch_dir_path(cache, sizeof cache, *state, "cache");
    double mean, std;
    clnas_norm_source source;
    norm_of(FASHION_DIR, cache, &mean, &std, &source);
    assert_int_equal(source, CLNAS_NORM_PUBLISHED);
    assert_true(mean == 0.2860 && std == 0.3530);
    norm_of(FASHION_DIR, cache, &mean, &std, &source);
    assert_int_equal(source, CLNAS_NORM_PUBLISHED);
    assert_true(mean == 0.2860 && std == 0.3530);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_computed_and_cached),
        scratch_dir_unit_test(test_fashion_mnist_published),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
