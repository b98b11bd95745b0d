/* clnas — the DARTS cell space's codegen ops inside a graph (issue 13): a hand-built network with FactorizedReduce
 * (two ReLUs, the two subsamples, 1x1 convs, concat), stride-2 max and average pools, drop-path and a cell-output
 * concat goes through shape checks, autodiff, fusion, the memory plan, its checker and emission. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autodiff.h"
#include "device_profile.h"
#include "emit.h"
#include "fuse.h"
#include "memplan.h"
#include "memplan_check.h"
#include "op.h"

enum { B = 3, C = 4, H = 6, CLASSES = 10 };

static int act(clnas_graph *g, const char *name, int c, int h, int w)
{
    int shape[4] = {B, c, h, w}, t = clnas_graph_tensor_add(g, name, CLNAS_ARENA_ACT, 4, shape);
    assert_true(t >= 0);
    return t;
}

static int node(clnas_graph *g, clnas_node_kind kind, const int *in, int nin, int out, const char *label)
{
    int n = clnas_graph_node_add(g, kind, CLNAS_PHASE_FORWARD, in, nin, &out, 1, label);
    assert_true(n >= 0);
    return n;
}

static int conv1x1(clnas_graph *g, int x, int ci, int co, int hw, const char *label)
{
    char name[64];
    snprintf(name, sizeof name, "%s.weight", label);
    int wshape[4] = {co, ci, 1, 1};
    int w = clnas_graph_param_add(g, name, CLNAS_ARENA_PARAMS, 4, wshape, CLNAS_INIT_KAIMING_UNIFORM, ci, 1);
    snprintf(name, sizeof name, "%s:out", label);
    int y = act(g, name, co, hw, hw), in[2] = {x, w};
    int n = node(g, CLNAS_NODE_CONV, in, 2, y, label);
    g->nodes[n].ksize = 1, g->nodes[n].stride = 1, g->nodes[n].pad = 0;
    return y;
}

static int unary(clnas_graph *g, clnas_node_kind kind, int x, int c, int hw, const char *label)
{
    char name[64];
    snprintf(name, sizeof name, "%s:out", label);
    int y = act(g, name, c, hw, hw);
    node(g, kind, &x, 1, y, label);
    return y;
}

/* The network; returns the mask tensor. */
static int build(clnas_graph *g, clnas_net_io *io)
{
    int ishape[4] = {B, C, H, H};
    io->input = clnas_graph_tensor_add(g, "input", CLNAS_ARENA_INPUT, 4, ishape);
    io->labels = clnas_graph_tensor_add(g, "labels", CLNAS_ARENA_LABELS, 1, ishape);
    int a = conv1x1(g, io->input, C, C, H, "stem");
    /* FactorizedReduce: a ReLU per half, so fusion folds each ReLU and its backward into its subsample */
    int r1 = unary(g, CLNAS_NODE_RELU, a, C, H, "fr.relu1"), r2 = unary(g, CLNAS_NODE_RELU, a, C, H, "fr.relu2");
    int s0 = unary(g, CLNAS_NODE_SUBSAMPLE2, r1, C, H / 2, "fr.sub0");
    int s1 = unary(g, CLNAS_NODE_SUBSAMPLE2, r2, C, H / 2, "fr.sub1");
    g->nodes[g->nnodes - 1].offset = 1;
    int halves[2] = {conv1x1(g, s0, C, C / 2, H / 2, "fr.conv_1"), conv1x1(g, s1, C, C / 2, H / 2, "fr.conv_2")};
    int fr = act(g, "fr.cat:out", C, H / 2, H / 2);
    node(g, CLNAS_NODE_CONCAT, halves, 2, fr, "fr.cat");
    int mp = unary(g, CLNAS_NODE_MAXPOOL3, a, C, H / 2, "max_pool");
    g->nodes[g->nnodes - 1].stride = 2;
    int ap = unary(g, CLNAS_NODE_AVGPOOL3, a, C, H / 2, "avg_pool");
    g->nodes[g->nnodes - 1].stride = 2;
    int b = B, mask = clnas_graph_param_add(g, "drop_mask", CLNAS_ARENA_STATE, 1, &b, CLNAS_INIT_ONES, 0, 1);
    int dp = act(g, "drop:out", C, H / 2, H / 2), din[2] = {mp, mask};
    node(g, CLNAS_NODE_DROP_PATH, din, 2, dp, "drop");
    int terms[3] = {fr, dp, ap}, sum = act(g, "node:out", C, H / 2, H / 2);
    node(g, CLNAS_NODE_SUM, terms, 3, sum, "node");
    int parts[2] = {sum, fr}, cell = act(g, "cell:out", 2 * C, H / 2, H / 2);
    node(g, CLNAS_NODE_CONCAT, parts, 2, cell, "cell");
    int rz = unary(g, CLNAS_NODE_RELU, cell, 2 * C, H / 2, "head.relu");
    int gshape[2] = {B, 2 * C}, gp = clnas_graph_tensor_add(g, "gap:out", CLNAS_ARENA_ACT, 2, gshape);
    node(g, CLNAS_NODE_GAP, &rz, 1, gp, "gap");
    int wshape[2] = {CLASSES, 2 * C}, nc = CLASSES;
    int lw = clnas_graph_param_add(g, "fc.weight", CLNAS_ARENA_PARAMS, 2, wshape, CLNAS_INIT_KAIMING_UNIFORM, 8, 1);
    int lb = clnas_graph_param_add(g, "fc.bias", CLNAS_ARENA_PARAMS, 1, &nc, CLNAS_INIT_FAN_IN_UNIFORM, 8, 1);
    int lshape[2] = {B, CLASSES}, one = 1, lin[3] = {gp, lw, lb};
    io->logits = clnas_graph_tensor_add(g, "logits", CLNAS_ARENA_ACT, 2, lshape);
    node(g, CLNAS_NODE_LINEAR, lin, 3, io->logits, "fc");
    io->loss = clnas_graph_tensor_add(g, "loss", CLNAS_ARENA_ACT, 1, &one);
    io->dlogits = clnas_graph_tensor_add(g, "logits:grad", CLNAS_ARENA_ACT, 2, lshape);
    int xin[2] = {io->logits, io->labels}, xout[2] = {io->loss, io->dlogits};
    assert_true(clnas_graph_node_add(g, CLNAS_NODE_SOFTMAX_XENT, CLNAS_PHASE_FORWARD, xin, 2, xout, 2, "loss") >= 0);
    return mask;
}

static int live_count(const clnas_graph *g, clnas_node_kind kind)
{
    int n = 0;
    for (int i = 0; i < g->nnodes; i++)
        n += !g->nodes[i].dead && g->nodes[i].kind == kind;
    return n;
}

/* The fused graph: no ReLU left, both subsamples (and their backwards) rectify, each concat input gets its slice. */
static void check_fused(const clnas_graph *g, int mask)
{
    assert_int_equal(live_count(g, CLNAS_NODE_RELU), 0);
    assert_int_equal(live_count(g, CLNAS_NODE_RELU_BWD), 0);
    assert_int_equal(live_count(g, CLNAS_NODE_SUBSAMPLE2_BWD), 2);
    assert_int_equal(live_count(g, CLNAS_NODE_MAXPOOL3_BWD), 1);
    assert_int_equal(live_count(g, CLNAS_NODE_DROP_PATH_BWD), 1);
    int offsets = 0;
    for (int i = 0; i < g->nnodes; i++) {
        const clnas_graph_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        if (n->kind == CLNAS_NODE_SUBSAMPLE2 || n->kind == CLNAS_NODE_SUBSAMPLE2_BWD)
            assert_int_equal(n->relu_in, 1);
        if (n->kind == CLNAS_NODE_SUBSAMPLE2_BWD)
            assert_int_equal(n->nin, 2); /* dy, x */
        if (n->kind == CLNAS_NODE_DROP_PATH_BWD)
            assert_int_equal(n->in[1], mask);
        if (n->kind == CLNAS_NODE_CONCAT_BWD) {
            const clnas_graph_tensor *dy = &g->tensors[n->in[0]], *dx = &g->tensors[n->out[0]];
            assert_int_equal(dx->shape[1], dy->shape[1] / 2);
            offsets += n->offset == dx->shape[1] ? 1 : n->offset == 0 ? 100 : 10000;
        }
    }
    assert_int_equal(offsets, 202); /* two concats, each with slices at 0 and at its half */
}

static void test_darts_ops_graph(void **state)
{
    (void)state;
    for (int fp64 = 0; fp64 <= 1; fp64++) {
        clnas_graph g;
        clnas_graph_init(&g);
        g.fp64 = fp64;
        clnas_net_io io;
        memset(&io, -1, sizeof io);
        int mask = build(&g, &io), input_grad = -1;
        clnas_error err = {0};
        clnas_fuse_stats fs;
        if (clnas_op_check_shapes(&g, &err) != CLNAS_OK || clnas_autodiff(&g, &io, 0, &input_grad, &err) != CLNAS_OK ||
            clnas_fuse(&g, &fs, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        check_fused(&g, mask);
        clnas_plan *plan = calloc(1, sizeof *plan);
        assert_non_null(plan);
        clnas_net_config_default(&plan->config);
        plan->config.fp64 = fp64;
        clnas_device_profile_default_cpu(&plan->profile);
        plan->descs_only = 1;
        int pinned[2] = {io.logits, io.loss};
        if (clnas_memplan(&g, pinned, 2, plan->arena_elems, &plan->live_params, &err) != CLNAS_OK ||
            clnas_emit(&g, plan->live_params, plan, &plan->train, &plan->ntrain, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        plan->buffers = calloc((size_t)g.ntensors, sizeof *plan->buffers); /* as clnas_plan_compile lists them */
        assert_non_null(plan->buffers);
        for (int t = 0; t < g.ntensors; t++) {
            memcpy(plan->buffers[t].name, g.tensors[t].name, sizeof plan->buffers[t].name);
            plan->buffers[t].arena = g.tensors[t].arena;
            plan->buffers[t].offset = g.tensors[t].offset;
            plan->buffers[t].count = g.tensors[t].count;
        }
        plan->nbuffers = g.ntensors;
        long keep[2] = {(long)g.tensors[io.logits].offset, (long)g.tensors[io.loss].offset};
        if (clnas_plan_check_memory(plan, plan->train, plan->ntrain, keep, 2, &err) != CLNAS_OK)
            fail_msg("memory plan: %s", err.message);
        int found = 0;
        for (int k = 0; k < plan->nkernels; k++)
            found |= strcmp(plan->kernels[k].desc.entry, "avgpool3s2_bwd") == 0;
        assert_true(found);
        clnas_plan_free(plan);
        clnas_graph_free(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_darts_ops_graph)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
