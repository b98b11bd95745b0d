/* clnas — tests for CIFAR-10 binary batches and the data-directory loader on CIFAR-10 layouts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clnas/data.h"
#include "scratch_dir.h"

#define RECORD 3073
#define IMAGE 3072

/* The pixel byte of image `id`, channel c, position k: distinct enough to catch misplaced planes or images. */
static uint8_t pixel_of(int id, int c, int k)
{
    return (uint8_t)(id * 31 + c * 101 + k * 7);
}

/* A batch file of n records whose images are numbered first_id, first_id + 1, ... with label id % 10. */
static void write_batch(const char *path, int first_id, int n, int extra_bytes)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    unsigned char rec[RECORD];
    for (int i = 0; i < n; i++) {
        int id = first_id + i;
        rec[0] = (unsigned char)(id % 10);
        for (int c = 0; c < 3; c++)
            for (int k = 0; k < 1024; k++)
                rec[1 + c * 1024 + k] = pixel_of(id, c, k);
        assert_int_equal(fwrite(rec, 1, RECORD, f), RECORD);
    }
    for (int i = 0; i < extra_bytes; i++)
        fputc(0, f);
    fclose(f);
}

static void check_images(const clnas_dataset *ds, int first_id, int n)
{
    assert_int_equal(ds->count, n);
    assert_int_equal(ds->channels, 3);
    assert_int_equal(ds->height, 32);
    assert_int_equal(ds->width, 32);
    assert_int_equal(ds->classes, 10);
    for (int i = 0; i < n; i++) {
        int id = first_id + i;
        assert_int_equal(ds->labels[i], id % 10);
        const uint8_t *p = ds->pixels + (size_t)i * IMAGE;
        for (int c = 0; c < 3; c++)
            for (int k = 0; k < 1024; k += 37)
                assert_int_equal(p[c * 1024 + k], pixel_of(id, c, k));
        assert_int_equal(p[IMAGE - 1], pixel_of(id, 2, 1023));
    }
}

static void test_loads_and_concatenates_batches(void **state)
{
    char a[4200], b[4200];
    write_batch(scratch_dir_path(a, sizeof a, *state, "a.bin"), 0, 3, 0);
    write_batch(scratch_dir_path(b, sizeof b, *state, "b.bin"), 3, 2, 0);
    const char *paths[] = {a, b};
    clnas_dataset ds;
    clnas_error err;
    clnas_status s = clnas_cifar10_load(paths, 2, &ds, &err);
    if (s != CLNAS_OK)
        print_error("%s\n", err.message);
    assert_int_equal(s, CLNAS_OK);
    check_images(&ds, 0, 5);
    clnas_dataset_free(&ds);

    const char *one[] = {b};
    assert_int_equal(clnas_cifar10_load(one, 1, &ds, &err), CLNAS_OK);
    check_images(&ds, 3, 2);
    clnas_dataset_free(&ds);
}

static void expect_error(const char *const *paths, int n, clnas_status want, const char *fragment, const char *name)
{
    clnas_dataset ds;
    clnas_error err;
    clnas_error_clear(&err);
    clnas_status got = clnas_cifar10_load(paths, n, &ds, &err);
    if (got != want || !strstr(err.message, fragment) || (name && !strstr(err.message, name)))
        print_error("status %s, message: %s\n", clnas_status_to_string(got), err.message);
    assert_int_equal(got, want);
    assert_non_null(strstr(err.message, fragment));
    if (name)
        assert_non_null(strstr(err.message, name));
    assert_null(ds.pixels);
    assert_int_equal(ds.count, 0);
}

static void test_rejects_bad_batches(void **state)
{
    char good[4200], odd[4200], empty[4200], label[4200], missing[4200];
    write_batch(scratch_dir_path(good, sizeof good, *state, "good.bin"), 0, 2, 0);
    write_batch(scratch_dir_path(odd, sizeof odd, *state, "odd.bin"), 0, 2, 5);
    write_batch(scratch_dir_path(empty, sizeof empty, *state, "empty.bin"), 0, 0, 0);
    scratch_dir_path(missing, sizeof missing, *state, "missing.bin");

    const char *p1[] = {good, odd};
    expect_error(p1, 2, CLNAS_ERR_FORMAT, "size 6151 bytes is not a positive multiple of the 3073-byte", odd);
    const char *p2[] = {empty};
    expect_error(p2, 1, CLNAS_ERR_FORMAT, "size 0 bytes", empty);
    const char *p3[] = {good, missing};
    expect_error(p3, 2, CLNAS_ERR_IO, "cannot open", missing);

    /* a label of 10 in the second record */
    write_batch(scratch_dir_path(label, sizeof label, *state, "label.bin"), 0, 3, 0);
    FILE *f = fopen(label, "r+b");
    assert_non_null(f);
    fseek(f, RECORD, SEEK_SET);
    fputc(10, f);
    fclose(f);
    const char *p4[] = {good, label};
    expect_error(p4, 2, CLNAS_ERR_FORMAT, "record 1 (byte 3073) has label 10, expected 0 .. 9", label);

    expect_error(p1, 0, CLNAS_ERR_INVALID_ARG, "1 or more paths", NULL);
}

/* Writes the five train batches (2 images each) and the test batch (3 images) into dir. */
static void write_cifar_layout(const char *dir)
{
    char p[4200];
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/data_batch_%d.bin", dir, i + 1);
        write_batch(p, 2 * i, 2, 0);
    }
    snprintf(p, sizeof p, "%s/test_batch.bin", dir);
    write_batch(p, 100, 3, 0);
}

static void test_load_dir_cifar_layouts(void **state)
{
    clnas_dataset ds;
    clnas_error err;
    /* flat */
    write_cifar_layout(*state);
    assert_int_equal(clnas_dataset_load_dir(*state, CLNAS_SPLIT_TRAIN, &ds, &err), CLNAS_OK);
    check_images(&ds, 0, 10);
    clnas_dataset_free(&ds);
    assert_int_equal(clnas_dataset_load_dir(*state, CLNAS_SPLIT_TEST, &ds, &err), CLNAS_OK);
    check_images(&ds, 100, 3);
    clnas_dataset_free(&ds);

    /* as the CIFAR-10 tarball unpacks: inside cifar-10-batches-bin/ */
    char sub[1024], p[4200];
    assert_int_equal(mkdir(scratch_dir_path(sub, sizeof sub, *state, "unpacked"), 0700), 0);
    snprintf(p, sizeof p, "%s/cifar-10-batches-bin", sub);
    assert_int_equal(mkdir(p, 0700), 0);
    write_cifar_layout(p);
    assert_int_equal(clnas_dataset_load_dir(sub, CLNAS_SPLIT_TRAIN, &ds, &err), CLNAS_OK);
    check_images(&ds, 0, 10);
    clnas_dataset_free(&ds);
    assert_int_equal(clnas_dataset_load_dir(sub, CLNAS_SPLIT_TEST, &ds, &err), CLNAS_OK);
    check_images(&ds, 100, 3);
    clnas_dataset_free(&ds);

    /* one train batch missing: the train split is not found, the test split still is */
    snprintf(p, sizeof p, "%s/cifar-10-batches-bin/data_batch_4.bin", sub);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(clnas_dataset_load_dir(sub, CLNAS_SPLIT_TRAIN, &ds, &err), CLNAS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "data_batch_1.bin .. data_batch_5.bin"));
    assert_int_equal(clnas_dataset_load_dir(sub, CLNAS_SPLIT_TEST, &ds, &err), CLNAS_OK);
    clnas_dataset_free(&ds);

    /* a damaged batch is reported, not skipped */
    snprintf(p, sizeof p, "%s/test_batch.bin", (const char *)*state);
    write_batch(p, 0, 1, 1);
    assert_int_equal(clnas_dataset_load_dir(*state, CLNAS_SPLIT_TEST, &ds, &err), CLNAS_ERR_FORMAT);
    assert_non_null(strstr(err.message, p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_loads_and_concatenates_batches),
        scratch_dir_unit_test(test_rejects_bad_batches),
        scratch_dir_unit_test(test_load_dir_cifar_layouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
