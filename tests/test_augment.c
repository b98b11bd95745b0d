/* clnas — training-time augmentation (data/augment.c) against a straightforward reference: the image padded into
 * a bigger array, the window cut out of it, mirrored, the cutout mask built as DARTS builds it; 1 and 3 channels,
 * even and odd sizes, float and double; the draws' ranges and determinism; off is the identity; the batch stream
 * augments training batches only when asked. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "batch_stream.h"
#include "clnas/data.h"
#include "clnas/rng.h"

/* The reference of one image plane: explicit padded array, crop window, flip, then DARTS' cutout mask. */
static void reference_plane(const clnas_augment *a, const clnas_augment_draw *d, const double *in, double *out,
                            int h, int w, double pad)
{
    int p = a->crop_padding;
    int ph = h + 2 * p, pw = w + 2 * p;
    double *padded = malloc((size_t)ph * (size_t)pw * sizeof *padded);
    double *crop = malloc((size_t)h * (size_t)w * sizeof *crop);
    assert_non_null(padded);
    assert_non_null(crop);
    for (int i = 0; i < ph * pw; i++)
        padded[i] = pad;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            padded[(y + p) * pw + x + p] = in[y * w + x];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            crop[y * w + x] = padded[(y + d->dy) * pw + x + d->dx];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            out[y * w + x] = d->flip ? crop[y * w + (w - 1 - x)] : crop[y * w + x];
    if (a->cutout > 0) {
        int L = a->cutout;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int y1 = d->cy - L / 2 < 0 ? 0 : d->cy - L / 2, y2 = d->cy + L / 2 > h ? h : d->cy + L / 2;
                int x1 = d->cx - L / 2 < 0 ? 0 : d->cx - L / 2, x2 = d->cx + L / 2 > w ? w : d->cx + L / 2;
                if (y >= y1 && y < y2 && x >= x1 && x < x2)
                    out[y * w + x] = 0.0;
            }
    }
    free(padded);
    free(crop);
}

/* n images of c channels h x w, distinct non-zero values (so a misplaced pixel shows). */
static double *make_images(int n, int c, int h, int w, uint64_t seed)
{
    size_t count = (size_t)n * (size_t)c * (size_t)h * (size_t)w;
    double *v = malloc(count * sizeof *v);
    assert_non_null(v);
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (size_t i = 0; i < count; i++)
        v[i] = 1.0 + clnas_rng_uniform(&rng);
    return v;
}

/* Augments a batch in double and in float and compares with the reference, image by image, plane by plane. */
static void check_against_reference(const clnas_augment *a, int n, int c, int h, int w)
{
    double *img = make_images(n, c, h, w, (uint64_t)(n * 1000 + c * 100 + h * 10 + w));
    size_t plane = (size_t)h * (size_t)w, count = (size_t)n * (size_t)c * plane;
    double *got = malloc(count * sizeof *got), *want = malloc(count * sizeof *want);
    float *gotf = malloc(count * sizeof *gotf);
    assert_non_null(got);
    assert_non_null(want);
    assert_non_null(gotf);
    memcpy(got, img, count * sizeof *got);
    for (size_t i = 0; i < count; i++)
        gotf[i] = (float)img[i];
    const double pad[3] = {-0.81, -1.5, -2.25};
    clnas_error err;
    assert_int_equal(clnas_augment_batch(a, 7, 2, 5, got, sizeof(double), n, c, h, w, pad, &err), CLNAS_OK);
    assert_int_equal(clnas_augment_batch(a, 7, 2, 5, gotf, sizeof(float), n, c, h, w, pad, &err), CLNAS_OK);
    clnas_augment_draw *d = malloc((size_t)n * sizeof *d);
    assert_non_null(d);
    clnas_augment_draws(a, 7, 2, 5, n, h, w, d);
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++) {
            size_t at = ((size_t)i * (size_t)c + (size_t)ch) * plane;
            reference_plane(a, &d[i], img + at, want + at, h, w, pad[ch]);
        }
    for (size_t k = 0; k < count; k++) {
        assert_true(got[k] == want[k]);
        assert_true(gotf[k] == (float)want[k]);
    }
    free(img);
    free(got);
    free(want);
    free(gotf);
    free(d);
}

static void test_matches_reference_over_shapes(void **state)
{
    (void)state;
    const clnas_augment all = {4, 1, 16}, crop = {4, 0, 0}, flip = {0, 1, 0}, cut = {0, 0, 5}, big = {2, 1, 40};
    const int shapes[][3] = {{1, 28, 28}, {3, 32, 32}, {1, 7, 9}, {3, 5, 3}, {1, 1, 1}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int c = shapes[s][0], h = shapes[s][1], w = shapes[s][2];
        check_against_reference(&all, 6, c, h, w);
        check_against_reference(&crop, 4, c, h, w);
        check_against_reference(&flip, 4, c, h, w);
        check_against_reference(&cut, 4, c, h, w);
        check_against_reference(&big, 3, c, h, w); /* cutout larger than the image: clipped to it */
    }
}

/* Draws in range, both flips and the extreme offsets reached, the same for the same (seed, epoch, batch) only. */
static void test_draws_ranges_and_determinism(void **state)
{
    (void)state;
    const clnas_augment a = {4, 1, 16};
    enum { N = 2000 };
    static clnas_augment_draw d[N], e[N];
    clnas_augment_draws(&a, 3, 1, 2, N, 13, 11, d);
    clnas_augment_draws(&a, 3, 1, 2, N, 13, 11, e);
    assert_memory_equal(d, e, sizeof d);
    int flips = 0, lo = 0, hi = 0, cy_hi = 0, cx_hi = 0;
    for (int i = 0; i < N; i++) {
        assert_in_range(d[i].dy, 0, 8);
        assert_in_range(d[i].dx, 0, 8);
        assert_in_range(d[i].flip, 0, 1);
        assert_in_range(d[i].cy, 0, 12);
        assert_in_range(d[i].cx, 0, 10);
        flips += d[i].flip;
        lo += d[i].dy == 0;
        hi += d[i].dx == 8;
        cy_hi += d[i].cy == 12;
        cx_hi += d[i].cx == 10;
    }
    assert_true(flips > N / 3 && flips < 2 * N / 3);
    assert_true(lo > 0 && hi > 0 && cy_hi > 0 && cx_hi > 0);
    const uint64_t seeds[3][3] = {{4, 1, 2}, {3, 2, 2}, {3, 1, 3}}; /* seed, epoch, batch: each one changed */
    for (int k = 0; k < 3; k++) {
        clnas_augment_draws(&a, seeds[k][0], (int)seeds[k][1], (int)seeds[k][2], N, 13, 11, e);
        assert_true(memcmp(d, e, sizeof d) != 0);
    }
    /* off: the crop centred (no shift), no flip, no cutout */
    const clnas_augment off = {0, 0, 0};
    clnas_augment_draws(&off, 3, 1, 2, 4, 13, 11, e);
    for (int i = 0; i < 4; i++)
        assert_true(e[i].dy == 0 && e[i].dx == 0 && e[i].flip == 0 && e[i].cy == -1 && e[i].cx == -1);
}

/* Padding shows the pad value exactly where the shifted window leaves the image; flip alone mirrors; off copies. */
static void test_padding_flip_cutout_by_hand(void **state)
{
    (void)state;
    double img[12]; /* 1 x 3 x 4 */
    for (int i = 0; i < 12; i++)
        img[i] = i + 1;
    const clnas_augment crop = {2, 0, 0};
    clnas_augment_draw d = {0, 4, 0, -1, -1}; /* window shifted up 2 and right 2 */
    double out[12];
    memcpy(out, img, sizeof img);
    const double pad = -9;
    clnas_error err;
    assert_int_equal(clnas_augment_apply(&crop, &d, out, sizeof(double), 1, 1, 3, 4, &pad, &err), CLNAS_OK);
    const double want_crop[12] = {-9, -9, -9, -9, -9, -9, -9, -9, 3, 4, -9, -9};
    assert_memory_equal(out, want_crop, sizeof out);
    const clnas_augment flip = {0, 1, 0};
    clnas_augment_draw f = {0, 0, 1, -1, -1};
    memcpy(out, img, sizeof img);
    assert_int_equal(clnas_augment_apply(&flip, &f, out, sizeof(double), 1, 1, 3, 4, &pad, &err), CLNAS_OK);
    const double want_flip[12] = {4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9};
    assert_memory_equal(out, want_flip, sizeof out);
    const clnas_augment cut = {0, 0, 3}; /* length 3: rows, columns c-1 .. c (DARTS: c +- 3 // 2, end excluded) */
    clnas_augment_draw c = {0, 0, 0, 0, 3};
    memcpy(out, img, sizeof img);
    assert_int_equal(clnas_augment_apply(&cut, &c, out, sizeof(double), 1, 1, 3, 4, &pad, &err), CLNAS_OK);
    const double want_cut[12] = {1, 2, 0, 0, 5, 6, 7, 8, 9, 10, 11, 12};
    assert_memory_equal(out, want_cut, sizeof out);
    const clnas_augment off = {0, 0, 0};
    memcpy(out, img, sizeof img);
    assert_int_equal(clnas_augment_batch(&off, 1, 0, 0, out, sizeof(double), 1, 1, 3, 4, &pad, &err), CLNAS_OK);
    assert_memory_equal(out, img, sizeof out);
    const clnas_augment bad = {-1, 0, 0};
    assert_int_equal(clnas_augment_apply(&bad, &d, out, sizeof(double), 1, 1, 3, 4, &pad, &err), CLNAS_ERR_INVALID_ARG);
}

/* The batch stream: off gives the batcher's batches; on gives them augmented with (seed, epoch, batch index). */
static void test_batch_stream_augments_when_asked(void **state)
{
    (void)state;
    enum { COUNT = 10, H = 6, W = 5, C = 3, B = 4 };
    clnas_dataset ds = {COUNT, C, H, W, 10, malloc(COUNT * C * H * W), malloc(COUNT)};
    assert_non_null(ds.pixels);
    assert_non_null(ds.labels);
    for (int i = 0; i < COUNT * C * H * W; i++)
        ds.pixels[i] = (uint8_t)(i * 37 % 251);
    for (int i = 0; i < COUNT; i++)
        ds.labels[i] = (uint8_t)(i % 10);
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.in_channels = C;
    cfg.height = H;
    cfg.width = W;
    cfg.batch = B;
    const double mean[C] = {0.5, 0.4, 0.3}, std[C] = {0.25, 0.2, 0.5};
    clnas_batch_stream plain, aug;
    clnas_error err;
    assert_int_equal(clnas_batch_stream_init(&plain, &cfg, &ds, "training", 1, 11, mean, std, &err), CLNAS_OK);
    assert_int_equal(clnas_batch_stream_init(&aug, &cfg, &ds, "training", 1, 11, mean, std, &err), CLNAS_OK);
    const clnas_augment a = {1, 1, 3};
    clnas_batch_stream_set_augment(&aug, &a, 99);
    const double pad[C] = {-0.5 / 0.25, -0.4 / 0.2, -0.3 / 0.5};
    size_t n = (size_t)B * C * H * W;
    float *want = malloc(n * sizeof *want);
    assert_non_null(want);
    int changed = 0;
    for (int step = 0; step < 5; step++) { /* 2 batches per epoch (the tail of 2 skipped): epochs 0, 1, 2 */
        int e1 = 0, e2 = 0;
        assert_int_equal(clnas_batch_stream_next(&plain, &e1, &err), CLNAS_OK);
        assert_int_equal(clnas_batch_stream_next(&aug, &e2, &err), CLNAS_OK);
        assert_int_equal(e1, e2);
        assert_memory_equal(plain.labels, aug.labels, B * sizeof *plain.labels);
        memcpy(want, plain.images, n * sizeof *want);
        assert_int_equal(clnas_augment_batch(&a, 99, step / 2, step % 2, want, sizeof(float), B, C, H, W, pad, &err),
                         CLNAS_OK);
        assert_memory_equal(want, aug.images, n * sizeof *want);
        changed += memcmp(plain.images, aug.images, n * sizeof *want) != 0;
    }
    assert_true(changed > 0);
    clnas_batch_stream_set_augment(&aug, NULL, 0); /* off again: the plain batches */
    assert_int_equal(clnas_batch_stream_next(&plain, NULL, &err), CLNAS_OK);
    assert_int_equal(clnas_batch_stream_next(&aug, NULL, &err), CLNAS_OK);
    assert_memory_equal(plain.images, aug.images, n * sizeof *want);
    free(want);
    clnas_batch_stream_free(&plain);
    clnas_batch_stream_free(&aug);
    clnas_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_reference_over_shapes),
        cmocka_unit_test(test_draws_ranges_and_determinism),
        cmocka_unit_test(test_padding_flip_cutout_by_hand),
        cmocka_unit_test(test_batch_stream_augments_when_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
