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

#ifdef __cplusplus
}
#endif
#endif
