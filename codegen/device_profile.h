/* clnas — the device profile code generation lowers for: a plain struct of the device's facts (filled by the
 * runtime from OpenCL, or a default for compiling without a device) and the kernel family it selects. */
#ifndef CLNAS_DEVICE_PROFILE_H
#define CLNAS_DEVICE_PROFILE_H

#include <stddef.h>

#include "clnas/status.h"

/* Which set of kernel variants the lowering picks: today's kernels shaped for PoCL on a CPU, or work-group tiled
 * kernels for GPUs (local-memory tiles, coalesced loads, tree reductions). */
typedef enum clnas_family { CLNAS_FAMILY_CPU = 0, CLNAS_FAMILY_GPU, CLNAS_FAMILY_COUNT } clnas_family;

typedef struct clnas_device_profile {
    clnas_family family;            /* the device's type, unless forced (--family, CLNAS_FAMILY) */
    char source[16];                /* "device": queried from OpenCL; "default": assumed without a device */
    char type[16];                  /* "GPU", "CPU", "ACCELERATOR" or "OTHER" */
    char name[128];
    char vendor[128];
    char driver[128];
    char opencl_c_version[64];
    unsigned compute_units;
    size_t max_work_group_size;
    unsigned long long local_mem_bytes;
    unsigned long long global_mem_bytes;
    unsigned vector_width_preferred; /* float lanes the compiler prefers (CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT) */
    unsigned vector_width_native;    /* float lanes of the hardware (CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT) */
    unsigned sub_group_size;         /* warp / wavefront / SIMD width where the device reports it, else 0 */
} clnas_device_profile;

/* The profile codegen assumed before it had one: PoCL on a CPU (the CPU family). */
void clnas_device_profile_default_cpu(clnas_device_profile *p);
/* A generic GPU for compiling without a device: 256 work-items, 32 KiB local memory, sub-groups of 32. */
void clnas_device_profile_default_gpu(clnas_device_profile *p);
/* The default profile of a family. */
void clnas_device_profile_default(clnas_family family, clnas_device_profile *p);

/* "cpu" or "gpu". */
const char *clnas_family_name(clnas_family family);
/* Parses "cpu" or "gpu" (case-insensitive); `what` names the option or variable in the error. */
clnas_status clnas_family_parse(const char *text, const char *what, clnas_family *out, clnas_error *err);

/* 1 when kernels for p are the GPU family's (NULL, the default profile, is the CPU's). */
int clnas_device_profile_gpu(const clnas_device_profile *p);
/* The largest power of two <= want that the profile's work-group limit allows (at least 1). */
size_t clnas_device_profile_local(const clnas_device_profile *p, size_t want);
/* How many ranges to split a reduction over `items` into, a work-group each, when the launch has `groups` work-groups
 * without a split: enough for `per_unit` work-groups per compute unit of p, each range at least `shortest` items, at
 * most `most` ranges, as many as ranges of that length make (none empty); 1 where no split of two or more fits. */
int clnas_device_profile_split(const clnas_device_profile *p, long groups, long items, long shortest, long most,
                               int per_unit);

#endif
