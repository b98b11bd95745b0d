/* clnas — the checkpoint of a differentiable search: the network's weights, momenta and running statistics (the
 * DARTS search network's arenas, or the GDAS supernet's), alpha with Adam's moments, and the epochs done, in one
 * atomic safetensors file. */
#ifndef CLNAS_DARTS_CHECKPOINT_H
#define CLNAS_DARTS_CHECKPOINT_H

#include "alpha.h"
#include "clnas/model.h"
#include "supernet.h"

/* The network a checkpoint holds: model (DARTS) or sn (GDAS); method names it in errors. */
typedef struct clnas_darts_net {
    clnas_model *model;
    clnas_supernet *sn;
    const char *method;
} clnas_darts_net;

clnas_status clnas_darts_checkpoint_save(const char *path, const clnas_darts_net *net, const clnas_alpha *alpha,
                                         int epochs, clnas_error *err);
/* Restores the network's arenas and alpha; *epochs is the count saved. Errors name the file. */
clnas_status clnas_darts_checkpoint_load(const char *path, const clnas_darts_net *net, clnas_alpha *alpha,
                                         int *epochs, clnas_error *err);

#endif
