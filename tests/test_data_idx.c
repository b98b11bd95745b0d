/* clnas — tests for IDX loading (plain, gzipped, damaged) and the data-directory loader on IDX layouts. */
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
#include <unistd.h>
#include <zlib.h>

#include "clnas/data.h"
#include "scratch_dir.h"

/* ---- IDX writers ---- */

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void write_bytes(const char *path, const void *bytes, size_t n, int gzipped)
{
    if (gzipped) {
        gzFile gz = gzopen(path, "wb");
        assert_non_null(gz);
        assert_int_equal(gzwrite(gz, bytes, (unsigned)n), (int)n);
        assert_int_equal(gzclose(gz), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(bytes, 1, n, f), n);
        fclose(f);
    }
}

/* An IDX file with the given magic and dims, payload bytes, and `extra` bytes added (negative: cut off). */
static void write_idx(const char *path, uint32_t magic, int ndims, const uint32_t *dims, const uint8_t *payload,
                      int extra, int gzipped)
{
    size_t payload_len = 1;
    for (int i = 0; i < ndims; i++)
        payload_len *= dims[i];
    size_t header = 4 + 4 * (size_t)ndims;
    size_t n = header + payload_len;
    unsigned char *buf = calloc(n + 16, 1);
    assert_non_null(buf);
    put_be32(buf, magic);
    for (int i = 0; i < ndims; i++)
        put_be32(buf + 4 + 4 * i, dims[i]);
    memcpy(buf + header, payload, payload_len);
    write_bytes(path, buf, (size_t)((long)n + extra), gzipped);
    free(buf);
}

enum { N = 5, H = 3, W = 4 };

static uint8_t test_pixels[N * H * W];
static uint8_t test_labels[N] = {3, 0, 9, 1, 3};

static void fill_pixels(void)
{
    for (int i = 0; i < N * H * W; i++)
        test_pixels[i] = (uint8_t)(i * 7 + 1);
}

static void write_images(const char *path, int extra, int gzipped)
{
    uint32_t dims[3] = {N, H, W};
    fill_pixels();
    write_idx(path, 0x00000803, 3, dims, test_pixels, extra, gzipped);
}

static void write_labels(const char *path, int extra, int gzipped)
{
    uint32_t dims[1] = {N};
    write_idx(path, 0x00000801, 1, dims, test_labels, extra, gzipped);
}

static void expect_load_error(const char *images, const char *labels, clnas_status want, const char *fragment,
                              const char *names)
{
    clnas_dataset ds;
    clnas_error err;
    clnas_error_clear(&err);
    clnas_status got = clnas_idx_load(images, labels, &ds, &err);
    if (got != want || !strstr(err.message, fragment) || !strstr(err.message, names))
        print_error("status %s, message: %s\n  (expected %s with \"%s\" and \"%s\")\n", clnas_status_to_string(got),
                    err.message, clnas_status_to_string(want), fragment, names);
    assert_int_equal(got, want);
    assert_non_null(strstr(err.message, fragment));
    assert_non_null(strstr(err.message, names));
    assert_null(ds.pixels);
    assert_null(ds.labels);
    assert_int_equal(ds.count, 0);
}

static void check_good_dataset(const clnas_dataset *ds)
{
    assert_int_equal(ds->count, N);
    assert_int_equal(ds->channels, 1);
    assert_int_equal(ds->height, H);
    assert_int_equal(ds->width, W);
    assert_int_equal(ds->classes, 10);
    assert_memory_equal(ds->pixels, test_pixels, sizeof test_pixels);
    assert_memory_equal(ds->labels, test_labels, sizeof test_labels);
}

/* ---- tests ---- */

static void test_loads_plain_and_gzipped(void **state)
{
    char im[4200], lb[4200];
    clnas_dataset ds;
    clnas_error err;
    for (int gz = 0; gz <= 1; gz++) {
        scratch_dir_path(im, sizeof im, *state, gz ? "images.gz" : "images");
        scratch_dir_path(lb, sizeof lb, *state, gz ? "labels.gz" : "labels");
        write_images(im, 0, gz);
        write_labels(lb, 0, gz);
        clnas_status s = clnas_idx_load(im, lb, &ds, &err);
        if (s != CLNAS_OK)
            print_error("%s\n", err.message);
        assert_int_equal(s, CLNAS_OK);
        check_good_dataset(&ds);
        clnas_dataset_free(&ds);
        assert_null(ds.pixels);
        assert_int_equal(ds.count, 0);
    }
    /* gzipped images with plain labels mix fine */
    scratch_dir_path(im, sizeof im, *state, "images.gz");
    scratch_dir_path(lb, sizeof lb, *state, "labels");
    assert_int_equal(clnas_idx_load(im, lb, &ds, &err), CLNAS_OK);
    check_good_dataset(&ds);
    clnas_dataset_free(&ds);
}

static void test_rejects_truncated_and_trailing(void **state)
{
    char im[4200], lb[4200];
    scratch_dir_path(lb, sizeof lb, *state, "labels");
    write_labels(lb, 0, 0);
    size_t total = 16 + sizeof test_pixels;
    char announce[128], holds[64];
    snprintf(announce, sizeof announce, "header announces %zu bytes", total);

    for (int gz = 0; gz <= 1; gz++) {
        scratch_dir_path(im, sizeof im, *state, gz ? "short.gz" : "short");
        write_images(im, -1, gz);
        snprintf(holds, sizeof holds, "file holds %zu", total - 1);
        expect_load_error(im, lb, CLNAS_ERR_FORMAT, "truncated", announce);
        expect_load_error(im, lb, CLNAS_ERR_FORMAT, holds, im);

        scratch_dir_path(im, sizeof im, *state, gz ? "long.gz" : "long");
        write_images(im, 3, gz);
        snprintf(holds, sizeof holds, "file holds %zu", total + 3);
        expect_load_error(im, lb, CLNAS_ERR_FORMAT, "trailing data", announce);
        expect_load_error(im, lb, CLNAS_ERR_FORMAT, holds, im);
    }

    /* header cut inside the dimensions */
    scratch_dir_path(im, sizeof im, *state, "header_only");
    write_images(im, -(int)(sizeof test_pixels) - 5, 0);
    expect_load_error(im, lb, CLNAS_ERR_FORMAT, "truncated header", im);

    /* labels file one short */
    scratch_dir_path(im, sizeof im, *state, "images");
    write_images(im, 0, 0);
    scratch_dir_path(lb, sizeof lb, *state, "short_labels");
    write_labels(lb, -1, 0);
    expect_load_error(im, lb, CLNAS_ERR_FORMAT, "truncated", lb);

    /* a gzip stream cut in the middle of its compressed data */
    scratch_dir_path(im, sizeof im, *state, "big.gz");
    enum { BIG = 64 * 1024 };
    uint8_t *noise = malloc(BIG);
    assert_non_null(noise);
    uint32_t x = 12345;
    for (int i = 0; i < BIG; i++) {
        x = x * 1103515245u + 12345u;
        noise[i] = (uint8_t)(x >> 24);
    }
    uint32_t dims[3] = {N, 128, 102};
    write_idx(im, 0x00000803, 3, dims, noise, 0, 1);
    free(noise);
    struct stat sb;
    assert_int_equal(stat(im, &sb), 0);
    assert_int_equal(truncate(im, sb.st_size / 2), 0);
    scratch_dir_path(lb, sizeof lb, *state, "labels");
    expect_load_error(im, lb, CLNAS_ERR_FORMAT, "", im);
}

/* A header announcing far more than the file holds (512 GiB in 60 bytes, found by tests/fuzz/fuzz_idx.c) is a
 * truncated file: nothing of the announced size is allocated before the data arrives. */
static void test_huge_announcement_is_truncation(void **state)
{
    char im[4200], lb[4200];
    scratch_dir_path(lb, sizeof lb, *state, "labels");
    write_labels(lb, 0, 0);
    unsigned char file[60] = {0};
    put_be32(file, 0x00000803);
    put_be32(file + 4, 512);
    put_be32(file + 8, 32768);
    put_be32(file + 12, 32768);
    for (int gz = 0; gz <= 1; gz++) {
        scratch_dir_path(im, sizeof im, *state, gz ? "huge.gz" : "huge");
        write_bytes(im, file, sizeof file, gz);
        expect_load_error(im, lb, CLNAS_ERR_FORMAT, "truncated", "header announces 549755813904 bytes");
    }
}

static void test_rejects_wrong_magic(void **state)
{
    char im[4200], lb[4200];
    scratch_dir_path(im, sizeof im, *state, "images");
    scratch_dir_path(lb, sizeof lb, *state, "labels");
    write_images(im, 0, 0);
    write_labels(lb, 0, 0);
    /* labels given as images and the reverse */
    expect_load_error(lb, im, CLNAS_ERR_FORMAT, "magic is 0x00000801, expected 0x00000803", lb);

    char bad[4200];
    scratch_dir_path(bad, sizeof bad, *state, "float_images");
    uint32_t dims[3] = {N, H, W};
    fill_pixels();
    write_idx(bad, 0x00000D03, 3, dims, test_pixels, 0, 0);
    expect_load_error(bad, lb, CLNAS_ERR_FORMAT, "magic is 0x00000d03", bad);

    char empty[4200];
    scratch_dir_path(empty, sizeof empty, *state, "empty");
    write_bytes(empty, "", 0, 0);
    expect_load_error(empty, lb, CLNAS_ERR_FORMAT, "shorter than the 4-byte IDX magic", empty);
}

static void test_rejects_count_mismatch_and_bad_labels(void **state)
{
    char im[4200], lb[4200];
    scratch_dir_path(im, sizeof im, *state, "images");
    write_images(im, 0, 1);
    scratch_dir_path(lb, sizeof lb, *state, "labels4");
    uint32_t four[1] = {4};
    write_idx(lb, 0x00000801, 1, four, test_labels, 0, 0);
    expect_load_error(im, lb, CLNAS_ERR_FORMAT, "holds 5 images but", "holds 4 labels");

    scratch_dir_path(lb, sizeof lb, *state, "labels10");
    uint8_t bad[N] = {1, 2, 10, 3, 4};
    uint32_t n[1] = {N};
    write_idx(lb, 0x00000801, 1, n, bad, 0, 0);
    expect_load_error(im, lb, CLNAS_ERR_FORMAT, "label 2 (byte 10) is 10, expected 0 .. 9", lb);

    scratch_dir_path(lb, sizeof lb, *state, "zero_images");
    uint32_t zero_dims[3] = {0, H, W};
    write_idx(lb, 0x00000803, 3, zero_dims, test_pixels, 0, 0);
    expect_load_error(lb, im, CLNAS_ERR_FORMAT, "dimension 0 is 0", lb);

    char missing[4200];
    scratch_dir_path(missing, sizeof missing, *state, "no-such-file.gz");
    expect_load_error(missing, lb, CLNAS_ERR_IO, "cannot open", missing);
}

static void test_load_dir_idx_layout(void **state)
{
    char p[4200];
    /* train gzipped, test plain: the Debian package's layout and an unpacked one */
    write_images(scratch_dir_path(p, sizeof p, *state, "train-images-idx3-ubyte.gz"), 0, 1);
    write_labels(scratch_dir_path(p, sizeof p, *state, "train-labels-idx1-ubyte.gz"), 0, 1);
    write_images(scratch_dir_path(p, sizeof p, *state, "t10k-images-idx3-ubyte"), 0, 0);
    write_labels(scratch_dir_path(p, sizeof p, *state, "t10k-labels-idx1-ubyte"), 0, 0);
    clnas_dataset ds;
    clnas_error err;
    for (int split = CLNAS_SPLIT_TRAIN; split <= CLNAS_SPLIT_TEST; split++) {
        clnas_status s = clnas_dataset_load_dir(*state, (clnas_split)split, &ds, &err);
        if (s != CLNAS_OK)
            print_error("%s\n", err.message);
        assert_int_equal(s, CLNAS_OK);
        check_good_dataset(&ds);
        clnas_dataset_free(&ds);
    }
    /* a missing labels file is named */
    unlink(scratch_dir_path(p, sizeof p, *state, "t10k-labels-idx1-ubyte"));
    assert_int_equal(clnas_dataset_load_dir(*state, CLNAS_SPLIT_TEST, &ds, &err), CLNAS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "t10k-images-idx3-ubyte but not its labels file"));
    assert_non_null(strstr(err.message, "t10k-labels-idx1-ubyte[.gz]"));
    assert_null(ds.pixels);
}

static void test_load_dir_reports_what_it_looked_for(void **state)
{
    clnas_dataset ds;
    clnas_error err;
    assert_int_equal(clnas_dataset_load_dir(*state, CLNAS_SPLIT_TRAIN, &ds, &err), CLNAS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, (const char *)*state));
    assert_non_null(strstr(err.message, "train-images-idx3-ubyte[.gz]"));
    assert_non_null(strstr(err.message, "train-labels-idx1-ubyte[.gz]"));
    assert_non_null(strstr(err.message, "data_batch_1.bin .. data_batch_5.bin"));
    assert_non_null(strstr(err.message, "cifar-10-batches-bin"));
    assert_int_equal(clnas_dataset_load_dir(*state, CLNAS_SPLIT_TEST, &ds, &err), CLNAS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "t10k-images-idx3-ubyte[.gz]"));
    assert_non_null(strstr(err.message, "test_batch.bin"));

    char p[4200];
    scratch_dir_path(p, sizeof p, *state, "absent");
    assert_int_equal(clnas_dataset_load_dir(p, CLNAS_SPLIT_TEST, &ds, &err), CLNAS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, p));
}

/* The real Fashion-MNIST, when the Debian package is installed. */
static void test_fashion_mnist(void **state)
{
    (void)state;
    struct stat sb;
    if (stat(CLNAS_DEFAULT_DATA_DIR "/train-images-idx3-ubyte.gz", &sb) != 0) {
        print_message("%s not installed (Debian package dataset-fashion-mnist); skipping\n", CLNAS_DEFAULT_DATA_DIR);
        skip();
    }
    clnas_dataset train, test;
    clnas_error err;
    clnas_status s = clnas_dataset_load_dir(CLNAS_DEFAULT_DATA_DIR, CLNAS_SPLIT_TRAIN, &train, &err);
    if (s != CLNAS_OK)
        print_error("%s\n", err.message);
    assert_int_equal(s, CLNAS_OK);
    assert_int_equal(clnas_dataset_load_dir(CLNAS_DEFAULT_DATA_DIR, CLNAS_SPLIT_TEST, &test, &err), CLNAS_OK);
    assert_int_equal(train.count, 60000);
    assert_int_equal(test.count, 10000);
    assert_int_equal(train.height, 28);
    assert_int_equal(train.width, 28);
    assert_int_equal(test.height, 28);
    assert_int_equal(train.channels, 1);
    double mean, std;
    assert_int_equal(clnas_dataset_channel_stats(&train, &mean, &std, &err), CLNAS_OK);
    assert_true(fabs(mean - 0.2860) <= 0.0005);
    assert_true(fabs(std - 0.3530) <= 0.0005); /* the usual Fashion-MNIST normalisation constants */
    int per_class[10] = {0};
    for (int i = 0; i < train.count; i++)
        per_class[train.labels[i]]++;
    for (int c = 0; c < 10; c++)
        assert_int_equal(per_class[c], 6000);
    clnas_dataset_free(&train);
    clnas_dataset_free(&test);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_loads_plain_and_gzipped),
        scratch_dir_unit_test(test_rejects_truncated_and_trailing),
        scratch_dir_unit_test(test_huge_announcement_is_truncation),
        scratch_dir_unit_test(test_rejects_wrong_magic),
        scratch_dir_unit_test(test_rejects_count_mismatch_and_bad_labels),
        scratch_dir_unit_test(test_load_dir_idx_layout),
        scratch_dir_unit_test(test_load_dir_reports_what_it_looked_for),
        cmocka_unit_test(test_fashion_mnist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
