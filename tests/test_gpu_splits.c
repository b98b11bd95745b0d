/* clnas — the GPU family's reductions split over work-groups (issue 12): weight gradients over ranges of pixels
 * (codegen/wgrad_split.c) and BatchNorms over ranges of each channel (codegen/bn_split.c). Which are split on which
 * device, how the plan's launches pair up, and a whole network split on the device (the GPU family forced on
 * whatever it is) giving the CPU family's loss, gradients, running statistics and evaluation logits. */
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
#include "model_compare.h"
#include "op_bn.h"
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

/* Every split training BatchNorm (backward) follows the launch of its ranges' partial statistics, which writes
 * [C][S][2] activations that it reads; every split evaluation BatchNorm runs a work-group per range. Returns how many
 * training pairs there are. */
static int check_bn_pairs(const clnas_plan *plan)
{
    int pairs = 0;
    for (int i = 0; i < plan->ntrain; i++) {
        const clnas_plan_launch *l = &plan->train[i];
        if (l->kind != CLNAS_NODE_BN && l->kind != CLNAS_NODE_BN_BWD)
            continue;
        const clnas_kernel_desc *d = &plan->kernels[l->kernel].desc;
        const long split = clnas_kernel_desc_define_value(d, "SPLIT");
        if (split < 2)
            continue;
        assert_true(i > 0);
        const clnas_plan_launch *part = &plan->train[i - 1];
        assert_int_equal(part->kind, l->kind == CLNAS_NODE_BN ? CLNAS_NODE_BN_PART : CLNAS_NODE_BN_BWD_PART);
        const clnas_kernel_desc *pd = &plan->kernels[part->kernel].desc;
        assert_int_equal(clnas_kernel_desc_define_value(pd, "SPLIT"), split);
        const clnas_plan_binding *out = &part->arg[clnas_kernel_desc_find_arg(pd, "part")];
        const clnas_plan_binding *in = &l->arg[clnas_kernel_desc_find_arg(d, "part")];
        assert_int_equal(out->arena, CLNAS_ARENA_ACT);
        assert_true(out->writes);
        assert_int_equal(in->arena, out->arena);
        assert_int_equal(in->offset, out->offset);
        assert_int_equal(in->count, out->count);
        const long channels = clnas_kernel_desc_define_value(d, "CHANNELS");
        assert_int_equal(out->count, (size_t)(channels * split * 2));
        /* a work-group per range of every channel, in both launches */
        assert_int_equal(d->global[0], (size_t)(channels * split) * d->local[0]);
        assert_int_equal(pd->global[0], d->global[0]);
        pairs++;
    }
    assert_int_equal(pairs, plan->bn_splits);
    assert_int_equal(count_kind(plan, CLNAS_NODE_BN_PART) + count_kind(plan, CLNAS_NODE_BN_BWD_PART), pairs);
    for (int i = 0; i < plan->neval; i++) {
        const clnas_kernel_desc *d = &plan->kernels[plan->eval[i].kernel].desc;
        const long split = clnas_kernel_desc_define_value(d, "SPLIT");
        if (plan->eval[i].kind == CLNAS_NODE_BN && split > 1)
            assert_int_equal(d->global[0], (size_t)(clnas_kernel_desc_define_value(d, "CHANNELS") * split) *
                                               d->local[0]);
    }
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
    const int pairs = check_pairs(pg), bn_pairs = check_bn_pairs(pg);
    assert_true(pairs >= 5); /* at least the cells' 3x3 convolutions at 28x28 */
    assert_true(bn_pairs >= 10); /* at least the 28x28 stage's BatchNorms and their backwards */
    assert_int_equal(pg->ntrain, pc->ntrain + pairs + bn_pairs);
    assert_int_equal(pg->neval, pc->neval);
    assert_int_equal(pc->wgrad_splits, 0);
    assert_int_equal(count_kind(pc, CLNAS_NODE_SPLIT_SUM), 0);
    assert_int_equal(check_bn_pairs(pc), 0);
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

/* A BatchNorm at C=16 is 16 work-groups: a GPU of 16 compute units (64 wanted) splits each channel into 4 ranges,
 * no more than ranges of 4 elements per work-item allow; 64 channels fill it alone; a CPU never splits. */
static void test_bn_split_ranges(void **state)
{
    (void)state;
    clnas_device_profile gpu, cpu;
    clnas_device_profile_default_gpu(&gpu);
    clnas_device_profile_default_cpu(&cpu);
    clnas_bn_params p = {64, 16, 784, 1e-5, 0.1, 0, &gpu, 0}; /* 50176 elements a channel */
    assert_int_equal(clnas_bn_split_ranges(&p), 4);
    p.c = 64;
    assert_int_equal(clnas_bn_split_ranges(&p), 1);
    p.c = 5; /* 64 / 5: 13 ranges */
    assert_int_equal(clnas_bn_split_ranges(&p), 13);
    p.c = 16;
    gpu.compute_units = 1000; /* ranges of at least 4 x 256 elements: 49 */
    assert_int_equal(clnas_bn_split_ranges(&p), 49);
    p.n = 1; /* 784 elements: one range */
    assert_int_equal(clnas_bn_split_ranges(&p), 1);
    p.n = 3, p.hw = 1000, p.c = 1; /* 3000 elements, at most 2 ranges of 1500 (3 of 1000 are too short) */
    assert_int_equal(clnas_bn_split_ranges(&p), 2);
    p.profile = &cpu;
    p.n = 64, p.hw = 784;
    assert_int_equal(clnas_bn_split_ranges(&p), 1);
    /* the descriptors refuse a split on the CPU family, a split leaving a range empty, and one for a kernel that
     * takes none */
    clnas_kernel_desc d;
    clnas_error err;
    p.split = 2;
    assert_int_equal(clnas_op_bn_fwd_part_desc(&p, &d, &err), CLNAS_ERR_INVALID_ARG);
    p.profile = &gpu;
    assert_int_equal(clnas_op_bn_fwd_part_desc(&p, &d, &err), CLNAS_OK);
    assert_int_equal(clnas_op_bn_const_bwd_desc(&p, &d, &err), CLNAS_ERR_INVALID_ARG);
    p.n = 1, p.hw = 9, p.split = 4; /* ranges of 3: the fourth would be empty */
    assert_int_equal(clnas_op_bn_bwd_desc(&p, &d, &err), CLNAS_ERR_INVALID_ARG);
    p.split = 1;
    assert_int_equal(clnas_op_bn_bwd_part_desc(&p, &d, &err), CLNAS_ERR_INVALID_ARG);
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

/* cfg with the GPU family on a device of 64 compute units against the CPU family's kernels, which never split: the
 * same logits, loss, gradients, running statistics and evaluation logits up to the order of their sums (float64:
 * within 1e-10 of the largest). The GPU plan has at least `wgrads` split weight gradients and `bns` split
 * BatchNorms. */
static void same_as_cpu(device_fixture *fx, const clnas_net_config *cfg, int wgrads, int bns)
{
    clnas_model *cpu = build(fx, cfg, CLNAS_FAMILY_CPU, 64), *gpu = build(fx, cfg, CLNAS_FAMILY_GPU, 64);
    const clnas_plan *pc = clnas_model_plan(cpu), *pg = clnas_model_plan(gpu);
    assert_int_equal(pc->wgrad_splits, 0);
    assert_int_equal(pc->bn_splits, 0);
    assert_true(check_pairs(pg) >= wgrads);
    assert_true(check_bn_pairs(pg) >= bns);
    int grads = 0;
    assert_true(model_compare_step(gpu, cpu, 1e-10, MODEL_COMPARE_STATE | MODEL_COMPARE_EVAL, &grads));
    assert_true(grads > 10);
    clnas_model_free(cpu);
    clnas_model_free(gpu);
}

/* NB201 on 4 images of 28x28 at C=4: the 28x28 stage's weight gradients (3136 pixels, 3 ranges) and BatchNorms (3136
 * elements a channel, 3 ranges) split. */
static void test_same_gradients(void **state)
{
    clnas_net_config cfg;
    small_net_config(&cfg, BEST_ARCH, 4, 1, 4, 28);
    cfg.fp64 = 1;
    same_as_cpu(*state, &cfg, 5, 10);
}

/* The DARTS space (DARTS_V2, 3 cells of 8 channels, 4 images of 32x32): separable and dilated convolutions, whose
 * BatchNorms split (4096 elements a channel at 32x32: 4 ranges), BatchNorms writing into a cell's concatenated
 * output and reading its gradient as channel slices, reduction cells. */
static void test_same_gradients_darts(void **state)
{
    clnas_net_config cfg;
    small_net_darts_config(&cfg, "DARTS_V2", 8, 3, 4, 32);
    same_as_cpu(*state, &cfg, 1, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_splits),
        cmocka_unit_test(test_bn_split_ranges),
        cmocka_unit_test(test_same_gradients),
        cmocka_unit_test(test_same_gradients_darts),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
