/* clnas — the CLBlast GEMM alternatives: their results against the C references at clnas's shapes and odd ones
 * (outputs poisoned, guards around every tensor), a whole network run both ways, and the algorithm choice
 * (measured once, recorded, reused, its cache file surviving and a corrupt one ignored). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "algo_choice.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "device_fixture.h"
#include "executor.h"
#include "gemm_clblast.h"
#include "gemm_desc.h"
#include "kernel_cases.h"
#include "kernel_harness.h"
#include "model_build.h"
#include "model_compare.h"
#include "op_conv.h"
#include "op_linear.h"
#include "plan.h"
#include "program_cache.h"

#define GUARD 29 /* poisoned elements before and after every tensor */

/* ---- one alternative on device buffers against the reference ---- */

typedef struct slot_data {
    double *host;  /* initial contents (inputs, and outputs that accumulate) */
    size_t count;
    int poison;    /* the output starts as NaN */
    double *got;
} slot_data;

/* Runs g with slot i in its own buffer between poisoned guards; fills got; returns 1 when the guards held. */
static int run_gemm(const device_fixture *f, const clnas_gemm_desc *g, const clnas_kernel_desc *kd, int fp64,
                    slot_data *slots)
{
    size_t es = fp64 ? sizeof(double) : sizeof(float);
    cl_context ctx = f->dev->context;
    cl_command_queue q = f->dev->queue;
    clnas_gemm_buffers bufs;
    memset(&bufs, 0, sizeof bufs);
    void *stage[CLNAS_MAX_KERNEL_ARGS] = {0};
    int ok = 1;
    for (int i = 0; i < kd->nargs; i++) {
        size_t n = slots[i].count + 2 * GUARD;
        stage[i] = malloc(n * es);
        for (size_t k = 0; k < n; k++) {
            int inside = k >= GUARD && k < GUARD + slots[i].count;
            double v = inside && !slots[i].poison ? slots[i].host[k - GUARD] : NAN;
            if (fp64)
                ((double *)stage[i])[k] = v;
            else
                ((float *)stage[i])[k] = (float)v;
        }
        cl_int rc;
        bufs.slot[i] = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, n * es, stage[i], &rc);
        assert_int_equal(rc, CL_SUCCESS);
        bufs.slot_offset[i] = GUARD;
    }
    cl_int rc;
    if (g->scratch_elems) {
        bufs.scratch = clCreateBuffer(ctx, CL_MEM_READ_WRITE, g->scratch_elems * es, NULL, &rc);
        assert_int_equal(rc, CL_SUCCESS);
    }
    clnas_error err;
    if (g->ones_elems) {
        bufs.ones = clCreateBuffer(ctx, CL_MEM_READ_WRITE, g->ones_elems * es, NULL, &rc);
        assert_int_equal(rc, CL_SUCCESS);
        assert_int_equal(clnas_gemm_fill_ones(q, bufs.ones, g->ones_elems, fp64, &err), CLNAS_OK);
    }
    clnas_program_cache *cache = NULL;
    if (g->relu_elems) { /* the kernel that writes the rectified input the steps read */
        clnas_kernel_desc rd;
        char *src = NULL;
        assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
        assert_int_equal(clnas_gemm_desc_relu_kernel(g, &rd, &err), CLNAS_OK);
        assert_int_equal(clnas_kernel_source(&rd, fp64, &src, &err), CLNAS_OK);
        assert_int_equal(clnas_program_cache_kernel(cache, src, "", rd.entry, rd.entry, &bufs.relu.kernel, &err),
                         CLNAS_OK);
        free(src);
        bufs.relu.global = rd.global[0];
        bufs.relu.local = rd.local[0];
    }
    if (clnas_gemm_enqueue(q, g, &bufs, fp64, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(clFinish(q), CL_SUCCESS);
    for (int i = 0; i < kd->nargs; i++) {
        size_t n = slots[i].count + 2 * GUARD;
        assert_int_equal(clEnqueueReadBuffer(q, bufs.slot[i], CL_TRUE, 0, n * es, stage[i], 0, NULL, NULL),
                         CL_SUCCESS);
        slots[i].got = malloc(slots[i].count * sizeof(double));
        for (size_t k = 0; k < n; k++) {
            double v = fp64 ? ((double *)stage[i])[k] : (double)((float *)stage[i])[k];
            if (k >= GUARD && k < GUARD + slots[i].count)
                slots[i].got[k - GUARD] = v;
            else if (!isnan(v)) {
                printf("  %s: slot %s guard element %zu was overwritten\n", g->sig, kd->arg_name[i], k);
                ok = 0;
            }
        }
        clReleaseMemObject(bufs.slot[i]);
        free(stage[i]);
    }
    if (bufs.scratch)
        clReleaseMemObject(bufs.scratch);
    if (bufs.ones)
        clReleaseMemObject(bufs.ones);
    clnas_program_cache_free(cache);
    return ok;
}

static void free_slots(slot_data *slots, int n)
{
    for (int i = 0; i < n; i++) {
        free(slots[i].host);
        free(slots[i].got);
    }
}

static double tol(int fp64)
{
    return KH_TOL(fp64);
}

typedef struct linear_shape {
    int n, in, out, accum;
} linear_shape;

/* the classifier of C=16 (64 -> 10 at batch 256), of small proxies, and odd sizes */
static const linear_shape linear_shapes[] = {
    {256, 64, 10, 0}, {256, 64, 10, 1}, {64, 16, 10, 0}, {3, 5, 7, 1}, {17, 33, 9, 0}, {1, 1, 1, 1}, {5, 1, 3, 0},
};

static int check_linear(const device_fixture *f, const linear_shape *s, int fp64)
{
    clnas_linear_params p = {s->n, s->in, s->out, s->accum};
    clnas_error err;
    clnas_kernel_desc kd;
    clnas_gemm_desc g;
    int ok = 1;
    uint64_t seed = 1000u + (uint64_t)(s->n * 7 + s->in * 13 + s->out);
    double *x = kh_random((size_t)p.n * p.in, seed, -1, 1), *w = kh_random((size_t)p.out * p.in, seed + 1, -1, 1);
    double *b = kh_random((size_t)p.out, seed + 2, -1, 1), *dy = kh_random((size_t)p.n * p.out, seed + 3, -1, 1);

    /* forward */
    assert_int_equal(clnas_op_linear_fwd_desc(&p, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_gemm_desc_linear_fwd(&p, &kd, fp64, &g, &err), CLNAS_OK);
    assert_int_equal(g.nsteps, 2);
    {
        slot_data sl[4] = {{kh_copy(x, (size_t)p.n * p.in), (size_t)p.n * p.in, 0, NULL},
                           {kh_copy(w, (size_t)p.out * p.in), (size_t)p.out * p.in, 0, NULL},
                           {kh_copy(b, (size_t)p.out), (size_t)p.out, 0, NULL},
                           {kh_random((size_t)p.n * p.out, seed + 4, -1, 1), (size_t)p.n * p.out, !p.accum, NULL}};
        double *ref = kh_copy(sl[3].host, sl[3].count);
        clnas_ref_linear_fwd(&p, x, w, b, ref);
        ok &= run_gemm(f, &g, &kd, fp64, sl);
        ok &= kh_close_enough(g.sig, sl[3].got, ref, sl[3].count, tol(fp64));
        free(ref);
        free_slots(sl, 4);
    }
    /* input gradient */
    assert_int_equal(clnas_op_linear_bwd_data_desc(&p, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_gemm_desc_linear_bwd_data(&p, &kd, fp64, &g, &err), CLNAS_OK);
    {
        slot_data sl[3] = {{kh_copy(dy, (size_t)p.n * p.out), (size_t)p.n * p.out, 0, NULL},
                           {kh_copy(w, (size_t)p.out * p.in), (size_t)p.out * p.in, 0, NULL},
                           {kh_random((size_t)p.n * p.in, seed + 5, -1, 1), (size_t)p.n * p.in, !p.accum, NULL}};
        double *ref = kh_copy(sl[2].host, sl[2].count);
        clnas_ref_linear_bwd_data(&p, dy, w, ref);
        ok &= run_gemm(f, &g, &kd, fp64, sl);
        ok &= kh_close_enough(g.sig, sl[2].got, ref, sl[2].count, tol(fp64));
        free(ref);
        free_slots(sl, 3);
    }
    /* weight and bias gradients (always overwritten) */
    assert_int_equal(clnas_op_linear_bwd_weight_desc(&p, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_gemm_desc_linear_bwd_weight(&p, &kd, fp64, &g, &err), CLNAS_OK);
    {
        slot_data sl[4] = {{kh_copy(dy, (size_t)p.n * p.out), (size_t)p.n * p.out, 0, NULL},
                           {kh_copy(x, (size_t)p.n * p.in), (size_t)p.n * p.in, 0, NULL},
                           {NULL, (size_t)p.out * p.in, 1, NULL},
                           {NULL, (size_t)p.out, 1, NULL}};
        double *dw = malloc(sl[2].count * sizeof *dw), *db = malloc(sl[3].count * sizeof *db);
        clnas_ref_linear_bwd_weight(&p, dy, x, dw, db);
        ok &= run_gemm(f, &g, &kd, fp64, sl);
        ok &= kh_close_enough("  dw", sl[2].got, dw, sl[2].count, tol(fp64));
        ok &= kh_close_enough("  db", sl[3].got, db, sl[3].count, tol(fp64));
        free(dw);
        free(db);
        free_slots(sl, 4);
    }
    free(x);
    free(w);
    free(b);
    free(dy);
    return ok;
}

typedef struct conv_shape {
    int n, ci, co, h, w, ksize, stride, pad, accum;
} conv_shape;

/* 1x1: the reduction blocks' shortcut convs at C=16 (16 -> 32 at 14x14, 32 -> 64 at 7x7) and odd sizes */
static const conv_shape pointwise_shapes[] = {
    {256, 16, 32, 14, 14, 1, 1, 0, 1}, {256, 32, 64, 7, 7, 1, 1, 0, 0}, {8, 4, 8, 4, 4, 1, 1, 0, 1},
    {3, 5, 7, 3, 5, 1, 1, 0, 0},       {2, 3, 1, 1, 1, 1, 1, 0, 1},     {5, 1, 6, 4, 3, 1, 1, 0, 0},
};

/* convgemm: the stem (1 -> 16, 3x3, 28x28, batch 256), and odd geometries */
static const conv_shape convgemm_shapes[] = {
    {256, 1, 16, 28, 28, 3, 1, 1, 0}, {3, 3, 5, 7, 9, 3, 2, 1, 0}, {2, 4, 6, 5, 5, 3, 1, 0, 0},
    {2, 2, 3, 6, 6, 1, 2, 0, 0},      {1, 3, 2, 4, 4, 3, 1, 1, 0},
};

static clnas_conv_params conv_params(const conv_shape *s, int relu)
{
    clnas_conv_params p = {s->n, s->ci, s->co, s->h, s->w, s->ksize, s->stride, s->pad, relu, s->accum, 0};
    return p;
}

/* The forward pass (and the input and weight gradients where backward) of shape s against the references; relu:
 * the ReLU folded into the input, which the forward pass and the weight gradient materialise first (the input
 * gradient, masked by x > 0, has no form then). */
static int check_conv(const device_fixture *f, const conv_shape *s, int fp64, int backward, int relu)
{
    clnas_conv_params p = conv_params(s, relu);
    int ho = clnas_conv_out_dim(p.h, p.ksize, p.stride, p.pad), wo = clnas_conv_out_dim(p.w, p.ksize, p.stride, p.pad);
    size_t nx = (size_t)p.n * p.ci * p.h * p.w, ny = (size_t)p.n * p.co * ho * wo;
    size_t nw = (size_t)p.co * p.ci * p.ksize * p.ksize;
    uint64_t seed = 2000u + (uint64_t)(s->n * 3 + s->ci * 5 + s->co * 7 + s->h * 11 + s->ksize + s->stride * 17);
    double *x = kh_random(nx, seed, -1, 1), *w = kh_random(nw, seed + 1, -1, 1), *dy = kh_random(ny, seed + 2, -1, 1);
    clnas_error err;
    clnas_kernel_desc kd;
    clnas_gemm_desc g;
    int ok = 1;

    assert_int_equal(clnas_op_conv_fwd_desc(&p, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_gemm_desc_conv_fwd(&p, &kd, fp64, &g, &err), CLNAS_OK);
    assert_int_equal(g.nsteps, 1);
    assert_int_equal(g.relu_elems, relu ? nx : 0);
    {
        slot_data sl[3] = {{kh_copy(x, nx), nx, 0, NULL},
                           {kh_copy(w, nw), nw, 0, NULL},
                           {kh_random(ny, seed + 3, -1, 1), ny, !p.accum, NULL}};
        double *ref = kh_copy(sl[2].host, ny);
        clnas_ref_conv_fwd(&p, x, w, ref);
        ok &= run_gemm(f, &g, &kd, fp64, sl);
        ok &= kh_close_enough(g.sig, sl[2].got, ref, ny, tol(fp64));
        free(ref);
        free_slots(sl, 3);
    }
    if (backward && !relu) {
        assert_int_equal(clnas_op_conv_bwd_data_desc(&p, &kd, &err), CLNAS_OK);
        assert_int_equal(clnas_gemm_desc_conv_bwd_data(&p, &kd, fp64, &g, &err), CLNAS_OK);
        assert_int_equal(g.nsteps, 1);
        slot_data sl[3] = {{kh_copy(dy, ny), ny, 0, NULL},
                           {kh_copy(w, nw), nw, 0, NULL},
                           {kh_random(nx, seed + 4, -1, 1), nx, !p.accum, NULL}};
        double *ref = kh_copy(sl[2].host, nx);
        clnas_ref_conv_bwd_data(&p, dy, w, NULL, ref);
        ok &= run_gemm(f, &g, &kd, fp64, sl);
        ok &= kh_close_enough(g.sig, sl[2].got, ref, nx, tol(fp64));
        free(ref);
        free_slots(sl, 3);
    }
    if (backward) {
        assert_int_equal(clnas_op_conv_bwd_filter_desc(&p, &kd, &err), CLNAS_OK);
        assert_int_equal(clnas_gemm_desc_conv_bwd_filter(&p, &kd, fp64, &g, &err), CLNAS_OK);
        assert_int_equal(g.nsteps, 2);
        slot_data sf[3] = {{kh_copy(dy, ny), ny, 0, NULL}, {kh_copy(x, nx), nx, 0, NULL}, {NULL, nw, 1, NULL}};
        double *dw = malloc(nw * sizeof *dw);
        clnas_ref_conv_bwd_filter(&p, dy, x, dw);
        ok &= run_gemm(f, &g, &kd, fp64, sf);
        ok &= kh_close_enough(g.sig, sf[2].got, dw, nw, tol(fp64));
        free(dw);
        free_slots(sf, 3);
    }
    free(x);
    free(w);
    free(dy);
    return ok;
}

static void test_linear_f32(void **state)
{
    int ok = 1;
    for (size_t i = 0; i < sizeof linear_shapes / sizeof linear_shapes[0]; i++)
        ok &= check_linear(*state, &linear_shapes[i], 0);
    assert_true(ok);
}

static void test_pointwise_conv_f32(void **state)
{
    int ok = 1;
    for (size_t i = 0; i < sizeof pointwise_shapes / sizeof pointwise_shapes[0]; i++)
        ok &= check_conv(*state, &pointwise_shapes[i], 0, 1, 0) & check_conv(*state, &pointwise_shapes[i], 0, 1, 1);
    assert_true(ok);
}

static void test_convgemm_f32(void **state)
{
    int ok = 1;
    for (size_t i = 0; i < sizeof convgemm_shapes / sizeof convgemm_shapes[0]; i++)
        ok &= check_conv(*state, &convgemm_shapes[i], 0, 0, 0) & check_conv(*state, &convgemm_shapes[i], 0, 0, 1);
    assert_true(ok);
}

/* float64 plans (gradient checks) use CLBlastD*: the small odd shapes */
static void test_f64(void **state)
{
    device_fixture *f = *state;
    if (!f->dev->info.has_fp64)
        skip();
    int ok = check_linear(f, &linear_shapes[3], 1) & check_linear(f, &linear_shapes[4], 1);
    ok &= check_conv(f, &pointwise_shapes[3], 1, 1, 0) & check_conv(f, &pointwise_shapes[4], 1, 1, 1);
    ok &= check_conv(f, &convgemm_shapes[1], 1, 0, 0) & check_conv(f, &convgemm_shapes[2], 1, 0, 1);
    assert_true(ok);
}

/* The measurement checks CLBlast's result before timing it: a failing call or a wrong result rules CLBlast out
 * (recorded with the reason), and the error of a failing call names the routine and CLBlast's status. */
static void test_measure_rejects(void **state)
{
    device_fixture *f = *state;
    clnas_error err;
    clnas_program_cache *cache = NULL;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    clnas_linear_params p = {9, 7, 5, 0};
    clnas_kernel_desc kd;
    clnas_gemm_desc good;
    assert_int_equal(clnas_op_linear_bwd_data_desc(&p, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_gemm_desc_linear_bwd_data(&p, &kd, 0, &good, &err), CLNAS_OK);
    char *src = NULL;
    cl_kernel kernel;
    assert_int_equal(clnas_kernel_source(&kd, 0, &src, &err), CLNAS_OK);
    assert_int_equal(clnas_program_cache_kernel(cache, src, "", kd.entry, kd.entry, &kernel, &err), CLNAS_OK);
    free(src);
    size_t count[3] = {(size_t)p.n * p.out, (size_t)p.out * p.in, (size_t)p.n * p.in};

    clnas_algo_record r;
    assert_int_equal(clnas_algo_measure(f->dev, kernel, &kd, count, &good, NULL, 0, 2, &r, &err), CLNAS_OK);
    assert_true(r.clblast_ok);
    assert_true(r.kernel_ms >= 0.0 && r.clblast_ms >= 0.0);
    assert_string_equal(r.sig, good.sig);

    clnas_gemm_desc wrong = good; /* computes 2 dY W: a plausible-looking wrong answer */
    wrong.step[0].alpha = 2.0;
    assert_int_equal(clnas_algo_measure(f->dev, kernel, &kd, count, &wrong, NULL, 0, 2, &r, &err), CLNAS_OK);
    assert_false(r.clblast_ok);
    assert_int_equal(r.algo, CLNAS_ALGO_KERNEL);
    assert_true(r.clblast_ms < 0.0);
    assert_non_null(strstr(r.note, "differs"));

    clnas_gemm_desc failing = good; /* a leading dimension smaller than the rows */
    failing.step[0].a.ld = 1;
    assert_int_equal(clnas_algo_measure(f->dev, kernel, &kd, count, &failing, NULL, 0, 2, &r, &err), CLNAS_OK);
    assert_false(r.clblast_ok);
    assert_int_equal(r.algo, CLNAS_ALGO_KERNEL);
    assert_non_null(strstr(r.note, "CLBlastInvalidLeadDimA"));

    slot_data sl[3] = {{kh_random(count[0], 5, -1, 1), count[0], 0, NULL},
                       {kh_random(count[1], 6, -1, 1), count[1], 0, NULL},
                       {NULL, count[2], 1, NULL}};
    clnas_gemm_buffers bufs;
    memset(&bufs, 0, sizeof bufs);
    for (int i = 0; i < 3; i++) {
        cl_int rc;
        bufs.slot[i] = clCreateBuffer(f->dev->context, CL_MEM_READ_WRITE, sl[i].count * sizeof(float), NULL, &rc);
        assert_int_equal(rc, CL_SUCCESS);
    }
    assert_int_equal(clnas_gemm_enqueue(f->dev->queue, &failing, &bufs, 0, &err), CLNAS_ERR_CLBLAST);
    assert_non_null(strstr(err.message, "CLBlastSgemm"));
    assert_non_null(strstr(err.message, "CLBlastInvalidLeadDimA (-1016)"));
    assert_non_null(strstr(err.message, failing.sig));
    for (int i = 0; i < 3; i++)
        clReleaseMemObject(bufs.slot[i]);
    free_slots(sl, 3);
    clnas_program_cache_free(cache);
}

/* ---- whole networks ---- */

static const char *ARCH = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|";

static void small_config(clnas_net_config *cfg)
{
    clnas_error err;
    clnas_net_config_default(cfg);
    assert_int_equal(clnas_genotype_parse(ARCH, &cfg->genotype, &err), CLNAS_OK);
    cfg->channels = 4;
    cfg->cells = 1;
    cfg->batch = 6;
    cfg->height = cfg->width = 8;
}

static clnas_model *model_with(device_fixture *f, clnas_program_cache *cache, const char *algo)
{
    clnas_net_config cfg;
    small_config(&cfg);
    setenv("CLNAS_ALGO", algo, 1);
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(f->dev, cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 11, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    float x[6 * 64];
    clnas_rng rng;
    clnas_rng_seed(&rng, 3);
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = (float)clnas_rng_normal(&rng);
    int32_t labels[6] = {0, 3, 9, 1, 1, 5};
    assert_int_equal(clnas_model_set_batch(m, x, labels, &err), CLNAS_OK);
    return m;
}

static int gemm_launches(const clnas_executor *ex)
{
    int n = 0;
    for (int i = 0; i < ex->plan->ntrain + ex->plan->neval; i++)
        n += ex->use_gemm[i];
    return n;
}

/* One training step's logits, loss and every gradient agree whichever way the GEMM launches run. */
static void test_network_both_ways(void **state)
{
    device_fixture *f = *state;
    clnas_program_cache *cache = NULL;
    clnas_error err;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    clnas_model *mk = model_with(f, cache, "kernel"), *mc = model_with(f, cache, "clblast");
    assert_int_equal(gemm_launches(clnas_model_executor(mk)), 0);
    /* the stem (convgemm), the shortcut 1x1 convs (3 passes each), the classifier (3 passes) and the cells'
     * convolutions that do not accumulate, their ReLU materialised (forward passes), train and eval */
    const clnas_executor *ec = clnas_model_executor(mc);
    assert_true(gemm_launches(ec) >= 10);
    int rectified = 0;
    for (int i = 0; i < ec->plan->ntrain + ec->plan->neval; i++)
        rectified += ec->use_gemm[i] && ec->gemm_relu[i].kernel != NULL;
    assert_true(rectified > 0);
    assert_int_equal(clnas_model_forward(mk, &err), CLNAS_OK);
    assert_int_equal(clnas_model_backward(mk, &err), CLNAS_OK);
    assert_int_equal(clnas_model_forward(mc, &err), CLNAS_OK);
    assert_int_equal(clnas_model_backward(mc, &err), CLNAS_OK);
    /* the logits, the loss, every gradient and the evaluation logits */
    int ok = model_compare_step(mc, mk, 1e-4, MODEL_COMPARE_EVAL, NULL);
    clnas_model_free(mk);
    clnas_model_free(mc);
    clnas_program_cache_free(cache);
    unsetenv("CLNAS_ALGO");
    assert_true(ok);
}

/* ---- the choice: measured once, then reused ---- */

static clnas_executor *executor_for(device_fixture *f, clnas_program_cache *cache, const clnas_plan *plan,
                                    const clnas_algo_choices *recorded)
{
    clnas_executor *ex = NULL;
    clnas_error err;
    if (clnas_executor_new_with_choices(f->dev, cache, plan, recorded, &ex, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return ex;
}

/* The distinct Winograd signatures of the plan's eligible launches (the executor measures them in auto mode too). */
static int distinct_winograd_sigs(const clnas_plan *plan)
{
    char (*sigs)[CLNAS_GEMM_SIG_MAX] = calloc((size_t)(plan->ntrain + plan->neval) + 1, sizeof *sigs);
    int n = 0;
    for (int i = 0; sigs && i < plan->ntrain + plan->neval; i++) {
        const clnas_plan_launch *l = i < plan->ntrain ? &plan->train[i] : &plan->eval[i - plan->ntrain];
        clnas_kernel_desc alt;
        clnas_error err;
        int has = 0;
        if (l->kind != CLNAS_NODE_CONV && l->kind != CLNAS_NODE_CONV_BWD_DATA)
            continue;
        assert_int_equal(clnas_conv_winograd_alternative(&plan->kernels[l->kernel].desc, plan->config.fp64,
                                                         &plan->profile, &alt, sigs[n], sizeof sigs[n], &has, &err),
                         CLNAS_OK);
        int seen = 0;
        for (int j = 0; has && j < n && !seen; j++)
            seen = strcmp(sigs[j], sigs[n]) == 0;
        n += has && !seen;
    }
    free(sigs);
    return n;
}

static int distinct_sigs(const clnas_plan *plan)
{
    int n = 0;
    for (int i = 0; i < plan->ntrain + plan->neval; i++) {
        const clnas_plan_launch *l = i < plan->ntrain ? &plan->train[i] : &plan->eval[i - plan->ntrain];
        if (l->gemm.nsteps == 0)
            continue;
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) {
            const clnas_plan_launch *o = j < plan->ntrain ? &plan->train[j] : &plan->eval[j - plan->ntrain];
            seen = o->gemm.nsteps && strcmp(o->gemm.sig, l->gemm.sig) == 0;
        }
        n += !seen;
    }
    return n;
}

static void print_choices(const clnas_algo_choices *c)
{
    for (int i = 0; i < c->count; i++)
        printf("  %-58s kernel %8.3f ms  clblast %8.3f ms  -> %s%s%s\n", c->rec[i].sig, c->rec[i].kernel_ms,
               c->rec[i].clblast_ms, clnas_algo_name(c->rec[i].algo), c->rec[i].note[0] ? "; " : "", c->rec[i].note);
}

/* What has no GEMM form gets no alternative: an input gradient masked by a folded ReLU, convgemm with accum, a split
 * weight gradient; a ReLU folded into the forward pass's input has one, reading the input rectified in scratch. */
static void check_no_alternative_descs(void)
{
    clnas_error err;
    clnas_kernel_desc kd;
    clnas_gemm_desc g;
    clnas_conv_params relu = {4, 3, 5, 6, 6, 1, 1, 0, 1, 0, 0};
    assert_int_equal(clnas_op_conv_fwd_desc(&relu, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_gemm_desc_conv_fwd(&relu, &kd, 0, &g, &err), CLNAS_OK);
    assert_int_equal(g.nsteps, 1);
    assert_int_equal(g.relu_slot, 0);
    assert_int_equal(g.relu_elems, 4 * 3 * 6 * 6);
    assert_int_equal(g.step[0].b.src, CLNAS_GEMM_SRC_SCRATCH);
    assert_int_equal(clnas_op_conv_bwd_data_desc(&relu, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_gemm_desc_conv_bwd_data(&relu, &kd, 0, &g, &err), CLNAS_OK);
    assert_int_equal(g.nsteps, 0);
    clnas_conv_params acc3 = {4, 3, 5, 6, 6, 3, 1, 1, 0, 1, 0};
    assert_int_equal(clnas_op_conv_fwd_desc(&acc3, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_gemm_desc_conv_fwd(&acc3, &kd, 0, &g, &err), CLNAS_OK);
    assert_int_equal(g.nsteps, 0);
    assert_int_equal(clnas_op_conv_bwd_filter_desc(&acc3, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_gemm_desc_conv_bwd_filter(&acc3, &kd, 0, &g, &err), CLNAS_OK);
    assert_int_equal(g.nsteps, 0);
    /* a 1x1 weight gradient split over pixels (the GPU family's) writes partial sums: nothing to route to CLBlast */
    clnas_conv_params split = {4, 3, 5, 6, 6, 1, 1, 0, 0, 0, 2};
    clnas_device_profile gpu;
    clnas_device_profile_default_gpu(&gpu);
    assert_int_equal(clnas_op_conv_bwd_filter_desc_for(&split, &gpu, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_gemm_desc_conv_bwd_filter(&split, &kd, 0, &g, &err), CLNAS_OK);
    assert_int_equal(g.nsteps, 0);
    split.split = 0;
    assert_int_equal(clnas_gemm_desc_conv_bwd_filter(&split, &kd, 0, &g, &err), CLNAS_OK);
    assert_int_equal(g.nsteps, 2);
    /* a signature names the element type and the accumulation */
    clnas_conv_params pw = {4, 3, 5, 6, 6, 1, 1, 0, 0, 1, 0};
    assert_int_equal(clnas_op_conv_fwd_desc(&pw, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_gemm_desc_conv_fwd(&pw, &kd, 1, &g, &err), CLNAS_OK);
    char want[CLNAS_GEMM_SIG_MAX], id[CLNAS_KERNEL_TEMPLATE_ID_MAX];
    assert_int_equal(clnas_kernel_template_id(kd.template_name, id, sizeof id, &err), CLNAS_OK);
    snprintf(want, sizeof want, "conv_fwd f64 n4 ci3 co5 6x6 k1 s1 p0 relu0 acc1 vs %s", id); /* and its kernel */
    assert_string_equal(g.sig, want);
    assert_string_equal(clnas_clblast_status_name(-1016), "CLBlastInvalidLeadDimA");
    assert_string_equal(clnas_clblast_status_name(-54), "CL_INVALID_WORK_GROUP_SIZE");
}

/* A launch without a GEMM form runs the generated kernel even with CLBlast forced: no choice is made for it, it is
 * not routed to CLBlast, and its kernel is ready; launches with a form do go to CLBlast, with the kernel that
 * materialises a folded ReLU where they read one. */
static void test_no_alternative(void **state)
{
    device_fixture *f = *state;
    check_no_alternative_descs();
    clnas_error err;
    clnas_net_config cfg;
    small_config(&cfg);
    clnas_plan *plan = NULL;
    assert_int_equal(clnas_plan_compile(&cfg, &plan, &err), CLNAS_OK);
    setenv("CLNAS_ALGO", "clblast", 1);
    clnas_program_cache *cache = NULL;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    clnas_executor *ex = executor_for(f, cache, plan, NULL);
    int relu_forms = 0, masked = 0, with_form = 0;
    for (int i = 0; i < plan->ntrain + plan->neval; i++) {
        const clnas_plan_launch *l = i < plan->ntrain ? &plan->train[i] : &plan->eval[i - plan->ntrain];
        if (l->gemm.nsteps > 0) {
            with_form++;
            if (!ex->use_gemm[i])
                fail_msg("%s (%s) has a GEMM form but was not sent to CLBlast under CLNAS_ALGO=clblast", l->label,
                         l->gemm.sig);
            /* nor_conv_*: the ReLU folded into the conv's input, materialised by a kernel of its own */
            relu_forms += l->gemm.relu_elems > 0;
            if ((l->gemm.relu_elems > 0) != (ex->gemm_relu[i].kernel != NULL))
                fail_msg("%s (%s): ReLU kernel %s", l->label, l->gemm.sig,
                         ex->gemm_relu[i].kernel ? "built for nothing" : "missing");
            continue;
        }
        masked += l->kind == CLNAS_NODE_CONV_BWD_DATA; /* an input gradient masked by the folded ReLU */
        if (ex->use_gemm[i])
            fail_msg("%s has no GEMM form but is routed to CLBlast", l->label);
        assert_non_null(ex->kernels[l->kernel]);
    }
    assert_true(relu_forms > 0);
    assert_true(masked > 0);
    assert_true(with_form > 0);
    /* one choice per signature with a form, nothing recorded for the others */
    assert_int_equal(ex->choices.count, distinct_sigs(plan));
    for (int i = 0; i < ex->choices.count; i++)
        assert_true(ex->choices.rec[i].sig[0] != '\0');
    /* and the step runs: the kernels of the launches without a form are enqueued */
    assert_int_equal(clnas_executor_run(ex, CLNAS_RUN_FORWARD, 0.0, &err), CLNAS_OK);
    assert_int_equal(clnas_executor_finish(ex, &err), CLNAS_OK);
    clnas_executor_free(ex);
    clnas_program_cache_free(cache);
    clnas_plan_free(plan);
    unsetenv("CLNAS_ALGO");
}

static void test_choice_reused(void **state)
{
    device_fixture *f = *state;
    clnas_error err;
    clnas_net_config cfg;
    small_config(&cfg);
    clnas_plan *plan = NULL;
    assert_int_equal(clnas_plan_compile(&cfg, &plan, &err), CLNAS_OK);
    /* the GEMM signatures and the Winograd ones (3x3 stride 1 pad 1: measured in auto mode too) */
    int sigs = distinct_sigs(plan) + distinct_winograd_sigs(plan);
    assert_true(sigs >= 5 + 2);
    char path[4200];
    assert_int_equal(clnas_algo_choices_path(f->dir, &f->dev->info, path, sizeof path, &err), CLNAS_OK);
    remove(path);

    setenv("CLNAS_ALGO", "auto", 1);
    clnas_program_cache *cache = NULL;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    /* first: every signature measured, the file written */
    clnas_executor *ex = executor_for(f, cache, plan, NULL);
    assert_int_equal(ex->algo_measured, sigs);
    assert_int_equal(ex->choices.count, sigs);
    print_choices(&ex->choices);
    for (int i = 0; i < ex->choices.count; i++) {
        assert_true(ex->choices.rec[i].kernel_ms >= 0.0);
        assert_true(ex->choices.rec[i].clblast_ok); /* CLBlast (Winograd) agreed with the kernels on this device */
    }
    assert_int_equal(access(path, R_OK), 0);
    clnas_algo_choices first;
    clnas_algo_choices_init(&first);
    for (int i = 0; i < ex->choices.count; i++)
        assert_int_equal(clnas_algo_choices_put(&first, &ex->choices.rec[i], &err), CLNAS_OK);
    clnas_executor_free(ex);
    clnas_program_cache_free(cache);

    /* second, with a fresh program cache: nothing measured, the same choices */
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    ex = executor_for(f, cache, plan, NULL);
    assert_int_equal(ex->algo_measured, 0);
    assert_int_equal(ex->choices.count, sigs);
    for (int i = 0; i < first.count; i++) {
        const clnas_algo_record *r = clnas_algo_choices_find(&ex->choices, first.rec[i].sig);
        assert_non_null(r);
        assert_int_equal(r->algo, first.rec[i].algo);
    }
    clnas_executor_free(ex);

    /* recorded choices win over the file: all CLBlast, nothing measured */
    clnas_algo_choices recorded;
    clnas_algo_choices_init(&recorded);
    for (int i = 0; i < first.count; i++) {
        clnas_algo_record r = first.rec[i];
        r.algo = strstr(r.sig, "winograd") ? CLNAS_ALGO_KERNEL : CLNAS_ALGO_CLBLAST;
        assert_int_equal(clnas_algo_choices_put(&recorded, &r, &err), CLNAS_OK);
    }
    ex = executor_for(f, cache, plan, &recorded);
    assert_int_equal(ex->algo_measured, 0);
    int expected = 0;
    for (int i = 0; i < plan->ntrain + plan->neval; i++) {
        const clnas_plan_launch *l = i < plan->ntrain ? &plan->train[i] : &plan->eval[i - plan->ntrain];
        expected += l->gemm.nsteps > 0;
    }
    assert_int_equal(gemm_launches(ex), expected);
    clnas_executor_free(ex);

    /* a corrupt file is ignored: measured again and rewritten */
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("\x01garbage\tnot a choice file\nlinear_fwd\tclblast\n", fp);
    fclose(fp);
    ex = executor_for(f, cache, plan, NULL);
    assert_int_equal(ex->algo_measured, sigs);
    clnas_executor_free(ex);
    clnas_algo_choices reread;
    clnas_algo_choices_init(&reread);
    int ignored = -1;
    assert_int_equal(clnas_algo_choices_load(&reread, path, &ignored, &err), CLNAS_OK);
    assert_int_equal(ignored, 0);
    assert_int_equal(reread.count, sigs);

    /* forced kernel mode: no CLBlast at all */
    setenv("CLNAS_ALGO", "kernel", 1);
    ex = executor_for(f, cache, plan, &recorded);
    assert_int_equal(gemm_launches(ex), 0);
    assert_int_equal(ex->choices.count, 0);
    clnas_executor_free(ex);
    /* a bad value is refused and named */
    setenv("CLNAS_ALGO", "fastest", 1);
    clnas_executor *bad = NULL;
    assert_int_equal(clnas_executor_new(f->dev, cache, plan, &bad, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "fastest"));
    assert_null(bad);
    unsetenv("CLNAS_ALGO");

    clnas_algo_choices_free(&first);
    clnas_algo_choices_free(&recorded);
    clnas_algo_choices_free(&reread);
    clnas_program_cache_free(cache);
    clnas_plan_free(plan);
}

/* The file format on its own: round trip, bad lines skipped and counted, a foreign header ignored. */
static void test_choice_file(void **state)
{
    device_fixture *f = *state;
    clnas_error err;
    char path[256];
    snprintf(path, sizeof path, "%s/algo/sub/choices.tsv", f->dir);
    clnas_algo_choices c;
    clnas_algo_choices_init(&c);
    clnas_algo_record r = {"conv_fwd f32 n2 ci1 co1 1x1 k1 s1 p0 relu0 acc0", CLNAS_ALGO_CLBLAST, 1.5, 0.25, 1, "", ""};
    assert_int_equal(clnas_algo_choices_put(&c, &r, &err), CLNAS_OK);
    clnas_algo_record k = {"linear_fwd f32 n2 in3 out4 acc0", CLNAS_ALGO_KERNEL, 0.5, -1, 0, "CLBlast\tfailed", ""};
    assert_int_equal(clnas_algo_choices_put(&c, &k, &err), CLNAS_OK);
    r.clblast_ms = 0.125; /* same signature: replaced, not added */
    assert_int_equal(clnas_algo_choices_put(&c, &r, &err), CLNAS_OK);
    assert_int_equal(c.count, 2);
    assert_int_equal(clnas_algo_choices_save(&c, path, &err), CLNAS_OK);

    clnas_algo_choices back;
    clnas_algo_choices_init(&back);
    int ignored = -1;
    assert_int_equal(clnas_algo_choices_load(&back, path, &ignored, &err), CLNAS_OK);
    assert_int_equal(ignored, 0);
    assert_int_equal(back.count, 2);
    const clnas_algo_record *b = clnas_algo_choices_find(&back, r.sig);
    assert_non_null(b);
    assert_int_equal(b->algo, CLNAS_ALGO_CLBLAST);
    assert_true(fabs(b->clblast_ms - 0.125) < 1e-12);
    b = clnas_algo_choices_find(&back, k.sig);
    assert_non_null(b);
    assert_int_equal(b->algo, CLNAS_ALGO_KERNEL);
    assert_string_equal(b->note, "CLBlast failed");
    clnas_algo_choices_free(&back);

    /* bad lines among good ones */
    FILE *fp = fopen(path, "a");
    fputs("only\ttwo\n", fp);
    fputs("x f32\tclblast\t1\t2\t0\t-\t\n", fp); /* CLBlast chosen although it failed: not trusted */
    fputs("y f32\tquick\t1\t2\t1\t-\t\n", fp);
    fputs("z f32\tkernel\t1\t2\t1\t-\t\n", fp);
    fclose(fp);
    assert_int_equal(clnas_algo_choices_load(&back, path, &ignored, &err), CLNAS_OK);
    assert_int_equal(ignored, 3);
    assert_int_equal(back.count, 3);
    clnas_algo_choices_free(&back);

    /* another format: nothing read */
    fp = fopen(path, "w");
    fputs("clnas-algo-choices-0\nz f32\tkernel\t1\t2\t1\t\n", fp);
    fclose(fp);
    assert_int_equal(clnas_algo_choices_load(&back, path, &ignored, &err), CLNAS_OK);
    assert_int_equal(back.count, 0);
    assert_int_equal(ignored, 1);
    /* no file: nothing, no error */
    remove(path);
    assert_int_equal(clnas_algo_choices_load(&back, path, &ignored, &err), CLNAS_OK);
    assert_int_equal(back.count, 0);
    clnas_algo_choices_free(&back);
    clnas_algo_choices_free(&c);

    clnas_algo_mode mode;
    assert_int_equal(clnas_algo_mode_parse(NULL, &mode, &err), CLNAS_OK);
    assert_int_equal(mode, CLNAS_ALGO_MODE_AUTO);
    assert_int_equal(clnas_algo_mode_parse("clblast", &mode, &err), CLNAS_OK);
    assert_int_equal(mode, CLNAS_ALGO_MODE_CLBLAST);
    assert_int_equal(clnas_algo_mode_parse("KERNEL", &mode, &err), CLNAS_ERR_INVALID_ARG);
}

int main(void)
{
    /* the algorithm choice on its own: the tuner's variants (auto mode) have test_tuner */
    setenv("CLNAS_TUNE", "off", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_alternative),
        cmocka_unit_test(test_choice_file),
        cmocka_unit_test(test_linear_f32),
        cmocka_unit_test(test_pointwise_conv_f32),
        cmocka_unit_test(test_convgemm_f32),
        cmocka_unit_test(test_f64),
        cmocka_unit_test(test_measure_rejects),
        cmocka_unit_test(test_network_both_ways),
        cmocka_unit_test(test_choice_reused),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_dir, device_fixture_teardown);
}
