/* clnas — memory admission: one rule for whether a network's buffers fit a device. */
#include "device_memory.h"

#define MIB 1048576.0

int clnas_device_memory_fits(const clnas_device_info *info, double total_bytes, double largest_bytes)
{
    return total_bytes <= CLNAS_DEVICE_MEMORY_SHARE * (double)info->global_mem_bytes &&
           largest_bytes <= (double)info->max_alloc_bytes;
}

clnas_status clnas_device_memory_admit(const clnas_device_info *info, const char *what, double total_bytes,
                                       double largest_bytes, const char *advice, clnas_error *err)
{
    if (clnas_device_memory_fits(info, total_bytes, largest_bytes))
        return CLNAS_OK;
    return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "%s needs %.1f MiB of device memory (largest buffer %.1f MiB) "
                           "but %s has %.0f MiB (%.0f MiB usable) and allows %.0f MiB in one buffer: %s", what,
                           total_bytes / MIB, largest_bytes / MIB, info->name, (double)info->global_mem_bytes / MIB,
                           CLNAS_DEVICE_MEMORY_SHARE * (double)info->global_mem_bytes / MIB,
                           (double)info->max_alloc_bytes / MIB, advice);
}
