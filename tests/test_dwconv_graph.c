/* clnas — the depthwise convolution through the whole compiler on a small hand-built graph: shape rule, autodiff,
 * ReLU fusion, in-place sums, memory plan and emission; the emitted float64 launches run one by one on host arenas
 * and their gradients are checked against central differences of the loss, for both kernel families.
 *   x -> ReLU -> dwconv 3x3 dilation 2 stride 2 (w1) --+
 *   x -> ReLU -> dwconv 5x5 stride 2 (w2) -------------+-> sum -> ReLU -> dwconv 3x3 (w3) -> ReLU, pool -> linear
 *                                                                                                  -> loss
 * (with relu_first 0 the two first convolutions read x itself). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnas/rng.h"
#include "autodiff.h"
#include "build_nb201.h"
#include "emit.h"
#include "fd_grad.h"
#include "fuse.h"
#include "kernel_harness.h"
#include "memplan.h"
#include "op.h"
#include "op_dwconv.h"
#include "plan.h"

#define B 2
#define C 4
#define HW 9
#define CLASSES 3

typedef struct tiny {
    clnas_graph g;
    clnas_net_io io;
    int w[5];      /* w1 w2 w3, classifier weight and bias */
    int dx;        /* the input's gradient tensor, -1 when not asked */
    clnas_plan *plan;
    clnas_plan_launch *launches;
    int nlaunches;
    double *arena[CLNAS_ARENA_COUNT];
} tiny;

static int act(clnas_graph *g, const char *name, int c, int h, int w)
{
    int shape[4] = {B, c, h, w};
    return clnas_graph_tensor_add(g, name, CLNAS_ARENA_ACT, 4, shape);
}

static int dwconv(clnas_graph *g, int x, int w, int k, int s, int d, int p, const char *label)
{
    int h = clnas_dwconv_out_dim(g->tensors[x].shape[2], k, s, d, p);
    int y = act(g, label, C, h, h);
    int in[2] = {x, w};
    int n = clnas_graph_node_add(g, CLNAS_NODE_DWCONV, CLNAS_PHASE_FORWARD, in, 2, &y, 1, label);
    assert_true(y >= 0 && n >= 0);
    g->nodes[n].ksize = k;
    g->nodes[n].stride = s;
    g->nodes[n].dilation = d;
    g->nodes[n].pad = p;
    return y;
}

static int unary(clnas_graph *g, clnas_node_kind kind, const int *in, int nin, int y, const char *label)
{
    assert_true(clnas_graph_node_add(g, kind, CLNAS_PHASE_FORWARD, in, nin, &y, 1, label) >= 0);
    return y;
}

static int weight(tiny *t, const char *name, int k)
{
    int shape[4] = {C, 1, k, k};
    return clnas_graph_param_add(&t->g, name, CLNAS_ARENA_PARAMS, 4, shape, CLNAS_INIT_KAIMING_UNIFORM, k * k, 1);
}

/* The forward graph of the file's banner. */
static void build(tiny *t, int relu_first)
{
    clnas_graph *g = &t->g;
    int ishape[4] = {B, C, HW, HW}, lshape[2] = {B, CLASSES}, wshape[2] = {CLASSES, C}, classes = CLASSES, one = 1;
    t->io.input = clnas_graph_tensor_add(g, "input", CLNAS_ARENA_INPUT, 4, ishape);
    t->io.labels = clnas_graph_tensor_add(g, "labels", CLNAS_ARENA_LABELS, 1, ishape);
    t->w[0] = weight(t, "w1", 3);
    t->w[1] = weight(t, "w2", 5);
    t->w[2] = weight(t, "w3", 3);
    t->w[3] = clnas_graph_param_add(g, "classifier.weight", CLNAS_ARENA_PARAMS, 2, wshape, CLNAS_INIT_KAIMING_UNIFORM,
                                    C, 1);
    t->w[4] = clnas_graph_param_add(g, "classifier.bias", CLNAS_ARENA_PARAMS, 1, &classes, CLNAS_INIT_FAN_IN_UNIFORM,
                                    C, 1);
    /* each convolution reads its own ReLU, as each op of a DARTS edge has its own */
    int x = t->io.input, xa = x, xb = x;
    if (relu_first) {
        xa = unary(g, CLNAS_NODE_RELU, &x, 1, act(g, "relu1a", C, HW, HW), "relu1a");
        xb = unary(g, CLNAS_NODE_RELU, &x, 1, act(g, "relu1b", C, HW, HW), "relu1b");
    }
    int a = dwconv(g, xa, t->w[0], 3, 2, 2, 2, "dil_conv_3x3");
    int b = dwconv(g, xb, t->w[1], 5, 2, 1, 2, "sep_conv_5x5");
    int ab[2] = {a, b};
    int s = unary(g, CLNAS_NODE_SUM, ab, 2, act(g, "sum", C, 5, 5), "sum");
    int r = unary(g, CLNAS_NODE_RELU, &s, 1, act(g, "relu2", C, 5, 5), "relu2");
    int c = dwconv(g, r, t->w[2], 3, 1, 1, 1, "sep_conv_3x3");
    int gshape[2] = {B, C};
    int rc = unary(g, CLNAS_NODE_RELU, &c, 1, act(g, "relu3", C, 5, 5), "relu3"); /* the pool has a ReLU folded */
    int gp = unary(g, CLNAS_NODE_GAP, &rc, 1, clnas_graph_tensor_add(g, "pool", CLNAS_ARENA_ACT, 2, gshape), "pool");
    int lin[3] = {gp, t->w[3], t->w[4]};
    t->io.logits = unary(g, CLNAS_NODE_LINEAR, lin, 3, clnas_graph_tensor_add(g, "logits", CLNAS_ARENA_ACT, 2, lshape),
                         "classifier");
    t->io.loss = clnas_graph_tensor_add(g, "loss", CLNAS_ARENA_ACT, 1, &one);
    t->io.dlogits = clnas_graph_tensor_add(g, "logits:grad", CLNAS_ARENA_ACT, 2, lshape);
    int in[2] = {t->io.logits, t->io.labels}, out[2] = {t->io.loss, t->io.dlogits};
    assert_true(clnas_graph_node_add(g, CLNAS_NODE_SOFTMAX_XENT, CLNAS_PHASE_FORWARD, in, 2, out, 2, "loss") >= 0);
}

/* Builds, differentiates, fuses, plans and emits the graph for `family`, and fills the host arenas. */
static void compile(tiny *t, int relu_first, int input_grad, clnas_family family)
{
    memset(t, 0, sizeof *t);
    clnas_graph_init(&t->g);
    t->g.fp64 = 1;
    build(t, relu_first);
    clnas_error err;
    clnas_fuse_stats fs;
    clnas_status st = clnas_op_check_shapes(&t->g, &err);
    if (st == CLNAS_OK)
        st = clnas_autodiff(&t->g, &t->io, input_grad, &t->dx, &err);
    if (st == CLNAS_OK)
        st = clnas_fuse(&t->g, &fs, &err);
    t->plan = calloc(1, sizeof *t->plan);
    assert_non_null(t->plan);
    clnas_net_config_default(&t->plan->config);
    t->plan->config.fp64 = 1;
    t->plan->config.batch = B; /* the linear layer's lowering reads the batch from the config */
    t->plan->config.classes = CLASSES;
    clnas_device_profile_default(family, &t->plan->profile);
    if (st == CLNAS_OK) {
        int pinned[3] = {t->io.logits, t->io.loss, t->dx};
        st = clnas_memplan(&t->g, pinned, 3, t->plan->arena_elems, &t->plan->live_params, &err);
    }
    if (st == CLNAS_OK)
        st = clnas_emit(&t->g, t->plan->live_params, t->plan, &t->launches, &t->nlaunches, &err);
    if (st != CLNAS_OK)
        fail_msg("%s", err.message);
    for (int a = 0; a < CLNAS_ARENA_COUNT; a++)
        t->arena[a] = calloc(t->plan->arena_elems[a] + 1, sizeof(double));
    clnas_rng rng;
    clnas_rng_seed(&rng, 7);
    for (size_t i = 0; i < t->plan->arena_elems[CLNAS_ARENA_PARAMS]; i++)
        t->arena[CLNAS_ARENA_PARAMS][i] = clnas_rng_uniform(&rng) - 0.5;
    for (size_t i = 0; i < t->plan->arena_elems[CLNAS_ARENA_INPUT]; i++)
        t->arena[CLNAS_ARENA_INPUT][i] = 2.0 * clnas_rng_uniform(&rng) - 1.0;
    for (int i = 0; i < B; i++)
        t->arena[CLNAS_ARENA_LABELS][i] = (double)(i % CLASSES);
}

static void release(tiny *t)
{
    for (int a = 0; a < CLNAS_ARENA_COUNT; a++)
        free(t->arena[a]);
    free(t->launches);
    clnas_plan_free(t->plan);
    clnas_graph_free(&t->g);
}

/* Runs the launches of `phase` in order, each on its slices of the host arenas (an output it overwrites is
 * poisoned first, so a kernel that leaves part of it unwritten fails). */
static void run_phase(kh_ctx *k, tiny *t, clnas_phase phase)
{
    for (int i = 0; i < t->nlaunches; i++) {
        const clnas_plan_launch *l = &t->launches[i];
        if (l->phase != phase)
            continue;
        const clnas_kernel_desc *d = &t->plan->kernels[l->kernel].desc;
        kh_arg args[CLNAS_MAX_KERNEL_ARGS] = {{0}};
        for (int a = 0; a < d->nargs; a++) {
            const clnas_plan_binding *b = &l->arg[a];
            assert_true(d->arg_kind[a] == CLNAS_ARG_TENSOR || d->arg_kind[a] == CLNAS_ARG_TENSOR_INT);
            if (b->offset + b->count > t->plan->arena_elems[b->arena])
                fail_msg("launch %s slot %s: [%zu, +%zu) beyond its arena %s of %zu", l->label, d->arg_name[a],
                         b->offset, b->count, clnas_arena_name(b->arena), t->plan->arena_elems[b->arena]);
            args[a] = (kh_arg){t->arena[b->arena] + b->offset, b->count, b->writes == 1, 0.0};
        }
        if (kh_run(k, d, 1, args) != 0)
            fail_msg("launch %s (%s) failed", l->label, d->entry);
    }
}

static double loss_of(kh_ctx *k, tiny *t)
{
    run_phase(k, t, CLNAS_PHASE_FORWARD);
    return t->arena[CLNAS_ARENA_ACT][t->g.tensors[t->io.loss].offset];
}

static int count_kind(const tiny *t, clnas_node_kind kind)
{
    int n = 0;
    for (int i = 0; i < t->nlaunches; i++)
        n += t->launches[i].kind == kind;
    return n;
}

/* The directional derivative of the loss along a random direction v over one tensor (a slice of an arena, its
 * gradient in `grad`): <grad, v> against central differences of the loss (a launch per element would take
 * minutes: each kh_run builds its program). A wrong element of grad shows up unless v happens to miss it. */
static int check_tensor(kh_ctx *k, tiny *t, const char *what, double *value, const double *grad, size_t count,
                        clnas_rng *rng)
{
    double *keep = malloc(count * sizeof *keep), *v = malloc(count * sizeof *v), analytic = 0.0;
    memcpy(keep, value, count * sizeof *keep);
    for (size_t e = 0; e < count; e++) {
        v[e] = 2.0 * clnas_rng_uniform(rng) - 1.0;
        analytic += grad[e] * v[e];
        value[e] = keep[e] + FD_STEP * v[e];
    }
    double up = loss_of(k, t);
    for (size_t e = 0; e < count; e++)
        value[e] = keep[e] - FD_STEP * v[e];
    double down = loss_of(k, t);
    memcpy(value, keep, count * sizeof *keep);
    free(keep);
    free(v);
    return !fd_check(what, 0, analytic, (up - down) / (2 * FD_STEP));
}

/* The #define `name` of launch l's kernel, or -1. */
static long define_of(const tiny *t, const clnas_plan_launch *l, const char *name)
{
    return clnas_kernel_desc_define_value(&t->plan->kernels[l->kernel].desc, name);
}

/* The gradient tensor (GRADS arena) of parameter tensor w. */
static int grad_of(const tiny *t, int w)
{
    for (int i = 0; i < t->g.ntensors; i++)
        if (t->g.tensors[i].arena == CLNAS_ARENA_GRADS && t->g.tensors[i].param == t->g.tensors[w].param)
            return i;
    fail_msg("no gradient of %s", t->g.tensors[w].name);
    return -1;
}

static void gradients(void **state, int relu_first, clnas_family family)
{
    kh_ctx *k = *state;
    if (!k->has_fp64)
        skip();
    tiny t;
    compile(&t, relu_first, 1, family);
    /* both ReLUs folded into the convolutions that read them; every pass of the three convolutions launched */
    assert_int_equal(count_kind(&t, CLNAS_NODE_RELU), 0);
    assert_int_equal(count_kind(&t, CLNAS_NODE_DWCONV), 3);
    assert_int_equal(count_kind(&t, CLNAS_NODE_DWCONV_BWD_DATA), 3);
    assert_int_equal(count_kind(&t, CLNAS_NODE_DWCONV_BWD_FILTER), 3);
    int relu_fwd = 0;
    for (int i = 0; i < t.nlaunches; i++)
        if (t.launches[i].kind == CLNAS_NODE_DWCONV)
            relu_fwd += define_of(&t, &t.launches[i], "RELU_IN") == 1;
    assert_int_equal(relu_fwd, relu_first ? 3 : 1);

    loss_of(k, &t);
    run_phase(k, &t, CLNAS_PHASE_BACKWARD);
    const size_t ngrads = t.plan->arena_elems[CLNAS_ARENA_GRADS];
    double *grads = malloc((ngrads + 1) * sizeof *grads);
    memcpy(grads, t.arena[CLNAS_ARENA_GRADS], ngrads * sizeof *grads);
    const clnas_graph_tensor *dx = &t.g.tensors[t.dx], *x = &t.g.tensors[t.io.input];
    double *gx = malloc(dx->count * sizeof *gx);
    memcpy(gx, t.arena[CLNAS_ARENA_ACT] + dx->offset, dx->count * sizeof *gx);

    clnas_rng rng;
    clnas_rng_seed(&rng, 11);
    int wrong = 0;
    for (int i = 0; i < 5; i++) {
        const clnas_graph_tensor *w = &t.g.tensors[t.w[i]], *gw = &t.g.tensors[grad_of(&t, t.w[i])];
        wrong += check_tensor(k, &t, w->name, t.arena[CLNAS_ARENA_PARAMS] + w->offset, grads + gw->offset, w->count,
                              &rng);
    }
    wrong += check_tensor(k, &t, "input", t.arena[CLNAS_ARENA_INPUT] + x->offset, gx, x->count, &rng);
    free(grads);
    free(gx);
    release(&t);
    assert_int_equal(wrong, 0);
}

static void test_gradients_cpu(void **state)
{
    gradients(state, 1, CLNAS_FAMILY_CPU);
}

static void test_gradients_gpu(void **state)
{
    gradients(state, 1, CLNAS_FAMILY_GPU);
}

static void test_gradients_without_relu(void **state)
{
    gradients(state, 0, CLNAS_FAMILY_CPU);
}

/* The input gradient of a convolution is emitted only when its input wants one: x (the batch) only when asked,
 * an activation always. */
static void test_input_grad_only_when_asked(void **state)
{
    (void)state;
    tiny t;
    compile(&t, 0, 0, CLNAS_FAMILY_CPU);
    assert_int_equal(count_kind(&t, CLNAS_NODE_DWCONV_BWD_DATA), 1);
    assert_int_equal(count_kind(&t, CLNAS_NODE_DWCONV_BWD_FILTER), 3);
    release(&t);
    compile(&t, 0, 1, CLNAS_FAMILY_CPU);
    assert_int_equal(count_kind(&t, CLNAS_NODE_DWCONV_BWD_DATA), 3);
    release(&t);
}

static int setup(void **state)
{
    static kh_ctx k;
    if (kh_open(&k) != 0)
        return -1;
    *state = &k;
    return 0;
}

static int teardown(void **state)
{
    kh_close(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_grad_only_when_asked),
        cmocka_unit_test(test_gradients_cpu),
        cmocka_unit_test(test_gradients_gpu),
        cmocka_unit_test(test_gradients_without_relu),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
