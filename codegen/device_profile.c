/* clnas — device profiles: the defaults without a device, family names, and work-group sizes within the limits. */
#include "device_profile.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void clnas_device_profile_default_cpu(clnas_device_profile *p)
{
    memset(p, 0, sizeof *p);
    p->family = CLNAS_FAMILY_CPU;
    snprintf(p->source, sizeof p->source, "default");
    snprintf(p->type, sizeof p->type, "CPU");
    snprintf(p->name, sizeof p->name, "generic CPU (PoCL)");
    snprintf(p->opencl_c_version, sizeof p->opencl_c_version, "OpenCL C 1.2");
    p->compute_units = 1;
    p->max_work_group_size = 4096;
    p->local_mem_bytes = 256 * 1024;
    p->global_mem_bytes = 0;
    p->vector_width_preferred = p->vector_width_native = 8;
}

void clnas_device_profile_default_gpu(clnas_device_profile *p)
{
    memset(p, 0, sizeof *p);
    p->family = CLNAS_FAMILY_GPU;
    snprintf(p->source, sizeof p->source, "default");
    snprintf(p->type, sizeof p->type, "GPU");
    snprintf(p->name, sizeof p->name, "generic GPU");
    snprintf(p->opencl_c_version, sizeof p->opencl_c_version, "OpenCL C 1.2");
    p->compute_units = 16;
    p->max_work_group_size = 256;
    p->local_mem_bytes = 32 * 1024;
    p->vector_width_preferred = p->vector_width_native = 1;
    p->sub_group_size = 32;
}

void clnas_device_profile_default(clnas_family family, clnas_device_profile *p)
{
    if (family == CLNAS_FAMILY_GPU)
        clnas_device_profile_default_gpu(p);
    else
        clnas_device_profile_default_cpu(p);
}

const char *clnas_family_name(clnas_family family)
{
    return family == CLNAS_FAMILY_GPU ? "gpu" : family == CLNAS_FAMILY_CPU ? "cpu" : "?";
}

clnas_status clnas_family_parse(const char *text, const char *what, clnas_family *out, clnas_error *err)
{
    for (int f = 0; f < CLNAS_FAMILY_COUNT; f++)
        if (text && strcasecmp(text, clnas_family_name((clnas_family)f)) == 0) {
            *out = (clnas_family)f;
            return CLNAS_OK;
        }
    return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: expected 'cpu' or 'gpu', got '%s'", what,
                           text ? text : "(null)");
}

int clnas_device_profile_gpu(const clnas_device_profile *p)
{
    return p && p->family == CLNAS_FAMILY_GPU;
}

size_t clnas_device_profile_local(const clnas_device_profile *p, size_t want)
{
    size_t limit = p->max_work_group_size ? p->max_work_group_size : 1, local = 1;
    while (local * 2 <= want && local * 2 <= limit)
        local *= 2;
    return local;
}

int clnas_device_profile_split(const clnas_device_profile *p, long groups, long items, long shortest, long most,
                               int per_unit)
{
    const long want = (long)per_unit * (p && p->compute_units ? p->compute_units : 1);
    long split = (want + groups - 1) / groups;
    if (split > items / shortest)
        split = items / shortest;
    if (split > most)
        split = most;
    if (split < 2)
        return 1;
    const long range = (items + split - 1) / split;
    return (int)((items + range - 1) / range);
}
