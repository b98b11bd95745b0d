/* clnas — whether a weights file fits a network: every parameter present with its shape, nothing else. Checked on the
 * host, so that `clnas eval` finds weights of another size before any kernel is built. */
#ifndef CLNAS_WEIGHTS_CHECK_H
#define CLNAS_WEIGHTS_CHECK_H

#include "clnas/network.h"
#include "clnas/safetensors.h"
#include "clnas/status.h"

struct clnas_plan;

/* The tensors of f (read from path) against the plan's parameter table: a missing tensor is CLNAS_ERR_NOT_FOUND, a
 * shape that differs or a tensor the network does not have CLNAS_ERR_FORMAT, each naming the file and the tensor. */
clnas_status clnas_weights_match_plan(const struct clnas_plan *plan, const clnas_safetensors *f, const char *path,
                                      clnas_error *err);

/* clnas_weights_match_plan of the file at path against the network cfg describes (compiled on the host only). */
clnas_status clnas_weights_check_file(const clnas_net_config *cfg, const char *path, clnas_error *err);

#endif
