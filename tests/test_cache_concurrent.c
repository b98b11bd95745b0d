/* clnas — two processes filling the same program cache at once (MPI workers on one node share it) leave no torn
 * entry: a third process then loads every program from disk without building one, and no temporary file is left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "program_cache.h"
#include "scratch_dir.h"

#define PROGRAMS 4

static void source_of(int i, char *buf, size_t cap)
{
    snprintf(buf, cap, "__kernel void fill%d(__global float *x) { x[get_global_id(0)] = %d.0f; }\n", i, i);
}

/* One process's share: every program twice (the second round from memory); both processes go in the same order, so
 * that they build and write the same entries at the same time. */
static int fill(const char *dir)
{
    clnas_device *dev = NULL;
    clnas_program_cache *cache = NULL;
    clnas_error err;
    if (clnas_device_open(NULL, &dev, &err) != CLNAS_OK || clnas_program_cache_new(dev, dir, &cache, &err) != CLNAS_OK)
        return 1;
    int rc = 0;
    for (int round = 0; round < 2 && rc == 0; round++)
        for (int k = 0; k < PROGRAMS && rc == 0; k++) {
            char src[256];
            source_of(k, src, sizeof src);
            cl_program p;
            rc = clnas_program_cache_get(cache, src, NULL, "fill", &p, &err) != CLNAS_OK;
        }
    clnas_program_cache_free(cache);
    clnas_device_free(dev);
    return rc;
}

/* Files under dir whose name holds ".tmp." (a writer's temporary), recursively. */
static int temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        n += strstr(e->d_name, ".tmp.") != NULL;
        n += temporaries(path);
    }
    closedir(d);
    return n;
}

static void test_two_writers_leave_whole_entries(void **state)
{
    const char *dir = *state;
    pid_t kids[2];
    for (int i = 0; i < 2; i++) { /* fork before any OpenCL call: each child opens its own device */
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0)
            _exit(fill(dir));
    }
    for (int i = 0; i < 2; i++) {
        int status = 0;
        assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    clnas_device *dev = NULL;
    clnas_program_cache *cache = NULL;
    clnas_error err;
    if (clnas_device_open(NULL, &dev, &err) != CLNAS_OK || clnas_program_cache_new(dev, dir, &cache, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    for (int i = 0; i < PROGRAMS; i++) {
        char src[256];
        source_of(i, src, sizeof src);
        cl_program p;
        if (clnas_program_cache_get(cache, src, NULL, "fill", &p, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
    }
    clnas_program_cache_stats stats;
    clnas_program_cache_stats_get(cache, &stats);
    assert_int_equal(stats.builds, 0); /* a torn entry would have been rebuilt */
    assert_int_equal(stats.disk_hits, PROGRAMS);
    assert_int_equal(temporaries(dir), 0);
    clnas_program_cache_free(cache);
    clnas_device_free(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_two_writers_leave_whole_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
