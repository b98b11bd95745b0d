/* clnas — IDX files (MNIST, Fashion-MNIST), plain or gzipped, read through zlib. */
#include "clnas/data.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "file_io.h"

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u
#define IDX_CLASSES 10
#define IDX_MAX_DIM 1000000000u /* any real file is far below; keeps size products inside 64 bits */

typedef struct idx_file {
    const char *path;
    gzFile gz;
    uint64_t offset; /* uncompressed bytes read so far */
} idx_file;

static clnas_status idx_open(idx_file *f, const char *path, clnas_error *err)
{
    f->path = path;
    f->offset = 0;
    int fd;
    clnas_status st = clnas_file_open_read(path, &fd, err); /* a FIFO or device is refused, never waited on */
    if (st != CLNAS_OK) {
        if (err)
            err->status = CLNAS_ERR_IO;
        return CLNAS_ERR_IO;
    }
    errno = 0;
    f->gz = gzdopen(fd, "rb");
    if (!f->gz) {
        int e = errno;
        close(fd);
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot open: %s", path, e ? strerror(e) : "out of memory");
    }
    return CLNAS_OK;
}

/* zlib's message without the "path: " it puts in front. */
static const char *gz_message(const idx_file *f, int *zerr)
{
    const char *msg = gzerror(f->gz, zerr);
    size_t n = strlen(f->path);
    if (strncmp(msg, f->path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
        msg += n + 2;
    return msg;
}

/* Reads up to n bytes; *got is how many arrived before the end of the (uncompressed) stream. */
static clnas_status idx_read(idx_file *f, void *buf, uint64_t n, uint64_t *got, clnas_error *err)
{
    *got = 0;
    while (*got < n) {
        uint64_t want = n - *got;
        unsigned chunk = want > (1u << 30) ? (1u << 30) : (unsigned)want;
        int r = gzread(f->gz, (unsigned char *)buf + *got, chunk);
        if (r < 0) {
            int zerr = 0;
            const char *msg = gz_message(f, &zerr);
            return clnas_error_set(err, zerr == Z_ERRNO ? CLNAS_ERR_IO : CLNAS_ERR_FORMAT,
                                   "%s: read failed at byte %llu: %s", f->path,
                                   (unsigned long long)(f->offset + *got),
                                   zerr == Z_ERRNO ? strerror(errno) : msg);
        }
        if (r == 0)
            break;
        *got += (uint64_t)r;
    }
    f->offset += *got;
    /* A gzip stream cut short reads as a short count with Z_BUF_ERROR: report it as the truncation it is. */
    int zerr = 0;
    const char *msg = gz_message(f, &zerr);
    if (zerr != Z_OK && zerr != Z_BUF_ERROR)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: read failed at byte %llu: %s", f->path,
                               (unsigned long long)f->offset, msg);
    return CLNAS_OK;
}

/* Counts the bytes left after the payload (0 when the file ends where its header says). */
static clnas_status idx_count_trailing(idx_file *f, uint64_t *trailing, clnas_error *err)
{
    unsigned char buf[4096];
    *trailing = 0;
    for (;;) {
        uint64_t got;
        clnas_status st = idx_read(f, buf, sizeof buf, &got, err);
        if (st != CLNAS_OK)
            return st;
        *trailing += got;
        if (got < sizeof buf)
            return CLNAS_OK;
    }
}

/* Reads up to payload bytes into a buffer that grows with what arrives (doubling from 1 MiB): a header announcing
 * more than the file holds costs no more memory than the file's content. *got is how many arrived. */
static clnas_status idx_read_payload(idx_file *f, uint64_t payload, uint8_t **data, uint64_t *got, clnas_error *err)
{
    uint64_t cap = payload < (1u << 20) ? payload : (1u << 20);
    *got = 0;
    *data = malloc((size_t)cap);
    for (;;) {
        if (!*data)
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: cannot allocate %llu bytes", f->path,
                                   (unsigned long long)cap);
        uint64_t more = 0;
        clnas_status st = idx_read(f, *data + *got, cap - *got, &more, err);
        *got += more;
        if (st != CLNAS_OK || *got < cap || cap == payload)
            return st;
        cap = cap * 2 < payload ? cap * 2 : payload;
        uint8_t *grown = realloc(*data, (size_t)cap);
        if (!grown)
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: cannot allocate %llu bytes", f->path,
                                   (unsigned long long)cap);
        *data = grown;
    }
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Reads the header (magic + ndims big-endian u32 sizes) and exactly the payload it announces into a new buffer. */
static clnas_status idx_read_file(const char *path, uint32_t magic, int ndims, uint32_t *dims, uint8_t **data,
                                  clnas_error *err)
{
    idx_file f;
    clnas_status st = idx_open(&f, path, err);
    if (st != CLNAS_OK)
        return st;
    *data = NULL;
    unsigned char header[16];
    uint64_t header_bytes = 4 + 4 * (uint64_t)ndims, got;
    st = idx_read(&f, header, header_bytes, &got, err);
    if (st != CLNAS_OK)
        goto fail;
    if (got < 4) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: file holds %llu bytes, shorter than the 4-byte IDX magic",
                             path, (unsigned long long)got);
        goto fail;
    }
    if (be32(header) != magic) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT,
                             "%s: IDX magic is 0x%08x, expected 0x%08x (%s file: unsigned bytes, %d dimension%s)",
                             path, be32(header), magic, ndims == 3 ? "an images" : "a labels", ndims,
                             ndims == 1 ? "" : "s");
        goto fail;
    }
    if (got < header_bytes) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: truncated header: expected %llu bytes, file holds %llu",
                             path, (unsigned long long)header_bytes, (unsigned long long)got);
        goto fail;
    }
    uint64_t payload = 1;
    for (int i = 0; i < ndims; i++) {
        dims[i] = be32(header + 4 + 4 * i);
        if (dims[i] == 0 || dims[i] > IDX_MAX_DIM) {
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: dimension %d is %u, expected 1 .. %u", path, i, dims[i],
                                 IDX_MAX_DIM);
            goto fail;
        }
        payload *= dims[i];
        if (payload > (uint64_t)SIZE_MAX / 2 || payload > (uint64_t)1 << 40) {
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: dimensions announce an implausibly large payload",
                                 path);
            goto fail;
        }
    }
    st = idx_read_payload(&f, payload, data, &got, err);
    if (st != CLNAS_OK)
        goto fail;
    uint64_t trailing = 0;
    if (got == payload) {
        st = idx_count_trailing(&f, &trailing, err);
        if (st != CLNAS_OK)
            goto fail;
    }
    if (got < payload || trailing > 0) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT,
                             "%s: %s: header announces %llu bytes (%llu header + %llu data), file holds %llu%s",
                             path, got < payload ? "truncated" : "trailing data after the last item",
                             (unsigned long long)(header_bytes + payload), (unsigned long long)header_bytes,
                             (unsigned long long)payload, (unsigned long long)(header_bytes + got + trailing),
                             gzdirect(f.gz) ? "" : " after decompression");
        goto fail;
    }
    gzclose(f.gz);
    return CLNAS_OK;
fail:
    free(*data);
    *data = NULL;
    gzclose(f.gz);
    return st;
}

clnas_status clnas_idx_load(const char *images_path, const char *labels_path, clnas_dataset *out, clnas_error *err)
{
    if (!images_path || !labels_path || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_idx_load: NULL argument");
    memset(out, 0, sizeof *out);
    uint32_t image_dims[3], label_dims[1];
    uint8_t *pixels = NULL, *labels = NULL;
    clnas_status st = idx_read_file(images_path, IDX_MAGIC_IMAGES, 3, image_dims, &pixels, err);
    if (st != CLNAS_OK)
        return st;
    st = idx_read_file(labels_path, IDX_MAGIC_LABELS, 1, label_dims, &labels, err);
    if (st != CLNAS_OK) {
        free(pixels);
        return st;
    }
    if (image_dims[0] != label_dims[0]) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s holds %u images but %s holds %u labels", images_path,
                             image_dims[0], labels_path, label_dims[0]);
        goto fail;
    }
    if (image_dims[0] > INT32_MAX || image_dims[1] > 65535 || image_dims[2] > 65535) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: %u images of %ux%u is beyond what clnas handles",
                             images_path, image_dims[0], image_dims[1], image_dims[2]);
        goto fail;
    }
    for (uint32_t i = 0; i < label_dims[0]; i++) {
        if (labels[i] >= IDX_CLASSES) {
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: label %u (byte %u) is %u, expected 0 .. %d",
                                 labels_path, i, 8 + i, labels[i], IDX_CLASSES - 1);
            goto fail;
        }
    }
    out->count = (int)image_dims[0];
    out->channels = 1;
    out->height = (int)image_dims[1];
    out->width = (int)image_dims[2];
    out->classes = IDX_CLASSES;
    out->pixels = pixels;
    out->labels = labels;
    return CLNAS_OK;
fail:
    free(pixels);
    free(labels);
    return st;
}
