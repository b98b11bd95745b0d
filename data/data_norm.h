/* clnas — the files a data directory's split is read from, and the input normalisation of its training split
 * (per-channel statistics, cached by the files' identity). */
#ifndef CLNAS_DATA_NORM_H
#define CLNAS_DATA_NORM_H

#include "clnas/data.h"

#define CLNAS_DATA_FILES_MAX 5
#define CLNAS_DATA_PATH_MAX 4096

/* The files clnas_dataset_load_dir reads for the split (IDX images and labels, or CIFAR-10 batches), in its order of
 * preference; *count 0 when the directory holds neither layout. */
void clnas_dataset_dir_files(const char *dir, clnas_split which, char paths[CLNAS_DATA_FILES_MAX][CLNAS_DATA_PATH_MAX],
                             int *count);

/* Where a normalisation came from. */
typedef enum clnas_norm_source {
    CLNAS_NORM_COMPUTED,  /* the training split's per-channel mean and std, computed now */
    CLNAS_NORM_CACHED,    /* the same, computed earlier for the same files and read from the cache */
    CLNAS_NORM_PUBLISHED  /* the training files are Fashion-MNIST's: its published 0.2860 and 0.3530 */
} clnas_norm_source;

/* "computed", "cached", "published Fashion-MNIST". */
const char *clnas_norm_source_name(clnas_norm_source source);

/* The FNV-1a 64 hash of Fashion-MNIST's training split as decoded (pixels, then labels): files holding it, gzipped
 * or not, get the published figures, so results on the default data stay what they were. */
#define CLNAS_FASHION_MNIST_TRAIN_HASH UINT64_C(0x47041d1f3a1991fe)

/* The input normalisation of dir's training split: mean and std (of pixels / 255, population std) per channel,
 * *channels of them. train: that split when the caller has it in memory (all of it: before any hold-out), else
 * NULL and it is loaded when needed. cache_dir (NULL: no cache): the result is kept in
 * <cache_dir>/data-stats/<key>.json, key the FNV-1a hash of each training file's path, device, inode, size and
 * modification time, so a file replaced or edited is computed again; the cache is best effort (a cache that cannot be
 * written is not an error). */
clnas_status clnas_dataset_dir_norm(const char *dir, const clnas_dataset *train, const char *cache_dir, double *mean,
                                    double *std, int *channels, clnas_norm_source *source, clnas_error *err);

#endif
