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

/* A search network's parameter (ctx: its cells): module (cell, edge, op) of an edge's, named as the network names it;
 * 0 for the others. */
static clnas_status classify_gdas_darts(const void *ctx, const char *path_name, int *module, char *name, size_t cap,
                                        clnas_error *err)
{
    int cell, edge, k;
    *module = edge_of(path_name, *(const int *)ctx, &cell, &edge, &k) ? clnas_darts_supernet_module(cell, edge, k) : 0;
    (void)name, (void)cap, (void)err; /* named as the network names it */
    return CLNAS_OK;
}

/* Appends the parameters of the GDAS path with op on every edge: module 0 (and the edges' h) only from the first. */
static clnas_status add_path(const clnas_net_config *net, int op, clnas_supernet_layout *l, clnas_error *err)
{
    clnas_net_config cfg = *net;
    memset(cfg.gdas_ops, op, sizeof cfg.gdas_ops);
    return clnas_supernet_layout_add_network(l, &cfg, clnas_build_darts_search, op == 1, classify_gdas_darts,
                                             &cfg.layers, err);
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
    clnas_supernet_layout_place(out);
    return CLNAS_OK;
}
