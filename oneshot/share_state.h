/* clnas — the start state of a data-parallel one-shot run: process 0's (restored from its checkpoint, or fresh)
 * sent to every process, so that all start a resumed run from the same weights, momenta, statistics and alpha. */
#ifndef CLNAS_SHARE_STATE_H
#define CLNAS_SHARE_STATE_H

#include "alpha.h"
#include "darts_checkpoint.h"
#include "grad_shares.h"

/* With sh's broadcast (processes), *done (steps or epochs), the network's PARAMS, MOMENTUM and STATE arenas and,
 * when alpha is not NULL, alpha with Adam's state, from process 0 to every other; nothing otherwise. */
clnas_status clnas_share_state(const clnas_grad_shares *sh, const clnas_darts_net *net, clnas_alpha *alpha,
                               long *done, clnas_error *err);

#endif
