/* clnas — the parameter table of a DARTS-space evaluation network, with DARTS' state_dict names. */
#include "darts_param_table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A table being built: on a failed allocation `failed` is set and later entries are dropped. */
typedef struct table {
    clnas_param_info *p;
    int n, cap, failed;
} table;

static int is_reduction(int i, int layers)
{
    return i == layers / 3 || i == 2 * layers / 3;
}

clnas_status clnas_darts_dims_check(const clnas_darts_dims *d, clnas_error *err)
{
    if (d->channels < 1 || d->layers < 1 || d->in_channels < 1 || d->height < 1 || d->width < 1 || d->classes < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS network: C=%d, %d layers, input %dx%dx%d, %d "
                               "classes: every size must be positive", d->channels, d->layers, d->in_channels,
                               d->height, d->width, d->classes);
    int h = d->height, w = d->width;
    for (int i = 0; i < d->layers; i++) {
        if (!is_reduction(i, d->layers))
            continue;
        if (h % 2 || w % 2)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS network: %dx%d images reach reduction cell %d "
                                   "at %dx%d, but DARTS' FactorizedReduce needs an even height and width there "
                                   "(use images whose sides are multiples of 4, e.g. 28 or 32)", d->height, d->width,
                                   i, h, w);
        h /= 2;
        w /= 2;
        if (i == 2 * d->layers / 3 && d->auxiliary && (h < 8 || h > 10 || w < 8 || w > 10))
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS network: the auxiliary head needs an 8 to 10 "
                                   "px map at cell %d (DARTS designed it for 32-40 px images), but %dx%d images give "
                                   "%dx%d there: leave the auxiliary head off, or pad the images to 32x32", i,
                                   d->height, d->width, h, w);
    }
    return CLNAS_OK;
}

long long clnas_param_table_trained(const clnas_param_info *table, int count)
{
    long long n = 0;
    for (int i = 0; i < count; i++)
        n += table[i].arena == CLNAS_ARENA_PARAMS ? (long long)table[i].count : 0;
    return n;
}

/* One entry: name from fmt, shape of ndim sizes. */
static void add(table *t, clnas_arena arena, int ndim, const int *shape, const char *fmt, ...)
{
    if (t->failed)
        return;
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        clnas_param_info *p = realloc(t->p, (size_t)cap * sizeof *p);
        if (!p) {
            t->failed = 1;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    clnas_param_info *e = &t->p[t->n++];
    memset(e, 0, sizeof *e);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->name, sizeof e->name, fmt, ap);
    va_end(ap);
    e->arena = arena;
    e->ndim = ndim;
    e->count = 1;
    for (int d = 0; d < ndim; d++) {
        e->shape[d] = shape[d];
        e->count *= (size_t)shape[d];
    }
}

/* A bias-free convolution's weight [out, in/groups, k, k] under prefix.sub. */
static void conv(table *t, const char *prefix, const char *sub, int out, int in, int k)
{
    const int shape[4] = {out, in, k, k};
    add(t, CLNAS_ARENA_PARAMS, 4, shape, "%s.%s.weight", prefix, sub);
}

/* A BatchNorm2d(c) under prefix.sub: gamma and beta trained, the running statistics state. */
static void bn(table *t, const char *prefix, const char *sub, int c)
{
    add(t, CLNAS_ARENA_PARAMS, 1, &c, "%s.%s.weight", prefix, sub);
    add(t, CLNAS_ARENA_PARAMS, 1, &c, "%s.%s.bias", prefix, sub);
    add(t, CLNAS_ARENA_STATE, 1, &c, "%s.%s.running_mean", prefix, sub);
    add(t, CLNAS_ARENA_STATE, 1, &c, "%s.%s.running_var", prefix, sub);
}

/* FactorizedReduce(c_in, c_out): conv_1, conv_2 (c_out/2 each), bn. */
static void factorized_reduce(table *t, const char *prefix, int c_in, int c_out)
{
    conv(t, prefix, "conv_1", c_out / 2, c_in, 1);
    conv(t, prefix, "conv_2", c_out / 2, c_in, 1);
    bn(t, prefix, "bn", c_out);
}

/* ReLUConvBN(c_in, c_out, 1): op.1 the convolution, op.2 the BatchNorm. */
static void relu_conv_bn(table *t, const char *prefix, int c_in, int c_out)
{
    conv(t, prefix, "op.1", c_out, c_in, 1);
    bn(t, prefix, "op.2", c_out);
}

/* Edge e of cell i at width c: pools, none and the identity hold nothing. */
static void edge(table *t, int i, int e, clnas_darts_op op, int c, int stride)
{
    char p[48];
    snprintf(p, sizeof p, "cells.%d._ops.%d", i, e);
    int k = op == CLNAS_DARTS_SEP_CONV_5X5 || op == CLNAS_DARTS_DIL_CONV_5X5 ? 5 : 3;
    if (op == CLNAS_DARTS_SEP_CONV_3X3 || op == CLNAS_DARTS_SEP_CONV_5X5 || op == CLNAS_DARTS_DIL_CONV_3X3 ||
        op == CLNAS_DARTS_DIL_CONV_5X5) {
        conv(t, p, "op.1", c, 1, k); /* depthwise */
        conv(t, p, "op.2", c, c, 1);
        bn(t, p, "op.3", c);
        if (op == CLNAS_DARTS_SEP_CONV_3X3 || op == CLNAS_DARTS_SEP_CONV_5X5) {
            conv(t, p, "op.5", c, 1, k);
            conv(t, p, "op.6", c, c, 1);
            bn(t, p, "op.7", c);
        }
    } else if (op == CLNAS_DARTS_SKIP_CONNECT && stride == 2) {
        factorized_reduce(t, p, c, c);
    }
}

/* The cells; *c_aux and *c_last get the widths the auxiliary head and the classifier read. */
static void cells(table *t, const clnas_darts_genotype *g, const clnas_darts_dims *d, int *c_aux, int *c_last)
{
    int c_pp = 3 * d->channels, c_p = c_pp, c = d->channels, reduction_prev = 0;
    *c_aux = 0;
    for (int i = 0; i < d->layers; i++) {
        int reduction = is_reduction(i, d->layers);
        c *= reduction ? 2 : 1;
        const clnas_darts_cell *cell = reduction ? &g->reduce : &g->normal;
        char p[48];
        snprintf(p, sizeof p, "cells.%d.preprocess0", i);
        if (reduction_prev)
            factorized_reduce(t, p, c_pp, c);
        else
            relu_conv_bn(t, p, c_pp, c);
        snprintf(p, sizeof p, "cells.%d.preprocess1", i);
        relu_conv_bn(t, p, c_p, c);
        for (int e = 0; e < CLNAS_DARTS_EDGES; e++)
            edge(t, i, e, (clnas_darts_op)cell->op[e], c, reduction && cell->input[e] < 2 ? 2 : 1);
        reduction_prev = reduction;
        c_pp = c_p;
        c_p = cell->nconcat * c;
        if (i == 2 * d->layers / 3)
            *c_aux = c_p;
    }
    *c_last = c_p;
}

/* A cell the table can be built for: known ops, inputs from earlier states, 1..6 concat states. */
static clnas_status cell_check(const clnas_darts_cell *cell, const char *which, clnas_error *err)
{
    for (int e = 0; e < CLNAS_DARTS_EDGES; e++)
        if (cell->op[e] >= CLNAS_DARTS_OPS || cell->input[e] >= 2 + e / 2)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS genotype: %s edge %d: op %d on state %d "
                                   "(ops 0..7, states 0..%d)", which, e, cell->op[e], cell->input[e], 1 + e / 2);
    if (cell->nconcat < 1 || cell->nconcat > CLNAS_DARTS_STATES)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS genotype: %s concat has %d states (1..6)", which,
                               cell->nconcat);
    return CLNAS_OK;
}

clnas_status clnas_darts_param_table(const clnas_darts_genotype *g, const clnas_darts_dims *d, clnas_param_info **out,
                                     int *count, clnas_error *err)
{
    *out = NULL;
    *count = 0;
    clnas_status st = clnas_darts_dims_check(d, err);
    if (st == CLNAS_OK)
        st = cell_check(&g->normal, "normal", err);
    if (st == CLNAS_OK)
        st = cell_check(&g->reduce, "reduce", err);
    if (st != CLNAS_OK)
        return st;
    table t = {0};
    const int stem[4] = {3 * d->channels, d->in_channels, 3, 3};
    add(&t, CLNAS_ARENA_PARAMS, 4, stem, "stem.0.weight");
    bn(&t, "stem", "1", 3 * d->channels);
    int c_aux, c_last;
    cells(&t, g, d, &c_aux, &c_last);
    if (d->auxiliary) {
        const int lin[2] = {d->classes, 768};
        conv(&t, "auxiliary_head", "features.2", 128, c_aux, 1);
        bn(&t, "auxiliary_head", "features.3", 128);
        conv(&t, "auxiliary_head", "features.5", 768, 128, 2);
        bn(&t, "auxiliary_head", "features.6", 768);
        add(&t, CLNAS_ARENA_PARAMS, 2, lin, "auxiliary_head.classifier.weight");
        add(&t, CLNAS_ARENA_PARAMS, 1, &d->classes, "auxiliary_head.classifier.bias");
    }
    const int lin[2] = {d->classes, c_last};
    add(&t, CLNAS_ARENA_PARAMS, 2, lin, "classifier.weight");
    add(&t, CLNAS_ARENA_PARAMS, 1, &d->classes, "classifier.bias");
    if (t.failed) {
        free(t.p);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "DARTS parameter table: out of memory");
    }
    *out = t.p;
    *count = t.n;
    return CLNAS_OK;
}
