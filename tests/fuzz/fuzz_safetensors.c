/* clnas fuzz target: safetensors files (data/safetensors.c): read; what reads converts, writes and reads back equal. */
#include <stdlib.h>
#include <string.h>

#include "clnas/safetensors.h"
#include "fuzz_support.h"

/* Every tensor converts to doubles of its element count. */
static void check_convert(const clnas_safetensors *st)
{
    for (int i = 0; i < st->count; i++) {
        int64_t n = clnas_tensor_numel(&st->tensors[i]);
        if (n < 0 || (size_t)n * clnas_dtype_size(st->tensors[i].dtype) != st->tensors[i].nbytes)
            abort();
        double *out = malloc(((size_t)n + 1) * sizeof *out);
        clnas_error err;
        if (!out || clnas_tensor_to_double(&st->tensors[i], out, n, &err) != CLNAS_OK)
            abort();
        free(out);
    }
}

/* Written and read back: the same names, dtypes, shapes, bytes and metadata. */
static void check_round_trip(const clnas_safetensors *st)
{
    clnas_error err;
    const char *path = fuzz_file("copy.safetensors", NULL, 0);
    if (clnas_safetensors_write(path, st->tensors, st->count, (const char *const *)st->metadata, &err) != CLNAS_OK)
        return; /* the writer refuses some names the reader takes (see the report): not a crash */
    clnas_safetensors back;
    if (clnas_safetensors_read(path, &back, &err) != CLNAS_OK || back.count != st->count
        || back.metadata_count != st->metadata_count)
        abort();
    for (int i = 0; i < st->count; i++) {
        const clnas_tensor *a = &st->tensors[i], *b = &back.tensors[i];
        if (strcmp(a->name, b->name) || a->dtype != b->dtype || a->ndim != b->ndim || a->nbytes != b->nbytes
            || memcmp(a->shape, b->shape, (size_t)a->ndim * sizeof a->shape[0])
            || (a->nbytes && memcmp(a->data, b->data, a->nbytes)))
            abort();
    }
    for (int i = 0; i < 2 * st->metadata_count; i++)
        if (strcmp(st->metadata[i], back.metadata[i]))
            abort();
    clnas_safetensors_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clnas_safetensors st;
    clnas_error err;
    memset(&st, 0, sizeof st);
    if (clnas_safetensors_read(fuzz_file("in.safetensors", data, size), &st, &err) != CLNAS_OK)
        return 0;
    check_convert(&st);
    check_round_trip(&st);
    clnas_safetensors_free(&st);
    return 0;
}
