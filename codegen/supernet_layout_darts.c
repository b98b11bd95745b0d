/* clnas — the supernet layout of the DARTS cell space: every (cell, edge, op) of DARTS' search network (14 edges
 * per cell, the 7 non-none ops) named once, taken from the genotype networks (NetworkCIFAR) that cover them, so a
 * genotype's network is a path whose parameters are slices of the supernet's arenas. */
#include "supernet_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_darts.h"
#include "build_darts_search.h"
#include "memplan.h"
#include "network_darts.h"

/* Search edge of (node k, input state i): DARTS' order, node by node, inputs 0 .. k+1 (0..1, 2..4, 5..8, 9..13). */
static int search_edge(int k, int i)
{
    return k * (k + 3) / 2 + i;
}

int clnas_darts_supernet_holds(const clnas_darts_genotype *g, char *why, size_t cap)
{
    const clnas_darts_cell *cells[2] = {&g->normal, &g->reduce};
    static const char *const names[2] = {"normal", "reduce"};
    for (int c = 0; c < 2; c++) {
        const clnas_darts_cell *cell = cells[c];
        for (int e = 0; e < CLNAS_DARTS_EDGES; e++) {
            if (cell->op[e] == CLNAS_DARTS_NONE || cell->op[e] >= CLNAS_DARTS_OPS) {
                snprintf(why, cap, "%s edge %d: op %d (the supernet holds the 7 ops other than none)", names[c], e,
                         cell->op[e]);
                return 0;
            }
            if (cell->input[e] >= 2 + e / 2) {
                snprintf(why, cap, "%s edge %d: input state %d of node %d", names[c], e, cell->input[e], e / 2);
                return 0;
            }
        }
        for (int k = 0; k < CLNAS_DARTS_NODES; k++)
            if (cell->input[2 * k] == cell->input[2 * k + 1]) {
                snprintf(why, cap, "%s node %d reads state %d twice (a path's node has two distinct inputs, as "
                         "DARTS derives them)", names[c], k + 2, cell->input[2 * k]);
                return 0;
            }
        int concat_ok = cell->nconcat == CLNAS_DARTS_NODES;
        for (int i = 0; concat_ok && i < CLNAS_DARTS_NODES; i++)
            concat_ok = cell->concat[i] == 2 + i;
        if (!concat_ok) {
            snprintf(why, cap, "%s_concat is not [2, 3, 4, 5] (the supernet's cells concatenate their 4 nodes)",
                     names[c]);
            return 0;
        }
    }
    return 1;
}

/* Cell, search edge and op of a genotype network's edge parameter "cells.K._ops.E.", and the prefix length; 0 for
 * the others (stem, preprocessing, classifier, auxiliary head). */
static int darts_edge_of(const clnas_darts_genotype *g, int layers, const char *name, int *cell, int *edge, int *op,
                         int *prefix_len)
{
    int k, e, n = 0;
    if (sscanf(name, "cells.%d._ops.%d.%n", &k, &e, &n) != 2 || n == 0 || e < 0 || e >= CLNAS_DARTS_EDGES ||
        k < 0 || k >= layers)
        return 0;
    const clnas_darts_cell *c = clnas_darts_is_reduction(layers, k) ? &g->reduce : &g->normal;
    *cell = k;
    *edge = search_edge(e / 2, c->input[e]);
    *op = c->op[e];
    *prefix_len = n;
    return 1;
}

static clnas_status darts_param_name(const clnas_darts_genotype *g, int layers, const char *path_name, char *out,
                                     size_t cap, clnas_error *err)
{
    int cell, edge, op, n, len;
    if (darts_edge_of(g, layers, path_name, &cell, &edge, &op, &n)) {
        int k = 0;
        while (search_edge(k + 1, 0) <= edge)
            k++;
        len = snprintf(out, cap, "cells.%d.edges.%d_%d.%s.%s", cell, k + 2, edge - search_edge(k, 0),
                       clnas_darts_op_name((clnas_darts_op)op), path_name + n);
    } else {
        len = snprintf(out, cap, "%s", path_name);
    }
    if (len < 0 || (size_t)len >= cap)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "supernet name of '%s' is too long", path_name);
    return CLNAS_OK;
}

clnas_status clnas_supernet_path_param_name(const clnas_net_config *path, const char *path_name, char *out,
                                            size_t cap, clnas_error *err)
{
    if (path->darts_search) { /* a GDAS path (DARTS or chain space): the search network's names */
        if ((size_t)snprintf(out, cap, "%s", path_name) >= cap)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "supernet name of '%s' is too long", path_name);
        return CLNAS_OK;
    }
    if (path->space == CLNAS_NET_DARTS)
        return darts_param_name(&path->darts_genotype, path->layers, path_name, out, cap, err);
    if (path->space == CLNAS_NET_CHAIN)
        return clnas_supernet_chain_param_name(&path->chain_genotype, path_name, out, cap, err);
    return clnas_supernet_param_name(&path->genotype, path_name, out, cap, err);
}

/* The genotype whose every edge is `op` and whose node k reads inputs 2t and 2t+1 (mod its k+2 states): three of
 * them (t = 0, 1, 2) reach every search edge. */
static void covering_genotype(int op, int t, clnas_darts_genotype *g)
{
    memset(g, 0, sizeof *g);
    clnas_darts_cell *cells[2] = {&g->normal, &g->reduce};
    for (int c = 0; c < 2; c++) {
        for (int k = 0; k < CLNAS_DARTS_NODES; k++) {
            const int states = k + 2;
            cells[c]->input[2 * k] = (uint8_t)((2 * t) % states);
            cells[c]->input[2 * k + 1] = (uint8_t)((2 * t + 1) % states);
            if (cells[c]->input[2 * k + 1] == cells[c]->input[2 * k])
                cells[c]->input[2 * k + 1] = (uint8_t)((cells[c]->input[2 * k] + 1) % states);
            cells[c]->op[2 * k] = cells[c]->op[2 * k + 1] = (uint8_t)op;
        }
        for (int k = 0; k < CLNAS_DARTS_NODES; k++)
            cells[c]->concat[k] = (uint8_t)(2 + k);
        cells[c]->nconcat = CLNAS_DARTS_NODES;
    }
}

/* A DARTS genotype network's parameter (ctx: its net config): module (cell, search edge, op) of a cell edge's, named
 * as the search network's edge; 0 for the others. */
static clnas_status classify_darts(const void *ctx, const char *path_name, int *module, char *name, size_t cap,
                                   clnas_error *err)
{
    const clnas_net_config *cfg = ctx;
    int cell, edge, op, n;
    *module = darts_edge_of(&cfg->darts_genotype, cfg->layers, path_name, &cell, &edge, &op, &n)
                  ? clnas_darts_supernet_module(cell, edge, op)
                  : 0;
    return darts_param_name(&cfg->darts_genotype, cfg->layers, path_name, name, cap, err);
}

/* Appends the parameters of genotype network g not laid out yet: module 0 only from the first network. */
static clnas_status add_network(const clnas_net_config *net, const clnas_darts_genotype *dg, int with_fixed,
                                clnas_supernet_layout *l, clnas_error *err)
{
    clnas_net_config cfg = *net;
    cfg.darts_genotype = *dg;
    return clnas_supernet_layout_add_network(l, &cfg, clnas_build_darts, with_fixed, classify_darts, &cfg, err);
}

int clnas_darts_supernet_module(int cell, int edge, int op)
{
    return 1 + (cell * CLNAS_DARTS_SEARCH_EDGES + edge) * CLNAS_DARTS_OPS + op;
}

clnas_status clnas_supernet_layout_build_darts(const clnas_net_config *net, clnas_supernet_layout *out,
                                               clnas_error *err)
{
    memset(out, 0, sizeof *out);
    if (net->space != CLNAS_NET_DARTS || net->darts_search)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: the DARTS-space supernet is laid out from "
                               "DARTS genotype networks (space darts, darts_search off)");
    clnas_status st = CLNAS_OK;
    for (int op = 1; op < CLNAS_DARTS_OPS && st == CLNAS_OK; op++)
        for (int t = 0; t < 3 && st == CLNAS_OK; t++) {
            clnas_darts_genotype g;
            covering_genotype(op, t, &g);
            st = add_network(net, &g, op == 1 && t == 0, out, err);
        }
    if (st != CLNAS_OK) {
        clnas_supernet_layout_free(out);
        return st;
    }
    clnas_supernet_layout_place(out);
    return CLNAS_OK;
}
