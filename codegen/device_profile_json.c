/* clnas — a device profile as a JSON object (plan.json's "device": what the plan was lowered for). */
#include "device_profile_json.h"

cJSON *clnas_device_profile_json(const clnas_device_profile *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    int ok = cJSON_AddStringToObject(o, "family", clnas_family_name(p->family)) != NULL;
    ok = ok && cJSON_AddStringToObject(o, "source", p->source) && cJSON_AddStringToObject(o, "type", p->type);
    ok = ok && cJSON_AddStringToObject(o, "name", p->name) && cJSON_AddStringToObject(o, "vendor", p->vendor);
    ok = ok && cJSON_AddStringToObject(o, "driver", p->driver);
    ok = ok && cJSON_AddStringToObject(o, "opencl_c_version", p->opencl_c_version);
    ok = ok && cJSON_AddNumberToObject(o, "compute_units", p->compute_units);
    ok = ok && cJSON_AddNumberToObject(o, "max_work_group_size", (double)p->max_work_group_size);
    ok = ok && cJSON_AddNumberToObject(o, "local_mem_bytes", (double)p->local_mem_bytes);
    ok = ok && cJSON_AddNumberToObject(o, "global_mem_bytes", (double)p->global_mem_bytes);
    ok = ok && cJSON_AddNumberToObject(o, "vector_width_preferred", p->vector_width_preferred);
    ok = ok && cJSON_AddNumberToObject(o, "vector_width_native", p->vector_width_native);
    ok = ok && cJSON_AddNumberToObject(o, "sub_group_size", p->sub_group_size);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
