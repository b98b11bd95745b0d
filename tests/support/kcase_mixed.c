/* clnas tests — kernel rows for the mixed edge of differentiable search: forward, backward with the weight gradient. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kcase_host.h"
#include "op_mixed.h"

#define SHAPES(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* Shape 0 (oclgrind's) spans two work-groups and ends in a partial vector; later ones cover one element, every K,
 * odd sizes and a backward where each work-item visits several vectors (over 128 groups x 64 items x 16). */
static const clnas_mixed_params mixed_shapes[] = {
    /* count, k, accum, dy_mask, dy_accum, dw_accum */
    {1100, 3, 1, 5, 4, 1},    {1, 1, 0, 1, 0, 0},      {37, 5, 0, 31, 10, 0},
    {4099, 4, 1, 6, 0, 1},    {50177, 2, 0, 2, 3, 0},  {300007, 5, 1, 19, 16, 1},
};

/* The weights: softmax-like values for K > 1; K = 1 uses w = 1, GDAS's hard one-hot of the sampled op. */
static double *weights(kb_case *b, const clnas_mixed_params *p)
{
    double *w = kb_tensor(b, (size_t)p->k, 5 + (uint64_t)p->k, 0.05, 0.6);
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
    kb_case b;
    kb_begin(&b, k, fp64);
    const double *y[CLNAS_MIXED_MAX_OPS];
    kh_arg args[CLNAS_MIXED_MAX_OPS + 2];
    for (int j = 0; j < p.k; j++) {
        double *yj = kb_tensor(&b, n, 101 + (uint64_t)(j + 7 * shape), -1.0, 1.0);
        y[j] = yj;
        args[j] = kb_in(yj, n);
    }
    double *w = weights(&b, &p);
    double *o = kb_tensor(&b, n, 111, -1.0, 1.0), *o_ref = kb_copy(&b, o, n);
    args[p.k] = kb_in(w, nk);
    args[p.k + 1] = kb_out(o, n, p.accum);
    int ok = kb_launch(&b, clnas_op_mixed_fwd_desc(&p, &b.d, &b.err), args);
    clnas_ref_mixed_fwd(&p, y, w, o_ref);
    ok = kb_compare(&b, ok, (const kb_check[]){{"mixed_fwd out", o, o_ref, n}}, 1);
    ok &= refuses_bad_params();
    kb_release(&b);
    return ok;
}

/* The backward launch, then the weight-gradient launch reading its partials: dy_k and dw against the reference. */
static int case_mixed_bwd(kh_ctx *k, int fp64, int shape)
{
    const clnas_mixed_params p = mixed_shapes[shape];
    const size_t n = (size_t)p.count, nk = (size_t)p.k;
    const size_t nparts = nk * (size_t)clnas_op_mixed_bwd_groups(&p);
    kb_case b;
    kb_begin(&b, k, fp64);
    /* g and y with a positive mean, so <g, y_k> is far from 0 and the tolerance is not loose. */
    double *g = kb_tensor(&b, n, 121 + (uint64_t)shape, -0.5, 1.0);
    const double *y[CLNAS_MIXED_MAX_OPS];
    double *dy[CLNAS_MIXED_MAX_OPS] = {0}, *dy_ref[CLNAS_MIXED_MAX_OPS] = {0};
    kh_arg args[2 * CLNAS_MIXED_MAX_OPS + 3];
    int a = 0;
    args[a++] = kb_in(g, n);
    for (int j = 0; j < p.k; j++) {
        double *yj = kb_tensor(&b, n, 131 + (uint64_t)(j + 7 * shape), -0.5, 1.0);
        y[j] = yj;
        args[a++] = kb_in(yj, n);
    }
    double *w = weights(&b, &p);
    args[a++] = kb_in(w, nk);
    for (int j = 0; j < p.k; j++) {
        dy[j] = kb_tensor(&b, n, 141 + (uint64_t)j, -1.0, 1.0);
        dy_ref[j] = kb_copy(&b, dy[j], n);
        if (p.dy_mask & (1 << j))
            args[a++] = kb_out(dy[j], n, (p.dy_accum >> j) & 1);
    }
    double *partials = kb_tensor(&b, nparts, 151, 0.0, 1.0);
    args[a++] = kb_out(partials, nparts, 0);
    double *dw = kb_tensor(&b, nk, 152, -1.0, 1.0), *dw_ref = kb_copy(&b, dw, nk);
    kh_arg wargs[] = {kb_in(partials, nparts), kb_out(dw, nk, p.dw_accum)};
    int ok = kb_launch(&b, clnas_op_mixed_bwd_desc(&p, &b.d, &b.err), args);
    if (ok)
        ok = kb_launch(&b, clnas_op_mixed_wgrad_desc(&p, &b.d, &b.err), wargs);
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
    kb_release(&b);
    return ok;
}

const kh_case kh_cases_mixed[] = {
    {"mixed_fwd", case_mixed_fwd, SHAPES(mixed_shapes), 1},
    {"mixed_bwd", case_mixed_bwd, SHAPES(mixed_shapes), 1},
    {NULL, NULL, 0, 0},
};
