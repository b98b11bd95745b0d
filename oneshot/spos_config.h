/* clnas — the "strategy" section of a SPOS config: the one-shot settings and the regularized evolution that
 * searches the trained supernet. */
#ifndef CLNAS_SPOS_CONFIG_H
#define CLNAS_SPOS_CONFIG_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "chain_paths.h"
#include "clnas/status.h"
#include "space_iface.h"

typedef struct clnas_spos_config {
    int bn_batches;       /* "bn_batches": training batches of BatchNorm recalibration per path (default 20) */
    int max_paths;        /* "max_paths": compiled paths kept (least recently used out; default 32) */
    int checkpoint_every; /* "checkpoint_every": training steps between checkpoints (default 50) */
    int top_k;            /* "top_k": architectures listed for retraining (default 5) */
    int warm_up;          /* "warm_up": build every program a path can need before training (default false) */
    int sample_classes;   /* "sampling": "cells" (0, default: one op per edge, uniform over the encodings) or
                           * "classes" (1: uniform over the canonical classes, clnas_spos_classes) */
    double grad_clip;     /* "grad_clip": each training step clips the path's gradients at this global L2 norm
                           * before the update (0, default: off; DARTS' recipe clips at 5) */
    /* "skeleton", space chain only: the chain genotype whose layers, strides and skips the supernet keeps, each
     * layer holding the ops that keep its output's shape (chain_paths.h; default CLNAS_CHAIN_SKELETON_DEFAULT,
     * chain_skeleton.h); paths is the space of its paths REA searches (owned: clnas_spos_config_free) */
    clnas_chain_genotype skeleton;
    clnas_chain_paths *paths;
} clnas_spos_config;

/* Checks strategy (name "spos"; keys bn_batches, max_paths, checkpoint_every, top_k, warm_up, sampling, grad_clip,
 * skeleton (chain only) and REA's population, sample_size, cycles) and creates the REA strategy state from the last
 * three. Errors name "strategy.<key>"; resolved gets every key with its value. */
clnas_status clnas_spos_config_parse(const cJSON *strategy, uint64_t seed, cJSON *resolved, clnas_spos_config *out,
                                     void **rea_state, clnas_error *err);
/* The same with REA over `space` (nb201 or darts; NULL: nb201; chain: over the paths of strategy.skeleton). */
clnas_status clnas_spos_config_parse_space(const cJSON *strategy, uint64_t seed, const clnas_space_iface *space,
                                           cJSON *resolved, clnas_spos_config *out, void **rea_state,
                                           clnas_error *err);

/* Frees what parse made (the chain space's paths); out may be zeroed or parsed. */
void clnas_spos_config_free(clnas_spos_config *c);

#endif
