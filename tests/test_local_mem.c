/* clnas — every kernel a plan launches declares at least the __local memory its compiled form uses: the limits check
 * (clnas_plan_check_limits) and the tuner read the descriptor's figure, so one that says less than the kernel
 * allocates would pass a plan that fails to launch on a device with little local memory. Checked against
 * CL_KERNEL_LOCAL_MEM_SIZE on the test device for both families, NB201 and DARTS, float32 and float64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "device_fixture.h"
#include "executor.h"
#include "model_build.h"
#include "plan.h"
#include "profile_query.h"
#include "small_net.h"

#define BEST_ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
#define ODD_ARCH "|nor_conv_1x1~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_1x1~2|"

/* Compiles cfg for the device with `family`'s kernels, builds every kernel, and compares; returns the kernels
 * checked that use local memory (a device reporting none for every kernel would check nothing). */
static int check(device_fixture *fx, const clnas_net_config *cfg, clnas_family family)
{
    clnas_device_profile profile;
    clnas_error err;
    assert_int_equal(clnas_device_profile_query(fx->dev, &profile, &err), CLNAS_OK);
    profile.family = family;
    profile.compute_units = 64; /* the GPU family's splits too */
    clnas_plan *plan = NULL;
    if (clnas_plan_compile_for(cfg, &profile, &plan, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_model *m = NULL;
    if (clnas_model_build_shared(fx->dev, fx->cache, plan, NULL, NULL, &m, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    const clnas_executor *ex = clnas_model_executor(m);
    int checked = 0;
    for (int k = 0; k < plan->nkernels; k++) {
        const clnas_kernel_desc *d = clnas_executor_kernel_desc(ex, k);
        cl_ulong used = 0;
        assert_int_equal(clGetKernelWorkGroupInfo(ex->kernels[k], fx->dev->id, CL_KERNEL_LOCAL_MEM_SIZE, sizeof used,
                                                  &used, NULL),
                         CL_SUCCESS);
        if (used > d->local_bytes[cfg->fp64])
            fail_msg("%s (%s family, %s): the kernel uses %llu bytes of local memory, its descriptor declares %zu",
                     d->entry, clnas_family_name(family), cfg->fp64 ? "float64" : "float32",
                     (unsigned long long)used, d->local_bytes[cfg->fp64]);
        checked += used > 0;
    }
    clnas_model_free(m);
    return checked;
}

static void test_nb201(void **state)
{
    clnas_net_config cfg;
    small_net_config(&cfg, BEST_ARCH, 8, 1, 4, 28);
    for (int fp64 = 0; fp64 < 2; fp64++) {
        cfg.fp64 = fp64;
        assert_true(check(*state, &cfg, CLNAS_FAMILY_CPU) > 2);
        assert_true(check(*state, &cfg, CLNAS_FAMILY_GPU) > 2);
    }
    small_net_config(&cfg, ODD_ARCH, 5, 1, 3, 12);
    assert_true(check(*state, &cfg, CLNAS_FAMILY_CPU) > 2);
    assert_true(check(*state, &cfg, CLNAS_FAMILY_GPU) > 2);
}

static void test_darts(void **state)
{
    clnas_net_config cfg;
    small_net_darts_config(&cfg, "DARTS_V2", 8, 3, 2, 16);
    assert_true(check(*state, &cfg, CLNAS_FAMILY_CPU) > 2);
    assert_true(check(*state, &cfg, CLNAS_FAMILY_GPU) > 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nb201),
        cmocka_unit_test(test_darts),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
