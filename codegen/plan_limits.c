/* clnas — checking a plan's kernels against the device profile it was lowered for. */
#include "plan_limits.h"

/* A launch of kernel k, for the message. */
static const char *launch_of(const clnas_plan *plan, int k)
{
    for (int i = 0; i < plan->ntrain; i++)
        if (plan->train[i].kernel == k)
            return plan->train[i].label;
    for (int i = 0; i < plan->neval; i++)
        if (plan->eval[i].kernel == k)
            return plan->eval[i].label;
    return "no launch";
}

clnas_status clnas_plan_check_limits(const clnas_plan *plan, clnas_error *err)
{
    const clnas_device_profile *p = &plan->profile;
    const int fp64 = plan->config.fp64 ? 1 : 0;
    for (int k = 0; k < plan->nkernels; k++) {
        const clnas_kernel_desc *d = &plan->kernels[k].desc;
        size_t items = 1;
        for (int i = 0; i < d->dims; i++) {
            items *= d->local[i];
            if (d->local[i] == 0 || d->global[i] % d->local[i])
                return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "internal: kernel %s (%s): global size %zu is "
                                       "not a multiple of local size %zu", d->entry, launch_of(plan, k),
                                       d->global[i], d->local[i]);
        }
        if (p->max_work_group_size && items > p->max_work_group_size)
            return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "kernel %s (%s) of the %s family takes work-groups of "
                                   "%zu, the device %s allows %zu", d->entry, launch_of(plan, k),
                                   clnas_family_name(p->family), items, p->name, p->max_work_group_size);
        if (p->local_mem_bytes && d->local_bytes[fp64] > p->local_mem_bytes)
            return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "kernel %s (%s) of the %s family needs %zu bytes of "
                                   "local memory, the device %s has %llu", d->entry, launch_of(plan, k),
                                   clnas_family_name(p->family), d->local_bytes[fp64], p->name, p->local_mem_bytes);
    }
    return CLNAS_OK;
}
