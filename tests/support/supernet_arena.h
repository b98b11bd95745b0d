/* clnas tests — a supernet's weight arena copied to the host. */
#ifndef CLNAS_TEST_SUPERNET_ARENA_H
#define CLNAS_TEST_SUPERNET_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "device_fixture.h"
#include "supernet.h"

/* The whole arena a (STATE: state_elems values, else param_elems) in double, malloc'ed; *n gets its length. Fails
 * the running test when it cannot be read. */
double *supernet_arena_copy(clnas_supernet *sn, clnas_arena a, size_t *n);

/* The GDAS supernets test_gdas and test_gdas_path train: one cell of 2 channels (3 in float64), batch images of
 * hw x hw. */
clnas_net_config supernet_gdas_config(int fp64, int batch, int hw);
/* A supernet of cfg over all five ops with room for max_paths, its weights from seed; fails the running test when it
 * cannot be built. */
clnas_supernet *supernet_new_ok(device_fixture *fx, const clnas_net_config *cfg, int max_paths, uint64_t seed);

#endif
