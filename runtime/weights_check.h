/* clnas — whether a weights file fits a network: every parameter present with its shape, nothing else but PyTorch's
 * BatchNorm counters. Checked on the host, so that `clnas eval` finds weights of another size before any kernel is
 * built, and by clnas_model_load before it copies anything to the device. */
#ifndef CLNAS_WEIGHTS_CHECK_H
#define CLNAS_WEIGHTS_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/model.h"
#include "clnas/network.h"
#include "clnas/safetensors.h"
#include "clnas/status.h"

struct clnas_plan;
struct clnas_param_info;

#define CLNAS_WEIGHTS_NBT_SUFFIX ".num_batches_tracked"
#define CLNAS_WEIGHTS_RUNNING_MEAN_SUFFIX ".running_mean"

/* The module a tensor name belongs to when it ends with suffix ("stem.bn" of "stem.bn.running_mean"), written into
 * buf; 0 when it does not end so or buf is too small. */
int clnas_weights_module_of(const char *name, const char *suffix, char *buf, size_t cap);

/* The tensors of f (read from path) against the plan's parameter table: a missing tensor is CLNAS_ERR_NOT_FOUND (found
 * first: a renamed parameter is reported as missing, not as a stranger), a shape that differs or a tensor the network
 * does not have CLNAS_ERR_FORMAT, each naming the file and the tensor, and what the file was saved with when info
 * (may be NULL) holds metadata. A num_batches_tracked of one of the network's BatchNorms is accepted (PyTorch writes
 * one per BatchNorm) when it holds one non-negative whole number; the largest goes to *batches_tracked (may be NULL). */
clnas_status clnas_weights_match_plan(const struct clnas_plan *plan, const clnas_safetensors *f, const char *path,
                                      const clnas_weights_info *info, int64_t *batches_tracked, clnas_error *err);

/* The same against a parameter table (a plan's, or one built without a plan such as the DARTS network's);
 * size_hint (may be NULL) ends the message of a shape that differs when info has no metadata, e.g.
 * " (weights of another --channels or --layers?)". */
clnas_status clnas_weights_match_params(const struct clnas_param_info *params, int nparams, const clnas_safetensors *f,
                                        const char *path, const clnas_weights_info *info, const char *size_hint,
                                        int64_t *batches_tracked, clnas_error *err);

/* clnas_weights_match_plan of the file at path against the network cfg describes (compiled on the host only). */
clnas_status clnas_weights_check_file(const clnas_net_config *cfg, const char *path, clnas_error *err);

#endif
