/* clnas tests — a PyTorch reference case of the DARTS space (tests/data/darts/<name>/, made by make_darts_vectors.py). */
#ifndef CLNAS_REF_CASE_DARTS_H
#define CLNAS_REF_CASE_DARTS_H

#include "clnas/safetensors.h"
#include "ref_case.h"

/* Loads meta.json (config and hyper: genotype, C, layers, input, batch, aux, SGD, clipping) and
 * expected.safetensors of tests/data/darts/<name>; rc->dir is that folder. Returns 0 on success. */
int ref_case_darts_load(ref_case *rc, const char *name, int fp64);

/* The case's weights.safetensors (the initial state_dict); 0 on success. */
int ref_case_darts_weights(const ref_case *rc, clnas_safetensors *out);

#endif
