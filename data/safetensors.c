/* clnas — safetensors files: reading with full validation, writing atomically (temporary name, fsync, rename). */
#include "clnas/safetensors.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"

#define METADATA_KEY "__metadata__"
#define MAX_EXACT_INTEGER 9007199254740992.0 /* 2^53: larger JSON numbers lose integer precision in a double */

const char *clnas_dtype_name(clnas_dtype dtype)
{
    switch (dtype) {
    case CLNAS_DTYPE_F32: return "F32";
    case CLNAS_DTYPE_F64: return "F64";
    case CLNAS_DTYPE_I32: return "I32";
    case CLNAS_DTYPE_I64: return "I64";
    }
    return NULL;
}

size_t clnas_dtype_size(clnas_dtype dtype)
{
    switch (dtype) {
    case CLNAS_DTYPE_F32: return 4;
    case CLNAS_DTYPE_I32: return 4;
    case CLNAS_DTYPE_F64: return 8;
    case CLNAS_DTYPE_I64: return 8;
    }
    return 0;
}

static int dtype_from_name(const char *name, clnas_dtype *dtype)
{
    static const clnas_dtype all[] = {CLNAS_DTYPE_F32, CLNAS_DTYPE_F64, CLNAS_DTYPE_I32, CLNAS_DTYPE_I64};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, clnas_dtype_name(all[i])) == 0) {
            *dtype = all[i];
            return 1;
        }
    }
    return 0;
}

int64_t clnas_tensor_numel(const clnas_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= t->shape[i];
    return n;
}

static const char *shape_text(const clnas_tensor *t, char *buf, size_t size)
{
    size_t at = 0;
    at += (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < t->ndim && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
    if (at < size)
        snprintf(buf + at, size - at, "]");
    return buf;
}

/* ---- byte order: the file is little-endian; convert in place on a big-endian host ---- */

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

static void swap_elements(void *data, size_t nbytes, size_t elem)
{
    unsigned char *p = data;
    for (size_t at = 0; at + elem <= nbytes; at += elem)
        for (size_t i = 0; i < elem / 2; i++) {
            unsigned char t = p[at + i];
            p[at + i] = p[at + elem - 1 - i];
            p[at + elem - 1 - i] = t;
        }
}

/* ---- reading ---- */

void clnas_safetensors_free(clnas_safetensors *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->count; i++) {
        free(st->tensors[i].name);
        free(st->tensors[i].data);
    }
    free(st->tensors);
    if (st->metadata)
        for (int i = 0; i < 2 * st->metadata_count; i++)
            free(st->metadata[i]);
    free(st->metadata);
    memset(st, 0, sizeof *st);
}

/* The whole file; a missing one is CLNAS_ERR_IO here, as callers of clnas_safetensors_read have always seen it. */
static clnas_status read_whole_file(const char *path, unsigned char **buf, size_t *size, clnas_error *err)
{
    char *text = NULL;
    clnas_status st = clnas_file_read_all(path, &text, size, err);
    if (st == CLNAS_ERR_NOT_FOUND) {
        st = CLNAS_ERR_IO;
        if (err)
            err->status = st;
    }
    *buf = (unsigned char *)text;
    return st;
}

/* A JSON number that is an exact non-negative integer no larger than max. */
static int json_count(const cJSON *item, double max, uint64_t *value)
{
    if (!cJSON_IsNumber(item))
        return 0;
    double d = item->valuedouble;
    if (!(d >= 0) || d > max || d != floor(d))
        return 0;
    *value = (uint64_t)d;
    return 1;
}

/* Where one tensor's bytes lie in the data section; index: the tensor's place in the file's list. */
typedef struct tensor_span {
    uint64_t begin, end;
    int index;
} tensor_span;

/* Fills t and span from one header entry; data_size is the length of the data section after the header. */
static clnas_status parse_entry(const char *path, const cJSON *entry, const unsigned char *data, size_t data_size,
                                clnas_tensor *t, tensor_span *span, clnas_error *err)
{
    const char *name = entry->string;
    if (!cJSON_IsObject(entry))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s': header entry is not a JSON object", path,
                               name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(entry, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(entry, "shape");
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(entry, "data_offsets");
    const char *missing = !dtype ? "dtype" : !shape ? "shape" : !offsets ? "data_offsets" : NULL;
    if (missing)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s': header entry has no \"%s\"", path, name,
                               missing);
    if (!cJSON_IsString(dtype))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s': dtype is not a string", path, name);
    if (!dtype_from_name(dtype->valuestring, &t->dtype))
        return clnas_error_set(err, CLNAS_ERR_FORMAT,
                               "%s: tensor '%s': dtype \"%s\" is not supported (expected F32, F64, I32 or I64)", path,
                               name, dtype->valuestring);
    if (!cJSON_IsArray(shape))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s': shape is not an array", path, name);
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > CLNAS_TENSOR_MAX_DIMS)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s': shape has %d dimensions, at most %d supported",
                               path, name, ndim, CLNAS_TENSOR_MAX_DIMS);
    t->ndim = ndim;
    uint64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        uint64_t dim;
        const cJSON *d = cJSON_GetArrayItem(shape, i);
        if (cJSON_IsNumber(d) && d->valuedouble > MAX_EXACT_INTEGER && isfinite(d->valuedouble)) /* e.g. 2^62 */
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s': shape[%d] is %.0f, larger than the "
                                   "largest dimension a JSON header holds exactly, %.0f", path, name, i,
                                   d->valuedouble, MAX_EXACT_INTEGER);
        if (!json_count(d, MAX_EXACT_INTEGER, &dim))
            return clnas_error_set(err, CLNAS_ERR_FORMAT,
                                   "%s: tensor '%s': shape[%d] is not a non-negative integer", path, name, i);
        t->shape[i] = (int64_t)dim;
        if (dim != 0 && numel > UINT64_MAX / 8 / dim)
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s': shape is impossibly large", path, name);
        numel *= dim;
    }
    uint64_t begin, end;
    if (!cJSON_IsArray(offsets) || cJSON_GetArraySize(offsets) != 2 ||
        !json_count(cJSON_GetArrayItem(offsets, 0), MAX_EXACT_INTEGER, &begin) ||
        !json_count(cJSON_GetArrayItem(offsets, 1), MAX_EXACT_INTEGER, &end))
        return clnas_error_set(err, CLNAS_ERR_FORMAT,
                               "%s: tensor '%s': data_offsets is not a pair of non-negative integers [begin, end]",
                               path, name);
    if (begin > end || end > data_size)
        return clnas_error_set(err, CLNAS_ERR_FORMAT,
                               "%s: tensor '%s': data_offsets [%llu, %llu] lie outside the %zu data bytes", path, name,
                               (unsigned long long)begin, (unsigned long long)end, data_size);
    uint64_t expected = numel * clnas_dtype_size(t->dtype);
    if (end - begin != expected) {
        char sb[256];
        return clnas_error_set(err, CLNAS_ERR_FORMAT,
                               "%s: tensor '%s': data_offsets [%llu, %llu] span %llu bytes, but shape %s of %s "
                               "needs %llu",
                               path, name, (unsigned long long)begin, (unsigned long long)end,
                               (unsigned long long)(end - begin), shape_text(t, sb, sizeof sb),
                               clnas_dtype_name(t->dtype), (unsigned long long)expected);
    }
    span->begin = begin;
    span->end = end;
    t->nbytes = (size_t)expected;
    t->name = strdup(name);
    t->data = expected ? malloc(t->nbytes) : NULL;
    if (!t->name || (expected && !t->data))
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: tensor '%s': out of memory", path, name);
    if (expected) {
        memcpy(t->data, data + begin, t->nbytes);
        if (!host_is_little_endian())
            swap_elements(t->data, t->nbytes, clnas_dtype_size(t->dtype));
    }
    return CLNAS_OK;
}

static clnas_status parse_metadata(const char *path, const cJSON *meta, clnas_safetensors *out, clnas_error *err)
{
    if (!cJSON_IsObject(meta))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: \"%s\" is not a JSON object", path, METADATA_KEY);
    int n = cJSON_GetArraySize(meta);
    out->metadata = calloc(2 * (size_t)n + 1, sizeof *out->metadata);
    if (!out->metadata)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
    const cJSON *item;
    cJSON_ArrayForEach(item, meta)
    {
        if (!cJSON_IsString(item))
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: %s[\"%s\"] is not a string", path, METADATA_KEY,
                                   item->string);
        int k = out->metadata_count;
        out->metadata[2 * k] = strdup(item->string);
        out->metadata[2 * k + 1] = strdup(item->valuestring);
        out->metadata_count++;
        if (!out->metadata[2 * k] || !out->metadata[2 * k + 1])
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
    }
    return CLNAS_OK;
}

/* qsort comparators over tensor pointers: by name, and by where their data begins (then ends). */
static int by_name(const void *a, const void *b)
{
    return strcmp((*(const clnas_tensor *const *)a)->name, (*(const clnas_tensor *const *)b)->name);
}

static int by_begin(const void *a, const void *b)
{
    const tensor_span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : x->end < y->end ? -1 : x->end > y->end;
}

/* No name twice and no two tensors sharing data bytes, found by sorting: O(n log n) where comparing every pair
 * took 79 s for 200,000 tensors. Holes between tensors are allowed (nothing reads them). */
static clnas_status check_unique(const char *path, const clnas_safetensors *out, tensor_span *spans,
                                 clnas_error *err)
{
    int n = out->count;
    const clnas_tensor **names = malloc(((size_t)n + 1) * sizeof *names);
    if (!names)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory for %d tensors", path, n);
    for (int i = 0; i < n; i++)
        names[i] = &out->tensors[i];
    qsort(names, (size_t)n, sizeof *names, by_name);
    clnas_status st = CLNAS_OK;
    for (int i = 1; i < n && st == CLNAS_OK; i++)
        if (strcmp(names[i - 1]->name, names[i]->name) == 0)
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s' appears twice in the header", path,
                                 names[i]->name);
    free(names);
    if (st != CLNAS_OK)
        return st;
    qsort(spans, (size_t)n, sizeof *spans, by_begin);
    uint64_t end = 0;
    int last = -1; /* the non-empty span that ends furthest so far */
    for (int i = 0; i < n; i++) {
        if (spans[i].begin == spans[i].end)
            continue;
        if (last >= 0 && spans[i].begin < end)
            return clnas_error_set(err, CLNAS_ERR_FORMAT,
                                   "%s: tensors '%s' (data_offsets [%llu, %llu]) and '%s' ([%llu, %llu]) share data "
                                   "bytes",
                                   path, out->tensors[spans[last].index].name, (unsigned long long)spans[last].begin,
                                   (unsigned long long)spans[last].end, out->tensors[spans[i].index].name,
                                   (unsigned long long)spans[i].begin, (unsigned long long)spans[i].end);
        if (spans[i].end > end) {
            end = spans[i].end;
            last = i;
        }
    }
    return CLNAS_OK;
}

static clnas_status parse_header(const char *path, const cJSON *root, const unsigned char *data, size_t data_size,
                                 clnas_safetensors *out, clnas_error *err)
{
    int entries = cJSON_GetArraySize(root);
    if (entries > CLNAS_SAFETENSORS_MAX_TENSORS + 1) /* + 1: __metadata__ */
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: header lists %d entries, more than the %d tensors clnas "
                               "reads (CLNAS_SAFETENSORS_MAX_TENSORS)", path, entries, CLNAS_SAFETENSORS_MAX_TENSORS);
    out->tensors = calloc((size_t)entries + 1, sizeof *out->tensors);
    tensor_span *spans = malloc(((size_t)entries + 1) * sizeof *spans);
    if (!out->tensors || !spans) {
        free(spans);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory for %d tensors", path, entries);
    }
    const cJSON *entry;
    clnas_status st = CLNAS_OK;
    cJSON_ArrayForEach(entry, root)
    {
        if (strcmp(entry->string, METADATA_KEY) == 0) {
            st = out->metadata ? clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: \"%s\" appears twice", path,
                                                 METADATA_KEY)
                               : parse_metadata(path, entry, out, err);
        } else {
            /* count grows first so that a partly filled tensor is freed with the rest */
            spans[out->count].index = out->count;
            st = parse_entry(path, entry, data, data_size, &out->tensors[out->count], &spans[out->count], err);
            out->count++;
        }
        if (st != CLNAS_OK)
            break;
    }
    if (st == CLNAS_OK)
        st = check_unique(path, out, spans, err);
    free(spans);
    return st;
}

clnas_status clnas_safetensors_read(const char *path, clnas_safetensors *out, clnas_error *err)
{
    if (!path || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_safetensors_read: NULL argument");
    memset(out, 0, sizeof *out);
    unsigned char *buf;
    size_t size = 0;
    clnas_status st = read_whole_file(path, &buf, &size, err);
    if (st != CLNAS_OK)
        return st;
    cJSON *root = NULL;
    if (size < 8) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT,
                             "%s: file is %zu bytes, shorter than the 8-byte header length that opens a safetensors "
                             "file", path, size);
        goto done;
    }
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; i--)
        header_len = header_len << 8 | buf[i];
    if (header_len > CLNAS_SAFETENSORS_MAX_HEADER_BYTES) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: header length %llu is more than the %d bytes clnas reads "
                             "(CLNAS_SAFETENSORS_MAX_HEADER_BYTES)", path, (unsigned long long)header_len,
                             CLNAS_SAFETENSORS_MAX_HEADER_BYTES);
        goto done;
    }
    if (header_len > size - 8) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT,
                             "%s: header length %llu runs past the end of the file (%zu bytes after the length)", path,
                             (unsigned long long)header_len, size - 8);
        goto done;
    }
    const char *header = (const char *)buf + 8;
    const char *parse_end = header;
    root = cJSON_ParseWithLengthOpts(header, (size_t)header_len, &parse_end, 0);
    if (!root) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: header is not valid JSON (error at header byte %lld of %llu)",
                             path, (long long)(parse_end - header), (unsigned long long)header_len);
        goto done;
    }
    for (const char *p = parse_end; p < header + header_len; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\0') {
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: header holds bytes after its JSON value (at byte %lld)",
                                 path, (long long)(p - header));
            goto done;
        }
    }
    if (!cJSON_IsObject(root)) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: header is JSON but not an object of tensors", path);
        goto done;
    }
    st = parse_header(path, root, buf + 8 + header_len, size - 8 - (size_t)header_len, out, err);
done:
    cJSON_Delete(root);
    free(buf);
    if (st != CLNAS_OK)
        clnas_safetensors_free(out);
    return st;
}

const clnas_tensor *clnas_safetensors_find(const clnas_safetensors *st, const char *name)
{
    if (!st || !name)
        return NULL;
    for (int i = 0; i < st->count; i++)
        if (st->tensors[i].name && strcmp(st->tensors[i].name, name) == 0)
            return &st->tensors[i];
    return NULL;
}

const char *clnas_safetensors_metadata(const clnas_safetensors *st, const char *key)
{
    if (!st || !key || !st->metadata)
        return NULL;
    for (int i = 0; i < st->metadata_count; i++)
        if (strcmp(st->metadata[2 * i], key) == 0)
            return st->metadata[2 * i + 1];
    return NULL;
}

/* ---- conversion ---- */

static clnas_status check_convertible(const clnas_tensor *t, int64_t count, clnas_error *err)
{
    if (!t)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "tensor conversion: tensor is NULL");
    const char *name = t->name ? t->name : "(unnamed)";
    if (!clnas_dtype_name(t->dtype) || t->ndim < 0 || t->ndim > CLNAS_TENSOR_MAX_DIMS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "tensor '%s': dtype %d or ndim %d is invalid", name,
                               (int)t->dtype, t->ndim);
    int64_t numel = clnas_tensor_numel(t);
    char sb[256];
    if (numel != count)
        return clnas_error_set(err, CLNAS_ERR_MISMATCH,
                               "tensor '%s' has shape %s (%lld elements), but shape [%lld] (%lld elements) was "
                               "expected",
                               name, shape_text(t, sb, sizeof sb), (long long)numel, (long long)count,
                               (long long)count);
    if ((uint64_t)numel * clnas_dtype_size(t->dtype) != t->nbytes || (t->nbytes && !t->data))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "tensor '%s': %zu data bytes do not hold shape %s of %s",
                               name, t->nbytes, shape_text(t, sb, sizeof sb), clnas_dtype_name(t->dtype));
    return CLNAS_OK;
}

#define CONVERT_ALL(OUT_TYPE)                                                                                          \
    do {                                                                                                               \
        for (int64_t i = 0; i < count; i++) {                                                                          \
            switch (t->dtype) {                                                                                        \
            case CLNAS_DTYPE_F32: out[i] = (OUT_TYPE)((const float *)t->data)[i]; break;                               \
            case CLNAS_DTYPE_F64: out[i] = (OUT_TYPE)((const double *)t->data)[i]; break;                              \
            case CLNAS_DTYPE_I32: out[i] = (OUT_TYPE)((const int32_t *)t->data)[i]; break;                             \
            case CLNAS_DTYPE_I64: out[i] = (OUT_TYPE)((const int64_t *)t->data)[i]; break;                             \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

clnas_status clnas_tensor_to_double(const clnas_tensor *t, double *out, int64_t count, clnas_error *err)
{
    clnas_status st = check_convertible(t, count, err);
    if (st != CLNAS_OK)
        return st;
    if (count > 0 && !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "tensor '%s': output is NULL", t->name);
    CONVERT_ALL(double);
    return CLNAS_OK;
}

clnas_status clnas_tensor_to_float(const clnas_tensor *t, float *out, int64_t count, clnas_error *err)
{
    clnas_status st = check_convertible(t, count, err);
    if (st != CLNAS_OK)
        return st;
    if (count > 0 && !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "tensor '%s': output is NULL", t->name);
    CONVERT_ALL(float);
    return CLNAS_OK;
}

/* ---- writing ---- */

/* Names given twice, found by sorting the indices by name (stable on ties: the first pair in order is named). */
static clnas_status check_names_unique(const char *path, const clnas_tensor *tensors, int count, clnas_error *err)
{
    const clnas_tensor **sorted = malloc(((size_t)count + 1) * sizeof *sorted);
    if (!sorted)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory for %d tensors", path, count);
    for (int i = 0; i < count; i++)
        sorted[i] = &tensors[i];
    qsort(sorted, (size_t)count, sizeof *sorted, by_name);
    clnas_status st = CLNAS_OK;
    for (int i = 1; i < count && st == CLNAS_OK; i++) {
        if (strcmp(sorted[i - 1]->name, sorted[i]->name) != 0)
            continue;
        long a = (long)(sorted[i - 1] - tensors), b = (long)(sorted[i] - tensors);
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: tensor '%s' is given twice (%ld and %ld)", path,
                             sorted[i]->name, a < b ? a : b, a < b ? b : a);
    }
    free(sorted);
    return st;
}

static clnas_status check_for_write(const char *path, const clnas_tensor *tensors, int count, clnas_error *err)
{
    for (int i = 0; i < count; i++) {
        const clnas_tensor *t = &tensors[i];
        if (!t->name || !t->name[0] || strcmp(t->name, METADATA_KEY) == 0)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: tensor %d has no usable name (\"%s\")", path, i,
                                   t->name ? t->name : "(null)");
        if (t->ndim < 0 || t->ndim > CLNAS_TENSOR_MAX_DIMS)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: tensor '%s': ndim %d, expected 0 .. %d", path,
                                   t->name, t->ndim, CLNAS_TENSOR_MAX_DIMS);
        for (int d = 0; d < t->ndim; d++)
            if (t->shape[d] < 0)
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: tensor '%s': shape[%d] is %lld", path,
                                       t->name, d, (long long)t->shape[d]);
        clnas_status st = check_convertible(t, clnas_tensor_numel(t), err);
        if (st != CLNAS_OK)
            return clnas_error_prefix(err, "%s", path);
    }
    return check_names_unique(path, tensors, count, err);
}

/* The JSON header text, padded with spaces so the data starts 8-byte aligned. */
static clnas_status build_header(const char *path, const clnas_tensor *tensors, int count,
                                 const char *const *metadata, char **text, size_t *len, clnas_error *err)
{
    *text = NULL;
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    if (ok && metadata) {
        cJSON *meta = cJSON_AddObjectToObject(root, METADATA_KEY);
        ok = meta != NULL;
        for (int i = 0; ok && metadata[i]; i += 2) {
            if (!metadata[i + 1]) {
                cJSON_Delete(root);
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: metadata key \"%s\" has no value", path,
                                       metadata[i]);
            }
            ok = cJSON_AddStringToObject(meta, metadata[i], metadata[i + 1]) != NULL;
        }
    }
    size_t offset = 0;
    for (int i = 0; ok && i < count; i++) {
        const clnas_tensor *t = &tensors[i];
        cJSON *entry = cJSON_AddObjectToObject(root, t->name);
        cJSON *shape = entry ? cJSON_AddArrayToObject(entry, "shape") : NULL;
        cJSON *offsets = entry ? cJSON_AddArrayToObject(entry, "data_offsets") : NULL;
        ok = entry && shape && offsets && cJSON_AddStringToObject(entry, "dtype", clnas_dtype_name(t->dtype));
        for (int d = 0; ok && d < t->ndim; d++)
            ok = cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->shape[d]));
        if (ok)
            ok = cJSON_AddItemToArray(offsets, cJSON_CreateNumber((double)offset)) &&
                 cJSON_AddItemToArray(offsets, cJSON_CreateNumber((double)(offset + t->nbytes)));
        offset += t->nbytes;
    }
    char *json = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!json)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory building the header", path);
    size_t n = strlen(json);
    size_t padded = (n + 7) / 8 * 8;
    *text = malloc(padded);
    if (!*text) {
        cJSON_free(json);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory building the header", path);
    }
    memcpy(*text, json, n);
    memset(*text + n, ' ', padded - n);
    cJSON_free(json);
    *len = padded;
    return CLNAS_OK;
}

/* Writes nbytes of host-endian elements as little-endian. */
static int write_le(FILE *f, const void *data, size_t nbytes, size_t elem)
{
    if (nbytes == 0)
        return 1;
    if (host_is_little_endian())
        return fwrite(data, 1, nbytes, f) == nbytes;
    unsigned char *copy = malloc(nbytes);
    if (!copy)
        return 0;
    memcpy(copy, data, nbytes);
    swap_elements(copy, nbytes, elem);
    int ok = fwrite(copy, 1, nbytes, f) == nbytes;
    free(copy);
    return ok;
}

/* What clnas_safetensors_write puts in the file: the header's length, the header, every tensor's bytes. */
typedef struct file_parts {
    const char *header;
    size_t header_len;
    const clnas_tensor *tensors;
    int count;
} file_parts;

static int write_parts(FILE *f, void *ctx)
{
    const file_parts *p = ctx;
    unsigned char len_bytes[8];
    for (int i = 0; i < 8; i++)
        len_bytes[i] = (unsigned char)((uint64_t)p->header_len >> (8 * i));
    int ok = fwrite(len_bytes, 1, 8, f) == 8 && fwrite(p->header, 1, p->header_len, f) == p->header_len;
    for (int i = 0; ok && i < p->count; i++)
        ok = write_le(f, p->tensors[i].data, p->tensors[i].nbytes, clnas_dtype_size(p->tensors[i].dtype));
    return ok ? 0 : -1;
}

clnas_status clnas_safetensors_write(const char *path, const clnas_tensor *tensors, int count,
                                     const char *const *metadata, clnas_error *err)
{
    if (!path || count < 0 || (count > 0 && !tensors))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_safetensors_write: NULL path or tensors");
    clnas_status st = check_for_write(path, tensors, count, err);
    if (st != CLNAS_OK)
        return st;
    char *header;
    size_t header_len = 0;
    st = build_header(path, tensors, count, metadata, &header, &header_len, err);
    if (st != CLNAS_OK)
        return st;

    file_parts parts = {header, header_len, tensors, count};
    st = clnas_file_write_atomic(path, write_parts, &parts, err);
    free(header);
    return st;
}
