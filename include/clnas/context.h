/* clnas — a context: the device a program runs on and the program cache its kernels come from. */
#ifndef CLNAS_CONTEXT_H
#define CLNAS_CONTEXT_H

#include "clnas/device.h"
#include "clnas/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clnas_context clnas_context;

typedef struct clnas_context_params {
    /* An index from clnas_device_list or a case-insensitive part of the platform, device or vendor name; NULL:
     * $CLNAS_DEVICE, else the best device found (the first GPU, else the first OpenCL device). */
    const char *device;
    /* Where compiled programs are kept; NULL: $CLNAS_CACHE_DIR, else $XDG_CACHE_HOME/clnas, else ~/.cache/clnas. */
    const char *cache_dir;
} clnas_context_params;

clnas_context_params clnas_context_default_params(void);

/* Opens the device and its program cache. */
clnas_status clnas_context_new(const clnas_context_params *params, clnas_context **out, clnas_error *err);
void clnas_context_free(clnas_context *ctx);

/* The device the context opened (name, vendor, memory: clnas_device_info). */
const clnas_device *clnas_context_device(const clnas_context *ctx);

#ifdef __cplusplus
}
#endif
#endif
