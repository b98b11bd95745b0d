/* clnas — the input normalisation of a data directory: Fashion-MNIST's published figures for its own files, else
 * the training split's per-channel statistics, cached under the files' identity. */
#include "data_norm.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file_io.h"
#include "hash.h"

#define FASHION_MNIST_MEAN 0.2860 /* as CLNAS_FASHION_MNIST_MEAN and _STD of clnas/train.h (a later stage) */
#define FASHION_MNIST_STD 0.3530
#define CACHE_FILE_MAX 65536      /* a cache entry is a few hundred bytes; anything larger is not one */

const char *clnas_norm_source_name(clnas_norm_source source)
{
    switch (source) {
    case CLNAS_NORM_COMPUTED: return "computed";
    case CLNAS_NORM_CACHED: return "cached";
    case CLNAS_NORM_PUBLISHED: return "published Fashion-MNIST";
    }
    return "unknown";
}

/* The training files' identity: path, device, inode, size and modification time of each; 0 when one is missing. */
static uint64_t files_key(char paths[CLNAS_DATA_FILES_MAX][CLNAS_DATA_PATH_MAX], int count)
{
    uint64_t h = CLNAS_FNV1A64_INIT;
    for (int i = 0; i < count; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) != 0)
            return 0;
        int64_t id[6] = {(int64_t)sb.st_dev, (int64_t)sb.st_ino, (int64_t)sb.st_size, (int64_t)sb.st_mtim.tv_sec,
                         (int64_t)sb.st_mtim.tv_nsec, (int64_t)count};
        h = clnas_fnv1a64_str(paths[i], h);
        h = clnas_fnv1a64(id, sizeof id, h);
    }
    return h;
}

/* A cache entry of 1..4 channels with finite means and positive finite stds; 0 when absent or malformed. */
static int cache_read(const char *path, double *mean, double *std, int *channels, clnas_norm_source *source)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > CACHE_FILE_MAX)
        return 0;
    char *text = NULL;
    size_t n = 0;
    clnas_error ignored;
    if (clnas_file_read_all(path, &text, &n, &ignored) != CLNAS_OK)
        return 0;
    cJSON *j = cJSON_Parse(text);
    free(text);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "mean"), *s = cJSON_GetObjectItemCaseSensitive(j, "std");
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(j, "source");
    int c = cJSON_IsArray(m) && cJSON_IsArray(s) ? cJSON_GetArraySize(m) : 0;
    int ok = c >= 1 && c <= CLNAS_BATCHER_MAX_CHANNELS && cJSON_GetArraySize(s) == c && cJSON_IsString(src);
    for (int i = 0; ok && i < c; i++) {
        const cJSON *a = cJSON_GetArrayItem(m, i), *b = cJSON_GetArrayItem(s, i);
        ok = cJSON_IsNumber(a) && cJSON_IsNumber(b) && isfinite(a->valuedouble) && isfinite(b->valuedouble) &&
             b->valuedouble > 0;
        if (ok) {
            mean[i] = a->valuedouble;
            std[i] = b->valuedouble;
        }
    }
    if (ok) {
        *channels = c;
        *source = strcmp(src->valuestring, "published") == 0 ? CLNAS_NORM_PUBLISHED : CLNAS_NORM_CACHED;
    }
    cJSON_Delete(j);
    return ok;
}

/* Best effort: a cache that cannot be written costs only the computation next time. */
static void cache_write(const char *dir, const char *path, char files[CLNAS_DATA_FILES_MAX][CLNAS_DATA_PATH_MAX],
                        int count, const double *mean, const double *std, int channels, clnas_norm_source source)
{
    clnas_error ignored;
    if (clnas_dirs_make(dir, &ignored) != CLNAS_OK)
        return;
    cJSON *j = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(j, "files");
    for (int i = 0; list && i < count; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(files[i]));
    cJSON_AddItemToObject(j, "mean", cJSON_CreateDoubleArray(mean, channels));
    cJSON_AddItemToObject(j, "std", cJSON_CreateDoubleArray(std, channels));
    cJSON_AddStringToObject(j, "source", source == CLNAS_NORM_PUBLISHED ? "published" : "computed");
    char *text = cJSON_Print(j);
    if (text)
        clnas_file_write_bytes_atomic(path, text, strlen(text), &ignored);
    cJSON_free(text);
    cJSON_Delete(j);
}

/* Fashion-MNIST's published figures when train is its training split, else train's own statistics. */
static clnas_status compute(const clnas_dataset *train, double *mean, double *std, clnas_norm_source *source,
                            clnas_error *err)
{
    size_t pixels = (size_t)train->count * (size_t)train->channels * (size_t)train->height * (size_t)train->width;
    uint64_t h = clnas_fnv1a64(train->pixels, pixels, CLNAS_FNV1A64_INIT);
    h = clnas_fnv1a64(train->labels, (size_t)train->count, h);
    if (train->channels == 1 && h == CLNAS_FASHION_MNIST_TRAIN_HASH) {
        mean[0] = FASHION_MNIST_MEAN;
        std[0] = FASHION_MNIST_STD;
        *source = CLNAS_NORM_PUBLISHED;
        return CLNAS_OK;
    }
    *source = CLNAS_NORM_COMPUTED;
    clnas_status st = clnas_dataset_channel_stats(train, mean, std, err);
    for (int c = 0; st == CLNAS_OK && c < train->channels; c++)
        if (!(std[c] > 0))
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "training images of channel %d are all the same value (std 0): "
                                 "give --mean and --std", c);
    return st;
}

clnas_status clnas_dataset_dir_norm(const char *dir, const clnas_dataset *train, const char *cache_dir, double *mean,
                                    double *std, int *channels, clnas_norm_source *source, clnas_error *err)
{
    if (!dir || !mean || !std || !channels || !source)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_dataset_dir_norm: NULL argument");
    char files[CLNAS_DATA_FILES_MAX][CLNAS_DATA_PATH_MAX];
    int count = 0;
    clnas_dataset_dir_files(dir, CLNAS_SPLIT_TRAIN, files, &count);
    uint64_t key = count ? files_key(files, count) : 0;
    char cache_sub[CLNAS_DATA_PATH_MAX + 32] = "", cache_path[CLNAS_DATA_PATH_MAX + 64] = "";
    if (cache_dir && key) {
        snprintf(cache_sub, sizeof cache_sub, "%s/data-stats", cache_dir);
        snprintf(cache_path, sizeof cache_path, "%s/%016llx.json", cache_sub, (unsigned long long)key);
        if (cache_read(cache_path, mean, std, channels, source))
            return CLNAS_OK;
    }
    clnas_dataset own = {0};
    if (!train) {
        clnas_status st = clnas_dataset_load_dir(dir, CLNAS_SPLIT_TRAIN, &own, err);
        if (st != CLNAS_OK)
            return st;
        train = &own;
    }
    clnas_status st = train->channels <= CLNAS_BATCHER_MAX_CHANNELS
                          ? compute(train, mean, std, source, err)
                          : clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "%s: %d channels, at most %d are supported",
                                            dir, train->channels, CLNAS_BATCHER_MAX_CHANNELS);
    *channels = train->channels;
    if (st == CLNAS_OK && cache_path[0])
        cache_write(cache_sub, cache_path, files, count, mean, std, *channels, *source);
    clnas_dataset_free(&own);
    return st;
}
