/* clnas — which device a worker uses: its node-local index modulo a list of selectors, or modulo the node's GPUs. */
#include "scale.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/device.h"

clnas_status clnas_scale_device_pick(const char *list, int local, char *out, size_t cap, clnas_error *err)
{
    out[0] = '\0';
    if (local < 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "node-local index %d: expected 0 or more", local);
    if (list && *list) {
        int n = 1;
        for (const char *p = list; *p; p++)
            n += *p == ',';
        const char *start = list;
        for (int k = local % n; k > 0; k--)
            start = strchr(start, ',') + 1;
        const char *end = strchr(start, ',');
        const size_t len = end ? (size_t)(end - start) : strlen(start);
        if (len == 0)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "device list \"%s\": element %d is empty (expected "
                                   "comma-separated device indices or name substrings, e.g. 0,2,3)", list, local % n);
        if (len >= cap)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "device list \"%s\": element %d is longer than %zu "
                                   "bytes", list, local % n, cap - 1);
        memcpy(out, start, len);
        out[len] = '\0';
        return CLNAS_OK;
    }
    clnas_device_info *devices = NULL;
    int count = 0;
    clnas_status st = clnas_device_list(&devices, &count, err);
    if (st != CLNAS_OK)
        return st;
    int gpus = 0;
    for (int i = 0; i < count; i++)
        gpus += strcmp(devices[i].type, "GPU") == 0;
    for (int i = 0, g = 0; i < count && gpus > 0; i++) {
        if (strcmp(devices[i].type, "GPU") == 0 && g++ == local % gpus) {
            snprintf(out, cap, "%d", devices[i].index);
            break;
        }
    }
    free(devices);
    return CLNAS_OK;
}
