/* clnas — supernet layout: the parameters of the stand-alone networks whose edges all hold one op, renamed with
 * the op and laid out module by module, so a path's parameters are slices of the supernet's arenas. */
#include "supernet_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_nb201.h"
#include "memplan.h"

void clnas_edge_op_set_all(clnas_edge_op_set *op_set)
{
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        op_set->op_mask[e] = (uint8_t)((1u << CLNAS_NB201_OPS) - 1u);
}

int clnas_edge_op_set_has(const clnas_edge_op_set *op_set, const clnas_genotype *g)
{
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        if (g->ops[e] >= CLNAS_NB201_OPS || !(op_set->op_mask[e] & (1u << g->ops[e])))
            return 0;
    return 1;
}

void clnas_supernet_layout_free(clnas_supernet_layout *layout)
{
    if (!layout)
        return;
    free(layout->params);
    memset(layout, 0, sizeof *layout);
}

int clnas_supernet_layout_find(const clnas_supernet_layout *layout, const char *name)
{
    for (int i = 0; i < layout->nparams; i++)
        if (strcmp(layout->params[i].info.name, name) == 0)
            return i;
    return -1;
}

/* Cell, edge and the length of the "cells.K.edges.J_I." prefix of an edge parameter's name; 0 for others. */
static int edge_of(const char *name, int *cell, int *edge, int *prefix_len)
{
    int k, j, i, n = 0;
    if (sscanf(name, "cells.%d.edges.%d_%d.%n", &k, &j, &i, &n) != 3 || n == 0)
        return 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        if (clnas_nb201_edge_to[e] == j && clnas_nb201_edge_from[e] == i) {
            *cell = k;
            *edge = e;
            *prefix_len = n;
            return 1;
        }
    return 0;
}

clnas_status clnas_supernet_param_name(const clnas_genotype *g, const char *path_name, char *out, size_t cap,
                                       clnas_error *err)
{
    int cell, edge, n;
    int len = edge_of(path_name, &cell, &edge, &n)
                  ? snprintf(out, cap, "%.*s%s.%s", n, path_name, clnas_nb201_op_name(g->ops[edge]), path_name + n)
                  : snprintf(out, cap, "%s", path_name);
    if (len < 0 || (size_t)len >= cap)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "supernet name of '%s' is too long", path_name);
    return CLNAS_OK;
}

static size_t align_up(size_t n)
{
    return (n + CLNAS_ARENA_ALIGN - 1) / CLNAS_ARENA_ALIGN * CLNAS_ARENA_ALIGN;
}

static int cmp_module(const void *a, const void *b)
{
    const clnas_supernet_param *x = a, *y = b;
    if (x->module != y->module)
        return x->module < y->module ? -1 : 1;
    return x->info.offset < y->info.offset ? -1 : x->info.offset > y->info.offset; /* registration order */
}

/* NB201: module 1 + (cell * 6 + edge) * 5 + op of a cell edge's parameter, named with its op; 0 for the others. */
static clnas_status classify_nb201(const void *ctx, const char *path_name, int *module, char *name, size_t cap,
                                   clnas_error *err)
{
    const clnas_genotype *g = ctx;
    int cell, edge, n;
    *module = edge_of(path_name, &cell, &edge, &n) ? 1 + (cell * CLNAS_NB201_EDGES + edge) * CLNAS_NB201_OPS +
                                                         g->ops[edge]
                                                   : 0;
    return clnas_supernet_param_name(g, path_name, name, cap, err);
}

/* Appends the parameters of the network whose every edge is `op`: module 0 only from the first network built. */
static clnas_status add_network(const clnas_net_config *net, int op, int with_fixed, clnas_supernet_layout *l,
                                clnas_error *err)
{
    clnas_net_config cfg = *net;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        cfg.genotype.ops[e] = (uint8_t)op;
    return clnas_supernet_layout_add_network(l, &cfg, clnas_build_nb201, with_fixed, classify_nb201, &cfg.genotype,
                                             err);
}

clnas_status clnas_supernet_layout_build(const clnas_net_config *net, const clnas_edge_op_set *op_set,
                                         clnas_supernet_layout *out, clnas_error *err)
{
    if (net->space == CLNAS_NET_DARTS && net->darts_search)
        return clnas_supernet_layout_build_gdas_darts(net, out, err);
    if (net->space == CLNAS_NET_DARTS)
        return clnas_supernet_layout_build_darts(net, out, err);
    if (net->space == CLNAS_NET_CHAIN)
        return clnas_supernet_layout_build_chain(net, out, err);
    memset(out, 0, sizeof *out);
    int with_fixed = 1;
    clnas_status st = CLNAS_OK;
    for (int op = 0; op < CLNAS_NB201_OPS && st == CLNAS_OK; op++) {
        int used = 0;
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            used |= (op_set->op_mask[e] >> op) & 1;
        /* the fixed modules come from the first network; ops without parameters add nothing else */
        if (!used && !with_fixed)
            continue;
        st = add_network(net, op, with_fixed, out, err);
        with_fixed = 0;
    }
    if (st != CLNAS_OK) {
        clnas_supernet_layout_free(out);
        return st;
    }
    /* drop the edge parameters of ops an edge does not hold */
    int n = 0;
    for (int i = 0; i < out->nparams; i++) {
        int m = out->params[i].module - 1;
        if (m >= 0 && !(op_set->op_mask[(m / CLNAS_NB201_OPS) % CLNAS_NB201_EDGES] & (1u << (m % CLNAS_NB201_OPS))))
            continue;
        out->params[n++] = out->params[i];
    }
    out->nparams = n;
    clnas_supernet_layout_place(out);
    return CLNAS_OK;
}

/* Grows l->params to hold extra more parameters (and one spare). */
static clnas_status layout_reserve(clnas_supernet_layout *l, int extra, clnas_error *err)
{
    clnas_supernet_param *p = realloc(l->params, (size_t)(l->nparams + extra + 1) * sizeof *p);
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory laying out the supernet");
    l->params = p;
    return CLNAS_OK;
}

clnas_status clnas_supernet_layout_add_network(clnas_supernet_layout *l, const clnas_net_config *cfg,
                                               clnas_supernet_net_builder build, int with_fixed,
                                               clnas_supernet_classify classify, const void *ctx, clnas_error *err)
{
    clnas_graph g;
    clnas_graph_init(&g);
    clnas_net_io io;
    clnas_status st = build(cfg, 0, &g, &io, err);
    if (st == CLNAS_OK)
        st = layout_reserve(l, g.nparams, err);
    /* the modules earlier networks laid out */
    int last = 0;
    for (int i = 0; i < l->nparams; i++)
        last = l->params[i].module > last ? l->params[i].module : last;
    unsigned char *seen = st == CLNAS_OK ? calloc((size_t)last + 1, 1) : NULL;
    if (st == CLNAS_OK && !seen)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory laying out the supernet");
    for (int i = 0; seen && i < l->nparams; i++)
        seen[l->params[i].module] = 1;
    for (int i = 0; i < g.nparams && st == CLNAS_OK; i++) {
        int module = 0;
        char name[CLNAS_NAME_MAX];
        snprintf(name, sizeof name, "%s", g.params[i].name);
        st = classify(ctx, g.params[i].name, &module, name, sizeof name, err);
        if (st != CLNAS_OK || (module > 0 ? module <= last && seen[module] : !with_fixed))
            continue;
        clnas_supernet_param *sp = &l->params[l->nparams++];
        sp->info = g.params[i];
        snprintf(sp->info.name, sizeof sp->info.name, "%s", name);
        sp->info.live = 1;
        sp->info.offset = (size_t)i; /* registration order, for the sort */
        sp->module = module;
    }
    free(seen);
    clnas_graph_free(&g);
    return st;
}

void clnas_supernet_layout_place(clnas_supernet_layout *l)
{
    qsort(l->params, (size_t)l->nparams, sizeof *l->params, cmp_module);
    size_t off[2] = {0, 0};
    for (int i = 0; i < l->nparams; i++) {
        clnas_param_info *p = &l->params[i].info;
        int state = p->arena == CLNAS_ARENA_STATE;
        p->offset = off[state];
        off[state] = align_up(off[state] + p->count);
        if (!state && l->params[i].module == 0)
            l->fixed_elems = off[0];
    }
    l->param_elems = off[0];
    l->state_elems = off[1];
}
