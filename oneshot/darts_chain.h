/* clnas — DARTS and GDAS over the chain space: alpha per layer of a skeleton over the ops the layer can hold, as the
 * chain search network's layer weights, d loss / d alpha from their gradients, and the derived chain network. */
#ifndef CLNAS_DARTS_CHAIN_H
#define CLNAS_DARTS_CHAIN_H

#include "alpha.h"
#include "clnas/chain_genotype.h"
#include "clnas/model.h"

/* alpha of skeleton: a row per layer over the CLNAS_CHAIN_PATH_OPS path ops (chain_paths.h), each row holding the
 * ops of the layer's mask (clnas_chain_path_masks); clnas_alpha_init's draws with seed, then the mask. */
clnas_status clnas_darts_chain_alpha_init(clnas_alpha *alpha, const clnas_chain_genotype *skeleton, uint64_t seed,
                                          clnas_error *err);

/* The layer weights of a chain search network (space chain, darts_search; build_chain_search.h): softmax(alpha) of
 * each layer's held ops, in op order, into darts.layers.I.weight and weight2. */
clnas_status clnas_darts_chain_set_edge_weights(clnas_model *model, const clnas_alpha *alpha, clnas_error *err);

/* After a backward: d loss / d alpha (layers x 9, row-major; 0 for the ops a layer does not hold) through the
 * softmax from the layer weights' gradients. */
clnas_status clnas_darts_chain_alpha_gradient(clnas_model *model, const clnas_alpha *alpha, double *dalpha,
                                              clnas_error *err);

/* The derived network: skeleton with every layer computing its held op of largest alpha (the first of equal
 * ones), as a convolution to the layer's filters; CLNAS_ERR_INVALID_ARG when alpha is not the skeleton's. */
clnas_status clnas_darts_chain_derive(const clnas_alpha *alpha, const clnas_chain_genotype *skeleton,
                                      clnas_chain_genotype *out, clnas_error *err);

/* Of the derived network: the share of its layers computing identity; of alpha: softmax's identity averaged over
 * the layers (0 where a layer cannot hold it). */
void clnas_darts_chain_identity_stats(const clnas_alpha *alpha, const clnas_chain_genotype *derived, double *share,
                                      double *mean_prob);

#endif
