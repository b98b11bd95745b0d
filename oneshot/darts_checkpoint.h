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

/* Elements of one arena (PARAMS, MOMENTUM, STATE) of the network, and the whole arena in double. */
size_t clnas_darts_net_arena_elems(const clnas_darts_net *net, clnas_arena a);
clnas_status clnas_darts_net_arena_read(const clnas_darts_net *net, clnas_arena a, double *out, clnas_error *err);
clnas_status clnas_darts_net_arena_write(const clnas_darts_net *net, clnas_arena a, const double *in,
                                         clnas_error *err);

clnas_status clnas_darts_checkpoint_save(const char *path, const clnas_darts_net *net, const clnas_alpha *alpha,
                                         int epochs, clnas_error *err);
/* Restores the network's arenas and alpha; *epochs is the count saved. Errors name the file. */
clnas_status clnas_darts_checkpoint_load(const char *path, const clnas_darts_net *net, clnas_alpha *alpha,
                                         int *epochs, clnas_error *err);

#endif
