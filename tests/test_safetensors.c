/* clnas — tests for safetensors reading, writing and validation, against PyTorch's reference files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clnas/safetensors.h"
#include "scratch_dir.h"

#ifndef CLNAS_TEST_DATA
#error "CLNAS_TEST_DATA must name tests/data"
#endif

#define REF_BEST CLNAS_TEST_DATA "/reference/nb201-best-c4n1"
#define REF_MIX CLNAS_TEST_DATA "/reference/nb201-mix-c4n2"

static int count_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* Writes a file of an explicit header length, header text and data bytes. */
static void write_raw(const char *path, uint64_t header_len, const char *header, const void *data, size_t data_len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(header_len >> (8 * i));
    assert_int_equal(fwrite(len, 1, 8, f), 8);
    size_t hl = strlen(header);
    if (hl)
        assert_int_equal(fwrite(header, 1, hl, f), hl);
    if (data_len)
        assert_int_equal(fwrite(data, 1, data_len, f), data_len);
    fclose(f);
}

static void write_file(const char *path, const char *header, const void *data, size_t data_len)
{
    write_raw(path, strlen(header), header, data, data_len);
}

static void expect_read_error(const char *path, clnas_status want, const char *fragment)
{
    clnas_safetensors st;
    clnas_error err;
    clnas_error_clear(&err);
    clnas_status got = clnas_safetensors_read(path, &st, &err);
    if (got != want || !strstr(err.message, fragment) || !strstr(err.message, path))
        print_error("status %s, message: %s\n  (expected status %s, message with \"%s\")\n",
                    clnas_status_to_string(got), err.message, clnas_status_to_string(want), fragment);
    assert_int_equal(got, want);
    assert_non_null(strstr(err.message, fragment));
    assert_non_null(strstr(err.message, path));
    assert_null(st.tensors);
    assert_int_equal(st.count, 0);
}

/* ---- the PyTorch reference files ---- */

static void test_reads_reference_weights(void **state)
{
    (void)state;
    clnas_safetensors st;
    clnas_error err;
    clnas_status s = clnas_safetensors_read(REF_BEST "/weights.safetensors", &st, &err);
    if (s != CLNAS_OK)
        print_error("%s\n", err.message);
    assert_int_equal(s, CLNAS_OK);
    assert_int_equal(st.count, 108);
    assert_int_equal(st.metadata_count, 0);
    assert_string_equal(st.tensors[0].name, "stem.conv.weight");

    const clnas_tensor *w = clnas_safetensors_find(&st, "stem.conv.weight");
    assert_non_null(w);
    assert_int_equal(w->dtype, CLNAS_DTYPE_F32);
    assert_int_equal(w->ndim, 4);
    assert_int_equal(w->shape[0], 4);
    assert_int_equal(w->shape[1], 1);
    assert_int_equal(w->shape[2], 3);
    assert_int_equal(w->shape[3], 3);
    assert_int_equal(clnas_tensor_numel(w), 36);
    assert_int_equal(w->nbytes, 144);
    /* values read with numpy from the same file */
    const float *wf = w->data;
    assert_true(wf[0] == 0.1717544049024582f);
    assert_true(wf[1] == -0.14712607860565186f);
    assert_true(wf[3] == 0.15645632147789001f);
    double wd[36], sum = 0;
    assert_int_equal(clnas_tensor_to_double(w, wd, 36, &err), CLNAS_OK);
    for (int i = 0; i < 36; i++)
        sum += wd[i];
    assert_true(fabs(sum - 0.09023270127363503) < 1e-9);

    const clnas_tensor *b = clnas_safetensors_find(&st, "classifier.bias");
    assert_non_null(b);
    assert_int_equal(b->ndim, 1);
    assert_int_equal(b->shape[0], 10);
    assert_true(((const float *)b->data)[0] == -0.17852303385734558f);
    assert_null(clnas_safetensors_find(&st, "no.such.tensor"));

    /* every parameter has a float32 shape consistent with its bytes */
    for (int i = 0; i < st.count; i++) {
        assert_int_equal(st.tensors[i].dtype, CLNAS_DTYPE_F32);
        assert_int_equal((int64_t)st.tensors[i].nbytes, 4 * clnas_tensor_numel(&st.tensors[i]));
    }
    clnas_safetensors_free(&st);
    assert_null(st.tensors);
    assert_int_equal(st.count, 0);
    clnas_safetensors_free(&st); /* twice is harmless */
}

static void test_reads_reference_expected(void **state)
{
    (void)state;
    clnas_safetensors st;
    clnas_error err;
    assert_int_equal(clnas_safetensors_read(REF_BEST "/expected.safetensors", &st, &err), CLNAS_OK);
    assert_int_equal(st.count, 180);

    const clnas_tensor *labels = clnas_safetensors_find(&st, "labels");
    assert_non_null(labels);
    assert_int_equal(labels->dtype, CLNAS_DTYPE_I64);
    assert_int_equal(labels->ndim, 1);
    assert_int_equal(labels->shape[0], 4);
    const int64_t *l = labels->data;
    assert_int_equal(l[0], 0);
    assert_int_equal(l[1], 7);
    assert_int_equal(l[2], 4);
    assert_int_equal(l[3], 2);
    double ld[4];
    assert_int_equal(clnas_tensor_to_double(labels, ld, 4, &err), CLNAS_OK);
    assert_true(ld[1] == 7.0);

    /* meta.json records the loss PyTorch printed */
    const clnas_tensor *loss = clnas_safetensors_find(&st, "loss");
    assert_non_null(loss);
    assert_int_equal(loss->ndim, 1);
    assert_int_equal(loss->shape[0], 1);
    assert_true(*(const float *)loss->data == (float)2.1789560317993164);

    const clnas_tensor *input = clnas_safetensors_find(&st, "input");
    assert_non_null(input);
    assert_int_equal(input->ndim, 4);
    assert_int_equal(input->shape[0], 4);
    assert_int_equal(input->shape[2], 12);
    float in[4 * 12 * 12];
    assert_int_equal(clnas_tensor_to_float(input, in, 4 * 12 * 12, &err), CLNAS_OK);
    assert_true(in[0] == -0.9551109075546265f);

    /* a wrong element count names the tensor and both shapes */
    double small[10];
    assert_int_equal(clnas_tensor_to_double(input, small, 10, &err), CLNAS_ERR_MISMATCH);
    assert_non_null(strstr(err.message, "'input'"));
    assert_non_null(strstr(err.message, "[4, 1, 12, 12]"));
    assert_non_null(strstr(err.message, "[10]"));

    assert_non_null(clnas_safetensors_find(&st, "grad.stem.conv.weight"));
    assert_non_null(clnas_safetensors_find(&st, "after_step.stem.bn.running_mean"));
    clnas_safetensors_free(&st);
}

static void test_reads_second_reference(void **state)
{
    (void)state;
    clnas_safetensors w, e;
    clnas_error err;
    assert_int_equal(clnas_safetensors_read(REF_MIX "/weights.safetensors", &w, &err), CLNAS_OK);
    assert_int_equal(clnas_safetensors_read(REF_MIX "/expected.safetensors", &e, &err), CLNAS_OK);
    assert_true(w.count > 0);
    /* every parameter has a gradient of the same shape */
    const clnas_tensor *cw = clnas_safetensors_find(&w, "classifier.weight");
    assert_non_null(cw);
    assert_int_equal(cw->shape[0], 10);
    const clnas_tensor *g = clnas_safetensors_find(&e, "grad.classifier.weight");
    assert_non_null(g);
    assert_int_equal(g->ndim, cw->ndim);
    assert_int_equal(clnas_tensor_numel(g), clnas_tensor_numel(cw));
    const clnas_tensor *in = clnas_safetensors_find(&e, "input");
    assert_non_null(in);
    assert_int_equal(in->shape[0], 3);
    assert_int_equal(in->shape[2], 20);
    clnas_safetensors_free(&w);
    clnas_safetensors_free(&e);
}

/* ---- writing ---- */

static void test_round_trip_all_dtypes(void **state)
{
    char path[4200];
    scratch_dir_path(path, sizeof path, *state, "rt.safetensors");
    float f32[6] = {1.5f, -2.25f, 3e-8f, 0.0f, -0.0f, 1e30f};
    double f64[3] = {0.1, -1e-300, 12345.678901234567};
    int32_t i32[4] = {0, -1, INT32_MAX, INT32_MIN};
    int64_t i64[2] = {INT64_MAX, -5};
    double scalar = 42.0;
    clnas_tensor t[] = {
        {.name = "a.f32", .dtype = CLNAS_DTYPE_F32, .ndim = 2, .shape = {2, 3}, .data = f32, .nbytes = sizeof f32},
        {.name = "b\"quoted\\name", .dtype = CLNAS_DTYPE_F64, .ndim = 1, .shape = {3}, .data = f64,
         .nbytes = sizeof f64},
        {.name = "c.i32", .dtype = CLNAS_DTYPE_I32, .ndim = 3, .shape = {1, 2, 2}, .data = i32, .nbytes = sizeof i32},
        {.name = "d.i64", .dtype = CLNAS_DTYPE_I64, .ndim = 1, .shape = {2}, .data = i64, .nbytes = sizeof i64},
        {.name = "e.scalar", .dtype = CLNAS_DTYPE_F64, .ndim = 0, .data = &scalar, .nbytes = sizeof scalar},
        {.name = "f.empty", .dtype = CLNAS_DTYPE_F32, .ndim = 2, .shape = {0, 4}, .data = NULL, .nbytes = 0},
    };
    int n = (int)(sizeof t / sizeof t[0]);
    const char *meta[] = {"arch", "|nor_conv_3x3~0|+|skip_connect~0|none~1|", "format", "pt", NULL};
    clnas_error err;
    clnas_status s = clnas_safetensors_write(path, t, n, meta, &err);
    if (s != CLNAS_OK)
        print_error("%s\n", err.message);
    assert_int_equal(s, CLNAS_OK);
    assert_int_equal(count_entries(*state), 1); /* no temporary left behind */

    /* layout: header length a multiple of 8, data packed after it */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char len[8];
    assert_int_equal(fread(len, 1, 8, f), 8);
    fclose(f);
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; i--)
        header_len = header_len << 8 | len[i];
    assert_int_equal(header_len % 8, 0);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    size_t data_bytes = 0;
    for (int i = 0; i < n; i++)
        data_bytes += t[i].nbytes;
    assert_int_equal((uint64_t)sb.st_size, 8 + header_len + data_bytes);

    clnas_safetensors st;
    assert_int_equal(clnas_safetensors_read(path, &st, &err), CLNAS_OK);
    assert_int_equal(st.count, n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(st.tensors[i].name, t[i].name);
        assert_int_equal(st.tensors[i].dtype, t[i].dtype);
        assert_int_equal(st.tensors[i].ndim, t[i].ndim);
        for (int d = 0; d < t[i].ndim; d++)
            assert_int_equal(st.tensors[i].shape[d], t[i].shape[d]);
        assert_int_equal(st.tensors[i].nbytes, t[i].nbytes);
        if (t[i].nbytes)
            assert_memory_equal(st.tensors[i].data, t[i].data, t[i].nbytes);
    }
    assert_int_equal(st.metadata_count, 2);
    assert_string_equal(clnas_safetensors_metadata(&st, "arch"), meta[1]);
    assert_string_equal(clnas_safetensors_metadata(&st, "format"), "pt");
    assert_null(clnas_safetensors_metadata(&st, "missing"));

    double conv[4];
    assert_int_equal(clnas_tensor_to_double(&st.tensors[2], conv, 4, &err), CLNAS_OK);
    assert_true(conv[2] == (double)INT32_MAX && conv[3] == (double)INT32_MIN);
    double one;
    assert_int_equal(clnas_tensor_to_double(&st.tensors[4], &one, 1, &err), CLNAS_OK);
    assert_true(one == 42.0);
    assert_int_equal(clnas_tensor_to_double(&st.tensors[5], NULL, 0, &err), CLNAS_OK);
    clnas_safetensors_free(&st);

    /* overwriting replaces the file */
    assert_int_equal(clnas_safetensors_write(path, t, 1, NULL, &err), CLNAS_OK);
    assert_int_equal(clnas_safetensors_read(path, &st, &err), CLNAS_OK);
    assert_int_equal(st.count, 1);
    assert_null(st.metadata);
    clnas_safetensors_free(&st);
    assert_int_equal(count_entries(*state), 1);
}

static void test_round_trip_reference(void **state)
{
    char path[4200];
    scratch_dir_path(path, sizeof path, *state, "copy.safetensors");
    clnas_safetensors a, b;
    clnas_error err;
    assert_int_equal(clnas_safetensors_read(REF_BEST "/expected.safetensors", &a, &err), CLNAS_OK);
    assert_int_equal(clnas_safetensors_write(path, a.tensors, a.count, NULL, &err), CLNAS_OK);
    assert_int_equal(clnas_safetensors_read(path, &b, &err), CLNAS_OK);
    assert_int_equal(b.count, a.count);
    for (int i = 0; i < a.count; i++) {
        const clnas_tensor *x = &a.tensors[i], *y = clnas_safetensors_find(&b, x->name);
        assert_non_null(y);
        assert_int_equal(y->dtype, x->dtype);
        assert_int_equal(y->ndim, x->ndim);
        assert_int_equal(y->nbytes, x->nbytes);
        assert_memory_equal(y->data, x->data, x->nbytes);
    }
    clnas_safetensors_free(&a);
    clnas_safetensors_free(&b);
}

static void test_write_rejects_bad_tensors(void **state)
{
    char path[4200];
    scratch_dir_path(path, sizeof path, *state, "bad.safetensors");
    float v[4] = {0};
    clnas_error err;
    clnas_tensor dup[] = {
        {.name = "x", .dtype = CLNAS_DTYPE_F32, .ndim = 1, .shape = {4}, .data = v, .nbytes = 16},
        {.name = "x", .dtype = CLNAS_DTYPE_F32, .ndim = 1, .shape = {4}, .data = v, .nbytes = 16},
    };
    assert_int_equal(clnas_safetensors_write(path, dup, 2, NULL, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "'x'"));

    clnas_tensor wrong_bytes = {.name = "y", .dtype = CLNAS_DTYPE_F64, .ndim = 1, .shape = {4}, .data = v,
                                .nbytes = 16};
    assert_int_equal(clnas_safetensors_write(path, &wrong_bytes, 1, NULL, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "'y'"));

    clnas_tensor reserved = {.name = "__metadata__", .dtype = CLNAS_DTYPE_F32, .ndim = 1, .shape = {4}, .data = v,
                             .nbytes = 16};
    assert_int_equal(clnas_safetensors_write(path, &reserved, 1, NULL, &err), CLNAS_ERR_INVALID_ARG);

    const char *odd_meta[] = {"key", NULL, NULL};
    assert_int_equal(clnas_safetensors_write(path, dup, 1, odd_meta, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "metadata key \"key\" has no value"));
    assert_int_equal(count_entries(*state), 0); /* nothing was written */

    assert_int_equal(clnas_safetensors_write("/nonexistent-dir-clnas/x.safetensors", dup, 1, NULL, &err),
                     CLNAS_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent-dir-clnas/x.safetensors.tmp."));
}

/* ---- corrupt files ---- */

/* Files of one JSON header (and 16 zero data bytes when with_data) that reading refuses as malformed. */
static const struct {
    const char *file, *header;
    int with_data;
    const char *fragment; /* the error message contains it */
} malformed_headers[] = {
    {"not_json.safetensors", "{\"a\": {\"dtype\": \"F32\",", 1, "not valid JSON"},
    {"array.safetensors", "[1, 2]  ", 0, "not an object"},
    {"garbage_after.safetensors", "{} xyz", 0, "after its JSON value"},
    {"no_dtype.safetensors", "{\"w\": {\"shape\": [4], \"data_offsets\": [0, 16]}}", 1,
     "tensor 'w': header entry has no \"dtype\""},
    {"no_shape.safetensors", "{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 16]}}", 1, "no \"shape\""},
    {"no_offsets.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [4]}}", 1, "no \"data_offsets\""},
    {"bf16.safetensors", "{\"w\": {\"dtype\": \"BF16\", \"shape\": [8], \"data_offsets\": [0, 16]}}", 1,
     "dtype \"BF16\" is not supported"},
    {"out_of_range.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]}}", 1,
     "[8, 24] lie outside the 16 data bytes"},
    {"reversed.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [16, 0]}}", 1,
     "lie outside"},
    {"size_mismatch.safetensors", "{\"w\": {\"dtype\": \"F64\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 1,
     "shape [4] of F64 needs 32"},
    {"negative_dim.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [-4], \"data_offsets\": [0, 16]}}", 1,
     "shape[0] is not a non-negative integer"},
    {"huge_dim.safetensors",
     "{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904], \"data_offsets\": [0, 16]}}", 1,
     "shape[0] is 4611686018427387904, larger than the largest dimension a JSON header holds exactly"},
    {"fraction.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0.5, 16]}}", 1,
     "data_offsets is not a pair"},
    {"duplicate.safetensors",
     "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
     " \"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}",
     1, "'w' appears twice"},
    {"bad_meta.safetensors", "{\"__metadata__\": {\"k\": 3}}", 0, "__metadata__[\"k\"] is not a string"},
    /* a good tensor before a bad one is freed, not leaked (ASan would report it) */
    {"second_bad.safetensors",
     "{\"ok\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
     " \"bad\": {\"dtype\": \"I32\", \"shape\": [3], \"data_offsets\": [8, 16]}}",
     1, "tensor 'bad'"},
};

static void test_rejects_corrupt_files(void **state)
{
    char p[4200];
    unsigned char data[16] = {0};

    scratch_dir_path(p, sizeof p, *state, "short.safetensors");
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fwrite("abcde", 1, 5, f);
    fclose(f);
    expect_read_error(p, CLNAS_ERR_FORMAT, "shorter than the 8-byte");

    scratch_dir_path(p, sizeof p, *state, "long_header.safetensors");
    write_raw(p, 1000, "{}", NULL, 0);
    expect_read_error(p, CLNAS_ERR_FORMAT, "header length 1000 runs past the end");

    for (size_t i = 0; i < sizeof malformed_headers / sizeof malformed_headers[0]; i++) {
        scratch_dir_path(p, sizeof p, *state, malformed_headers[i].file);
        int with_data = malformed_headers[i].with_data;
        write_file(p, malformed_headers[i].header, with_data ? data : NULL, with_data ? sizeof data : 0);
        expect_read_error(p, CLNAS_ERR_FORMAT, malformed_headers[i].fragment);
    }

    scratch_dir_path(p, sizeof p, *state, "missing.safetensors");
    expect_read_error(p, CLNAS_ERR_IO, "cannot open");
}

static void test_accepts_minimal_files(void **state)
{
    char p[4200];
    clnas_safetensors st;
    clnas_error err;
    scratch_dir_path(p, sizeof p, *state, "empty_object.safetensors");
    write_file(p, "{}      ", NULL, 0);
    assert_int_equal(clnas_safetensors_read(p, &st, &err), CLNAS_OK);
    assert_int_equal(st.count, 0);
    clnas_safetensors_free(&st);

    /* offsets need not be in order nor cover every byte */
    int32_t data[4] = {10, 20, 30, 40};
    scratch_dir_path(p, sizeof p, *state, "unordered.safetensors");
    write_file(p,
               "{\"late\": {\"dtype\": \"I32\", \"shape\": [1], \"data_offsets\": [12, 16]},"
               " \"early\": {\"dtype\": \"I32\", \"shape\": [1, 1], \"data_offsets\": [0, 4]}}",
               data, sizeof data);
    assert_int_equal(clnas_safetensors_read(p, &st, &err), CLNAS_OK);
    assert_int_equal(st.count, 2);
    assert_int_equal(*(const int32_t *)clnas_safetensors_find(&st, "late")->data, 40);
    assert_int_equal(*(const int32_t *)clnas_safetensors_find(&st, "early")->data, 10);
    clnas_safetensors_free(&st);
}

/* ---- many tensors: the header checks are O(n log n), and the count is capped ---- */

/* The bound on reading 100,000 tensors (0.25 CPU s here; the pairwise checks took 93 s): the sanitizer build runs
 * several times slower. */
#if defined(__SANITIZE_ADDRESS__)
#define MANY_TENSORS_SECONDS 5.0
#else
#define MANY_TENSORS_SECONDS 1.0
#endif

/* CPU seconds of this process: the machine the tests run on may be shared, and wall time would measure the others. */
static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A file of n one-element I32 tensors t0000000 .. packed back to back (in reverse order of their offsets, so
 * nothing is sorted already); the header is returned for reading the time it takes. */
static void write_many(const char *path, int n)
{
    size_t cap = (size_t)n * 80 + 64, len = 0;
    char *header = malloc(cap);
    assert_non_null(header);
    len += (size_t)snprintf(header + len, cap - len, "{");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(header + len, cap - len, "%s\"t%07d\":{\"dtype\":\"I32\",\"shape\":[1],"
                                "\"data_offsets\":[%d,%d]}", i ? "," : "", i, 4 * (n - 1 - i), 4 * (n - i));
    len += (size_t)snprintf(header + len, cap - len, "}");
    int32_t *data = calloc((size_t)n, sizeof *data);
    assert_non_null(data);
    for (int i = 0; i < n; i++)
        data[n - 1 - i] = i;
    write_file(path, header, data, (size_t)n * sizeof *data);
    free(data);
    free(header);
}

static void test_many_tensors_fast(void **state)
{
    char p[4200];
    clnas_safetensors st;
    clnas_error err;
    /* at the cap: accepted, every tensor read (the pairwise checks took about 20 s here) */
    scratch_dir_path(p, sizeof p, *state, "at_cap.safetensors");
    write_many(p, CLNAS_SAFETENSORS_MAX_TENSORS);
    double t0 = seconds_now();
    assert_int_equal(clnas_safetensors_read(p, &st, &err), CLNAS_OK);
    double took = seconds_now() - t0;
    printf("%d tensors read in %.3f CPU s\n", CLNAS_SAFETENSORS_MAX_TENSORS, took);
    assert_int_equal(st.count, CLNAS_SAFETENSORS_MAX_TENSORS);
    assert_int_equal(*(const int32_t *)clnas_safetensors_find(&st, "t0012345")->data, 12345);
    clnas_safetensors_free(&st);
    assert_true(took < MANY_TENSORS_SECONDS);

    /* 200,000 (79 s before the fix): refused, naming the cap */
    scratch_dir_path(p, sizeof p, *state, "over_cap.safetensors");
    write_many(p, 200000);
    t0 = seconds_now();
    expect_read_error(p, CLNAS_ERR_FORMAT, "more than the 100000 tensors");
    took = seconds_now() - t0;
    printf("200000 tensors refused in %.3f CPU s\n", took);
    assert_true(took < MANY_TENSORS_SECONDS);
}

static void test_header_caps_and_overlap(void **state)
{
    char p[4200];
    unsigned char data[16] = {0};
    scratch_dir_path(p, sizeof p, *state, "huge_header.safetensors");
    write_raw(p, (uint64_t)CLNAS_SAFETENSORS_MAX_HEADER_BYTES + 1, "{}", NULL, 0);
    expect_read_error(p, CLNAS_ERR_FORMAT, "header length 100000001 is more than the 100000000 bytes");

    scratch_dir_path(p, sizeof p, *state, "overlap.safetensors");
    write_file(p,
               "{\"a\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
               " \"z\": {\"dtype\": \"I32\", \"shape\": [1], \"data_offsets\": [12, 16]},"
               " \"b\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
               data, sizeof data);
    expect_read_error(p, CLNAS_ERR_FORMAT, "tensors 'a' (data_offsets [0, 8]) and 'b' ([4, 12]) share data bytes");

    /* an empty tensor shares no bytes, wherever its offsets point */
    clnas_safetensors st;
    clnas_error err;
    scratch_dir_path(p, sizeof p, *state, "empty_inside.safetensors");
    write_file(p,
               "{\"a\": {\"dtype\": \"I32\", \"shape\": [4], \"data_offsets\": [0, 16]},"
               " \"e\": {\"dtype\": \"I32\", \"shape\": [0], \"data_offsets\": [4, 4]}}",
               data, sizeof data);
    assert_int_equal(clnas_safetensors_read(p, &st, &err), CLNAS_OK);
    assert_int_equal(st.count, 2);
    clnas_safetensors_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_reference_weights),
        cmocka_unit_test(test_reads_reference_expected),
        cmocka_unit_test(test_reads_second_reference),
        scratch_dir_unit_test(test_round_trip_all_dtypes),
        scratch_dir_unit_test(test_round_trip_reference),
        scratch_dir_unit_test(test_write_rejects_bad_tensors),
        scratch_dir_unit_test(test_rejects_corrupt_files),
        scratch_dir_unit_test(test_accepts_minimal_files),
        scratch_dir_unit_test(test_many_tensors_fast),
        scratch_dir_unit_test(test_header_caps_and_overlap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
