/* clnas — memory admission: whether a network's device buffers fit a device, one rule for every network (a trained
 * or evaluated model, the DARTS search network, the GDAS and SPOS supernets). */
#ifndef CLNAS_DEVICE_MEMORY_H
#define CLNAS_DEVICE_MEMORY_H

#include "clnas/device.h"

/* The share of a device's global memory a network may use: the driver, its program binaries and other programs on
 * the device need the rest (a network that asks for all of it fails in the middle of a run, or swaps). */
#define CLNAS_DEVICE_MEMORY_SHARE 0.9

/* Whether buffers of total_bytes in all, the largest of largest_bytes, fit: the total within
 * CLNAS_DEVICE_MEMORY_SHARE of the global memory, the largest within the largest allocation. */
int clnas_device_memory_fits(const clnas_device_info *info, double total_bytes, double largest_bytes);

/* clnas_device_memory_fits, else CLNAS_ERR_UNSUPPORTED: "<what> needs T MiB of device memory (largest buffer L MiB)
 * but <device> has G MiB (U MiB usable) and allows A MiB in one buffer: <advice>". */
clnas_status clnas_device_memory_admit(const clnas_device_info *info, const char *what, double total_bytes,
                                       double largest_bytes, const char *advice, clnas_error *err);

#endif
