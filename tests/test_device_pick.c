/* clnas — which device an MPI worker uses: its node-local index modulo a --device / CLNAS_DEVICE list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scale.h"

static void test_list_modulo(void **unused)
{
    (void)unused;
    static const char *const want[] = {"0", "2", "3", "0", "2"};
    char out[128];
    clnas_error err;
    for (int local = 0; local < 5; local++) {
        assert_int_equal(clnas_scale_device_pick("0,2,3", local, out, sizeof out, &err), CLNAS_OK);
        assert_string_equal(out, want[local]);
    }
    assert_int_equal(clnas_scale_device_pick("pthread", 7, out, sizeof out, &err), CLNAS_OK);
    assert_string_equal(out, "pthread");
}

static void test_bad_list_names_it(void **unused)
{
    (void)unused;
    char out[128];
    clnas_error err;
    assert_int_equal(clnas_scale_device_pick("1,,2", 1, out, sizeof out, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "\"1,,2\""));
    assert_non_null(strstr(err.message, "element 1 is empty"));
    assert_int_equal(clnas_scale_device_pick("0", -1, out, sizeof out, &err), CLNAS_ERR_INVALID_ARG);
}

/* No list: a GPU of the node by index, else "" (the default device). */
static void test_no_list_picks_a_gpu_or_the_default(void **unused)
{
    (void)unused;
    char out[128];
    clnas_error err;
    clnas_device_info *devices = NULL;
    int count = 0, gpus = 0;
    if (clnas_device_list(&devices, &count, &err) != CLNAS_OK)
        skip();
    for (int i = 0; i < count; i++)
        gpus += strcmp(devices[i].type, "GPU") == 0;
    free(devices);
    assert_int_equal(clnas_scale_device_pick(NULL, 3, out, sizeof out, &err), CLNAS_OK);
    if (gpus == 0)
        assert_string_equal(out, "");
    else
        assert_true(out[0] >= '0' && out[0] <= '9');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_modulo),
        cmocka_unit_test(test_bad_list_names_it),
        cmocka_unit_test(test_no_list_picks_a_gpu_or_the_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
