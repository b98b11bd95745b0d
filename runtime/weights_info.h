/* clnas — the metadata of a weights file, read from a file already in memory and written for a network. */
#ifndef CLNAS_WEIGHTS_INFO_H
#define CLNAS_WEIGHTS_INFO_H

#include "clnas/model.h"
#include "clnas/safetensors.h"

/* The clnas_weights_info of a file read by clnas_safetensors_read (path names it in errors). */
clnas_status clnas_weights_info_from(const clnas_safetensors *file, const char *path, clnas_weights_info *info,
                                     clnas_error *err);

/* "arch ARCH C=16 N=5 input 1x28x28 classes 10" of what the info records, for messages. */
void clnas_weights_info_describe(const clnas_weights_info *info, char *buf, size_t cap);

/* The metadata clnas_model_save writes for cfg (mean, std: cfg->in_channels values, or NULL): key, value, ...,
 * NULL, pointing into *store. */
typedef struct clnas_weights_meta_store {
    char arch[CLNAS_CHAIN_GENOTYPE_STR_MAX], ints[6][16], mean[160], std[160];
    const char *kv[40];
} clnas_weights_meta_store;
const char *const *clnas_weights_meta_build(const clnas_net_config *cfg, const double *mean, const double *std,
                                            clnas_weights_meta_store *store);

#endif
