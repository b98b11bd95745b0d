/* clnas — the program cache: OpenCL source -> built cl_program, in memory and as on-disk binaries per device. */
#include "program_cache.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cl_check.h"
#include "clock.h"
#include "file_io.h"
#include "hash.h"

#define CACHE_PATH_MAX 4096
/* Bump when the key or the file layout changes, so old entries are simply never found. */
#define CACHE_FORMAT "clnas-program-cache-1"

/* An on-disk entry is this header followed by the driver's binary. The checksum catches torn or corrupt files before
 * the driver sees them (some drivers crash on garbage binaries). */
typedef struct binary_header {
    char magic[8];           /* "CLNASPB1" */
    uint64_t key;
    uint64_t size;
    uint64_t checksum;       /* FNV-1a 64 of the binary */
} binary_header;

static const char BINARY_MAGIC[8] = {'C', 'L', 'N', 'A', 'S', 'P', 'B', '1'};

typedef struct cached_program {
    uint64_t key;
    cl_program program;
} cached_program;

typedef struct cached_kernel {
    cl_program program;
    char *entry;
    cl_kernel kernel;
} cached_kernel;

struct clnas_program_cache {
    clnas_device *dev;
    char root[CACHE_PATH_MAX];
    char programs_dir[CACHE_PATH_MAX];
    cached_program *programs;
    int program_count, program_cap;
    cached_kernel *kernels;
    int kernel_count, kernel_cap;
    clnas_program_cache_stats stats;
    clnas_program_build_fn observer;
    void *observer_user;
    int batch_total, batch_done;
};

/* mkdir -p of a cache directory; a failure says how to choose another. */
static clnas_status make_dirs(const char *path, clnas_error *err)
{
    clnas_error made;
    if (clnas_dirs_make(path, &made) != CLNAS_OK)
        return clnas_error_set(err, made.status, "cache directory %s (set CLNAS_CACHE_DIR to a writable directory)",
                               made.message);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return clnas_error_set(err, CLNAS_ERR_IO, "cache directory \"%s\" exists but is not a directory", path);
    return CLNAS_OK;
}

clnas_status clnas_cache_root(const char *dir, char *out, size_t cap, clnas_error *err)
{
    const char *env;
    int n;
    if (dir && *dir)
        n = snprintf(out, cap, "%s", dir);
    else if ((env = getenv("CLNAS_CACHE_DIR")) && *env)
        n = snprintf(out, cap, "%s", env);
    else if ((env = getenv("XDG_CACHE_HOME")) && *env)
        n = snprintf(out, cap, "%s/clnas", env);
    else if ((env = getenv("HOME")) && *env)
        n = snprintf(out, cap, "%s/.cache/clnas", env);
    else
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "no cache directory: pass one, or set CLNAS_CACHE_DIR, XDG_CACHE_HOME or HOME");
    if (n < 0 || (size_t)n >= cap - 64)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "cache directory path is too long: \"%.200s...\"", out);
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
    return CLNAS_OK;
}

clnas_status clnas_program_cache_new(clnas_device *dev, const char *dir, clnas_program_cache **out, clnas_error *err)
{
    if (!dev || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_program_cache_new: dev and out must not be NULL");
    *out = NULL;
    clnas_program_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "program cache: out of host memory");
    cache->dev = dev;
    clnas_status st = clnas_cache_root(dir, cache->root, sizeof cache->root, err);
    if (st == CLNAS_OK) {
        char key[96];
        st = clnas_device_key(&dev->info, NULL, key, sizeof key, err);
        if (st == CLNAS_OK && snprintf(cache->programs_dir, sizeof cache->programs_dir, "%s/programs/%s", cache->root, key)
            >= (int)sizeof cache->programs_dir)
            st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "cache directory path is too long: \"%.200s...\"",
                                 cache->root);
    }
    if (st == CLNAS_OK)
        st = make_dirs(cache->programs_dir, err);
    if (st != CLNAS_OK) {
        free(cache);
        return st;
    }
    *out = cache;
    return CLNAS_OK;
}

/* The build options the driver sees: the device's -cl-std plus the caller's. Caller frees. */
static char *full_options(const clnas_device *dev, const char *extra)
{
    const char *more = extra ? extra : "";
    size_t n = strlen(dev->build_options) + 1 + strlen(more) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", dev->build_options, dev->build_options[0] && more[0] ? " " : "", more);
    return s;
}

static uint64_t program_key(const clnas_device *dev, const char *source, const char *options)
{
    uint64_t h = clnas_fnv1a64(source, strlen(source), CLNAS_FNV1A64_INIT);
    h = clnas_fnv1a64("\n", 1, h);
    h = clnas_fnv1a64_str(options, h);
    h = clnas_fnv1a64_str(dev->info.name, h);
    h = clnas_fnv1a64_str(dev->info.driver_version, h);
    h = clnas_fnv1a64_str(dev->info.platform, h);
    return clnas_fnv1a64_str(CACHE_FORMAT, h);
}

/* An on-disk entry's content: its header, then the driver's binary. */
typedef struct entry_parts {
    const binary_header *header;
    const unsigned char *binary;
} entry_parts;

static int write_entry(FILE *f, void *ctx)
{
    const entry_parts *e = ctx;
    size_t size = (size_t)e->header->size;
    return fwrite(e->header, sizeof *e->header, 1, f) == 1 && fwrite(e->binary, 1, size, f) == size ? 0 : -1;
}

static int add_program(clnas_program_cache *cache, uint64_t key, cl_program program)
{
    if (cache->program_count == cache->program_cap) {
        int cap = cache->program_cap ? 2 * cache->program_cap : 16;
        cached_program *grown = realloc(cache->programs, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        cache->programs = grown;
        cache->program_cap = cap;
    }
    cache->programs[cache->program_count].key = key;
    cache->programs[cache->program_count].program = program;
    cache->program_count++;
    return 0;
}

unsigned char *clnas_program_cache_entry_read(const char *path, uint64_t key, size_t *size)
{
    char *text = NULL;
    size_t n = 0;
    clnas_error ignored;
    if (clnas_file_read_all(path, &text, &n, &ignored) != CLNAS_OK)
        return NULL;
    unsigned char *bin = (unsigned char *)text;
    binary_header h;
    int ok = n > sizeof h;
    if (ok)
        memcpy(&h, bin, sizeof h);
    ok = ok && memcmp(h.magic, BINARY_MAGIC, sizeof h.magic) == 0 && h.key == key && h.size == n - sizeof h
         && clnas_fnv1a64(bin + sizeof h, (size_t)h.size, CLNAS_FNV1A64_INIT) == h.checksum;
    if (!ok) {
        free(bin);
        return NULL;
    }
    memmove(bin, bin + sizeof h, (size_t)h.size);
    *size = (size_t)h.size;
    return bin;
}

/* A program from the disk binary, or NULL (absent, corrupt, or refused by the driver: the caller rebuilds). */
static cl_program load_from_disk(clnas_program_cache *cache, const char *path, uint64_t key, const char *options)
{
    size_t size = 0;
    unsigned char *bin = clnas_program_cache_entry_read(path, key, &size);
    if (!bin)
        return NULL;
    const unsigned char *bins[1] = {bin};
    cl_int binary_status = CL_SUCCESS, rc = CL_SUCCESS;
    cl_program program =
        clCreateProgramWithBinary(cache->dev->context, 1, &cache->dev->id, &size, bins, &binary_status, &rc);
    free(bin);
    if (rc != CL_SUCCESS || binary_status != CL_SUCCESS) {
        if (program)
            clReleaseProgram(program);
        return NULL;
    }
    if (clBuildProgram(program, 1, &cache->dev->id, options, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(program);
        return NULL;
    }
    return program;
}

/* Best effort: a binary that cannot be saved only costs a rebuild next run. */
static void save_binary(const char *path, uint64_t key, cl_program program)
{
    size_t size = 0;
    if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) != CL_SUCCESS || size == 0)
        return;
    unsigned char *bin = malloc(size);
    if (!bin)
        return;
    unsigned char *bins[1] = {bin};
    if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) == CL_SUCCESS) {
        binary_header h;
        memcpy(h.magic, BINARY_MAGIC, sizeof h.magic);
        h.key = key;
        h.size = size;
        h.checksum = clnas_fnv1a64(bin, size, CLNAS_FNV1A64_INIT);
        entry_parts parts = {&h, bin};
        clnas_error ignored;
        (void)clnas_file_write_atomic(path, write_entry, &parts, &ignored);
    }
    free(bin);
}

static char *build_log(const clnas_device *dev, cl_program program)
{
    size_t size = 0;
    if (clGetProgramBuildInfo(program, dev->id, CL_PROGRAM_BUILD_LOG, 0, NULL, &size) != CL_SUCCESS)
        size = 0;
    char *log = calloc(size + 1, 1);
    if (log && size > 0 && clGetProgramBuildInfo(program, dev->id, CL_PROGRAM_BUILD_LOG, size, log, NULL) != CL_SUCCESS)
        log[0] = '\0';
    if (log) {
        size_t n = strlen(log);
        while (n > 0 && (log[n - 1] == '\n' || log[n - 1] == ' ' || log[n - 1] == '\r'))
            log[--n] = '\0';
    }
    return log;
}

/* Saves the source and full log under <root>/failed/ and fills err with the head of the log and the paths. */
static clnas_status report_build_failure(clnas_program_cache *cache, const char *source, const char *options,
                                         const char *label, uint64_t key, cl_int rc, cl_program program,
                                         clnas_error *err)
{
    char failed_dir[CACHE_PATH_MAX + 16], source_path[CACHE_PATH_MAX + 64], log_path[CACHE_PATH_MAX + 64];
    snprintf(failed_dir, sizeof failed_dir, "%s/failed", cache->root);
    snprintf(source_path, sizeof source_path, "%s/%016" PRIx64 ".cl", failed_dir, key);
    snprintf(log_path, sizeof log_path, "%s/%016" PRIx64 ".log", failed_dir, key);
    char *log = build_log(cache->dev, program);
    const char *log_text = log && log[0] ? log : "(the driver gave no build log)";

    clnas_error save_err;
    int saved = make_dirs(failed_dir, &save_err) == CLNAS_OK
                && clnas_file_write_bytes_atomic(source_path, source, strlen(source), &save_err) == CLNAS_OK;
    int log_saved = saved && clnas_file_write_bytes_atomic(log_path, log_text, strlen(log_text), &save_err) == CLNAS_OK;

    char source_note[CACHE_PATH_MAX + 128];
    if (saved)
        snprintf(source_note, sizeof source_note, "%s", source_path);
    else
        snprintf(source_note, sizeof source_note, "not saved (cannot write %s)", failed_dir);
    char msg[sizeof err->message];
    int head = snprintf(msg, sizeof msg, "kernel %s failed to build on \"%s\": %s (%d); source: %s; options: \"%.300s\"; "
                        "build log:\n", label, cache->dev->info.name, clnas_cl_error_name(rc), (int)rc, source_note,
                        options);
    if (head < 0)
        head = 0;
    size_t used = (size_t)head < sizeof msg ? (size_t)head : sizeof msg - 1;
    char tail[CACHE_PATH_MAX + 128];
    snprintf(tail, sizeof tail, "\n... (log truncated; full log: %s)", log_saved ? log_path : "not saved");
    size_t room = sizeof msg - 1 - used;
    size_t log_len = strlen(log_text);
    if (log_len <= room) {
        memcpy(msg + used, log_text, log_len + 1);
    } else if (room > strlen(tail)) {
        size_t keep = room - strlen(tail);
        memcpy(msg + used, log_text, keep);
        memcpy(msg + used + keep, tail, strlen(tail) + 1);
    }
    free(log);
    return clnas_error_set(err, CLNAS_ERR_BUILD, "%s", msg);
}

/* The compiler inside some drivers writes to file descriptor 2 itself (PoCL's clang: "17 warnings generated."),
 * past the build log: a library must not print, so a build's fd 2 goes to a temporary file, read back into the log.
 * Best effort: without a temporary file the build runs uncaptured. */
typedef struct stderr_capture {
    int saved; /* the real fd 2, -1 when not capturing */
    FILE *tmp;
} stderr_capture;

static void capture_begin(stderr_capture *c)
{
    c->saved = -1;
    fflush(stderr);
    c->tmp = tmpfile();
    if (!c->tmp)
        return;
    c->saved = dup(2);
    if (c->saved < 0 || dup2(fileno(c->tmp), 2) < 0) {
        if (c->saved >= 0)
            close(c->saved);
        c->saved = -1;
        fclose(c->tmp);
        c->tmp = NULL;
    }
}

/* Restores fd 2; returns what was written to it (malloc'ed, may be empty) or NULL. */
static char *capture_end(stderr_capture *c)
{
    if (c->saved < 0)
        return NULL;
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    long n = fseek(c->tmp, 0, SEEK_END) == 0 ? ftell(c->tmp) : -1;
    char *text = n >= 0 ? calloc((size_t)n + 1, 1) : NULL;
    if (text) {
        rewind(c->tmp);
        size_t got = fread(text, 1, (size_t)n, c->tmp);
        text[got] = '\0';
    }
    fclose(c->tmp);
    return text;
}

/* The build log with what the compiler wrote to fd 2 after it; takes both. */
static char *with_capture(char *log, char *said)
{
    size_t n = said ? strlen(said) : 0;
    while (n > 0 && (said[n - 1] == '\n' || said[n - 1] == ' '))
        said[--n] = '\0';
    if (!log || n == 0) {
        free(said);
        return log;
    }
    char *both = malloc(strlen(log) + n + 2);
    if (both)
        sprintf(both, "%s%s%s", log, log[0] ? "\n" : "", said);
    free(log);
    free(said);
    return both;
}

/* Best effort: appends a successful build's log (warnings) to <root>/build.log, where `--verbose` and people look. */
static void append_build_log(const clnas_program_cache *cache, const char *label, uint64_t key, const char *log)
{
    char path[CACHE_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/build.log", cache->root);
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, "== kernel %s (program %016" PRIx64 ", %s)\n%s\n", label, key, cache->dev->info.name, log);
    fclose(f);
}

static clnas_status build_from_source(clnas_program_cache *cache, const char *source, const char *options,
                                      const char *label, uint64_t key, cl_program *out, clnas_error *err)
{
    cl_int rc = CL_SUCCESS;
    size_t length = strlen(source);
    cl_program program = clCreateProgramWithSource(cache->dev->context, 1, &source, &length, &rc);
    if (rc != CL_SUCCESS) {
        clnas_cl_error_set(rc, "clCreateProgramWithSource", __FILE__, __LINE__, err);
        return clnas_error_prefix(err, "kernel %s", label);
    }
    double start = clnas_clock_seconds();
    stderr_capture cap;
    capture_begin(&cap);
    rc = clBuildProgram(program, 1, &cache->dev->id, options, NULL, NULL);
    char *said = capture_end(&cap);
    double seconds = clnas_clock_seconds() - start;
    if (rc != CL_SUCCESS) {
        free(said);
        clnas_status st = report_build_failure(cache, source, options, label, key, rc, program, err);
        clReleaseProgram(program);
        return st;
    }
    cache->stats.builds++;
    cache->stats.build_seconds += seconds;
    char *log = with_capture(build_log(cache->dev, program), said);
    if (log && log[0])
        append_build_log(cache, label, key, log);
    cache->batch_done++;
    if (cache->observer) {
        clnas_program_build_event ev = {label, cache->batch_done, cache->batch_total, seconds, log ? log : ""};
        cache->observer(&ev, cache->observer_user);
    }
    if (cache->batch_total && cache->batch_done >= cache->batch_total)
        cache->batch_total = cache->batch_done = 0; /* the batch is done: later builds count on their own */
    free(log);
    *out = program;
    return CLNAS_OK;
}

clnas_status clnas_program_cache_get(clnas_program_cache *cache, const char *source, const char *extra_options,
                                     const char *label, cl_program *out, clnas_error *err)
{
    if (!cache || !source || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_program_cache_get: cache, source and out must not be "
                               "NULL");
    *out = NULL;
    if (!label)
        label = "(unnamed)";
    char *options = full_options(cache->dev, extra_options);
    if (!options)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "kernel %s: out of host memory", label);
    uint64_t key = program_key(cache->dev, source, options);

    for (int i = 0; i < cache->program_count; i++) {
        if (cache->programs[i].key == key) {
            cache->stats.memory_hits++;
            *out = cache->programs[i].program;
            free(options);
            return CLNAS_OK;
        }
    }

    char path[CACHE_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%016" PRIx64 ".bin", cache->programs_dir, key);
    clnas_status st = CLNAS_OK;
    cl_program program = load_from_disk(cache, path, key, options);
    if (program) {
        cache->stats.disk_hits++;
    } else {
        st = build_from_source(cache, source, options, label, key, &program, err);
        if (st == CLNAS_OK)
            save_binary(path, key, program);
    }
    free(options);
    if (st != CLNAS_OK)
        return st;
    if (add_program(cache, key, program) != 0) {
        clReleaseProgram(program);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "kernel %s: out of host memory", label);
    }
    *out = program;
    return CLNAS_OK;
}

clnas_status clnas_program_cache_kernel(clnas_program_cache *cache, const char *source, const char *extra_options,
                                        const char *label, const char *entry, cl_kernel *out, clnas_error *err)
{
    if (!entry || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_program_cache_kernel: entry and out must not be NULL");
    *out = NULL;
    cl_program program;
    clnas_status st = clnas_program_cache_get(cache, source, extra_options, label, &program, err);
    if (st != CLNAS_OK)
        return st;
    for (int i = 0; i < cache->kernel_count; i++) {
        if (cache->kernels[i].program == program && strcmp(cache->kernels[i].entry, entry) == 0) {
            *out = cache->kernels[i].kernel;
            return CLNAS_OK;
        }
    }
    if (cache->kernel_count == cache->kernel_cap) {
        int cap = cache->kernel_cap ? 2 * cache->kernel_cap : 16;
        cached_kernel *grown = realloc(cache->kernels, (size_t)cap * sizeof *grown);
        if (!grown)
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "kernel %s: out of host memory", entry);
        cache->kernels = grown;
        cache->kernel_cap = cap;
    }
    char *name = malloc(strlen(entry) + 1);
    if (!name)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "kernel %s: out of host memory", entry);
    strcpy(name, entry);
    cl_int rc = CL_SUCCESS;
    cl_kernel kernel = clCreateKernel(program, entry, &rc);
    if (rc != CL_SUCCESS) {
        free(name);
        clnas_cl_error_set(rc, "clCreateKernel", __FILE__, __LINE__, err);
        return clnas_error_prefix(err, "kernel %s (entry \"%s\")", label ? label : "(unnamed)", entry);
    }
    cache->kernels[cache->kernel_count++] = (cached_kernel){program, name, kernel};
    *out = kernel;
    return CLNAS_OK;
}

void clnas_program_cache_stats_get(const clnas_program_cache *cache, clnas_program_cache_stats *out)
{
    if (!out)
        return;
    if (cache)
        *out = cache->stats;
    else
        memset(out, 0, sizeof *out);
}

void clnas_program_cache_notice(clnas_program_cache *cache, const char *text)
{
    if (!cache || !cache->observer)
        return;
    clnas_program_build_event e = {text, -1, 0, 0.0, ""};
    cache->observer(&e, cache->observer_user);
}

void clnas_program_cache_set_observer(clnas_program_cache *cache, clnas_program_build_fn fn, void *user)
{
    if (!cache)
        return;
    cache->observer = fn;
    cache->observer_user = user;
}

/* Whether the program of key is in memory or has a disk entry (not verified: a corrupt one is rebuilt anyway). */
static int have_program(const clnas_program_cache *cache, uint64_t key)
{
    for (int i = 0; i < cache->program_count; i++)
        if (cache->programs[i].key == key)
            return 1;
    char path[CACHE_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%016" PRIx64 ".bin", cache->programs_dir, key);
    struct stat st;
    return stat(path, &st) == 0;
}

int clnas_program_cache_expect(clnas_program_cache *cache, const char *const *sources, int n,
                               const char *extra_options)
{
    char *options = cache ? full_options(cache->dev, extra_options) : NULL;
    uint64_t *keys = n > 0 ? malloc((size_t)n * sizeof *keys) : NULL;
    int missing = 0;
    for (int i = 0; options && keys && i < n; i++) {
        uint64_t key = program_key(cache->dev, sources[i], options);
        int seen = have_program(cache, key);
        for (int j = 0; j < missing && !seen; j++)
            seen = keys[j] == key;
        if (!seen)
            keys[missing++] = key;
    }
    free(keys);
    free(options);
    if (cache) {
        cache->batch_total = missing;
        cache->batch_done = 0;
    }
    if (cache && missing > 0 && cache->observer) { /* the announcement: done 0 */
        clnas_program_build_event ev = {"", 0, missing, 0, ""};
        cache->observer(&ev, cache->observer_user);
    }
    return missing;
}

const char *clnas_program_cache_dir(const clnas_program_cache *cache)
{
    return cache ? cache->root : NULL;
}

void clnas_program_cache_free(clnas_program_cache *cache)
{
    if (!cache)
        return;
    for (int i = 0; i < cache->kernel_count; i++) {
        clReleaseKernel(cache->kernels[i].kernel);
        free(cache->kernels[i].entry);
    }
    for (int i = 0; i < cache->program_count; i++)
        clReleaseProgram(cache->programs[i].program);
    free(cache->kernels);
    free(cache->programs);
    free(cache);
}
