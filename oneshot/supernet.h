/* clnas — a weight-sharing supernet on a device: the weights of every op of every edge in one set of arenas, and
 * paths (one op per edge) that train and evaluate over them through their own plans, cached. */
#ifndef CLNAS_SUPERNET_H
#define CLNAS_SUPERNET_H

#include <stdint.h>

#include "algo_choice.h"
#include "clnas/device.h"
#include "clnas/model.h"
#include "executor.h"
#include "program_cache.h"
#include "supernet_layout.h"

typedef struct clnas_supernet clnas_supernet;

/* Bytes of the supernet's weights on the device: parameters, gradients, momenta and running statistics. */
size_t clnas_supernet_weight_bytes(const clnas_supernet_layout *layout, int fp64);

/* Lays out the supernet of net (genotype ignored; with net.gdas its paths are GDAS paths) holding `op_set`, checks
 * that it fits dev (CLNAS_ERR_UNSUPPORTED naming the figure and what to shrink otherwise) and allocates its arenas.
 * Paths are cached up to max_paths (least recently used first out); recorded algorithm choices (may be NULL) are
 * reused by every path. */
clnas_status clnas_supernet_new(clnas_device *dev, clnas_program_cache *cache, const clnas_net_config *net,
                                const clnas_edge_op_set *op_set, int max_paths, const clnas_algo_choices *recorded,
                                clnas_supernet **out, clnas_error *err);
void clnas_supernet_free(clnas_supernet *sn);

const clnas_supernet_layout *clnas_supernet_get_layout(const clnas_supernet *sn);
const clnas_net_config *clnas_supernet_config(const clnas_supernet *sn);
/* Paths compiled so far (cache misses) and paths found in the cache. */
void clnas_supernet_path_stats(const clnas_supernet *sn, int *compiled, int *reused);

/* PyTorch's default initialisation of every supernet parameter from a seed; momenta zeroed. */
clnas_status clnas_supernet_init(clnas_supernet *sn, uint64_t seed, clnas_error *err);

/* The path of genotype g as a model over the supernet's weights (parameters by their stand-alone names). The
 * supernet owns it: it stays valid until max_paths other paths have been asked for since. */
clnas_status clnas_supernet_path(clnas_supernet *sn, const clnas_genotype *g, clnas_model **out, clnas_error *err);
/* The same on a DARTS-space supernet (net.space darts): the genotype network (NetworkCIFAR) of g, computing only
 * g's (edge, op) pairs over their shared weights; on GDAS' (darts_search and gdas) the search network computing
 * g's 8 edges per cell type, the others none (clnas_gdas_darts_ops_of). CLNAS_ERR_INVALID_ARG when g is no path of
 * it (clnas_darts_supernet_holds). */
clnas_status clnas_supernet_path_darts(clnas_supernet *sn, const clnas_darts_genotype *g, clnas_model **out,
                                       clnas_error *err);
/* A DARTS genotype as the ops of GDAS' DARTS-space path (ops[14 t + e]: edge e of the search network's cells of type
 * t, normal 0, reduce 1, node k's edges from states 0..k+1 at k (k + 3) / 2 on): g's op on the edges it uses, none
 * elsewhere. 0 with why filled when g is no such path (clnas_darts_supernet_holds). */
int clnas_gdas_darts_ops_of(const clnas_darts_genotype *g, uint8_t *ops, char *why, size_t cap);
/* The path g on a chain supernet (net.space chain, net.chain_genotype its skeleton): the chain network of g over
 * the shared weights of its (layer, op) modules; on GDAS' (darts_search and gdas) the search network computing g's
 * op on every layer. CLNAS_ERR_INVALID_ARG naming the layer when g is no path of the
 * skeleton (clnas_chain_is_path). */
clnas_status clnas_supernet_path_chain(clnas_supernet *sn, const clnas_chain_genotype *g, clnas_model **out,
                                       clnas_error *err);
/* The GDAS path of a supernet built with darts_search and gdas (net.gdas_ops = ops): on space darts edge e of the
 * cells of type t computes op ops[14 t + e] (0, none: zero) only; on space chain layer i (1-based) computes path op
 * ops[i - 1] (chain_paths.h), one its skeleton's mask holds. From the cache, else compiled. */
clnas_status clnas_supernet_path_gdas(clnas_supernet *sn, const uint8_t *ops, clnas_model **out, clnas_error *err);

/* Builds (or loads) every OpenCL program any path of this supernet can need, so that training and search build
 * none later: the programs of the path plans of every cell genotype the supernet holds (host-side compiles
 * only; a program's source depends on op, shape and fusion variant, never on the path's offsets), each distinct
 * source once. *programs is how many distinct programs the supernet needs. */
clnas_status clnas_supernet_warm_up(clnas_supernet *sn, int *programs, clnas_error *err);

/* One supernet tensor by its supernet name (a parameter or a running statistic), in double. */
clnas_status clnas_supernet_get(clnas_supernet *sn, const char *name, double *out, size_t count, clnas_error *err);
clnas_status clnas_supernet_set(clnas_supernet *sn, const char *name, const double *in, size_t count,
                                clnas_error *err);
/* The whole PARAMS (or GRADS, MOMENTUM, STATE) arena, param_elems (state_elems) values. */
clnas_status clnas_supernet_read_arena(clnas_supernet *sn, clnas_arena arena, double *out, clnas_error *err);
clnas_status clnas_supernet_write_arena(clnas_supernet *sn, clnas_arena arena, const double *in, clnas_error *err);

/* Every weight and running statistic under its supernet name, with momenta as "<name>:momentum" when
 * with_momentum (a checkpoint to resume training from), as safetensors written to a temporary name and renamed;
 * step >= 0 is stored in the metadata (the training step the checkpoint holds, in the same atomic file).
 * Loading checks every name and shape; momenta are loaded when the file has them, else zeroed; *step (may be
 * NULL) gets the stored step, -1 when there is none. */
clnas_status clnas_supernet_save(clnas_supernet *sn, const char *path, int with_momentum, long step,
                                 clnas_error *err);
clnas_status clnas_supernet_load(clnas_supernet *sn, const char *path, long *step, clnas_error *err);
/* The algorithm choices the supernet's paths have made (and the recorded ones it was given). */
const clnas_algo_choices *clnas_supernet_algo_choices(const clnas_supernet *sn);

#endif
