/* clnas tests — opening the test device and the cmocka fixtures that hold it. */
#include "device_fixture.h"

#include <stdio.h>
#include <stdlib.h>

#include "program_cache.h"
#include "scratch_dir.h"

int test_open_device(clnas_device **dev, struct clnas_program_cache **cache)
{
    clnas_error err;
    if (clnas_device_open(NULL, dev, &err) != CLNAS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    if (clnas_program_cache_new(*dev, NULL, cache, &err) != CLNAS_OK) {
        fprintf(stderr, "%s\n", err.message);
        clnas_device_free(*dev);
        return -1;
    }
    return 0;
}

int device_fixture_with_cache(void **state)
{
    device_fixture *f = calloc(1, sizeof *f);
    if (!f || test_open_device(&f->dev, &f->cache) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

int device_fixture_with_dir(void **state)
{
    device_fixture *f = calloc(1, sizeof *f);
    clnas_error err;
    if (!f || clnas_device_open(NULL, &f->dev, &err) != CLNAS_OK) {
        fprintf(stderr, "cannot open a device: %s\n", f ? err.message : "out of memory");
        free(f);
        return -1;
    }
    f->dir = scratch_dir_new("clnas-test");
    if (!f->dir) {
        clnas_device_free(f->dev);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

int device_fixture_teardown(void **state)
{
    device_fixture *f = *state;
    int rc = 0;
    if (f->dir) {
        rc = scratch_dir_remove(f->dir);
        if (rc != 0)
            fprintf(stderr, "could not remove %s\n", f->dir);
        free(f->dir);
    }
    clnas_program_cache_free(f->cache);
    clnas_device_free(f->dev);
    free(f);
    return rc;
}
