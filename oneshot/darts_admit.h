/* clnas — admission of a differentiable search's network: does it fit the device? Refused with the figures and
 * what to shrink. */
#ifndef CLNAS_DARTS_ADMIT_H
#define CLNAS_DARTS_ADMIT_H

#include "clnas/device.h"
#include "clnas/network.h"
#include "clnas/status.h"

/* The memory line of the network (DARTS: the search network's arenas; GDAS: the supernet's weights and its largest
 * path's activations) goes to line(text, user); an error when it does not fit dev. */
clnas_status clnas_darts_admit(const clnas_net_config *net, const clnas_device *dev,
                               void (*line)(const char *text, void *user), void *user, clnas_error *err);

#endif
