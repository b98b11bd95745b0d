/* clnas tests — opening the test device, and cmocka fixtures that hold it with a program cache or a scratch
 * directory. */
#ifndef CLNAS_DEVICE_FIXTURE_H
#define CLNAS_DEVICE_FIXTURE_H

#include "clnas/device.h"

struct clnas_program_cache;

/* Opens the device (CLNAS_DEVICE or default) and a program cache ($CLNAS_CACHE_DIR); 0 on success. */
int test_open_device(clnas_device **dev, struct clnas_program_cache **cache);

typedef struct device_fixture {
    clnas_device *dev;
    struct clnas_program_cache *cache; /* device_fixture_with_cache only */
    char *dir;                         /* a private scratch directory; device_fixture_with_dir only */
} device_fixture;

/* cmocka setups: *state is a device_fixture with the device and the shared program cache, or with the device
 * and a fresh scratch directory (for tests that make their own caches). device_fixture_teardown frees
 * either, removing the directory. */
int device_fixture_with_cache(void **state);
int device_fixture_with_dir(void **state);
int device_fixture_teardown(void **state);
/* A cmocka test run with its own device_fixture_with_dir. */
#define device_dir_unit_test(f) cmocka_unit_test_setup_teardown(f, device_fixture_with_dir, device_fixture_teardown)

#endif
