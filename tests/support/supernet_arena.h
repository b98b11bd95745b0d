/* clnas tests — a supernet's weight arena copied to the host. */
#ifndef CLNAS_TEST_SUPERNET_ARENA_H
#define CLNAS_TEST_SUPERNET_ARENA_H

#include <stddef.h>

#include "supernet.h"

/* The whole arena a (STATE: state_elems values, else param_elems) in double, malloc'ed; *n gets its length. Fails
 * the running test when it cannot be read. */
double *supernet_arena_copy(clnas_supernet *sn, clnas_arena a, size_t *n);

#endif
