/* clnas — the library's own model constructors (device, program cache, plan, recorded algorithm choices) and the
 * accessors to what is behind a model; programs outside clnas use clnas_model_new (include/clnas/model.h). */
#ifndef CLNAS_MODEL_BUILD_H
#define CLNAS_MODEL_BUILD_H

#include "clnas/model.h"

struct clnas_program_cache;
struct clnas_plan;
struct clnas_algo_choices;
struct clnas_shared_arenas;
struct clnas_executor;

/* Compiles the network and prepares it on dev: kernels come from (and go into) the program cache. The parameters
 * are not initialised (clnas_model_init, clnas_model_load). */
clnas_status clnas_model_build(clnas_device *dev, struct clnas_program_cache *cache, const clnas_net_config *cfg,
                               clnas_model **out, clnas_error *err);

/* A model over a plan compiled elsewhere (a supernet path, a workspace's network) whose executor borrows the
 * arenas `shared` has (NULL: none) and takes recorded algorithm choices (may be NULL). The model owns plan from
 * the call on: on failure it is freed. */
clnas_status clnas_model_build_shared(clnas_device *dev, struct clnas_program_cache *cache, struct clnas_plan *plan,
                                      const struct clnas_algo_choices *recorded,
                                      const struct clnas_shared_arenas *shared, clnas_model **out, clnas_error *err);

/* As clnas_model_build, reusing `recorded` algorithm choices (made by timing in an earlier part of the same run)
 * instead of timing again; NULL behaves as clnas_model_build. */
clnas_status clnas_model_build_with_choices(clnas_device *dev, struct clnas_program_cache *cache,
                                            const clnas_net_config *cfg, const struct clnas_algo_choices *recorded,
                                            clnas_model **out, clnas_error *err);

/* As clnas_model_build_with_choices, with the activation arena taken from `ws` (NULL: a fresh one). */
clnas_status clnas_model_build_in(clnas_device *dev, struct clnas_program_cache *cache, const clnas_net_config *cfg,
                                  const struct clnas_algo_choices *recorded, clnas_workspace *ws, clnas_model **out,
                                  clnas_error *err);

/* The algorithm choices this model's executor made (to record with a run). */
const struct clnas_algo_choices *clnas_model_algo_choices(const clnas_model *model);
/* The compiled plan and the executor behind the model (for tools: compile output, profiles). */
const struct clnas_plan *clnas_model_plan(const clnas_model *model);
struct clnas_executor *clnas_model_executor(clnas_model *model);

/* Training forwards run so far (PyTorch's BatchNorm num_batches_tracked): clnas_model_forward and clnas_model_step
 * count them, loading a weights file sets the count from the file (0 when it has none). */
int64_t clnas_model_batches_tracked(const clnas_model *model);
void clnas_model_set_batches_tracked(clnas_model *model, int64_t count);

/* DARTS drop-path: the probability p (0 <= p < 1) of the next training forwards and the seed of their masks (the
 * network must be compiled with drop_path > 0 for p > 0; DARTS' train.py sets p = 0.2 * epoch / epochs). */
clnas_status clnas_model_set_drop_path(clnas_model *model, double p, uint64_t seed, clnas_error *err);

#endif
