/* clnas — status codes and the caller-owned error context every public function fills. */
#ifndef CLNAS_STATUS_H
#define CLNAS_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnas_status {
    CLNAS_OK = 0,
    CLNAS_ERR_INVALID_ARG,  /* a caller passed a value outside what the function accepts */
    CLNAS_ERR_PARSE,        /* text input (arch string, JSON, CLI value) is malformed */
    CLNAS_ERR_IO,           /* a file could not be opened, read or written */
    CLNAS_ERR_FORMAT,       /* a file was read but its content is not what was expected */
    CLNAS_ERR_NO_MEMORY,    /* host allocation failed */
    CLNAS_ERR_OPENCL,       /* an OpenCL call failed */
    CLNAS_ERR_BUILD,        /* an OpenCL program failed to build */
    CLNAS_ERR_CLBLAST,      /* a CLBlast call failed */
    CLNAS_ERR_NO_DEVICE,    /* no OpenCL platform or no device matches */
    CLNAS_ERR_UNSUPPORTED,  /* valid request the device or this version cannot do */
    CLNAS_ERR_NOT_FOUND,    /* a named thing (tensor, kernel, file) is absent */
    CLNAS_ERR_DIVERGED,     /* training produced a non-finite loss */
    CLNAS_ERR_MISMATCH      /* a check found a value that differs from its reference */
} clnas_status;

/* Error context: owned by the caller, filled by the library on failure. */
typedef struct clnas_error {
    clnas_status status;
    char message[2048];
} clnas_error;

const char *clnas_status_to_string(clnas_status status);

/* Records status and a printf-style message in err (which may be NULL); returns status.
 * Used inside the library; exposed so tools and tests format errors the same way. */
clnas_status clnas_error_set(clnas_error *err, clnas_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prefixes the message already in err with "context: " (for adding the file name, the field ...). */
clnas_status clnas_error_prefix(clnas_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

void clnas_error_clear(clnas_error *err);

#ifdef __cplusplus
}
#endif
#endif
