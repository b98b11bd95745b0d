/* clnas — OpenCL device discovery and selection: which devices exist, and opening one with a context and queue. */
#ifndef CLNAS_DEVICE_H
#define CLNAS_DEVICE_H

/* The OpenCL API level clnas is built against, unless the including program chose one. */
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stddef.h>

#include "clnas/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clnas_device_info {
    int index;                      /* global index over all platforms, in platform then device order */
    char platform[128];
    char name[128];
    char vendor[128];
    char type[16];                  /* "GPU", "CPU", "ACCELERATOR" or "OTHER" */
    char device_version[128];
    char driver_version[128];
    char opencl_c_version[64];      /* e.g. "OpenCL C 1.2 PoCL" */
    unsigned compute_units;
    unsigned long long global_mem_bytes;
    unsigned long long max_alloc_bytes;
    size_t max_work_group_size;
    int has_fp64;
    int is_default;                 /* the first GPU, else the first device */
} clnas_device_info;

/* Lists every device of every platform; the caller free()s *out. No platform or no device: CLNAS_ERR_NO_DEVICE. */
clnas_status clnas_device_list(clnas_device_info **out, int *count, clnas_error *err);

typedef struct clnas_device {
    clnas_device_info info;
    cl_platform_id platform;
    cl_device_id id;
    cl_context context;
    cl_command_queue queue;         /* in-order, profiling enabled */
    char build_options[64];         /* "-cl-std=CL3.0" or "-cl-std=CL1.2" (the highest the device offers), "" for 1.0/1.1;
                                     * then " -DCLNAS_PREFETCH=1" on PoCL's CPU device (kernels/common.cl) */
} clnas_device;

/* Opens a device. selector: NULL or "" means the environment variable CLNAS_DEVICE, and if that is unset or empty the
 * default device. An all-digit selector is a device index; anything else is a case-insensitive substring of
 * "<platform> <platform vendor> <name> <vendor>" (the first match wins). No match: CLNAS_ERR_NO_DEVICE listing the devices. */
clnas_status clnas_device_open(const char *selector, clnas_device **out, clnas_error *err);

/* Releases the queue and context and frees dev (NULL is fine). */
void clnas_device_free(clnas_device *dev);

/* A file-name-safe key for what is cached per device: "<device name, letters and digits>-<16 hex digits>", the
 * hash over platform, name, vendor, device and driver versions, and `extra` (may be NULL: e.g. a library
 * version that also decides what is valid). out needs at most 58 bytes. */
clnas_status clnas_device_key(const clnas_device_info *info, const char *extra, char *out, size_t cap,
                              clnas_error *err);

#ifdef __cplusplus
}
#endif
#endif
