/* clnas — the supernet layout of GDAS on the DARTS cell space: DARTS' search network (non-affine cell BatchNorm)
 * with every (cell, edge, op) its own module, laid out from the GDAS paths that put one op on every edge; a GDAS
 * path's parameters are named as the search network names them, so they map onto this layout one to one. */
#include "supernet_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_darts_search.h"
#include "memplan.h"
#include "network_darts.h"

/* Cell, edge and op of a search-network edge parameter "cells.K._ops.E._ops.OP."; 0 for the others (stem,
 * preprocessing, classifier, the edges' h). */
static int edge_of(const char *name, int layers, int *cell, int *edge, int *op)
{
    int n = 0;
    if (sscanf(name, "cells.%d._ops.%d._ops.%d.%n", cell, edge, op, &n) != 3 || n == 0)
        return 0;
    return *cell >= 0 && *cell < layers && *edge >= 0 && *edge < CLNAS_DARTS_SEARCH_EDGES && *op > 0 &&
           *op < CLNAS_DARTS_OPS;
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

/* Appends the parameters of the GDAS path with op on every edge: module 0 (and the edges' h) only from the first. */
static clnas_status add_path(const clnas_net_config *net, int op, clnas_supernet_layout *l, clnas_error *err)
{
    clnas_net_config cfg = *net;
    memset(cfg.gdas_ops, op, sizeof cfg.gdas_ops);
    clnas_graph g;
    clnas_graph_init(&g);
    clnas_net_io io;
    clnas_status st = clnas_build_darts_search(&cfg, 0, &g, &io, err);
    if (st == CLNAS_OK)
        st = clnas_supernet_layout_reserve(l, g.nparams, err);
    for (int i = 0; i < g.nparams && st == CLNAS_OK; i++) {
        int cell, edge, k;
        const int is_edge = edge_of(g.params[i].name, cfg.layers, &cell, &edge, &k);
        if (!is_edge && op != 1)
            continue;
        clnas_supernet_param *sp = &l->params[l->nparams++];
        sp->info = g.params[i];
        sp->info.live = 1;
        sp->info.offset = (size_t)i; /* registration order, for the sort */
        sp->module = is_edge ? clnas_darts_supernet_module(cell, edge, k) : 0;
    }
    clnas_graph_free(&g);
    return st;
}

clnas_status clnas_supernet_layout_build_gdas_darts(const clnas_net_config *net, clnas_supernet_layout *out,
                                                    clnas_error *err)
{
    memset(out, 0, sizeof *out);
    if (net->space != CLNAS_NET_DARTS || !net->darts_search || !net->gdas)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: GDAS' DARTS-space supernet is laid out from "
                               "GDAS paths of the search network (space darts, darts_search and gdas on)");
    clnas_status st = CLNAS_OK;
    for (int op = 1; op < CLNAS_DARTS_OPS && st == CLNAS_OK; op++)
        st = add_path(net, op, out, err);
    if (st != CLNAS_OK) {
        clnas_supernet_layout_free(out);
        return st;
    }
    qsort(out->params, (size_t)out->nparams, sizeof *out->params, cmp_module);
    size_t off[2] = {0, 0};
    for (int i = 0; i < out->nparams; i++) {
        clnas_param_info *p = &out->params[i].info;
        int state = p->arena == CLNAS_ARENA_STATE;
        p->offset = off[state];
        off[state] = align_up(off[state] + p->count);
        if (!state && out->params[i].module == 0)
            out->fixed_elems = off[0];
    }
    out->param_elems = off[0];
    out->state_elems = off[1];
    return CLNAS_OK;
}
