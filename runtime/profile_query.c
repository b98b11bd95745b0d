/* clnas — device profiles from OpenCL queries, the forced family, and compiling for an open device. */
#include "profile_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_check.h"
#include "device_memory.h"
#include "executor.h"

/* Vendor queries of the SIMD width (cl_nv_device_attribute_query, cl_amd_device_attribute_query,
 * cl_intel_required_subgroup_size); a device that does not know one fails the query and it is skipped. */
#define DEVICE_WARP_SIZE_NV 0x4003
#define DEVICE_WAVEFRONT_WIDTH_AMD 0x4043
#define DEVICE_SUB_GROUP_SIZES_INTEL 0x4108

clnas_status clnas_family_for(const char *device_type, clnas_family *out, clnas_error *err)
{
    const char *env = getenv("CLNAS_FAMILY");
    if (env && *env)
        return clnas_family_parse(env, "CLNAS_FAMILY", out, err);
    *out = device_type && strcmp(device_type, "GPU") == 0 ? CLNAS_FAMILY_GPU : CLNAS_FAMILY_CPU;
    return CLNAS_OK;
}

static unsigned sub_group_size(cl_device_id id)
{
    cl_uint width = 0;
    if (clGetDeviceInfo(id, DEVICE_WARP_SIZE_NV, sizeof width, &width, NULL) == CL_SUCCESS && width)
        return width;
    if (clGetDeviceInfo(id, DEVICE_WAVEFRONT_WIDTH_AMD, sizeof width, &width, NULL) == CL_SUCCESS && width)
        return width;
    size_t sizes[8] = {0}, bytes = 0, best = 0;
    if (clGetDeviceInfo(id, DEVICE_SUB_GROUP_SIZES_INTEL, sizeof sizes, sizes, &bytes) == CL_SUCCESS)
        for (size_t i = 0; i < bytes / sizeof sizes[0] && i < 8; i++)
            best = sizes[i] > best ? sizes[i] : best; /* the widest SIMD mode the device offers */
    return (unsigned)best;
}

clnas_status clnas_device_profile_query(const clnas_device *dev, clnas_device_profile *p, clnas_error *err)
{
    const clnas_device_info *info = &dev->info;
    memset(p, 0, sizeof *p);
    snprintf(p->source, sizeof p->source, "device");
    snprintf(p->type, sizeof p->type, "%s", info->type);
    snprintf(p->name, sizeof p->name, "%s", info->name);
    snprintf(p->vendor, sizeof p->vendor, "%s", info->vendor);
    snprintf(p->driver, sizeof p->driver, "%s", info->driver_version);
    snprintf(p->opencl_c_version, sizeof p->opencl_c_version, "%s", info->opencl_c_version);
    p->compute_units = info->compute_units;
    p->max_work_group_size = info->max_work_group_size;
    p->global_mem_bytes = info->global_mem_bytes;
    cl_ulong local = 0;
    cl_uint preferred = 0, native = 0;
    CLNAS_CL_CALL(err, clGetDeviceInfo(dev->id, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local, &local, NULL));
    CLNAS_CL_CALL(err, clGetDeviceInfo(dev->id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, sizeof preferred, &preferred,
                                       NULL));
    CLNAS_CL_CALL(err, clGetDeviceInfo(dev->id, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof native, &native, NULL));
    p->local_mem_bytes = local;
    p->vector_width_preferred = preferred;
    p->vector_width_native = native;
    p->sub_group_size = sub_group_size(dev->id);
    return clnas_family_for(info->type, &p->family, err);
}

static clnas_status profile_of(const clnas_device *dev, clnas_device_profile *p, clnas_error *err)
{
    if (dev)
        return clnas_device_profile_query(dev, p, err);
    clnas_family family;
    clnas_status st = clnas_family_for("CPU", &family, err);
    if (st == CLNAS_OK)
        clnas_device_profile_default(family, p);
    return st;
}

static int fits_device(const clnas_plan *plan, void *dev)
{
    double total, largest;
    clnas_plan_device_bytes(plan, &total, &largest);
    return clnas_device_memory_fits(&((const clnas_device *)dev)->info, total, largest);
}

clnas_status clnas_plan_compile_on(const clnas_device *dev, const clnas_net_config *cfg, clnas_plan **out,
                                   clnas_error *err)
{
    *out = NULL;
    clnas_device_profile p;
    clnas_status st = profile_of(dev, &p, err);
    if (st != CLNAS_OK)
        return st;
    /* CLNAS_RECOMPUTE_AUTO: the plan that fits the device by the executor's admission rule with the fewest
     * convolution outputs recomputed (where none fits, the one that recomputes all, which the executor refuses) */
    return dev ? clnas_plan_compile_fitting(cfg, &p, fits_device, (void *)dev, out, err)
               : clnas_plan_compile_for(cfg, &p, out, err);
}

clnas_status clnas_plan_compile_descs_on(const clnas_device *dev, const clnas_net_config *cfg, clnas_plan **out,
                                         clnas_error *err)
{
    *out = NULL;
    clnas_device_profile p;
    clnas_status st = profile_of(dev, &p, err);
    return st == CLNAS_OK ? clnas_plan_compile_descs_for(cfg, &p, out, err) : st;
}
