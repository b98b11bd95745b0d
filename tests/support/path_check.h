/* clnas tests — a supernet path against the stand-alone network of its genotype: what the SPOS tests of every
 * space check. */
#ifndef CLNAS_PATH_CHECK_H
#define CLNAS_PATH_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/model.h"

/* Fails the test unless a and b (the reference) agree to 1e-5 of max(max |b|, 0.01), naming what. */
void path_check_close(const double *a, const double *b, size_t n, const char *what);

/* Float32 models only (the batch is float images). Copies the path's weights, running statistics and momenta into
 * alone (the stand-alone network of the path's genotype), fills the supernet's gradient arena (param_elems values:
 * the stale gradients of other paths) with ones, then runs forward, backward and one update (lr 0.05) of both on
 * the batch and fails the test unless loss, logits, every live gradient and every parameter after the update agree
 * to 1e-5 of their scale. With clip > 0
 * both clip the gradients at that global norm: the unclipped norm must exceed 2 clip and the clipped one be clip. */
void path_check_against_standalone(clnas_model *path, clnas_model *alone, size_t param_elems, const float *images,
                                   const int32_t *labels, int batch, double clip);

#endif
