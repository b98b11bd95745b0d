/* clnas — datasets in memory: loading a data directory, splits, channel statistics and batching. */
#include "clnas/data.h"
#include "clnas/rng.h"
#include "data_norm.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- random order ---- */

static uint64_t order_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A generator that depends only on (seed, purpose, index): epochs and splits never share a stream. */
static clnas_rng order_rng_for(uint64_t seed, uint64_t purpose, uint64_t index)
{
    clnas_rng r;
    clnas_rng_seed(&r, seed ^ order_mix(purpose * 0x9E3779B97F4A7C15ull ^ order_mix(index + 0x6A09E667F3BCC909ull)));
    return r;
}

enum { ORDER_PURPOSE_EPOCH = 1, ORDER_PURPOSE_SPLIT = 2 };

/* ---- allocation and copies ---- */

void clnas_dataset_free(clnas_dataset *ds)
{
    if (!ds)
        return;
    free(ds->pixels);
    free(ds->labels);
    memset(ds, 0, sizeof *ds);
}

static size_t image_bytes(const clnas_dataset *ds)
{
    return (size_t)ds->channels * (size_t)ds->height * (size_t)ds->width;
}

static clnas_status dataset_check(const clnas_dataset *ds, const char *what, clnas_error *err)
{
    if (!ds)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: dataset is NULL", what);
    if (ds->count < 0 || ds->channels <= 0 || ds->height <= 0 || ds->width <= 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: dataset has count %d and images %dx%dx%d", what,
                               ds->count, ds->channels, ds->height, ds->width);
    if (ds->count > 0 && (!ds->pixels || !ds->labels))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: dataset of %d images has no pixel or label array",
                               what, ds->count);
    return CLNAS_OK;
}

/* out gets src's shape and room for count images (count 0: no arrays). */
static clnas_status dataset_alloc_like(const clnas_dataset *src, int count, clnas_dataset *out, clnas_error *err)
{
    memset(out, 0, sizeof *out);
    out->channels = src->channels;
    out->height = src->height;
    out->width = src->width;
    out->classes = src->classes;
    if (count == 0)
        return CLNAS_OK;
    out->pixels = malloc((size_t)count * image_bytes(src));
    out->labels = malloc((size_t)count);
    if (!out->pixels || !out->labels) {
        clnas_dataset_free(out);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "cannot allocate a dataset of %d images", count);
    }
    out->count = count;
    return CLNAS_OK;
}

static void dataset_copy_image(clnas_dataset *dst, int di, const clnas_dataset *src, int si)
{
    size_t n = image_bytes(src);
    memcpy(dst->pixels + (size_t)di * n, src->pixels + (size_t)si * n, n);
    dst->labels[di] = src->labels[si];
}

clnas_status clnas_dataset_head(const clnas_dataset *src, int count, clnas_dataset *out, clnas_error *err)
{
    clnas_status st = dataset_check(src, "clnas_dataset_head", err);
    if (st != CLNAS_OK)
        return st;
    if (!out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_dataset_head: out is NULL");
    if (count <= 0 || count > src->count)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "dataset head: asked for %d images, expected 1 .. %d",
                               count, src->count);
    st = dataset_alloc_like(src, count, out, err);
    if (st != CLNAS_OK)
        return st;
    memcpy(out->pixels, src->pixels, (size_t)count * image_bytes(src));
    memcpy(out->labels, src->labels, (size_t)count);
    return CLNAS_OK;
}

clnas_status clnas_dataset_split(const clnas_dataset *src, int val_count, uint64_t seed, clnas_dataset *train,
                                 clnas_dataset *val, clnas_error *err)
{
    clnas_status st = dataset_check(src, "clnas_dataset_split", err);
    if (st != CLNAS_OK)
        return st;
    if (!train || !val || train == val)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_dataset_split: train and val must be two datasets");
    if (val_count < 0 || val_count >= src->count)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "dataset split: %d validation images out of %d, expected 0 .. %d", val_count,
                               src->count, src->count - 1);
    int n = src->count;
    int *index = malloc((size_t)n * sizeof *index);
    unsigned char *held_out = calloc((size_t)n, 1);
    if (!index || !held_out) {
        free(index);
        free(held_out);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "dataset split: cannot allocate %d indices", n);
    }
    /* The first val_count steps of a Fisher-Yates shuffle draw a uniform random subset. */
    for (int i = 0; i < n; i++)
        index[i] = i;
    clnas_rng r = order_rng_for(seed, ORDER_PURPOSE_SPLIT, 0);
    for (int i = 0; i < val_count; i++) {
        int j = i + (int)clnas_rng_below(&r, (uint32_t)(n - i));
        int t = index[i];
        index[i] = index[j];
        index[j] = t;
        held_out[index[i]] = 1;
    }
    free(index);
    st = dataset_alloc_like(src, n - val_count, train, err);
    if (st == CLNAS_OK)
        st = dataset_alloc_like(src, val_count, val, err);
    if (st != CLNAS_OK) {
        clnas_dataset_free(train);
        free(held_out);
        return st;
    }
    int ti = 0, vi = 0;
    for (int i = 0; i < n; i++) {
        if (held_out[i])
            dataset_copy_image(val, vi++, src, i);
        else
            dataset_copy_image(train, ti++, src, i);
    }
    free(held_out);
    return CLNAS_OK;
}

clnas_status clnas_dataset_channel_stats(const clnas_dataset *ds, double *mean, double *std, clnas_error *err)
{
    clnas_status st = dataset_check(ds, "clnas_dataset_channel_stats", err);
    if (st != CLNAS_OK)
        return st;
    if (!mean || !std)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_dataset_channel_stats: mean or std is NULL");
    if (ds->count == 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "channel statistics of an empty dataset");
    size_t plane = (size_t)ds->height * (size_t)ds->width;
    for (int c = 0; c < ds->channels; c++) {
        /* Integer sums are exact: 255^2 * 2^32 pixels still fits in 64 bits. */
        uint64_t sum = 0, sum_sq = 0;
        for (int i = 0; i < ds->count; i++) {
            const uint8_t *p = ds->pixels + ((size_t)i * ds->channels + (size_t)c) * plane;
            for (size_t k = 0; k < plane; k++) {
                sum += p[k];
                sum_sq += (uint64_t)p[k] * p[k];
            }
        }
        double n = (double)ds->count * (double)plane;
        double m = (double)sum / n;
        double var = (double)sum_sq / n - m * m;
        mean[c] = m / 255.0;
        std[c] = sqrt(var > 0 ? var : 0) / 255.0;
    }
    return CLNAS_OK;
}

/* ---- loading a data directory ---- */

static int is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int join_path(char *buf, size_t size, const char *dir, const char *sub, const char *name)
{
    int n = sub ? snprintf(buf, size, "%s/%s/%s", dir, sub, name) : snprintf(buf, size, "%s/%s", dir, name);
    return n >= 0 && (size_t)n < size;
}

/* The first of name and name.gz present in dir, or an empty string. */
static void find_idx_file(char *buf, size_t size, const char *dir, const char *name)
{
    char gz[512];
    snprintf(gz, sizeof gz, "%s.gz", name);
    if (join_path(buf, size, dir, NULL, name) && is_file(buf))
        return;
    if (join_path(buf, size, dir, NULL, gz) && is_file(buf))
        return;
    buf[0] = '\0';
}

#define CIFAR_TRAIN_BATCHES 5
#define DATA_PATH_MAX 4096

static const char *const cifar_subdirs[] = {NULL, "cifar-10-batches-bin"};

/* Loads the CIFAR-10 split from dir or its cifar-10-batches-bin/; *found = 0 when neither holds every file. */
static clnas_status load_cifar_dir(const char *dir, clnas_split which, int *found, clnas_dataset *out,
                                   clnas_error *err)
{
    *found = 0;
    char storage[CIFAR_TRAIN_BATCHES][DATA_PATH_MAX];
    const char *paths[CIFAR_TRAIN_BATCHES];
    int npaths = which == CLNAS_SPLIT_TRAIN ? CIFAR_TRAIN_BATCHES : 1;
    for (size_t s = 0; s < sizeof cifar_subdirs / sizeof cifar_subdirs[0]; s++) {
        int all = 1;
        for (int i = 0; i < npaths && all; i++) {
            char name[64];
            if (which == CLNAS_SPLIT_TRAIN)
                snprintf(name, sizeof name, "data_batch_%d.bin", i + 1);
            else
                snprintf(name, sizeof name, "test_batch.bin");
            all = join_path(storage[i], DATA_PATH_MAX, dir, cifar_subdirs[s], name) && is_file(storage[i]);
            paths[i] = storage[i];
        }
        if (all) {
            *found = 1;
            return clnas_cifar10_load(paths, npaths, out, err);
        }
    }
    return CLNAS_OK;
}

void clnas_dataset_dir_files(const char *dir, clnas_split which, char paths[CLNAS_DATA_FILES_MAX][CLNAS_DATA_PATH_MAX],
                             int *count)
{
    *count = 0;
    const char *prefix = which == CLNAS_SPLIT_TRAIN ? "train" : "t10k";
    char name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    find_idx_file(paths[0], CLNAS_DATA_PATH_MAX, dir, name);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    find_idx_file(paths[1], CLNAS_DATA_PATH_MAX, dir, name);
    if (paths[0][0] && paths[1][0]) {
        *count = 2;
        return;
    }
    int npaths = which == CLNAS_SPLIT_TRAIN ? CIFAR_TRAIN_BATCHES : 1;
    for (size_t s = 0; s < sizeof cifar_subdirs / sizeof cifar_subdirs[0]; s++) {
        int all = 1;
        for (int i = 0; i < npaths && all; i++) {
            if (which == CLNAS_SPLIT_TRAIN)
                snprintf(name, sizeof name, "data_batch_%d.bin", i + 1);
            else
                snprintf(name, sizeof name, "test_batch.bin");
            all = join_path(paths[i], CLNAS_DATA_PATH_MAX, dir, cifar_subdirs[s], name) && is_file(paths[i]);
        }
        if (all) {
            *count = npaths;
            return;
        }
    }
}

clnas_status clnas_dataset_load_dir(const char *dir, clnas_split which, clnas_dataset *out, clnas_error *err)
{
    if (!dir || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_dataset_load_dir: NULL argument");
    if (which != CLNAS_SPLIT_TRAIN && which != CLNAS_SPLIT_TEST)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_dataset_load_dir: split %d is neither train nor test",
                               (int)which);
    memset(out, 0, sizeof *out);
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "data directory %s: %s", dir, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "data directory %s: not a directory", dir);

    const char *prefix = which == CLNAS_SPLIT_TRAIN ? "train" : "t10k";
    char images_name[64], labels_name[64], images[DATA_PATH_MAX], labels[DATA_PATH_MAX];
    snprintf(images_name, sizeof images_name, "%s-images-idx3-ubyte", prefix);
    snprintf(labels_name, sizeof labels_name, "%s-labels-idx1-ubyte", prefix);
    find_idx_file(images, sizeof images, dir, images_name);
    find_idx_file(labels, sizeof labels, dir, labels_name);
    if (images[0] && labels[0])
        return clnas_idx_load(images, labels, out, err);

    int found;
    clnas_status st = load_cifar_dir(dir, which, &found, out, err);
    if (found || st != CLNAS_OK)
        return st;

    const char *cifar_files = which == CLNAS_SPLIT_TRAIN ? "data_batch_1.bin .. data_batch_5.bin" : "test_batch.bin";
    char partial[DATA_PATH_MAX + 64] = "";
    if (images[0] || labels[0])
        snprintf(partial, sizeof partial, " (found %s but not its %s file)", images[0] ? images : labels,
                 images[0] ? "labels" : "images");
    return clnas_error_set(err, CLNAS_ERR_NOT_FOUND,
                           "data directory %s holds no %s split%s: looked for IDX files %s[.gz] and %s[.gz], "
                           "or CIFAR-10 files %s in %s or %s/cifar-10-batches-bin",
                           dir, which == CLNAS_SPLIT_TRAIN ? "train" : "test", partial, images_name, labels_name,
                           cifar_files, dir, dir);
}

/* ---- batching ---- */

clnas_status clnas_epoch_order(int count, int shuffle, uint64_t seed, int epoch, int *order, clnas_error *err)
{
    if (count < 0 || (count > 0 && !order) || epoch < 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_epoch_order: count %d, epoch %d", count, epoch);
    for (int i = 0; i < count; i++)
        order[i] = i;
    if (!shuffle)
        return CLNAS_OK;
    clnas_rng r = order_rng_for(seed, ORDER_PURPOSE_EPOCH, (uint64_t)epoch);
    for (int i = count - 1; i > 0; i--) {
        int j = (int)clnas_rng_below(&r, (uint32_t)i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    return CLNAS_OK;
}

clnas_status clnas_batcher_init(clnas_batcher *b, const clnas_dataset *ds, int batch, int shuffle, uint64_t seed,
                                const double *mean, const double *std, clnas_error *err)
{
    if (!b)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_batcher_init: batcher is NULL");
    memset(b, 0, sizeof *b);
    clnas_status st = dataset_check(ds, "clnas_batcher_init", err);
    if (st != CLNAS_OK)
        return st;
    if (ds->count == 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batcher: the dataset is empty");
    if (batch <= 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batcher: batch size %d, expected >= 1", batch);
    if (ds->channels > CLNAS_BATCHER_MAX_CHANNELS)
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "batcher: %d channels, at most %d are supported",
                               ds->channels, CLNAS_BATCHER_MAX_CHANNELS);
    for (int c = 0; c < ds->channels; c++) {
        b->mean[c] = mean ? mean[c] : 0.0;
        b->std[c] = std ? std[c] : 1.0;
        if (!isfinite(b->mean[c]) || !isfinite(b->std[c]) || !(b->std[c] > 0))
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                   "batcher: channel %d has mean %g and std %g, expected finite values and std > 0", c,
                                   b->mean[c], b->std[c]);
    }
    b->order = malloc((size_t)ds->count * sizeof *b->order);
    if (!b->order)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "batcher: cannot allocate the order of %d images",
                               ds->count);
    b->ds = ds;
    b->batch = batch;
    b->shuffle = shuffle;
    b->seed = seed;
    b->epoch = 0;
    b->pos = 0;
    return clnas_epoch_order(ds->count, shuffle, seed, 0, b->order, err);
}

clnas_status clnas_batcher_next(clnas_batcher *b, void *images, size_t elem_size, int32_t *labels, int *got,
                                clnas_error *err)
{
    if (!b || !b->ds || !b->order || !images || !got)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "clnas_batcher_next: NULL argument or batcher not initialised");
    if (elem_size != sizeof(float) && elem_size != sizeof(double))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "batcher: element size %zu, expected 4 (float) or 8 (double)", elem_size);
    *got = 0;
    const clnas_dataset *ds = b->ds;
    if (b->pos >= ds->count) {
        b->epoch++;
        b->pos = 0;
        return clnas_epoch_order(ds->count, b->shuffle, b->seed, b->epoch, b->order, err);
    }
    /* One table per channel maps a byte to its normalised value, so float and double agree to rounding. */
    double table[CLNAS_BATCHER_MAX_CHANNELS][256];
    for (int c = 0; c < ds->channels; c++)
        for (int v = 0; v < 256; v++)
            table[c][v] = ((double)v / 255.0 - b->mean[c]) / b->std[c];
    int n = ds->count - b->pos < b->batch ? ds->count - b->pos : b->batch;
    size_t plane = (size_t)ds->height * (size_t)ds->width;
    size_t per_image = (size_t)ds->channels * plane;
    for (int i = 0; i < n; i++) {
        int src = b->order[b->pos + i];
        const uint8_t *p = ds->pixels + (size_t)src * per_image;
        for (int c = 0; c < ds->channels; c++) {
            const double *t = table[c];
            const uint8_t *pc = p + (size_t)c * plane;
            size_t at = (size_t)i * per_image + (size_t)c * plane;
            if (elem_size == sizeof(float)) {
                float *dst = (float *)images + at;
                for (size_t k = 0; k < plane; k++)
                    dst[k] = (float)t[pc[k]];
            } else {
                double *dst = (double *)images + at;
                for (size_t k = 0; k < plane; k++)
                    dst[k] = t[pc[k]];
            }
        }
        if (labels)
            labels[i] = ds->labels[src];
    }
    b->pos += n;
    *got = n;
    return CLNAS_OK;
}

void clnas_batcher_free(clnas_batcher *b)
{
    if (!b)
        return;
    free(b->order);
    memset(b, 0, sizeof *b);
}
