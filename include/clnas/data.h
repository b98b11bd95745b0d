/* clnas — datasets: IDX (MNIST, Fashion-MNIST) and CIFAR-10 loaders, splits, statistics and batching. */
#ifndef CLNAS_DATA_H
#define CLNAS_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A labelled image set held in host memory. An empty dataset has count 0 and NULL arrays. */
typedef struct clnas_dataset {
    int count, channels, height, width, classes;
    uint8_t *pixels; /* count * channels * height * width, NCHW per image, raw 0..255 */
    uint8_t *labels; /* count, each < classes */
} clnas_dataset;

/* IDX (MNIST / Fashion-MNIST), gzipped or plain (zlib's gzopen reads both). Checks the magic numbers
 * (0x00000803 images, 0x00000801 labels), the dimensions, that image and label counts agree, that each file
 * holds exactly the bytes its header announces, and that every label is < 10. */
clnas_status clnas_idx_load(const char *images_path, const char *labels_path, clnas_dataset *out, clnas_error *err);

/* CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32x32); each file's
 * size must be a positive multiple of 3073. The images of all files are concatenated in order. */
clnas_status clnas_cifar10_load(const char *const *paths, int npaths, clnas_dataset *out, clnas_error *err);

typedef enum clnas_split { CLNAS_SPLIT_TRAIN = 0, CLNAS_SPLIT_TEST = 1 } clnas_split;

#define CLNAS_DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"

/* Loads one split of a data directory in either layout:
 *   IDX:      train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz],
 *             t10k-labels-idx1-ubyte[.gz]
 *   CIFAR-10: data_batch_1.bin .. data_batch_5.bin, test_batch.bin, in dir or in dir/cifar-10-batches-bin/
 * An error names the directory and the files looked for when neither layout is found. */
clnas_status clnas_dataset_load_dir(const char *dir, clnas_split which, clnas_dataset *out, clnas_error *err);

/* Frees the arrays and zeroes *ds (safe on a zeroed or already freed dataset). */
void clnas_dataset_free(clnas_dataset *ds);

/* Holds out val_count images (a seeded, deterministic random choice) into val, kept in source order; the rest go
 * to train in source order. val_count 0 gives an empty val. Error if val_count < 0 or >= src->count. */
clnas_status clnas_dataset_split(const clnas_dataset *src, int val_count, uint64_t seed, clnas_dataset *train,
                                 clnas_dataset *val, clnas_error *err);

/* Copies the first count images (1 <= count <= src->count) into out. */
clnas_status clnas_dataset_head(const clnas_dataset *src, int count, clnas_dataset *out, clnas_error *err);

/* Per-channel mean and (population) standard deviation of pixels/255; mean and std hold ds->channels values. */
clnas_status clnas_dataset_channel_stats(const clnas_dataset *ds, double *mean, double *std, clnas_error *err);

#define CLNAS_BATCHER_MAX_CHANNELS 4

/* Walks a dataset in batches, epoch after epoch. With shuffle, each epoch's order is a Fisher-Yates shuffle
 * that depends only on (seed, epoch index); without, the order is the dataset's. */
typedef struct clnas_batcher {
    const clnas_dataset *ds;
    int batch;
    int shuffle;
    uint64_t seed;
    int *order; /* ds->count indices: this epoch's order */
    int epoch;  /* index of the epoch being walked, from 0 */
    int pos;    /* next position in order */
    double mean[CLNAS_BATCHER_MAX_CHANNELS], std[CLNAS_BATCHER_MAX_CHANNELS];
} clnas_batcher;

/* mean and std hold ds->channels values (channels <= 4); NULL mean means 0, NULL std means 1. The dataset must
 * outlive the batcher. */
clnas_status clnas_batcher_init(clnas_batcher *b, const clnas_dataset *ds, int batch, int shuffle, uint64_t seed,
                                const double *mean, const double *std, clnas_error *err);

/* Fills up to `batch` images from the current position, normalised as (x/255 - mean[c]) / std[c], NCHW, and
 * their labels; *got is how many (the last batch of an epoch may be short, so evaluation sees every image).
 * At the end of an epoch it returns *got = 0, and the next call starts the next epoch (reshuffled).
 * elem_size 4 writes float, 8 writes double. images holds batch * channels * height * width elements. */
clnas_status clnas_batcher_next(clnas_batcher *b, void *images, size_t elem_size, int32_t *labels, int *got,
                                clnas_error *err);

/* The epoch order for (seed, epoch) without a batcher: order[i] for i < count (what clnas_batcher uses). */
clnas_status clnas_epoch_order(int count, int shuffle, uint64_t seed, int epoch, int *order, clnas_error *err);

void clnas_batcher_free(clnas_batcher *b);

/* ---- training-time augmentation (DARTS' CIFAR recipe), on normalised batches ----
 * Per image, in torchvision's order: a random crop of the image's own size from the image padded with `crop_padding`
 * black pixels on each side (RandomCrop(size, padding)), a horizontal flip with probability 1/2
 * (RandomHorizontalFlip), then DARTS' Cutout(length): one square whose centre is uniform over the image, rows
 * [cy - length/2, cy + length/2) and the same for columns (integer division), clipped at the borders, set to 0
 * after normalisation. The draws depend only on (seed, epoch, batch index), so a run is reproducible. */
typedef struct clnas_augment {
    int crop_padding; /* > 0: random crop with this padding (DARTS: 4); 0: off */
    int flip;         /* 1: random horizontal flip; 0: off */
    int cutout;       /* > 0: cutout length (DARTS: 16); 0: off */
} clnas_augment;

/* One image's draws: crop offset dy, dx in [0, 2 * crop_padding] (crop_padding when the crop is off: no shift),
 * flip 0 or 1, cutout centre cy, cx (-1 when cutout is off). */
typedef struct clnas_augment_draw {
    int dy, dx, flip, cy, cx;
} clnas_augment_draw;

/* 1 when any of the three is on. */
int clnas_augment_active(const clnas_augment *a);

/* The draws of the n images of batch `batch_index` of epoch `epoch`, in image order; per image crop (dy then dx),
 * flip, cutout (cy then cx), each only when on. */
void clnas_augment_draws(const clnas_augment *a, uint64_t seed, int epoch, int batch_index, int n, int height,
                         int width, clnas_augment_draw *out);

/* Applies a's transforms with the given draws to n normalised images in place (elem_size 4: float, 8: double; NCHW);
 * pad[c] is the normalised value of a black pixel of channel c (-mean[c] / std[c]), what the crop's padding shows. */
clnas_status clnas_augment_apply(const clnas_augment *a, const clnas_augment_draw *draws, void *images,
                                 size_t elem_size, int n, int channels, int height, int width, const double *pad,
                                 clnas_error *err);

/* clnas_augment_draws then clnas_augment_apply. */
clnas_status clnas_augment_batch(const clnas_augment *a, uint64_t seed, int epoch, int batch_index, void *images,
                                 size_t elem_size, int n, int channels, int height, int width, const double *pad,
                                 clnas_error *err);

#ifdef __cplusplus
}
#endif
#endif
