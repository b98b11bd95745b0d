/* clnas tests — a supernet layout's shape: what the supernet tests of every space check first. */
#ifndef CLNAS_LAYOUT_CHECK_H
#define CLNAS_LAYOUT_CHECK_H

#include "clnas/network.h"
#include "supernet_layout.h"

/* The layout of net (clnas_supernet_layout_build over every op); fails the test when it cannot be built, when its
 * parameters are not grouped module by module, or when a name repeats. *modules gets the number of modules past
 * module 0 (the shared one). Free with clnas_supernet_layout_free. */
clnas_supernet_layout layout_check_build(const clnas_net_config *net, int *modules);

#endif
