/* clnas — the GPU family's weight gradients split over pixels (codegen/wgrad_split.c, issue 12): which convolutions
 * are split on which device, how the plan's launches pair up, and a whole network whose weight gradients are split
 * on the device (the GPU family forced on whatever it is) giving the CPU family's loss and gradients. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnas/model.h"
#include "device_fixture.h"
#include "model_build.h"
#include "op_conv.h"
#include "plan.h"
#include "profile_query.h"
#include "small_net.h"

#define BEST_ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"

static clnas_plan *compile(const clnas_net_config *cfg, const clnas_device_profile *profile)
{
    clnas_plan *plan = NULL;
    clnas_error err;
    if (clnas_plan_compile_for(cfg, profile, &plan, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return plan;
}

static int count_kind(const clnas_plan *plan, clnas_node_kind kind)
{
    int n = 0;
    for (int i = 0; i < plan->ntrain; i++)
        n += plan->train[i].kind == kind;
    return n;
}

/* Every split weight gradient is followed by its sum: the sum reads what the gradient wrote, S times the gradient's
 * elements, and writes the parameter's gradient; returns how many pairs there are. */
static int check_pairs(const clnas_plan *plan)
{
    int pairs = 0;
    for (int i = 0; i < plan->ntrain; i++) {
        const clnas_plan_launch *l = &plan->train[i];
        if (l->kind != CLNAS_NODE_CONV_BWD_FILTER)
            continue;
        const clnas_kernel_desc *d = &plan->kernels[l->kernel].desc;
        const long split = clnas_kernel_desc_define_value(d, "SPLIT");
        if (split < 2)
            continue;
        assert_true(i + 1 < plan->ntrain);
        const clnas_plan_launch *s = &plan->train[i + 1];
        assert_int_equal(s->kind, CLNAS_NODE_SPLIT_SUM);
        const clnas_kernel_desc *sd = &plan->kernels[s->kernel].desc;
        const clnas_plan_binding *parts = &l->arg[clnas_kernel_desc_find_arg(d, "dw")];
        const clnas_plan_binding *in = &s->arg[clnas_kernel_desc_find_arg(sd, "part")];
        const clnas_plan_binding *out = &s->arg[clnas_kernel_desc_find_arg(sd, "y")];
        assert_int_equal(parts->arena, CLNAS_ARENA_ACT);
        assert_int_equal(in->arena, parts->arena);
        assert_int_equal(in->offset, parts->offset);
        assert_int_equal(in->count, parts->count);
        assert_int_equal(out->arena, CLNAS_ARENA_GRADS);
        assert_int_equal(parts->count, (size_t)split * out->count);
        assert_int_equal(clnas_kernel_desc_define_value(sd, "PARTS"), split);
        pairs++;
    }
    assert_int_equal(pairs, plan->wgrad_splits);
    assert_int_equal(count_kind(plan, CLNAS_NODE_SPLIT_SUM), pairs);
    return pairs;
}

/* At C=16 a 3x3 weight gradient is 3 tiles of the default GPU's tiling (16 x 64 within its 32 KiB of local memory
 * in float64): a GPU of 16 compute units splits it (4 work-groups per unit wanted), a CPU never does, and a batch
 * too small for ranges of 1024 pixels is not split. */
static void test_plan_splits(void **state)
{
    (void)state;
    clnas_net_config cfg;
    small_net_config(&cfg, BEST_ARCH, 16, 1, 64, 28);
    clnas_device_profile gpu, cpu;
    clnas_device_profile_default_gpu(&gpu);
    clnas_device_profile_default_cpu(&cpu);
    clnas_plan *pg = compile(&cfg, &gpu), *pc = compile(&cfg, &cpu);
    const int pairs = check_pairs(pg);
    assert_true(pairs >= 5); /* at least the cells' 3x3 convolutions at 28x28 */
    assert_int_equal(pg->ntrain, pc->ntrain + pairs);
    assert_int_equal(pc->wgrad_splits, 0);
    assert_int_equal(count_kind(pc, CLNAS_NODE_SPLIT_SUM), 0);
    /* the split's activation arena grows by at most the parts, here a few hundred KiB */
    assert_true(pg->arena_elems[CLNAS_ARENA_ACT] < pc->arena_elems[CLNAS_ARENA_ACT] + (1u << 20));
    clnas_plan_free(pg);
    clnas_plan_free(pc);

    /* a 28x28 3x3 convolution at C=16, batch 64: 50176 pixels, 3 tiles, 64 work-groups wanted: 22 ranges */
    const clnas_conv_params p = {64, 16, 16, 28, 28, 3, 1, 1, 1, 0, 0};
    assert_int_equal(clnas_conv_bwd_filter_split(&p, &gpu), 22);
    assert_int_equal(clnas_conv_bwd_filter_split(&p, &cpu), 1);
    gpu.compute_units = 1; /* 4 work-groups wanted */
    assert_int_equal(clnas_conv_bwd_filter_split(&p, &gpu), 2);
    gpu.compute_units = 1000; /* ranges of at least 1024 pixels: 49 */
    assert_int_equal(clnas_conv_bwd_filter_split(&p, &gpu), 49);
    const clnas_conv_params tiny = {1, 16, 16, 28, 28, 3, 1, 1, 1, 0, 0}; /* 784 pixels: one range */
    assert_int_equal(clnas_conv_bwd_filter_split(&tiny, &gpu), 1);
}

/* cfg on the device with `family`'s kernels and `units` compute units, one forward and backward of a fixed batch. */
static clnas_model *build(device_fixture *fx, const clnas_net_config *cfg, clnas_family family, unsigned units)
{
    clnas_device_profile profile;
    clnas_error err;
    assert_int_equal(clnas_device_profile_query(fx->dev, &profile, &err), CLNAS_OK);
    profile.family = family;
    profile.compute_units = units;
    clnas_model *m = NULL;
    if (clnas_model_build_shared(fx->dev, fx->cache, compile(cfg, &profile), NULL, NULL, &m, &err) != CLNAS_OK ||
        clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    const size_t nin = (size_t)cfg->batch * (size_t)(cfg->height * cfg->width);
    float *x = malloc(nin * sizeof *x);
    int32_t *labels = malloc((size_t)cfg->batch * sizeof *labels);
    small_fixed_batch(x, labels, cfg->batch, cfg->height, 3);
    double *xd = malloc(nin * sizeof *xd);
    for (size_t i = 0; i < nin; i++)
        xd[i] = x[i];
    assert_int_equal(clnas_model_set_batch(m, cfg->fp64 ? (const void *)xd : (const void *)x, labels, &err), CLNAS_OK);
    assert_int_equal(clnas_model_forward(m, &err), CLNAS_OK);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    free(x);
    free(xd);
    free(labels);
    return m;
}

/* The GPU family on a device of 64 compute units splits the 28x28 stage's weight gradients (4 images of 28x28: 3136
 * pixels, 3 ranges); the CPU family's kernels, which never split, give the same loss and gradients up to the order
 * of their sums (float64: within 1e-10 of the largest). */
static void test_same_gradients(void **state)
{
    device_fixture *fx = *state;
    clnas_net_config cfg;
    small_net_config(&cfg, BEST_ARCH, 4, 1, 4, 28);
    cfg.fp64 = 1;
    clnas_model *cpu = build(fx, &cfg, CLNAS_FAMILY_CPU, 64), *gpu = build(fx, &cfg, CLNAS_FAMILY_GPU, 64);
    const clnas_plan *pc = clnas_model_plan(cpu), *pg = clnas_model_plan(gpu);
    assert_int_equal(pc->wgrad_splits, 0);
    assert_true(check_pairs(pg) >= 5);
    clnas_error err;
    double lc, lg;
    assert_int_equal(clnas_model_read_loss(cpu, &lc, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_loss(gpu, &lg, &err), CLNAS_OK);
    assert_true(fabs(lc - lg) <= 1e-10 * fabs(lc));
    int compared = 0;
    for (int i = 0; i < pc->nparams; i++) {
        const clnas_param_info *p = &pc->params[i];
        if (p->arena != CLNAS_ARENA_PARAMS || !p->live)
            continue;
        double *a = malloc(p->count * sizeof *a), *b = malloc(p->count * sizeof *b);
        assert_int_equal(clnas_model_get_grad(cpu, p->name, a, p->count, &err), CLNAS_OK);
        assert_int_equal(clnas_model_get_grad(gpu, p->name, b, p->count, &err), CLNAS_OK);
        double top = 0.0, worst = 0.0;
        for (size_t k = 0; k < p->count; k++) {
            top = fmax(top, fabs(a[k]));
            worst = fmax(worst, fabs(a[k] - b[k]));
        }
        if (worst > 1e-10 * fmax(top, 0.01))
            fail_msg("the gradient of %s differs between the families by %g (largest %g)", p->name, worst, top);
        compared++;
        free(a);
        free(b);
    }
    assert_true(compared > 10);
    clnas_model_free(cpu);
    clnas_model_free(gpu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_splits),
        cmocka_unit_test(test_same_gradients),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
