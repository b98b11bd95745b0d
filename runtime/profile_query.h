/* clnas — the device profile of an open device, as code generation sees it (codegen/device_profile.h), with the
 * kernel family forced by CLNAS_FAMILY; and compiling a network for that device. */
#ifndef CLNAS_PROFILE_QUERY_H
#define CLNAS_PROFILE_QUERY_H

#include "clnas/device.h"
#include "clnas/network.h"
#include "device_profile.h"
#include "plan.h"

/* The family CLNAS_FAMILY forces ("cpu" or "gpu"; an error naming the variable otherwise), or, when it is unset or
 * empty, the one the device type implies: gpu for a GPU, cpu for anything else. */
clnas_status clnas_family_for(const char *device_type, clnas_family *out, clnas_error *err);

/* Fills p from the device's OpenCL facts (type, compute units, work-group and local-memory limits, vector widths,
 * the sub-group width where the vendor reports it, memory, OpenCL C version, vendor, driver) and its family
 * (clnas_family_for). */
clnas_status clnas_device_profile_query(const clnas_device *dev, clnas_device_profile *p, clnas_error *err);

/* clnas_plan_compile_for with the profile of dev (NULL dev: the default CPU profile, unless CLNAS_FAMILY forces the
 * GPU family: then the default GPU profile). With cfg->recompute CLNAS_RECOMPUTE_AUTO the plan recomputes the
 * fewest convolution outputs, cheapest first, that make it fit dev's memory (clnas_device_memory_fits) and
 * cfg->memory_budget (clnas_plan_compile_fitting; without a device, the budget alone); plan->recompute says which. */
clnas_status clnas_plan_compile_on(const clnas_device *dev, const clnas_net_config *cfg, clnas_plan **out,
                                   clnas_error *err);
/* The same without kernel sources (clnas_plan_compile_descs_for). */
clnas_status clnas_plan_compile_descs_on(const clnas_device *dev, const clnas_net_config *cfg, clnas_plan **out,
                                         clnas_error *err);

#endif
