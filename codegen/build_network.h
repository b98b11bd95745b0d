/* clnas — the forward graph of a network of any space: the space's builder, chosen by clnas_net_config.space. */
#ifndef CLNAS_BUILD_NETWORK_H
#define CLNAS_BUILD_NETWORK_H

#include "build_nb201.h"

/* clnas_build_nb201 or clnas_build_darts (see those for what the graph holds). */
clnas_status clnas_build_network(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                                 clnas_error *err);

#endif
