/* clnas — CIFAR-10 binary batches: records of one label byte and 3x32x32 pixel bytes. */
#include "clnas/data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file_io.h"

#define CIFAR_CHANNELS 3
#define CIFAR_SIDE 32
#define CIFAR_IMAGE_BYTES (CIFAR_CHANNELS * CIFAR_SIDE * CIFAR_SIDE)
#define CIFAR_RECORD_BYTES (1 + CIFAR_IMAGE_BYTES)
#define CIFAR_CLASSES 10

/* Number of records in the file at path, from its size. */
static clnas_status cifar_count_records(const char *path, int *records, clnas_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: not a regular file", path);
    long long size = (long long)sb.st_size;
    if (size == 0 || size % CIFAR_RECORD_BYTES != 0)
        return clnas_error_set(err, CLNAS_ERR_FORMAT,
                               "%s: size %lld bytes is not a positive multiple of the %d-byte CIFAR-10 record "
                               "(1 label byte + %d pixel bytes)",
                               path, size, CIFAR_RECORD_BYTES, CIFAR_IMAGE_BYTES);
    if (size / CIFAR_RECORD_BYTES > INT32_MAX)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: %lld records is beyond what clnas handles", path,
                               size / CIFAR_RECORD_BYTES);
    *records = (int)(size / CIFAR_RECORD_BYTES);
    return CLNAS_OK;
}

/* Reads `records` records of path into pixels and labels (already sized). */
static clnas_status cifar_read_file(const char *path, int records, uint8_t *pixels, uint8_t *labels, clnas_error *err)
{
    FILE *f;
    clnas_status st = clnas_file_fopen_read(path, &f, err); /* a FIFO put there since the size was read: refused */
    if (st != CLNAS_OK) {
        if (err) /* a data file that cannot be opened is an I/O error, missing or not */
            err->status = CLNAS_ERR_IO;
        return CLNAS_ERR_IO;
    }
    unsigned char record[CIFAR_RECORD_BYTES];
    for (int i = 0; i < records; i++) {
        if (fread(record, 1, sizeof record, f) != sizeof record) {
            int io = ferror(f);
            fclose(f);
            return clnas_error_set(err, io ? CLNAS_ERR_IO : CLNAS_ERR_FORMAT,
                                   "%s: %s at record %d (byte %lld)", path,
                                   io ? "read failed" : "file shrank while being read", i,
                                   (long long)i * CIFAR_RECORD_BYTES);
        }
        if (record[0] >= CIFAR_CLASSES) {
            fclose(f);
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: record %d (byte %lld) has label %u, expected 0 .. %d",
                                   path, i, (long long)i * CIFAR_RECORD_BYTES, record[0], CIFAR_CLASSES - 1);
        }
        labels[i] = record[0];
        memcpy(pixels + (size_t)i * CIFAR_IMAGE_BYTES, record + 1, CIFAR_IMAGE_BYTES);
    }
    fclose(f);
    return CLNAS_OK;
}

clnas_status clnas_cifar10_load(const char *const *paths, int npaths, clnas_dataset *out, clnas_error *err)
{
    if (!paths || !out || npaths <= 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_cifar10_load: expected 1 or more paths, got %d",
                               npaths);
    memset(out, 0, sizeof *out);
    int *records = calloc((size_t)npaths, sizeof *records);
    if (!records)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "clnas_cifar10_load: out of memory");
    clnas_status st = CLNAS_OK;
    long long total = 0;
    for (int i = 0; i < npaths; i++) {
        if (!paths[i]) {
            st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_cifar10_load: paths[%d] is NULL", i);
            goto done;
        }
        st = cifar_count_records(paths[i], &records[i], err);
        if (st != CLNAS_OK)
            goto done;
        total += records[i];
    }
    if (total > INT32_MAX) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "CIFAR-10: %lld images in %d files is beyond what clnas handles",
                             total, npaths);
        goto done;
    }
    out->pixels = malloc((size_t)total * CIFAR_IMAGE_BYTES);
    out->labels = malloc((size_t)total);
    if (!out->pixels || !out->labels) {
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "CIFAR-10: cannot allocate %lld images", total);
        goto done;
    }
    size_t at = 0;
    for (int i = 0; i < npaths; i++) {
        st = cifar_read_file(paths[i], records[i], out->pixels + at * CIFAR_IMAGE_BYTES, out->labels + at, err);
        if (st != CLNAS_OK)
            goto done;
        at += (size_t)records[i];
    }
    out->count = (int)total;
    out->channels = CIFAR_CHANNELS;
    out->height = CIFAR_SIDE;
    out->width = CIFAR_SIDE;
    out->classes = CIFAR_CLASSES;
done:
    free(records);
    if (st != CLNAS_OK)
        clnas_dataset_free(out);
    return st;
}
