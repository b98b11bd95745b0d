/* clnas — the weight-sharing supernet over NB201: every candidate op of every edge of every cell with its own
 * parameters, laid out once in the supernet's PARAMS/GRADS/MOMENTUM/STATE arenas. */
#ifndef CLNAS_SUPERNET_LAYOUT_H
#define CLNAS_SUPERNET_LAYOUT_H

#include <stdint.h>

#include "build_nb201.h" /* clnas_net_io, which every network builder fills */
#include "clnas/network.h"
#include "graph.h"

/* Which ops each edge holds: bit k of op_mask[e] is op k (clnas_nb201_op); every cell alike. SPOS and GDAS use a
 * path of one op per edge; DARTS combines the set by a weighted sum. */
typedef struct clnas_edge_op_set {
    uint8_t op_mask[CLNAS_NB201_EDGES];
} clnas_edge_op_set;

/* Every op on every edge. */
void clnas_edge_op_set_all(clnas_edge_op_set *op_set);
/* 1 when every op of g is in the mask. */
int clnas_edge_op_set_has(const clnas_edge_op_set *op_set, const clnas_genotype *g);

/* A parameter of the supernet. Names extend the stand-alone PyTorch names with the op on cell edges
 * (cells.0.edges.1_0.nor_conv_3x3.conv.weight); the stem, reduction blocks, head and classifier keep theirs. */
typedef struct clnas_supernet_param {
    clnas_param_info info; /* info.offset: in the supernet arena of info.arena; info.live is 1 */
    int module;            /* 0: stem, reduction blocks, head, classifier; else 1 + (cell * 6 + edge) * 5 + op */
} clnas_supernet_param;

typedef struct clnas_supernet_layout {
    clnas_supernet_param *params;
    int nparams;
    /* PARAMS, GRADS and MOMENTUM share one layout; STATE holds the running statistics */
    size_t param_elems, state_elems;
    size_t fixed_elems; /* PARAMS[0, fixed_elems): the module-0 parameters, which every path trains */
} clnas_supernet_layout;

/* Lays out the supernet of net (its genotype is ignored; a DARTS-space net: clnas_supernet_layout_build_darts,
 * op_set ignored): module 0 first, then cell by cell, edge by edge, op by
 * op, each module's parameters contiguous (aligned as the memory planner aligns). */
clnas_status clnas_supernet_layout_build(const clnas_net_config *net, const clnas_edge_op_set *op_set,
                                         clnas_supernet_layout *out, clnas_error *err);
void clnas_supernet_layout_free(clnas_supernet_layout *layout);
/* Orders the parameters by module (the fixed module 0 first, registration order within one) and gives each its
 * aligned offset in its arena: param_elems, state_elems and fixed_elems follow. Both spaces' layouts end with it. */
void clnas_supernet_layout_place(clnas_supernet_layout *l);
/* How each layout builds the networks it is laid out from (clnas_build_nb201, clnas_build_darts, ...). */
typedef clnas_status (*clnas_supernet_net_builder)(const clnas_net_config *cfg, int training, clnas_graph *g,
                                                   clnas_net_io *io, clnas_error *err);
/* Where a parameter of such a network goes: its module (0: the fixed modules every path trains) and its supernet
 * name (name, of cap characters, holds path_name on entry: a layout that renames writes it); ctx is the layout's
 * own. */
typedef clnas_status (*clnas_supernet_classify)(const void *ctx, const char *path_name, int *module, char *name,
                                                size_t cap, clnas_error *err);
/* Builds cfg's network with `build` and appends its parameters, each classified: those of a module that an earlier
 * network laid out are skipped, and module 0's unless with_fixed. */
clnas_status clnas_supernet_layout_add_network(clnas_supernet_layout *l, const clnas_net_config *cfg,
                                               clnas_supernet_net_builder build, int with_fixed,
                                               clnas_supernet_classify classify, const void *ctx, clnas_error *err);
/* Index of a supernet parameter by name, or -1. */
int clnas_supernet_layout_find(const clnas_supernet_layout *layout, const char *name);

/* The supernet name of a stand-alone parameter of the path g: the op of its edge inserted after
 * "cells.K.edges.J_I."; other names are unchanged. */
clnas_status clnas_supernet_param_name(const clnas_genotype *g, const char *path_name, char *out, size_t cap,
                                       clnas_error *err);

/* The supernet name of a stand-alone parameter of the path `path` (its space's genotype): NB201 as
 * clnas_supernet_param_name; DARTS "cells.K._ops.E.rest" of genotype edge E (node J = 2 + E/2 reading state I)
 * becomes "cells.K.edges.J_I.<op>.rest" (the search network's edge J_I, one of 14), other names unchanged. */
clnas_status clnas_supernet_path_param_name(const clnas_net_config *path, const char *path_name, char *out,
                                            size_t cap, clnas_error *err);

/* ---- the DARTS cell space (supernet_layout_darts.c) ---- */

/* The supernet of net (space darts; its genotype ignored): per cell, each of the search network's 14 edges with
 * each of the 7 non-none ops, as the genotype networks (DARTS' NetworkCIFAR, affine BatchNorm) parameterise them;
 * module 0 the stem, every cell's preprocessing, the classifier (and the auxiliary head when net has one). */
clnas_status clnas_supernet_layout_build_darts(const clnas_net_config *net, clnas_supernet_layout *out,
                                               clnas_error *err);
/* GDAS' supernet of the DARTS cell space (net: space darts, darts_search and gdas; gdas_ops ignored): DARTS' search
 * network's parameters (non-affine cell BatchNorm), each (cell, edge, op) a module, and every edge's h and h_grad
 * (module 0, STATE); a GDAS path's parameter names are the supernet's (supernet_layout_gdas_darts.c). */
clnas_status clnas_supernet_layout_build_gdas_darts(const clnas_net_config *net, clnas_supernet_layout *out,
                                                    clnas_error *err);
/* Module of (cell, search edge 0..13, op): 1 + (cell * 14 + edge) * 8 + op. */
int clnas_darts_supernet_module(int cell, int edge, int op);
/* 1 when g is a path of the DARTS-space supernet: no none op, two distinct inputs per node, concat [2, 3, 4, 5]
 * (every genotype clnas_darts_genotype_sample and _mutate make); else 0 and why (for messages). */
int clnas_darts_supernet_holds(const clnas_darts_genotype *g, char *why, size_t cap);

/* ---- the chain space (supernet_layout_chain.c) ---- */

/* The supernet of a chain skeleton (net: space chain, chain_genotype the skeleton): per layer each op it holds
 * (clnas_chain_path_masks) with the parameters the chain network gives it; module 0 the stem (layers.0) and the
 * classifier. With darts_search and gdas, GDAS' chain supernet: the same modules as the chain search network
 * (build_chain_search.h) names and shapes them (layer BatchNorm without affine parameters), and every layer's h and
 * h_grad in module 0 (STATE); a GDAS path's parameter names are the supernet's. */
clnas_status clnas_supernet_layout_build_chain(const clnas_net_config *net, clnas_supernet_layout *out,
                                               clnas_error *err);
/* Module of (layer 1.., path op k): 1 + (layer - 1) * CLNAS_CHAIN_PATH_OPS + k. */
int clnas_chain_supernet_module(int layer, int op);
/* The supernet name of a stand-alone parameter of the chain path g: "layers.I.rest" of layer I >= 1 becomes
 * "layers.I.<op>.rest" (op: clnas_chain_path_op_name of its op, "conv3x3", "sepconv5x5"); the stem's and the
 * classifier's are unchanged. */
clnas_status clnas_supernet_chain_param_name(const clnas_chain_genotype *g, const char *path_name, char *out,
                                             size_t cap, clnas_error *err);

#endif
