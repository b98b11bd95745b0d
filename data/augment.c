/* clnas — training-time augmentation of normalised batches: DARTS' random crop with padding, horizontal flip and
 * cutout, drawn from (seed, epoch, batch index). */
#include "clnas/data.h"
#include "clnas/rng.h"

#include <stdlib.h>
#include <string.h>

int clnas_augment_active(const clnas_augment *a)
{
    return a && (a->crop_padding > 0 || a->flip || a->cutout > 0);
}

/* One stream per batch: the seed, epoch and batch index mixed so neighbouring batches share nothing. */
static void batch_rng(uint64_t seed, int epoch, int batch_index, clnas_rng *rng)
{
    uint64_t s = seed ^ 0x6175676d656e7421ull; /* "augment!": apart from the shuffling stream of the same seed */
    s = s * 0x9e3779b97f4a7c15ull + (uint64_t)(uint32_t)epoch;
    s = s * 0xbf58476d1ce4e5b9ull + (uint64_t)(uint32_t)batch_index;
    clnas_rng_seed(rng, s);
}

void clnas_augment_draws(const clnas_augment *a, uint64_t seed, int epoch, int batch_index, int n, int height,
                         int width, clnas_augment_draw *out)
{
    clnas_rng rng;
    batch_rng(seed, epoch, batch_index, &rng);
    const int p = a->crop_padding > 0 ? a->crop_padding : 0;
    for (int i = 0; i < n; i++) {
        clnas_augment_draw d = {p, p, 0, -1, -1};
        if (p > 0) {
            d.dy = (int)clnas_rng_below(&rng, (uint32_t)(2 * p + 1));
            d.dx = (int)clnas_rng_below(&rng, (uint32_t)(2 * p + 1));
        }
        if (a->flip)
            d.flip = (int)clnas_rng_below(&rng, 2);
        if (a->cutout > 0) {
            d.cy = (int)clnas_rng_below(&rng, (uint32_t)height);
            d.cx = (int)clnas_rng_below(&rng, (uint32_t)width);
        }
        out[i] = d;
    }
}

static int clip(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* One plane: crop and flip into tmp from src (read as double), then cutout; written back. */
static void plane_apply(const clnas_augment *a, const clnas_augment_draw *d, double *plane, double *tmp, int h, int w,
                        double pad)
{
    const int p = a->crop_padding > 0 ? a->crop_padding : 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int xo = d->flip ? w - 1 - x : x;          /* the flip mirrors the cropped image */
            int sy = y + d->dy - p, sx = xo + d->dx - p; /* the crop's pixel in the unpadded image */
            tmp[(size_t)y * (size_t)w + (size_t)x] =
                sy >= 0 && sy < h && sx >= 0 && sx < w ? plane[(size_t)sy * (size_t)w + (size_t)sx] : pad;
        }
    if (a->cutout > 0 && d->cy >= 0) {
        int half = a->cutout / 2; /* DARTS: np.clip(y - length // 2, 0, h) .. np.clip(y + length // 2, 0, h) */
        int y1 = clip(d->cy - half, 0, h), y2 = clip(d->cy + half, 0, h);
        int x1 = clip(d->cx - half, 0, w), x2 = clip(d->cx + half, 0, w);
        for (int y = y1; y < y2; y++)
            for (int x = x1; x < x2; x++)
                tmp[(size_t)y * (size_t)w + (size_t)x] = 0.0;
    }
    memcpy(plane, tmp, (size_t)h * (size_t)w * sizeof *plane);
}

clnas_status clnas_augment_apply(const clnas_augment *a, const clnas_augment_draw *draws, void *images,
                                 size_t elem_size, int n, int channels, int height, int width, const double *pad,
                                 clnas_error *err)
{
    if (!a || !draws || !images || !pad || n < 0 || channels < 1 || height < 1 || width < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_augment_apply: NULL argument or empty image");
    if (elem_size != sizeof(float) && elem_size != sizeof(double))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "augment: element size %zu, expected 4 or 8", elem_size);
    if (a->crop_padding < 0 || a->cutout < 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "augment: crop padding %d and cutout %d must be >= 0",
                               a->crop_padding, a->cutout);
    if (!clnas_augment_active(a))
        return CLNAS_OK;
    const size_t plane = (size_t)height * (size_t)width;
    double *buf = malloc(2 * plane * sizeof *buf);
    if (!buf)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "augment: out of memory for a %dx%d image", height, width);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < channels; c++) {
            size_t at = ((size_t)i * (size_t)channels + (size_t)c) * plane;
            for (size_t k = 0; k < plane; k++)
                buf[k] = elem_size == sizeof(float) ? (double)((float *)images)[at + k] : ((double *)images)[at + k];
            plane_apply(a, &draws[i], buf, buf + plane, height, width, pad[c]);
            for (size_t k = 0; k < plane; k++) {
                if (elem_size == sizeof(float))
                    ((float *)images)[at + k] = (float)buf[k];
                else
                    ((double *)images)[at + k] = buf[k];
            }
        }
    free(buf);
    return CLNAS_OK;
}

clnas_status clnas_augment_batch(const clnas_augment *a, uint64_t seed, int epoch, int batch_index, void *images,
                                 size_t elem_size, int n, int channels, int height, int width, const double *pad,
                                 clnas_error *err)
{
    if (!clnas_augment_active(a) || n <= 0)
        return CLNAS_OK;
    clnas_augment_draw *draws = malloc((size_t)n * sizeof *draws);
    if (!draws)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "augment: out of memory for %d draws", n);
    clnas_augment_draws(a, seed, epoch, batch_index, n, height, width, draws);
    clnas_status st = clnas_augment_apply(a, draws, images, elem_size, n, channels, height, width, pad, err);
    free(draws);
    return st;
}
