/* clnas tests — kernel rows for the mixed edge of differentiable search: forward, backward with the weight gradient. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_cases.h"
#include "op_mixed.h"

#define SHAPES(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* Shape 0 (oclgrind's) spans two work-groups and ends in a partial vector; later ones cover one element, every K,
 * odd sizes and a backward where each work-item visits several vectors (over 128 groups x 64 items x 16). */
static const clnas_mixed_params mixed_shapes[] = {
    /* count, k, accum, dy_mask, dy_accum, dw_accum */
    {1100, 3, 1, 5, 4, 1},    {1, 1, 0, 1, 0, 0},      {37, 5, 0, 31, 10, 0},
    {4099, 4, 1, 6, 0, 1},    {50177, 2, 0, 2, 3, 0},  {300007, 5, 1, 19, 16, 1},
};

typedef struct mixed_buffers {
    double *p[40];
    int n;
} mixed_buffers;

static double *keep(mixed_buffers *b, double *p)
{
    if (b->n == (int)(sizeof b->p / sizeof b->p[0]))
        abort(); /* a case keeps more buffers than the table holds: enlarge it */
    b->p[b->n++] = p;
    return p;
}

static void release(mixed_buffers *b)
{
    for (int i = 0; i < b->n; i++)
        free(b->p[i]);
    b->n = 0;
}

/* n uniform values in [lo, hi), rounded to float in float32 runs so the reference sees what the device holds. */
static double *tensor(mixed_buffers *b, size_t n, uint64_t seed, double lo, double hi, int fp64)
{
    double *v = keep(b, kh_random(n, seed, lo, hi));
    if (!fp64)
        for (size_t i = 0; i < n; i++)
            v[i] = (float)v[i];
    return v;
}

static kh_arg in(double *host, size_t n)
{
    kh_arg a = {host, n, 0, 0.0};
    return a;
}

/* Poisoned when the kernel overwrites it; its random start uploaded when it accumulates. */
static kh_arg out(double *host, size_t n, int accum)
{
    kh_arg a = {host, n, !accum, 0.0};
    return a;
}

static int launch(kh_ctx *k, clnas_status st, const clnas_kernel_desc *d, int fp64, kh_arg *args,
                  const clnas_error *err)
{
    if (st != CLNAS_OK) {
        printf("  descriptor refused: %s\n", err->message);
        return 0;
    }
    return kh_run(k, d, fp64, args) == 0;
}

/* The weights: softmax-like values for K > 1; K = 1 uses w = 1, GDAS's hard one-hot of the sampled op. */
static double *weights(mixed_buffers *b, const clnas_mixed_params *p, int fp64)
{
    double *w = tensor(b, (size_t)p->k, 5 + (uint64_t)p->k, 0.05, 0.6, fp64);
    if (p->k == 1)
        w[0] = 1.0;
    return w;
}

static int refuses_bad_params(void)
{
    clnas_kernel_desc d;
    clnas_error err;
    clnas_mixed_params p = {10, 0, 0, 0, 0, 0};
    int ok = clnas_op_mixed_fwd_desc(&p, &d, &err) == CLNAS_ERR_INVALID_ARG;
    p.k = CLNAS_MIXED_MAX_OPS + 1;
    ok &= clnas_op_mixed_bwd_desc(&p, &d, &err) == CLNAS_ERR_INVALID_ARG;
    p.k = 2, p.dy_mask = 4;
    ok &= clnas_op_mixed_bwd_desc(&p, &d, &err) == CLNAS_ERR_INVALID_ARG && strstr(err.message, "dy_mask");
    p.dy_mask = 0, p.count = 0;
    ok &= clnas_op_mixed_wgrad_desc(&p, &d, &err) == CLNAS_ERR_INVALID_ARG;
    return ok;
}

static int case_mixed_fwd(kh_ctx *k, int fp64, int shape)
{
    const clnas_mixed_params p = mixed_shapes[shape];
    const size_t n = (size_t)p.count, nk = (size_t)p.k;
    mixed_buffers b = {0};
    const double *y[CLNAS_MIXED_MAX_OPS];
    kh_arg args[CLNAS_MIXED_MAX_OPS + 2];
    for (int j = 0; j < p.k; j++) {
        double *yj = tensor(&b, n, 101 + (uint64_t)(j + 7 * shape), -1.0, 1.0, fp64);
        y[j] = yj;
        args[j] = in(yj, n);
    }
    double *w = weights(&b, &p, fp64);
    double *o = tensor(&b, n, 111, -1.0, 1.0, fp64), *o_ref = keep(&b, kh_copy(o, n));
    args[p.k] = in(w, nk);
    args[p.k + 1] = out(o, n, p.accum);
    clnas_kernel_desc d;
    clnas_error err;
    int ok = launch(k, clnas_op_mixed_fwd_desc(&p, &d, &err), &d, fp64, args, &err);
    clnas_ref_mixed_fwd(&p, y, w, o_ref);
    if (ok)
        ok &= kh_close_enough("mixed_fwd out", o, o_ref, n, KH_TOL(fp64));
    ok &= refuses_bad_params();
    release(&b);
    return ok;
}

/* The backward launch, then the weight-gradient launch reading its partials: dy_k and dw against the reference. */
static int case_mixed_bwd(kh_ctx *k, int fp64, int shape)
{
    const clnas_mixed_params p = mixed_shapes[shape];
    const size_t n = (size_t)p.count, nk = (size_t)p.k;
    const size_t nparts = nk * (size_t)clnas_op_mixed_bwd_groups(&p);
    mixed_buffers b = {0};
    /* g and y with a positive mean, so <g, y_k> is far from 0 and the tolerance is not loose. */
    double *g = tensor(&b, n, 121 + (uint64_t)shape, -0.5, 1.0, fp64);
    const double *y[CLNAS_MIXED_MAX_OPS];
    double *dy[CLNAS_MIXED_MAX_OPS] = {0}, *dy_ref[CLNAS_MIXED_MAX_OPS] = {0};
    kh_arg args[2 * CLNAS_MIXED_MAX_OPS + 3];
    int a = 0;
    args[a++] = in(g, n);
    for (int j = 0; j < p.k; j++) {
        double *yj = tensor(&b, n, 131 + (uint64_t)(j + 7 * shape), -0.5, 1.0, fp64);
        y[j] = yj;
        args[a++] = in(yj, n);
    }
    double *w = weights(&b, &p, fp64);
    args[a++] = in(w, nk);
    for (int j = 0; j < p.k; j++) {
        dy[j] = tensor(&b, n, 141 + (uint64_t)j, -1.0, 1.0, fp64);
        dy_ref[j] = keep(&b, kh_copy(dy[j], n));
        if (p.dy_mask & (1 << j))
            args[a++] = out(dy[j], n, (p.dy_accum >> j) & 1);
    }
    double *partials = tensor(&b, nparts, 151, 0.0, 1.0, fp64);
    args[a++] = out(partials, nparts, 0);
    double *dw = tensor(&b, nk, 152, -1.0, 1.0, fp64), *dw_ref = keep(&b, kh_copy(dw, nk));
    kh_arg wargs[] = {in(partials, nparts), out(dw, nk, p.dw_accum)};
    clnas_kernel_desc d;
    clnas_error err;
    int ok = launch(k, clnas_op_mixed_bwd_desc(&p, &d, &err), &d, fp64, args, &err);
    if (ok)
        ok = launch(k, clnas_op_mixed_wgrad_desc(&p, &d, &err), &d, fp64, wargs, &err);
    clnas_ref_mixed_bwd(&p, g, y, w, dy_ref, dw_ref);
    if (ok) {
        ok &= kh_close_enough("mixed_bwd + wgrad dw", dw, dw_ref, nk, KH_TOL(fp64));
        for (int j = 0; j < p.k; j++)
            if (p.dy_mask & (1 << j)) {
                char what[32];
                snprintf(what, sizeof what, "mixed_bwd dy%d", j);
                ok &= kh_close_enough(what, dy[j], dy_ref[j], n, KH_TOL(fp64));
            }
    }
    release(&b);
    return ok;
}

const kh_case kh_cases_mixed[] = {
    {"mixed_fwd", case_mixed_fwd, SHAPES(mixed_shapes), 1},
    {"mixed_bwd", case_mixed_bwd, SHAPES(mixed_shapes), 1},
    {NULL, NULL, 0, 0},
};
