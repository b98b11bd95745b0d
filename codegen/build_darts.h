/* clnas — builds the forward graph of DARTS' evaluation network (NetworkCIFAR) from a DARTS genotype. */
#ifndef CLNAS_BUILD_DARTS_H
#define CLNAS_BUILD_DARTS_H

#include "build_nb201.h"
#include "clnas/network.h"
#include "graph.h"

/* Appends the forward graph of cfg (space CLNAS_NET_DARTS) to g as ../shared/reference/darts/darts_ref.py defines
 * NetworkCIFAR(channels, classes, layers, genotype, in_channels, auxiliary, drop_path): stem (conv 3x3 to 3C, BN),
 * the cells (reductions at layers/3 and 2*layers/3), global average pool, linear classifier, and when training the
 * softmax cross entropy (plus cfg->auxiliary_weight x the auxiliary head's with cfg->auxiliary, its logits in
 * io->logits_aux, and drop-path with cfg->drop_path).
 * Every parameter and running statistic is registered under DARTS' state_dict name in module order, so DARTS'
 * checkpoints load by name. 'none' edges are pruned; ops on all-zero states fold to the constants they compute. */
clnas_status clnas_build_darts(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                               clnas_error *err);

#endif
