/* clnas — tests for device discovery and selection, and for OpenCL error names and the checking macros. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_check.h"
#include "clnas/device.h"

/* Tests change CLNAS_DEVICE; each restores what the runner had. */
static char saved_selector[256];
static int had_selector;

static int save_env(void **state)
{
    (void)state;
    const char *v = getenv("CLNAS_DEVICE");
    had_selector = v != NULL;
    snprintf(saved_selector, sizeof saved_selector, "%s", v ? v : "");
    unsetenv("CLNAS_DEVICE");
    return 0;
}

static int restore_env(void **state)
{
    (void)state;
    if (had_selector)
        setenv("CLNAS_DEVICE", saved_selector, 1);
    else
        unsetenv("CLNAS_DEVICE");
    return 0;
}

static int find_pocl(const clnas_device_info *list, int n)
{
    for (int i = 0; i < n; i++)
        if (strstr(list[i].platform, "Portable Computing Language"))
            return i;
    return -1;
}

/* Every device the library lists; the caller free()s it. */
static clnas_device_info *list_devices(int *n)
{
    clnas_error err = {0};
    clnas_device_info *list = NULL;
    *n = 0;
    assert_int_equal(clnas_device_list(&list, n, &err), CLNAS_OK);
    return list;
}

static void test_list_has_one_default(void **state)
{
    (void)state;
    int n = 0;
    clnas_device_info *list = list_devices(&n);
    assert_true(n >= 1);
    int defaults = 0, first_gpu = -1;
    for (int i = 0; i < n; i++) {
        assert_int_equal(list[i].index, i);
        assert_true(list[i].name[0] && list[i].platform[0] && list[i].device_version[0]);
        assert_true(strcmp(list[i].type, "GPU") == 0 || strcmp(list[i].type, "CPU") == 0
                    || strcmp(list[i].type, "ACCELERATOR") == 0 || strcmp(list[i].type, "OTHER") == 0);
        assert_true(list[i].compute_units > 0);
        assert_true(list[i].global_mem_bytes > 0);
        assert_true(list[i].max_alloc_bytes > 0 && list[i].max_alloc_bytes <= list[i].global_mem_bytes);
        assert_true(list[i].max_work_group_size > 0);
        defaults += list[i].is_default;
        if (first_gpu < 0 && strcmp(list[i].type, "GPU") == 0)
            first_gpu = i;
    }
    assert_int_equal(defaults, 1);
    assert_true(list[first_gpu >= 0 ? first_gpu : 0].is_default);
    int pocl = find_pocl(list, n);
    if (pocl >= 0) {
        assert_string_equal(list[pocl].type, "CPU");
        assert_true(list[pocl].has_fp64);
        assert_non_null(strstr(list[pocl].opencl_c_version, "OpenCL C"));
    }
    free(list);
}

static void test_open_default(void **state)
{
    (void)state;
    clnas_error err = {0};
    clnas_device *dev = NULL;
    assert_int_equal(clnas_device_open(NULL, &dev, &err), CLNAS_OK);
    assert_true(dev->info.is_default);
    assert_non_null(dev->context);
    assert_non_null(dev->queue);
    cl_command_queue_properties props = 0;
    assert_int_equal(clGetCommandQueueInfo(dev->queue, CL_QUEUE_PROPERTIES, sizeof props, &props, NULL), CL_SUCCESS);
    assert_true(props & CL_QUEUE_PROFILING_ENABLE);
    assert_false(props & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE);
    assert_null(strstr(dev->build_options, "CL2.0"));
    /* the -cl-std, then the prefetch hint on PoCL's CPU device and nowhere else */
    const int pocl_cpu =
        strstr(dev->info.platform, "Portable Computing Language") != NULL && strcmp(dev->info.type, "CPU") == 0;
    const char *prefetch = strstr(dev->build_options, "-DCLNAS_PREFETCH=1");
    assert_int_equal(prefetch != NULL, pocl_cpu);
    const size_t std_len = prefetch ? (size_t)(prefetch - dev->build_options) : strlen(dev->build_options);
    char std[64];
    snprintf(std, sizeof std, "%.*s", (int)std_len, dev->build_options);
    assert_true(std[0] == '\0' || strcmp(std, "-cl-std=CL1.2 ") == 0 || strcmp(std, "-cl-std=CL3.0 ") == 0 ||
                strcmp(std, "-cl-std=CL1.2") == 0 || strcmp(std, "-cl-std=CL3.0") == 0);
    /* PoCL 3.x offers OpenCL C 3.0 (CL_DEVICE_OPENCL_C_VERSION alone would say 1.2). */
    if (strstr(dev->info.platform, "Portable Computing Language") && strncmp(dev->info.device_version, "OpenCL 3.", 9) == 0)
        assert_true(strncmp(dev->build_options, "-cl-std=CL3.0", 13) == 0);
    clnas_device_free(dev);

    assert_int_equal(clnas_device_open("", &dev, &err), CLNAS_OK);
    assert_true(dev->info.is_default);
    clnas_device_free(dev);
    clnas_device_free(NULL);
}

static void test_open_by_index(void **state)
{
    (void)state;
    clnas_error err = {0};
    int n = 0;
    clnas_device_info *list = list_devices(&n);
    char selector[16];
    snprintf(selector, sizeof selector, "%d", n - 1);
    clnas_device *dev = NULL;
    assert_int_equal(clnas_device_open(selector, &dev, &err), CLNAS_OK);
    assert_int_equal(dev->info.index, n - 1);
    assert_string_equal(dev->info.name, list[n - 1].name);
    clnas_device_free(dev);

    snprintf(selector, sizeof selector, "%d", n);
    assert_int_equal(clnas_device_open(selector, &dev, &err), CLNAS_ERR_NO_DEVICE);
    assert_null(dev);
    assert_int_equal(clnas_device_open("99999999999999999999", &dev, &err), CLNAS_ERR_NO_DEVICE);
    free(list);
}

static void test_open_by_substring(void **state)
{
    (void)state;
    clnas_error err = {0};
    int n = 0;
    clnas_device_info *list = list_devices(&n);
    int pocl = find_pocl(list, n);
    free(list);
    if (pocl < 0)
        skip();
    const char *selectors[] = {"pocl", "portable", "PORTABLE computing", "Portable Computing Language"};
    for (size_t i = 0; i < sizeof selectors / sizeof *selectors; i++) {
        clnas_device *dev = NULL;
        assert_int_equal(clnas_device_open(selectors[i], &dev, &err), CLNAS_OK);
        assert_non_null(strstr(dev->info.platform, "Portable Computing Language"));
        clnas_device_free(dev);
    }
}

static void test_no_match_lists_devices(void **state)
{
    (void)state;
    clnas_error err = {0};
    int n = 0;
    clnas_device_info *list = list_devices(&n);
    clnas_device *dev = NULL;
    assert_int_equal(clnas_device_open("no-such-device-zq", &dev, &err), CLNAS_ERR_NO_DEVICE);
    assert_int_equal(err.status, CLNAS_ERR_NO_DEVICE);
    assert_null(dev);
    assert_non_null(strstr(err.message, "no-such-device-zq"));
    assert_non_null(strstr(err.message, "[0]"));
    assert_non_null(strstr(err.message, list[0].name));
    free(list);
}

static void test_env_selector(void **state)
{
    (void)state;
    clnas_error err = {0};
    clnas_device *dev = NULL;

    setenv("CLNAS_DEVICE", "0", 1);
    assert_int_equal(clnas_device_open(NULL, &dev, &err), CLNAS_OK);
    assert_int_equal(dev->info.index, 0);
    clnas_device_free(dev);

    setenv("CLNAS_DEVICE", "no-such-device-zq", 1);
    dev = NULL;
    assert_int_equal(clnas_device_open(NULL, &dev, &err), CLNAS_ERR_NO_DEVICE);
    assert_non_null(strstr(err.message, "CLNAS_DEVICE"));
    assert_non_null(strstr(err.message, "no-such-device-zq"));
    /* An explicit selector wins over the environment. */
    assert_int_equal(clnas_device_open("0", &dev, &err), CLNAS_OK);
    clnas_device_free(dev);

    setenv("CLNAS_DEVICE", "", 1);
    assert_int_equal(clnas_device_open(NULL, &dev, &err), CLNAS_OK);
    assert_true(dev->info.is_default);
    clnas_device_free(dev);
    unsetenv("CLNAS_DEVICE");
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(clnas_cl_error_name(CL_SUCCESS), "CL_SUCCESS");
    assert_string_equal(clnas_cl_error_name(-54), "CL_INVALID_WORK_GROUP_SIZE");
    assert_string_equal(clnas_cl_error_name(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES");
    assert_string_equal(clnas_cl_error_name(CL_BUILD_PROGRAM_FAILURE), "CL_BUILD_PROGRAM_FAILURE");
    assert_string_equal(clnas_cl_error_name(CL_INVALID_KERNEL_ARGS), "CL_INVALID_KERNEL_ARGS");
    assert_string_equal(clnas_cl_error_name(CL_INVALID_DEVICE_PARTITION_COUNT), "CL_INVALID_DEVICE_PARTITION_COUNT");
    assert_string_equal(clnas_cl_error_name(-72), "CL_MAX_SIZE_RESTRICTION_EXCEEDED");
    assert_string_equal(clnas_cl_error_name(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
    assert_string_equal(clnas_cl_error_name(-20), "CL_UNKNOWN_ERROR");
    assert_string_equal(clnas_cl_error_name(12345), "CL_UNKNOWN_ERROR");
    /* Every code of OpenCL 1.2 to 3.0 has a name. */
    for (cl_int code = 0; code >= -19; code--)
        assert_string_not_equal(clnas_cl_error_name(code), "CL_UNKNOWN_ERROR");
    for (cl_int code = -30; code >= -72; code--)
        assert_string_not_equal(clnas_cl_error_name(code), "CL_UNKNOWN_ERROR");

    assert_non_null(strstr(clnas_cl_error_hint(CL_OUT_OF_RESOURCES), "smaller batch"));
    assert_non_null(strstr(clnas_cl_error_hint(CL_MEM_OBJECT_ALLOCATION_FAILURE), "smaller batch"));
    assert_non_null(strstr(clnas_cl_error_hint(CL_INVALID_WORK_GROUP_SIZE), "local size"));
    assert_non_null(strstr(clnas_cl_error_hint(CL_BUILD_PROGRAM_FAILURE), "build log"));
    assert_string_equal(clnas_cl_error_hint(CL_INVALID_VALUE), "");
    assert_string_equal(clnas_cl_error_hint(12345), "");
}

static clnas_status call_that_fails(clnas_error *err)
{
    CLNAS_CL_CALL(err, clGetPlatformIDs(0, NULL, NULL));
    return CLNAS_OK;
}

static clnas_status check_that_fails(cl_int code, clnas_error *err)
{
    CLNAS_CL_CHECK(err, code, "clEnqueueNDRangeKernel(conv2d_fwd)");
    return CLNAS_OK;
}

static void test_check_macros(void **state)
{
    (void)state;
    clnas_error err = {0};
    assert_int_equal(call_that_fails(&err), CLNAS_ERR_OPENCL);
    assert_int_equal(err.status, CLNAS_ERR_OPENCL);
    assert_non_null(strstr(err.message, "clGetPlatformIDs(0, NULL, NULL) failed: CL_INVALID_VALUE (-30) at "));
    assert_non_null(strstr(err.message, "test_device.c:"));
    assert_null(strstr(err.message, "; "));   /* no hint for CL_INVALID_VALUE */

    assert_int_equal(check_that_fails(CL_INVALID_WORK_GROUP_SIZE, &err), CLNAS_ERR_OPENCL);
    assert_non_null(strstr(err.message, "clEnqueueNDRangeKernel(conv2d_fwd) failed: CL_INVALID_WORK_GROUP_SIZE (-54)"));
    assert_non_null(strstr(err.message, "; the local size"));

    clnas_error untouched = {0};
    assert_int_equal(check_that_fails(CL_SUCCESS, &untouched), CLNAS_OK);
    assert_int_equal(untouched.status, CLNAS_OK);
    assert_string_equal(untouched.message, "");
    assert_int_equal(check_that_fails(CL_OUT_OF_RESOURCES, NULL), CLNAS_ERR_OPENCL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_has_one_default),
        cmocka_unit_test(test_open_default),
        cmocka_unit_test(test_open_by_index),
        cmocka_unit_test(test_open_by_substring),
        cmocka_unit_test(test_no_match_lists_devices),
        cmocka_unit_test(test_env_selector),
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_check_macros),
    };
    return cmocka_run_group_tests(tests, save_env, restore_env);
}
