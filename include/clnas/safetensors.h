/* clnas — safetensors files: named tensors behind a JSON header, as PyTorch's safetensors package writes them. */
#ifndef CLNAS_SAFETENSORS_H
#define CLNAS_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnas_dtype { CLNAS_DTYPE_F32, CLNAS_DTYPE_F64, CLNAS_DTYPE_I32, CLNAS_DTYPE_I64 } clnas_dtype;

#define CLNAS_TENSOR_MAX_DIMS 8

/* One tensor: data holds nbytes of host-endian values, row-major (C order). ndim 0 is a scalar. */
typedef struct clnas_tensor {
    char *name;
    clnas_dtype dtype;
    int ndim;
    int64_t shape[CLNAS_TENSOR_MAX_DIMS];
    void *data;
    size_t nbytes;
} clnas_tensor;

/* A file's tensors in header order, and its "__metadata__" strings. */
typedef struct clnas_safetensors {
    clnas_tensor *tensors;
    int count;
    char **metadata;    /* key, value, key, value, ..., NULL (NULL when the file has none) */
    int metadata_count; /* number of key-value pairs */
} clnas_safetensors;

/* "F32", "F64", "I32", "I64"; NULL for a value outside the enum. */
const char *clnas_dtype_name(clnas_dtype dtype);
/* Bytes per element (4 or 8); 0 for a value outside the enum. */
size_t clnas_dtype_size(clnas_dtype dtype);

/* What clnas_safetensors_read accepts at most: a JSON header of 100,000,000 bytes (the safetensors package's own
 * limit) and 100,000 tensors (a full-size NB201 network has about 600; the limit bounds the memory a hostile
 * header can make the parser take). */
#define CLNAS_SAFETENSORS_MAX_HEADER_BYTES 100000000
#define CLNAS_SAFETENSORS_MAX_TENSORS 100000

/* Reads the whole file (8-byte little-endian header length, JSON header, raw little-endian data) and checks it:
 * every entry has a known dtype, a shape of at most 8 non-negative sizes and data_offsets inside the data that
 * match shape * dtype size; no name appears twice and no two tensors share data bytes (holes are allowed). The
 * checks take O(n log n) in the tensor count. Each error names the file and, where there is one, the tensor. */
clnas_status clnas_safetensors_read(const char *path, clnas_safetensors *out, clnas_error *err);

/* The tensor called name, or NULL. */
const clnas_tensor *clnas_safetensors_find(const clnas_safetensors *st, const char *name);

/* The value stored under key in the file's __metadata__, or NULL. */
const char *clnas_safetensors_metadata(const clnas_safetensors *st, const char *key);

/* Product of the shape (1 for a scalar). */
int64_t clnas_tensor_numel(const clnas_tensor *t);

/* Copies a tensor into count doubles (converting F32/F64/I32/I64); error if its element count is not count. */
clnas_status clnas_tensor_to_double(const clnas_tensor *t, double *out, int64_t count, clnas_error *err);

/* The same into floats (F64 and integers are rounded to the nearest float). */
clnas_status clnas_tensor_to_float(const clnas_tensor *t, float *out, int64_t count, clnas_error *err);

/* Writes count tensors (in that order, data packed back to back, the header padded with spaces to a multiple of
 * 8 bytes) to path.tmp.<pid>, fsyncs it and renames it onto path. metadata may be NULL, else it holds key, value,
 * key, value, ..., NULL. Names must be unique, non-empty and not "__metadata__". */
clnas_status clnas_safetensors_write(const char *path, const clnas_tensor *tensors, int count,
                                     const char *const *metadata, clnas_error *err);

/* Frees every tensor, name and metadata string and zeroes *st (safe on a zeroed one). */
void clnas_safetensors_free(clnas_safetensors *st);

#ifdef __cplusplus
}
#endif
#endif
