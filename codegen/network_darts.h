/* clnas — DARTS' NetworkCIFAR as sizes: which cells reduce, where the auxiliary head sits, the config's checks. */
#ifndef CLNAS_NETWORK_DARTS_H
#define CLNAS_NETWORK_DARTS_H

#include "clnas/network.h"

#define CLNAS_DARTS_STEM_MULTIPLIER 3 /* the stem has 3C channels */
#define CLNAS_DARTS_AUX_WEIGHT 0.4    /* DARTS' train.py: loss + 0.4 * the auxiliary head's loss */

/* Cell i of a network of `layers` cells is a reduction cell: i == layers/3 or i == 2*layers/3. */
int clnas_darts_is_reduction(int layers, int i);
/* The cell the auxiliary head reads: 2*layers/3 (a reduction cell). */
int clnas_darts_aux_cell(int layers);
/* How many of cells 0..i reduce (each halves the map and doubles the node width C). */
int clnas_darts_reductions_upto(int layers, int i);

/* The checks of a DARTS config (clnas_net_config_check calls it for CLNAS_NET_DARTS): sizes, the genotype's ops,
 * inputs and concat, maps that halve evenly (FactorizedReduce needs an even input), the auxiliary head's 8-10 px. */
clnas_status clnas_net_config_check_darts(const clnas_net_config *cfg, clnas_error *err);
/* The checks of DARTS' search network (darts_search): the same sizes and even maps at the reductions, no
 * darts/gdas flag, auxiliary head or drop-path. */
clnas_status clnas_net_config_check_darts_search(const clnas_net_config *cfg, clnas_error *err);

#endif
