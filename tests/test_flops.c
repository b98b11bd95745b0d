/* clnas — forward FLOPs (codegen/flops.c) against counts this test makes on its own from the architecture: DARTS'
 * NetworkCIFAR from the genotype (depthwise and pointwise convolutions, FactorizedReduce, pools at 0), a chain
 * network layer by layer, NAS-Bench-201 networks by the rule they always had; the compiled plan and the graph-based
 * architecture cost give the same figure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "arch_cost.h"
#include "clnas/chain_genotype.h"
#include "clnas/darts_genotype.h"
#include "clnas/network.h"
#include "plan.h"

/* The plan's figure and the graph-based cost's, both equal to want. */
static void expect_flops(const clnas_net_config *cfg, double want, const char *what)
{
    clnas_error err;
    clnas_plan *plan = NULL;
    if (clnas_plan_compile_descs(cfg, &plan, &err) != CLNAS_OK)
        fail_msg("%s: %s", what, err.message);
    long params = 0;
    double cost = 0;
    assert_int_equal(clnas_arch_cost(cfg, &params, &cost, &err), CLNAS_OK);
    double got = clnas_plan_forward_flops(plan);
    printf("%-48s %.6g FLOPs per image (counted here: %.6g)\n", what, got, want);
    assert_true(got == want);
    assert_true(cost == want);
    clnas_plan_free(plan);
}

/* ---- DARTS: NetworkCIFAR from the genotype ---- */

/* Multiply-adds of one edge op with c channels and an output of ho x ho (the stride is in ho). */
static double darts_op_macs(int op, int c, int ho, int stride)
{
    const double px = (double)ho * ho;
    switch (op) {
    case CLNAS_DARTS_SEP_CONV_3X3:
    case CLNAS_DARTS_SEP_CONV_5X5: { /* two blocks of depthwise k x k and pointwise 1x1 */
        int k = op == CLNAS_DARTS_SEP_CONV_3X3 ? 3 : 5;
        return 2.0 * ((double)c * k * k * px + (double)c * c * px);
    }
    case CLNAS_DARTS_DIL_CONV_3X3:
    case CLNAS_DARTS_DIL_CONV_5X5: { /* one block; the dilation does not change the taps */
        int k = op == CLNAS_DARTS_DIL_CONV_3X3 ? 3 : 5;
        return (double)c * k * k * px + (double)c * c * px;
    }
    case CLNAS_DARTS_SKIP_CONNECT: /* at stride 2 a FactorizedReduce: two 1x1 convolutions to c/2 */
        return stride == 2 ? 2.0 * (c / 2) * c * px : 0.0;
    default: /* none, the pools, the identity */
        return 0.0;
    }
}

/* 2 x multiply-adds of NetworkCIFAR(C, classes, layers, genotype) on in_ch x hw x hw: stem conv 3x3 to 3C; per
 * cell preprocess0 (1x1 conv, or a FactorizedReduce after a reduction), preprocess1 (1x1 conv) and the 8 edges;
 * the classifier on the last cell's channels. Every edge counted (the genotypes used have no 'none'). */
static double darts_flops(const clnas_darts_genotype *g, int C, int layers, int in_ch, int hw, int classes)
{
    double macs = 3.0 * C * in_ch * 9 * hw * hw;
    int c_pp = 3 * C, c_p = 3 * C, c = C, h_pp = hw, h_p = hw, reduction_prev = 0;
    for (int i = 0; i < layers; i++) {
        const int reduction = i == layers / 3 || i == 2 * layers / 3;
        const clnas_darts_cell *cell = reduction ? &g->reduce : &g->normal;
        c *= reduction ? 2 : 1;
        if (reduction_prev)
            macs += 2.0 * (c / 2) * c_pp * (h_pp / 2) * (h_pp / 2);
        else
            macs += (double)c * c_pp * h_p * h_p;
        macs += (double)c * c_p * h_p * h_p;
        const int h_o = reduction ? (h_p + 1) / 2 : h_p;
        for (int e = 0; e < CLNAS_DARTS_EDGES; e++) {
            const int stride = reduction && cell->input[e] < 2 ? 2 : 1;
            macs += darts_op_macs(cell->op[e], c, h_o, stride);
        }
        c_pp = c_p;
        c_p = cell->nconcat * c;
        h_pp = h_p;
        h_p = h_o;
        reduction_prev = reduction;
    }
    macs += (double)classes * c_p;
    return 2.0 * macs;
}

static void darts_case(const char *name, int C, int layers, int in_ch, int hw, int classes)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_DARTS;
    clnas_error err;
    assert_int_equal(clnas_darts_genotype_named(name, &cfg.darts_genotype, &err), CLNAS_OK);
    cfg.channels = C;
    cfg.layers = layers;
    cfg.in_channels = in_ch;
    cfg.height = cfg.width = hw;
    cfg.classes = classes;
    cfg.batch = 2;
    char what[100];
    snprintf(what, sizeof what, "%s C=%d layers=%d %dx%dx%d", name, C, layers, in_ch, hw, hw);
    expect_flops(&cfg, darts_flops(&cfg.darts_genotype, C, layers, in_ch, hw, classes), what);
}

/* DARTS_V2 (sep_conv 3x3, dil_conv 3x3, skips, max pools) and DARTS_V1 (avg and max pools at stride 2, skips as
 * FactorizedReduce in the reduction cell) at test size, at odd maps (28 px: 7 px after two reductions) and at
 * DARTS' CIFAR-10 size (C=36, 20 layers). */
static void test_darts(void **state)
{
    (void)state;
    darts_case("DARTS_V2", 4, 5, 3, 32, 10);
    darts_case("DARTS_V2", 6, 8, 1, 28, 7);
    darts_case("DARTS_V1", 4, 5, 3, 32, 10);
    darts_case("DARTS_V2", 36, 20, 3, 32, 10);
}

/* DARTS_V2 at DARTS' CIFAR-10 size against PyTorch's count: forward hooks on every Conv2d and Linear of
 * darts_ref.NetworkCIFAR (tests/data/darts/count_flops.py) give 528,359,040 multiply-adds. */
static void test_darts_pytorch_count(void **state)
{
    (void)state;
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_DARTS;
    clnas_error err;
    assert_int_equal(clnas_darts_genotype_named("DARTS_V2", &cfg.darts_genotype, &err), CLNAS_OK);
    cfg.channels = 36;
    cfg.layers = 20;
    cfg.in_channels = 3;
    cfg.height = cfg.width = 32;
    cfg.batch = 2;
    expect_flops(&cfg, 2.0 * 528359040, "DARTS_V2 C=36 layers=20 (PyTorch hooks)");
}

/* The auxiliary head is training only: evaluation's FLOPs do not change with it. */
static void test_darts_auxiliary_not_counted(void **state)
{
    (void)state;
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_DARTS;
    clnas_error err;
    assert_int_equal(clnas_darts_genotype_named("DARTS_V2", &cfg.darts_genotype, &err), CLNAS_OK);
    cfg.channels = 4;
    cfg.layers = 5;
    cfg.in_channels = 3;
    cfg.height = cfg.width = 32;
    cfg.batch = 2;
    cfg.auxiliary = 1;
    expect_flops(&cfg, darts_flops(&cfg.darts_genotype, 4, 5, 3, 32, 10), "DARTS_V2 C=4 layers=5 with aux head");
}

/* ---- chain: layer by layer ---- */

/* conv3x3-32 | sepconv5x5-64/s2 | maxpool3x3 | conv1x1-64 + skip(2) | conv3x3-32 + cat(2,3), C=16 on 1x28x28:
 * stem 3x3 1->16 at 28; conv 3x3 16->32 at 28; sepconv: depthwise 5x5 on 32 and pointwise 32->64 at 14; max pool
 * 0; conv 1x1 64->64 at 14 (its input the sum of outputs 3 and 2); conv 3x3 on the concatenation of outputs 4, 2
 * and 3 (192 channels) to 32 at 14; classifier 32 -> 10. Then the same at stride 2 twice on 3x32x32, C=8. */
static void test_chain(void **state)
{
    (void)state;
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_CHAIN;
    clnas_error err;
    assert_int_equal(clnas_chain_genotype_parse("conv3x3-32 | sepconv5x5-64/s2 | maxpool3x3 | conv1x1-64 + skip(2) "
                                                "| conv3x3-32 + cat(2,3)", &cfg.chain_genotype, &err), CLNAS_OK);
    cfg.batch = 2;
    double macs = 16.0 * 1 * 9 * 28 * 28 + 32.0 * 16 * 9 * 28 * 28 + (32.0 * 25 + 64.0 * 32) * 14 * 14 +
                  64.0 * 64 * 14 * 14 + 32.0 * 192 * 9 * 14 * 14 + 10.0 * 32;
    expect_flops(&cfg, 2.0 * macs, "chain, 5 layers, C=16 1x28x28");

    assert_int_equal(clnas_chain_genotype_parse("sepconv3x3-16/s2 | avgpool3x3/s2 | conv5x5-32 | identity",
                                                &cfg.chain_genotype, &err), CLNAS_OK);
    cfg.channels = 8;
    cfg.in_channels = 3;
    cfg.height = cfg.width = 32;
    macs = 8.0 * 3 * 9 * 32 * 32 + (8.0 * 9 + 16.0 * 8) * 16 * 16 + 32.0 * 16 * 25 * 8 * 8 + 10.0 * 32;
    expect_flops(&cfg, 2.0 * macs, "chain, 4 layers, C=8 3x32x32");
}

/* ---- NAS-Bench-201: the figures it always had ---- */

/* 2 x multiply-adds of the NB201 network with cell_macs multiply-adds per cell per C^2 H W: stem 3x3, 3 stages of
 * N cells, two residual reduction blocks (3x3 stride 2, 3x3, 1x1 shortcut after the 2x2 pool), the classifier. */
static double nb201_flops(double cell_factor, int C, int N, int in_ch, int hw, int classes)
{
    double macs = (double)C * in_ch * 9 * hw * hw;
    for (int s = 0, c = C, h = hw; s < 3; s++, c *= 2, h /= 2) {
        macs += N * cell_factor * c * c * h * h;
        if (s < 2) /* the block to 2c at h/2 */
            macs += (2.0 * c * c * 9 + 4.0 * c * c * 9 + 2.0 * c * c) * (h / 2) * (h / 2);
    }
    macs += (double)classes * 4 * C;
    return 2.0 * macs;
}

static void test_nb201_unchanged(void **state)
{
    (void)state;
    static const struct {
        const char *arch;
        double cell_factor; /* multiply-adds of a cell / (C^2 H W) */
    } archs[] = {
        {"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|", 54},
        {"|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|skip_connect~1|nor_conv_1x1~2|", 11},
    };
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        clnas_net_config cfg;
        clnas_net_config_default(&cfg);
        clnas_error err;
        assert_int_equal(clnas_genotype_parse(archs[i].arch, &cfg.genotype, &err), CLNAS_OK);
        expect_flops(&cfg, nb201_flops(archs[i].cell_factor, 16, 5, 1, 28, 10), archs[i].arch);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_darts),
        cmocka_unit_test(test_darts_pytorch_count),
        cmocka_unit_test(test_darts_auxiliary_not_counted),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_nb201_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
