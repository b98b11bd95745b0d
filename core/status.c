/* clnas — status names and the error context. */
#include "clnas/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *clnas_status_to_string(clnas_status status)
{
    switch (status) {
    case CLNAS_OK: return "ok";
    case CLNAS_ERR_INVALID_ARG: return "invalid argument";
    case CLNAS_ERR_PARSE: return "parse error";
    case CLNAS_ERR_IO: return "I/O error";
    case CLNAS_ERR_FORMAT: return "bad file format";
    case CLNAS_ERR_NO_MEMORY: return "out of host memory";
    case CLNAS_ERR_OPENCL: return "OpenCL error";
    case CLNAS_ERR_BUILD: return "OpenCL program build failed";
    case CLNAS_ERR_CLBLAST: return "CLBlast error";
    case CLNAS_ERR_NO_DEVICE: return "no OpenCL device";
    case CLNAS_ERR_UNSUPPORTED: return "unsupported";
    case CLNAS_ERR_NOT_FOUND: return "not found";
    case CLNAS_ERR_DIVERGED: return "training diverged";
    case CLNAS_ERR_MISMATCH: return "mismatch";
    }
    return "unknown status";
}

clnas_status clnas_error_set(clnas_error *err, clnas_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

clnas_status clnas_error_prefix(clnas_error *err, const char *fmt, ...)
{
    if (!err)
        return CLNAS_OK;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[sizeof err->message];
    memcpy(old, err->message, sizeof old);
    snprintf(err->message, sizeof err->message, "%.500s: %.1500s", prefix, old);
    return err->status;
}

void clnas_error_clear(clnas_error *err)
{
    if (err) {
        err->status = CLNAS_OK;
        err->message[0] = '\0';
    }
}
