/* clnas — tests of the device profile in code generation: families, the profile a plan is lowered for, and a GPU
 * family plan staying inside a small device's limits (issue 12). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/network.h"
#include "clnas/space.h"
#include "device_profile.h"
#include "plan.h"
#include "plan_limits.h"
#include "profile_query.h"

#define BEST_ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
#define ODD_ARCH "|nor_conv_1x1~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"

/* A small GPU: 256 work-items and 32 KiB of local memory per work-group. */
static clnas_device_profile small_gpu(void)
{
    clnas_device_profile p;
    clnas_device_profile_default_gpu(&p);
    p.max_work_group_size = 256;
    p.local_mem_bytes = 32 * 1024;
    return p;
}

static clnas_net_config config_of(const char *arch, int channels, int cells, int batch, int fp64)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.channels = channels;
    cfg.cells = cells;
    cfg.batch = batch;
    cfg.fp64 = fp64;
    clnas_error err = {0};
    if (clnas_genotype_parse(arch, &cfg.genotype, &err) != CLNAS_OK)
        fail_msg("parse %s: %s", arch, err.message);
    return cfg;
}

/* Every launch of the training step and of evaluation: work-group within 256 work-items, global sizes multiples
 * of the local ones, local memory within 32 KiB in the plan's element type. */
static void assert_within(const clnas_plan *plan, const clnas_plan_launch *launches, int n)
{
    for (int i = 0; i < n; i++) {
        const clnas_kernel_desc *d = &plan->kernels[launches[i].kernel].desc;
        size_t items = 1;
        for (int k = 0; k < d->dims; k++) {
            items *= d->local[k];
            assert_int_equal(d->global[k] % d->local[k], 0);
        }
        if (items > 256 || d->local_bytes[plan->config.fp64] > 32 * 1024)
            fail_msg("%s (%s): %zu work-items, %zu bytes of local memory", launches[i].label, d->entry, items,
                     d->local_bytes[plan->config.fp64]);
    }
}

/* The GPU family's convolutions and BatchNorms are its own kernels; the CPU family's never are. */
static void assert_gpu_kernels(const clnas_plan *plan)
{
    int gpu = 0;
    for (int i = 0; i < plan->ntrain; i++) {
        const clnas_plan_launch *l = &plan->train[i];
        const char *t = plan->kernels[l->kernel].desc.template_name;
        int conv_or_bn = l->kind == CLNAS_NODE_CONV || l->kind == CLNAS_NODE_CONV_BWD_DATA ||
                         l->kind == CLNAS_NODE_CONV_BWD_FILTER || l->kind == CLNAS_NODE_BN ||
                         l->kind == CLNAS_NODE_BN_BWD;
        int is_gpu = strstr(t, "_gpu") != NULL;
        if (conv_or_bn && is_gpu != (plan->profile.family == CLNAS_FAMILY_GPU))
            fail_msg("%s (%s) uses %s in the %s family", l->label, plan->kernels[l->kernel].desc.entry, t,
                     clnas_family_name(plan->profile.family));
        gpu += is_gpu;
    }
    assert_true(plan->profile.family == CLNAS_FAMILY_GPU ? gpu > 0 : gpu == 0);
}

static void test_gpu_plan_within_limits(void **state)
{
    (void)state;
    const struct {
        const char *arch;
        int channels, cells, batch, fp64, darts;
    } nets[] = {{BEST_ARCH, 16, 5, 256, 0, 0}, {BEST_ARCH, 16, 1, 256, 1, 0}, {ODD_ARCH, 5, 1, 3, 0, 0},
                {ODD_ARCH, 6, 2, 7, 1, 0},     {BEST_ARCH, 8, 1, 4, 0, 1}};
    clnas_device_profile gpu = small_gpu();
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        clnas_net_config cfg = config_of(nets[i].arch, nets[i].channels, nets[i].cells, nets[i].batch, nets[i].fp64);
        cfg.darts = nets[i].darts;
        clnas_plan *plan = NULL;
        clnas_error err = {0};
        if (clnas_plan_compile_for(&cfg, &gpu, &plan, &err) != CLNAS_OK)
            fail_msg("net %zu: %s", i, err.message);
        assert_int_equal(plan->profile.family, CLNAS_FAMILY_GPU);
        assert_int_equal(plan->profile.max_work_group_size, 256);
        assert_within(plan, plan->train, plan->ntrain);
        assert_within(plan, plan->eval, plan->neval);
        assert_gpu_kernels(plan);
        clnas_plan_free(plan);
    }
}

/* A device whose work-groups are smaller than a kernel's is refused at compile time, naming the kernel. */
static void test_limits_refused(void **state)
{
    (void)state;
    clnas_net_config cfg = config_of(BEST_ARCH, 8, 1, 4, 0);
    clnas_device_profile tiny = small_gpu();
    tiny.max_work_group_size = 8;
    snprintf(tiny.name, sizeof tiny.name, "tiny");
    clnas_plan *plan = NULL;
    clnas_error err = {0};
    assert_int_equal(clnas_plan_compile_for(&cfg, &tiny, &plan, &err), CLNAS_ERR_UNSUPPORTED);
    assert_null(plan);
    assert_non_null(strstr(err.message, "the device tiny allows 8"));
    tiny = small_gpu();
    tiny.local_mem_bytes = 16;
    assert_int_equal(clnas_plan_compile_for(&cfg, &tiny, &plan, &err), CLNAS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "bytes of local memory"));
}

/* The CPU family with the default profile is exactly what clnas_plan_compile makes: the same programs. */
static void test_cpu_family_unchanged(void **state)
{
    (void)state;
    clnas_net_config cfg = config_of(BEST_ARCH, 16, 1, 64, 0);
    clnas_device_profile cpu;
    clnas_device_profile_default_cpu(&cpu);
    clnas_plan *a = NULL, *b = NULL;
    clnas_error err = {0};
    assert_int_equal(clnas_plan_compile(&cfg, &a, &err), CLNAS_OK);
    assert_int_equal(clnas_plan_compile_for(&cfg, &cpu, &b, &err), CLNAS_OK);
    assert_int_equal(a->profile.family, CLNAS_FAMILY_CPU);
    assert_gpu_kernels(a);
    assert_int_equal(a->nprograms, b->nprograms);
    for (int i = 0; i < a->nprograms; i++)
        assert_string_equal(a->program_sources[i], b->program_sources[i]);
    clnas_plan_free(a);
    clnas_plan_free(b);
}

static void test_family_names(void **state)
{
    (void)state;
    clnas_family f = CLNAS_FAMILY_CPU;
    clnas_error err = {0};
    assert_int_equal(clnas_family_parse("GPU", "--family", &f, &err), CLNAS_OK);
    assert_int_equal(f, CLNAS_FAMILY_GPU);
    assert_int_equal(clnas_family_parse("cpu", "--family", &f, &err), CLNAS_OK);
    assert_int_equal(f, CLNAS_FAMILY_CPU);
    assert_int_equal(clnas_family_parse("fpga", "--family", &f, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "--family: expected 'cpu' or 'gpu', got 'fpga'"));
    assert_string_equal(clnas_family_name(CLNAS_FAMILY_GPU), "gpu");
    clnas_device_profile p;
    clnas_device_profile_default_gpu(&p);
    assert_int_equal(clnas_device_profile_local(&p, 1024), 256);
    assert_int_equal(clnas_device_profile_local(&p, 100), 64);
}

/* CLNAS_FAMILY forces the family over the device type; unset, the type decides. */
static void test_family_env(void **state)
{
    (void)state;
    clnas_family f;
    clnas_error err = {0};
    unsetenv("CLNAS_FAMILY");
    assert_int_equal(clnas_family_for("GPU", &f, &err), CLNAS_OK);
    assert_int_equal(f, CLNAS_FAMILY_GPU);
    assert_int_equal(clnas_family_for("CPU", &f, &err), CLNAS_OK);
    assert_int_equal(f, CLNAS_FAMILY_CPU);
    setenv("CLNAS_FAMILY", "gpu", 1);
    assert_int_equal(clnas_family_for("CPU", &f, &err), CLNAS_OK);
    assert_int_equal(f, CLNAS_FAMILY_GPU);
    clnas_net_config cfg = config_of(BEST_ARCH, 8, 1, 4, 0);
    clnas_plan *plan = NULL;
    assert_int_equal(clnas_plan_compile_on(NULL, &cfg, &plan, &err), CLNAS_OK);
    assert_int_equal(plan->profile.family, CLNAS_FAMILY_GPU);
    clnas_plan_free(plan);
    setenv("CLNAS_FAMILY", "tpu", 1);
    assert_int_equal(clnas_family_for("CPU", &f, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "CLNAS_FAMILY"));
    unsetenv("CLNAS_FAMILY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpu_plan_within_limits), cmocka_unit_test(test_limits_refused),
        cmocka_unit_test(test_cpu_family_unchanged),   cmocka_unit_test(test_family_names),
        cmocka_unit_test(test_family_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
