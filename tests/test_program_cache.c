/* clnas — tests for the program cache: memory and disk hits, rebuilds, build failures, cache directory choice. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clnas/device.h"
#include "device_fixture.h"
#include "hash.h"
#include "program_cache.h"
#include "scratch_dir.h"

static const char SCALE_SOURCE[] =
    "__kernel void scale(__global const float *x, __global float *y, const float a)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    y[i] = a * x[i] + OFFSET;\n"
    "}\n";

static const char BROKEN_SOURCE[] =
    "__kernel void broken(__global float *y)\n"
    "{\n"
    "    y[get_global_id(0)] = undeclared_thing_zq;\n"
    "}\n";

/* Counts files under path whose name contains part; remembers the last one's path in found (if not NULL). */
static int count_files(const char *path, const char *part, char *found, size_t cap)
{
    int n = 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[1024];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        struct stat st;
        if (stat(child, &st) == 0 && S_ISDIR(st.st_mode)) {
            n += count_files(child, part, found, cap);
        } else if (strstr(e->d_name, part)) {
            n++;
            if (found)
                snprintf(found, cap, "%s", child);
        }
    }
    closedir(d);
    return n;
}

/* Runs y = 3x + OFFSET on 64 elements and checks the result, proving the program really works. */
static void check_scale_kernel(clnas_device *dev, cl_kernel kernel, float offset)
{
    enum { N = 64 };
    float x[N], y[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)i - 10.0f;
    cl_int rc;
    cl_mem bx = clCreateBuffer(dev->context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof x, x, &rc);
    assert_int_equal(rc, CL_SUCCESS);
    cl_mem by = clCreateBuffer(dev->context, CL_MEM_WRITE_ONLY, sizeof y, NULL, &rc);
    assert_int_equal(rc, CL_SUCCESS);
    float a = 3.0f;
    assert_int_equal(clSetKernelArg(kernel, 0, sizeof bx, &bx), CL_SUCCESS);
    assert_int_equal(clSetKernelArg(kernel, 1, sizeof by, &by), CL_SUCCESS);
    assert_int_equal(clSetKernelArg(kernel, 2, sizeof a, &a), CL_SUCCESS);
    size_t global = N;
    assert_int_equal(clEnqueueNDRangeKernel(dev->queue, kernel, 1, NULL, &global, NULL, 0, NULL, NULL), CL_SUCCESS);
    assert_int_equal(clEnqueueReadBuffer(dev->queue, by, CL_TRUE, 0, sizeof y, y, 0, NULL, NULL), CL_SUCCESS);
    for (int i = 0; i < N; i++)
        assert_float_equal(y[i], 3.0f * x[i] + offset, 1e-6);
    clReleaseMemObject(bx);
    clReleaseMemObject(by);
}

static void test_hash(void **state)
{
    (void)state;
    assert_true(clnas_fnv1a64("", 0, CLNAS_FNV1A64_INIT) == UINT64_C(0xcbf29ce484222325));
    assert_true(clnas_fnv1a64("a", 1, CLNAS_FNV1A64_INIT) == UINT64_C(0xaf63dc4c8601ec8c));
    assert_true(clnas_fnv1a64("foobar", 6, CLNAS_FNV1A64_INIT) == UINT64_C(0x85944171f73967e8));
    /* Chaining equals hashing the concatenation. */
    assert_true(clnas_fnv1a64("bar", 3, clnas_fnv1a64("foo", 3, CLNAS_FNV1A64_INIT))
                == clnas_fnv1a64("foobar", 6, CLNAS_FNV1A64_INIT));
    assert_true(clnas_fnv1a64_str("ab", clnas_fnv1a64_str("c", CLNAS_FNV1A64_INIT))
                != clnas_fnv1a64_str("a", clnas_fnv1a64_str("bc", CLNAS_FNV1A64_INIT)));
}

static void test_memory_then_disk_hit(void **state)
{
    device_fixture *f = *state;
    clnas_error err = {0};
    clnas_program_cache *cache = NULL;
    clnas_program_cache_stats stats;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    assert_string_equal(clnas_program_cache_dir(cache), f->dir);

    cl_program first = NULL, second = NULL;
    assert_int_equal(clnas_program_cache_get(cache, SCALE_SOURCE, "-DOFFSET=1.0f", "scale", &first, &err), CLNAS_OK);
    assert_non_null(first);
    clnas_program_cache_stats_get(cache, &stats);
    assert_int_equal(stats.builds, 1);
    assert_int_equal(stats.memory_hits, 0);
    assert_int_equal(stats.disk_hits, 0);
    assert_true(stats.build_seconds > 0.0);

    assert_int_equal(clnas_program_cache_get(cache, SCALE_SOURCE, "-DOFFSET=1.0f", "scale", &second, &err), CLNAS_OK);
    assert_ptr_equal(first, second);
    clnas_program_cache_stats_get(cache, &stats);
    assert_int_equal(stats.builds, 1);
    assert_int_equal(stats.memory_hits, 1);

    cl_kernel k1 = NULL, k2 = NULL;
    assert_int_equal(clnas_program_cache_kernel(cache, SCALE_SOURCE, "-DOFFSET=1.0f", "scale", "scale", &k1, &err),
                     CLNAS_OK);
    assert_int_equal(clnas_program_cache_kernel(cache, SCALE_SOURCE, "-DOFFSET=1.0f", "scale", "scale", &k2, &err),
                     CLNAS_OK);
    assert_ptr_equal(k1, k2);
    check_scale_kernel(f->dev, k1, 1.0f);
    assert_int_equal(count_files(f->dir, ".bin", NULL, 0), 1);

    /* A kernel name the program lacks is an OpenCL error that names the entry. */
    cl_kernel missing = NULL;
    assert_int_equal(clnas_program_cache_kernel(cache, SCALE_SOURCE, "-DOFFSET=1.0f", "scale", "nope", &missing, &err),
                     CLNAS_ERR_OPENCL);
    assert_non_null(strstr(err.message, "CL_INVALID_KERNEL_NAME"));
    assert_non_null(strstr(err.message, "nope"));
    clnas_program_cache_free(cache);

    /* A new cache object on the same directory loads the binary instead of compiling. */
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    cl_kernel k3 = NULL;
    assert_int_equal(clnas_program_cache_kernel(cache, SCALE_SOURCE, "-DOFFSET=1.0f", "scale", "scale", &k3, &err),
                     CLNAS_OK);
    clnas_program_cache_stats_get(cache, &stats);
    assert_int_equal(stats.disk_hits, 1);
    assert_int_equal(stats.builds, 0);
    check_scale_kernel(f->dev, k3, 1.0f);

    /* Different options or different source: a new build. */
    cl_kernel k4 = NULL;
    assert_int_equal(clnas_program_cache_kernel(cache, SCALE_SOURCE, "-DOFFSET=2.0f", "scale", "scale", &k4, &err),
                     CLNAS_OK);
    assert_ptr_not_equal(k3, k4);
    check_scale_kernel(f->dev, k4, 2.0f);
    char other[sizeof SCALE_SOURCE + 32];
    snprintf(other, sizeof other, "/* another */\n%s", SCALE_SOURCE);
    cl_program p5 = NULL;
    assert_int_equal(clnas_program_cache_get(cache, other, "-DOFFSET=1.0f", "scale", &p5, &err), CLNAS_OK);
    clnas_program_cache_stats_get(cache, &stats);
    assert_int_equal(stats.builds, 2);
    assert_int_equal(stats.disk_hits, 1);
    assert_int_equal(count_files(f->dir, ".bin", NULL, 0), 3);
    assert_int_equal(count_files(f->dir, ".tmp.", NULL, 0), 0);
    clnas_program_cache_free(cache);
}

static void test_build_failure(void **state)
{
    device_fixture *f = *state;
    clnas_error err = {0};
    clnas_program_cache *cache = NULL;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    cl_program program = NULL;
    assert_int_equal(clnas_program_cache_get(cache, BROKEN_SOURCE, NULL, "broken_fwd", &program, &err), CLNAS_ERR_BUILD);
    assert_null(program);
    assert_int_equal(err.status, CLNAS_ERR_BUILD);
    assert_non_null(strstr(err.message, "broken_fwd"));
    assert_non_null(strstr(err.message, "CL_BUILD_PROGRAM_FAILURE"));
    assert_non_null(strstr(err.message, "undeclared_thing_zq"));   /* from the build log */

    /* The message names the saved source, which holds exactly what was compiled. */
    const char *at = strstr(err.message, "source: ");
    assert_non_null(at);
    at += strlen("source: ");
    char path[512];
    size_t n = strcspn(at, ";");
    assert_true(n > 0 && n < sizeof path);
    memcpy(path, at, n);
    path[n] = '\0';
    assert_non_null(strstr(path, "/failed/"));
    size_t got = 0;
    char *text = test_read_file(path, &got);
    assert_non_null(text);
    assert_int_equal(got, strlen(BROKEN_SOURCE));
    assert_memory_equal(text, BROKEN_SOURCE, got);
    free(text);

    /* A long log is cut to fit the message, which then names the file holding all of it. */
    enum { LINES = 300 };
    char *many = malloc(LINES * 64 + 64);
    assert_non_null(many);
    size_t used = (size_t)sprintf(many, "__kernel void many(__global float *y)\n{\n");
    for (int i = 0; i < LINES; i++)
        used += (size_t)sprintf(many + used, "    y[%d] = missing_%d;\n", i, i);
    sprintf(many + used, "}\n");
    assert_int_equal(clnas_program_cache_get(cache, many, NULL, "many", &program, &err), CLNAS_ERR_BUILD);
    free(many);
    assert_true(strlen(err.message) < sizeof err.message);
    assert_non_null(strstr(err.message, "missing_0"));
    const char *full = strstr(err.message, "log truncated; full log: ");
    assert_non_null(full);
    full += strlen("log truncated; full log: ");
    n = strcspn(full, ")");
    assert_true(n > 0 && n < sizeof path);
    memcpy(path, full, n);
    path[n] = '\0';
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true((size_t)st.st_size > sizeof err.message);

    clnas_program_cache_stats stats;
    clnas_program_cache_stats_get(cache, &stats);
    assert_int_equal(stats.builds, 0);
    assert_int_equal(count_files(f->dir, ".bin", NULL, 0), 0);
    assert_int_equal(count_files(f->dir, ".tmp.", NULL, 0), 0);
    clnas_program_cache_free(cache);
}

static void rewrite_file(const char *path, const void *data, size_t n)
{
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(data, 1, n, out), n);
    assert_int_equal(fclose(out), 0);
}

/* A fresh cache over f->dir gets the scale kernel with `builds` builds and `disk_hits` disk hits, and it works. */
static void expect_load(device_fixture *f, int builds, int disk_hits)
{
    clnas_error err = {0};
    clnas_program_cache *cache = NULL;
    clnas_program_cache_stats stats;
    cl_kernel kernel = NULL;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    assert_int_equal(clnas_program_cache_kernel(cache, SCALE_SOURCE, "-DOFFSET=0.5f", "scale", "scale", &kernel, &err),
                     CLNAS_OK);
    clnas_program_cache_stats_get(cache, &stats);
    assert_int_equal(stats.builds, builds);
    assert_int_equal(stats.disk_hits, disk_hits);
    check_scale_kernel(f->dev, kernel, 0.5f);
    clnas_program_cache_free(cache);
}

static void expect_rebuild(device_fixture *f)
{
    expect_load(f, 1, 0);
}

static void expect_disk_hit(device_fixture *f)
{
    expect_load(f, 0, 1);
}

static void test_corrupt_binary_is_rebuilt(void **state)
{
    device_fixture *f = *state;
    expect_rebuild(f);
    char bin[1024];
    assert_int_equal(count_files(f->dir, ".bin", bin, sizeof bin), 1);
    expect_disk_hit(f);

    /* Garbage. */
    rewrite_file(bin, "this is not a program binary", 28);
    expect_rebuild(f);
    expect_disk_hit(f);

    /* Truncated: the first half of a valid entry. */
    size_t n = 0;
    unsigned char *data = (unsigned char *)test_read_file(bin, &n);
    assert_non_null(data);
    assert_true(n > 64);
    rewrite_file(bin, data, n / 2);
    free(data);
    expect_rebuild(f);

    /* One flipped byte in the payload. */
    data = (unsigned char *)test_read_file(bin, &n);
    assert_non_null(data);
    data[n - 100] ^= 0x5a;
    rewrite_file(bin, data, n);
    free(data);
    expect_rebuild(f);

    /* A well-formed entry (magic, key, size, checksum all right) whose payload the driver refuses. The header is
     * 8 bytes of magic, then key, size and checksum as native uint64. */
    data = (unsigned char *)test_read_file(bin, &n);
    assert_non_null(data);
    for (size_t i = 32; i < n; i++)
        data[i] = (unsigned char)(i * 37 + 11);
    uint64_t checksum = clnas_fnv1a64(data + 32, n - 32, CLNAS_FNV1A64_INIT);
    memcpy(data + 24, &checksum, sizeof checksum);
    rewrite_file(bin, data, n);
    free(data);
    expect_rebuild(f);

    /* Empty. */
    rewrite_file(bin, "", 0);
    expect_rebuild(f);
    expect_disk_hit(f);

    /* A FIFO in the entry's place: refused without blocking (the alarm fails a hang), rebuilt, and the rebuilt
     * binary replaces it. */
    assert_int_equal(unlink(bin), 0);
    assert_int_equal(mkfifo(bin, 0644), 0);
    alarm(120);
    expect_rebuild(f);
    alarm(0);
    expect_disk_hit(f);
    assert_int_equal(count_files(f->dir, ".tmp.", NULL, 0), 0);
}

typedef struct saved_env {
    char value[3][1024];
    int set[3];
} saved_env;

static const char *const ENV_NAMES[3] = {"CLNAS_CACHE_DIR", "XDG_CACHE_HOME", "HOME"};

static void env_save(saved_env *s)
{
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(ENV_NAMES[i]);
        s->set[i] = v != NULL;
        snprintf(s->value[i], sizeof s->value[i], "%s", v ? v : "");
    }
}

static void env_restore(const saved_env *s)
{
    for (int i = 0; i < 3; i++) {
        if (s->set[i])
            setenv(ENV_NAMES[i], s->value[i], 1);
        else
            unsetenv(ENV_NAMES[i]);
    }
}

/* With `variable` set to <f->dir>/<value>, a cache given no directory is created in <f->dir>/<expected>. */
static void expect_default_dir(device_fixture *f, const char *variable, const char *value, const char *expected)
{
    clnas_error err = {0};
    clnas_program_cache *cache = NULL;
    char path[256];
    setenv(variable, scratch_dir_path(path, sizeof path, f->dir, value), 1);
    assert_int_equal(clnas_program_cache_new(f->dev, NULL, &cache, &err), CLNAS_OK);
    assert_string_equal(clnas_program_cache_dir(cache), scratch_dir_path(path, sizeof path, f->dir, expected));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    clnas_program_cache_free(cache);
}

static void test_cache_dir_from_environment(void **state)
{
    device_fixture *f = *state;
    clnas_error err = {0};
    clnas_program_cache *cache = NULL;
    char expected[256];
    saved_env env;
    env_save(&env);

    /* CLNAS_CACHE_DIR first; a directory that does not exist yet is created (mkdir -p). */
    snprintf(expected, sizeof expected, "%s/env/deeper", f->dir);
    setenv("CLNAS_CACHE_DIR", expected, 1);
    setenv("XDG_CACHE_HOME", "/nonexistent-should-not-be-used", 1);
    assert_int_equal(clnas_program_cache_new(f->dev, NULL, &cache, &err), CLNAS_OK);
    assert_string_equal(clnas_program_cache_dir(cache), expected);
    cl_program program = NULL;
    assert_int_equal(clnas_program_cache_get(cache, SCALE_SOURCE, "-DOFFSET=0.0f", "scale", &program, &err), CLNAS_OK);
    assert_int_equal(count_files(expected, ".bin", NULL, 0), 1);
    clnas_program_cache_free(cache);

    /* An explicit dir beats the environment. */
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    assert_string_equal(clnas_program_cache_dir(cache), f->dir);
    clnas_program_cache_free(cache);

    /* Then $XDG_CACHE_HOME/clnas, then $HOME/.cache/clnas. */
    unsetenv("CLNAS_CACHE_DIR");
    expect_default_dir(f, "XDG_CACHE_HOME", "xdg", "xdg/clnas");
    unsetenv("XDG_CACHE_HOME");
    expect_default_dir(f, "HOME", "home", "home/.cache/clnas");

    /* A path through a regular file cannot be created. */
    char blocker[256];
    snprintf(blocker, sizeof blocker, "%s/blocker", f->dir);
    rewrite_file(blocker, "x", 1);
    snprintf(expected, sizeof expected, "%s/blocker/cache", f->dir);
    assert_int_equal(clnas_program_cache_new(f->dev, expected, &cache, &err), CLNAS_ERR_IO);
    assert_null(cache);
    assert_non_null(strstr(err.message, "blocker"));

    env_restore(&env);
    assert_int_equal(count_files(f->dir, ".tmp.", NULL, 0), 0);
}

/* A kernel whose build warns (#warning is standard C preprocessing; PoCL's clang also writes "1 warning generated."
 * to fd 2 itself). */
static const char WARNING_SOURCE[] =
    "#warning clnas_test_warning_zq\n"
    "__kernel void warns(__global float *y) { y[get_global_id(0)] = 1.0f; }\n";

typedef struct build_events {
    int calls, announced, last_done, last_total, with_log;
} build_events;

static void on_build(const clnas_program_build_event *e, void *user)
{
    build_events *b = user;
    b->calls++;
    if (e->done == 0)
        b->announced = e->total;
    b->last_done = e->done;
    b->last_total = e->total;
    b->with_log += strstr(e->log, "clnas_test_warning_zq") != NULL;
}

/* Builds are announced with a count and reported one by one to the caller's observer; a build's warnings go to the
 * observer and to <dir>/build.log, not to the process's stderr (issue 17). */
static void test_build_progress_and_log(void **state)
{
    device_fixture *f = *state;
    clnas_error err = {0};
    clnas_program_cache *cache = NULL;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    build_events b = {0, 0, 0, 0, 0};
    clnas_program_cache_set_observer(cache, on_build, &b);
    const char *sources[] = {SCALE_SOURCE, WARNING_SOURCE, SCALE_SOURCE};
    assert_int_equal(clnas_program_cache_expect(cache, sources, 3, "-DOFFSET=2.0f"), 2);
    assert_int_equal(b.announced, 2);

    char err_path[1100];
    scratch_dir_path(err_path, sizeof err_path, f->dir, "stderr.txt");
    fflush(stderr);
    int saved = dup(2);
    FILE *capture = fopen(err_path, "w");
    assert_non_null(capture);
    dup2(fileno(capture), 2);
    cl_program p1 = NULL, p2 = NULL, p3 = NULL;
    clnas_status s1 = clnas_program_cache_get(cache, SCALE_SOURCE, "-DOFFSET=2.0f", "scale", &p1, &err);
    clnas_status s2 = clnas_program_cache_get(cache, WARNING_SOURCE, "-DOFFSET=2.0f", "warns", &p2, &err);
    clnas_status s3 = clnas_program_cache_get(cache, SCALE_SOURCE, "-DOFFSET=2.0f", "scale", &p3, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(capture);
    assert_int_equal(s1, CLNAS_OK);
    assert_int_equal(s2, CLNAS_OK);
    assert_int_equal(s3, CLNAS_OK);
    assert_int_equal(b.calls, 3); /* the announcement and two builds */
    assert_int_equal(b.last_done, 2);
    assert_int_equal(b.last_total, 2);
    assert_int_equal(b.with_log, 1);
    char *said = test_read_file(err_path, NULL);
    assert_non_null(said);
    assert_null(strstr(said, "warning"));
    free(said);
    char log_path[1100];
    char *log = test_read_file(scratch_dir_path(log_path, sizeof log_path, f->dir, "build.log"), NULL);
    assert_non_null(log);
    assert_non_null(strstr(log, "== kernel warns"));
    assert_non_null(strstr(log, "clnas_test_warning_zq"));
    free(log);
    /* now both are on disk: a second cache expects nothing to build */
    clnas_program_cache *again = NULL;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &again, &err), CLNAS_OK);
    assert_int_equal(clnas_program_cache_expect(again, sources, 3, "-DOFFSET=2.0f"), 0);
    clnas_program_cache_free(again);
    /* compilation outside the cache (CLBlast's) reaches the observer as a notice, done -1, not as a build */
    clnas_program_cache_notice(cache, "CLBlast compiles");
    assert_int_equal(b.calls, 4);
    assert_int_equal(b.last_done, -1);
    clnas_program_cache_notice(NULL, "no cache: nothing happens");
    clnas_program_cache_set_observer(cache, NULL, NULL);
    clnas_program_cache_notice(cache, "no observer: nothing happens");
    assert_int_equal(b.calls, 4);
    clnas_program_cache_free(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        device_dir_unit_test(test_build_progress_and_log),
        cmocka_unit_test(test_hash),
        device_dir_unit_test(test_memory_then_disk_hit),
        device_dir_unit_test(test_build_failure),
        device_dir_unit_test(test_corrupt_binary_is_rebuilt),
        device_dir_unit_test(test_cache_dir_from_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
