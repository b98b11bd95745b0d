/* clnas — tests for dataset splits, heads, channel statistics and the batcher (order, normalisation, epochs). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/data.h"

/* A dataset whose image i carries its number in its first two bytes, label i % 10. */
static clnas_dataset make_dataset(int count, int channels, int height, int width)
{
    clnas_dataset ds = {.count = count, .channels = channels, .height = height, .width = width, .classes = 10};
    size_t per = (size_t)channels * height * width;
    ds.pixels = malloc((size_t)count * per);
    ds.labels = malloc((size_t)count);
    assert_non_null(ds.pixels);
    assert_non_null(ds.labels);
    for (int i = 0; i < count; i++) {
        uint8_t *p = ds.pixels + (size_t)i * per;
        for (size_t k = 0; k < per; k++)
            p[k] = (uint8_t)(i * 13 + k * 29);
        p[0] = (uint8_t)(i % 256);
        p[1] = (uint8_t)(i / 256);
        ds.labels[i] = (uint8_t)(i % 10);
    }
    return ds;
}

static int image_id(const clnas_dataset *ds, int i)
{
    const uint8_t *p = ds->pixels + (size_t)i * ds->channels * ds->height * ds->width;
    return p[0] + 256 * p[1];
}

static void test_split(void **state)
{
    (void)state;
    clnas_dataset src = make_dataset(300, 1, 2, 3);
    clnas_dataset train, val, train2, val2;
    clnas_error err;
    assert_int_equal(clnas_dataset_split(&src, 40, 7, &train, &val, &err), CLNAS_OK);
    assert_int_equal(train.count, 260);
    assert_int_equal(val.count, 40);
    assert_int_equal(val.height, 2);
    assert_int_equal(val.width, 3);
    assert_int_equal(val.classes, 10);
    /* every image lands in exactly one part, each part in source order, contents intact */
    int seen[300] = {0};
    for (int part = 0; part < 2; part++) {
        const clnas_dataset *d = part ? &val : &train;
        int last = -1;
        for (int i = 0; i < d->count; i++) {
            int id = image_id(d, i);
            assert_true(id > last);
            last = id;
            seen[id]++;
            assert_int_equal(d->labels[i], id % 10);
            assert_memory_equal(d->pixels + (size_t)i * 6, src.pixels + (size_t)id * 6, 6);
        }
    }
    for (int i = 0; i < 300; i++)
        assert_int_equal(seen[i], 1);
    /* not simply the first or last images */
    assert_true(image_id(&val, 0) < 150 && image_id(&val, 39) >= 150);

    /* same seed, same split; another seed, another split */
    assert_int_equal(clnas_dataset_split(&src, 40, 7, &train2, &val2, &err), CLNAS_OK);
    assert_memory_equal(val.pixels, val2.pixels, 40 * 6);
    clnas_dataset_free(&train2);
    clnas_dataset_free(&val2);
    assert_int_equal(clnas_dataset_split(&src, 40, 8, &train2, &val2, &err), CLNAS_OK);
    assert_true(memcmp(val.pixels, val2.pixels, 40 * 6) != 0);
    clnas_dataset_free(&train2);
    clnas_dataset_free(&val2);
    clnas_dataset_free(&train);
    clnas_dataset_free(&val);

    assert_int_equal(clnas_dataset_split(&src, 0, 1, &train, &val, &err), CLNAS_OK);
    assert_int_equal(val.count, 0);
    assert_null(val.pixels);
    assert_int_equal(train.count, 300);
    assert_memory_equal(train.pixels, src.pixels, 300 * 6);
    clnas_dataset_free(&train);
    clnas_dataset_free(&val);

    assert_int_equal(clnas_dataset_split(&src, 300, 1, &train, &val, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "300 validation images out of 300"));
    assert_int_equal(clnas_dataset_split(&src, -1, 1, &train, &val, &err), CLNAS_ERR_INVALID_ARG);
    clnas_dataset_free(&src);
}

static void test_head(void **state)
{
    (void)state;
    clnas_dataset src = make_dataset(50, 3, 2, 2);
    clnas_dataset head;
    clnas_error err;
    assert_int_equal(clnas_dataset_head(&src, 12, &head, &err), CLNAS_OK);
    assert_int_equal(head.count, 12);
    assert_int_equal(head.channels, 3);
    for (int i = 0; i < 12; i++)
        assert_int_equal(image_id(&head, i), i);
    assert_memory_equal(head.labels, src.labels, 12);
    assert_memory_equal(head.pixels, src.pixels, 12 * 12);
    clnas_dataset_free(&head);
    assert_int_equal(clnas_dataset_head(&src, 50, &head, &err), CLNAS_OK);
    clnas_dataset_free(&head);
    assert_int_equal(clnas_dataset_head(&src, 51, &head, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "51"));
    assert_int_equal(clnas_dataset_head(&src, 0, &head, &err), CLNAS_ERR_INVALID_ARG);
    clnas_dataset_free(&src);
}

static void test_channel_stats(void **state)
{
    (void)state;
    /* channel 0: all 51 (0.2); channel 1: half 0, half 255 (mean 0.5, std 0.5); channel 2: 0,1,2,...,255 */
    clnas_dataset ds = make_dataset(4, 3, 8, 8);
    for (int i = 0; i < 4; i++) {
        uint8_t *p = ds.pixels + (size_t)i * 192;
        for (int k = 0; k < 64; k++) {
            p[k] = 51;
            p[64 + k] = (uint8_t)((i + k) % 2 ? 255 : 0);
            p[128 + k] = (uint8_t)(i * 64 + k);
        }
    }
    double mean[3], std[3];
    clnas_error err;
    assert_int_equal(clnas_dataset_channel_stats(&ds, mean, std, &err), CLNAS_OK);
    assert_true(fabs(mean[0] - 0.2) < 1e-12);
    assert_true(fabs(std[0]) < 1e-7);
    assert_true(fabs(mean[1] - 0.5) < 1e-12);
    assert_true(fabs(std[1] - 0.5) < 1e-12);
    double m = 127.5, var = (256.0 * 256.0 - 1) / 12.0; /* uniform over 0..255 */
    assert_true(fabs(mean[2] - m / 255) < 1e-12);
    assert_true(fabs(std[2] - sqrt(var) / 255) < 1e-12);
    clnas_dataset_free(&ds);
    clnas_dataset empty = {.channels = 1, .height = 1, .width = 1};
    assert_int_equal(clnas_dataset_channel_stats(&empty, mean, std, &err), CLNAS_ERR_INVALID_ARG);
}

static void test_batcher_sequential_and_normalised(void **state)
{
    (void)state;
    clnas_dataset ds = make_dataset(10, 2, 3, 3);
    const double mean[2] = {0.25, 0.5}, std[2] = {0.5, 2.0};
    clnas_batcher b;
    clnas_error err;
    assert_int_equal(clnas_batcher_init(&b, &ds, 4, 0, 123, mean, std, &err), CLNAS_OK);
    float images[4 * 18];
    double dimages[4 * 18];
    int32_t labels[10];
    int got, expected_got[] = {4, 4, 2, 0, 4, 4, 2, 0};
    int next_id = 0;
    for (int call = 0; call < 8; call++) {
        assert_int_equal(clnas_batcher_next(&b, images, sizeof(float), labels, &got, &err), CLNAS_OK);
        assert_int_equal(got, expected_got[call]);
        for (int i = 0; i < got; i++) {
            int id = next_id++ % 10;
            assert_int_equal(labels[i], id % 10);
            const uint8_t *p = ds.pixels + (size_t)id * 18;
            for (int k = 0; k < 18; k++) {
                int c = k / 9;
                float want = (float)(((double)p[k] / 255.0 - mean[c]) / std[c]);
                assert_true(images[i * 18 + k] == want);
            }
        }
    }
    assert_int_equal(b.epoch, 2);
    clnas_batcher_free(&b);

    /* double output gives the same values unrounded */
    assert_int_equal(clnas_batcher_init(&b, &ds, 4, 0, 123, mean, std, &err), CLNAS_OK);
    assert_int_equal(clnas_batcher_next(&b, dimages, sizeof(double), labels, &got, &err), CLNAS_OK);
    assert_int_equal(got, 4);
    assert_true(fabs(dimages[18 + 9] - ((double)ds.pixels[18 + 9] / 255.0 - 0.5) / 2.0) < 1e-15);
    clnas_batcher_free(&b);

    /* NULL mean/std: pixels / 255 */
    assert_int_equal(clnas_batcher_init(&b, &ds, 10, 0, 0, NULL, NULL, &err), CLNAS_OK);
    float all[10 * 18];
    assert_int_equal(clnas_batcher_next(&b, all, sizeof(float), labels, &got, &err), CLNAS_OK);
    assert_int_equal(got, 10);
    assert_true(all[5 * 18 + 4] == (float)(ds.pixels[5 * 18 + 4] / 255.0));
    assert_int_equal(clnas_batcher_next(&b, all, 2, labels, &got, &err), CLNAS_ERR_INVALID_ARG);
    clnas_batcher_free(&b);
    clnas_dataset_free(&ds);
}

/* The image ids of one epoch, walked in batches of `batch`. */
static void walk_epoch(clnas_batcher *b, int batch, int count, int *ids)
{
    float *images = malloc((size_t)batch * 4 * sizeof(float));
    int32_t *labels = malloc((size_t)batch * sizeof(int32_t));
    assert_non_null(images);
    clnas_error err;
    int got, n = 0;
    do {
        assert_int_equal(clnas_batcher_next(b, images, sizeof(float), labels, &got, &err), CLNAS_OK);
        for (int i = 0; i < got; i++) {
            /* image 1x2x2 with bytes id%256, id/256: recover id from the normalised values */
            int lo = (int)lroundf(images[i * 4] * 255.0f), hi = (int)lroundf(images[i * 4 + 1] * 255.0f);
            assert_true(n < count);
            ids[n++] = lo + 256 * hi;
            assert_int_equal(labels[i], ids[n - 1] % 10);
        }
    } while (got > 0);
    assert_int_equal(n, count);
    free(images);
    free(labels);
}

static void test_batcher_shuffles_per_epoch(void **state)
{
    (void)state;
    enum { COUNT = 1003 };
    clnas_dataset ds = make_dataset(COUNT, 1, 2, 2);
    clnas_batcher a, b, c;
    clnas_error err;
    assert_int_equal(clnas_batcher_init(&a, &ds, 64, 1, 42, NULL, NULL, &err), CLNAS_OK);
    assert_int_equal(clnas_batcher_init(&b, &ds, 100, 1, 42, NULL, NULL, &err), CLNAS_OK);
    assert_int_equal(clnas_batcher_init(&c, &ds, 64, 1, 43, NULL, NULL, &err), CLNAS_OK);
    static int ea[3][COUNT], eb[3][COUNT], ec[COUNT], order[COUNT];
    for (int e = 0; e < 3; e++) {
        walk_epoch(&a, 64, COUNT, ea[e]);
        walk_epoch(&b, 100, COUNT, eb[e]);
        /* a permutation of all images */
        int seen[COUNT] = {0};
        for (int i = 0; i < COUNT; i++)
            seen[ea[e][i]]++;
        for (int i = 0; i < COUNT; i++)
            assert_int_equal(seen[i], 1);
        /* the order depends on seed and epoch only, not on the batch size */
        assert_memory_equal(ea[e], eb[e], sizeof ea[e]);
        assert_int_equal(clnas_epoch_order(COUNT, 1, 42, e, order, &err), CLNAS_OK);
        assert_memory_equal(order, ea[e], sizeof order);
    }
    walk_epoch(&c, 64, COUNT, ec);
    assert_true(memcmp(ea[0], ea[1], sizeof ea[0]) != 0);
    assert_true(memcmp(ea[1], ea[2], sizeof ea[0]) != 0);
    assert_true(memcmp(ea[0], ec, sizeof ec) != 0);
    int in_place = 0;
    for (int i = 0; i < COUNT; i++)
        in_place += ea[0][i] == i;
    assert_true(in_place < 20);
    clnas_batcher_free(&a);
    clnas_batcher_free(&b);
    clnas_batcher_free(&c);
    assert_null(a.order);
    clnas_dataset_free(&ds);
}

static void test_shuffle_is_uniform(void **state)
{
    (void)state;
    /* which of 5 items comes first, over 5000 epochs: each about 1000 times */
    int first[5] = {0}, order[5];
    clnas_error err;
    for (int e = 0; e < 5000; e++) {
        assert_int_equal(clnas_epoch_order(5, 1, 9, e, order, &err), CLNAS_OK);
        first[order[0]]++;
    }
    for (int i = 0; i < 5; i++)
        assert_true(first[i] > 850 && first[i] < 1150);
}

static void test_batcher_rejects_bad_arguments(void **state)
{
    (void)state;
    clnas_dataset ds = make_dataset(10, 1, 2, 2);
    clnas_batcher b;
    clnas_error err;
    const double zero_std[1] = {0.0};
    assert_int_equal(clnas_batcher_init(&b, &ds, 0, 0, 0, NULL, NULL, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_batcher_init(&b, &ds, 4, 0, 0, NULL, zero_std, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "std > 0"));
    clnas_dataset empty = {.channels = 1, .height = 2, .width = 2};
    assert_int_equal(clnas_batcher_init(&b, &empty, 4, 0, 0, NULL, NULL, &err), CLNAS_ERR_INVALID_ARG);
    clnas_dataset wide = ds;
    wide.channels = 5;
    wide.height = 1;
    wide.width = 1;
    wide.count = 4;
    assert_int_equal(clnas_batcher_init(&b, &wide, 4, 0, 0, NULL, NULL, &err), CLNAS_ERR_UNSUPPORTED);
    assert_null(b.order);
    clnas_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_channel_stats),
        cmocka_unit_test(test_batcher_sequential_and_normalised),
        cmocka_unit_test(test_batcher_shuffles_per_epoch),
        cmocka_unit_test(test_shuffle_is_uniform),
        cmocka_unit_test(test_batcher_rejects_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
