/* clnas — checking OpenCL calls: error names, hints, and the macros that turn a failed call into a clnas_error. */
#ifndef CLNAS_CL_CHECK_H
#define CLNAS_CL_CHECK_H

#include <CL/cl.h>

#include "clnas/status.h"

/* "CL_INVALID_WORK_GROUP_SIZE" for -54; every code of OpenCL 1.2 to 3.0 and the common extension codes;
 * "CL_UNKNOWN_ERROR" for anything else. Static strings. */
const char *clnas_cl_error_name(cl_int code);

/* A short "what to do" for the common failures, else "". Static strings. */
const char *clnas_cl_error_hint(cl_int code);

/* Fills err with "<what> failed: CL_XXX (<code>) at <file>:<line>; <hint>" and returns CLNAS_ERR_OPENCL.
 * For call sites that must clean up before returning; otherwise use the macros below. */
clnas_status clnas_cl_error_set(cl_int code, const char *what, const char *file, int line, clnas_error *err);

/* Evaluates call (a cl_int expression); on failure fills err and returns CLNAS_ERR_OPENCL from the enclosing function. */
#define CLNAS_CL_CALL(err, call)                                                                   \
    do {                                                                                           \
        cl_int clnas_cl_rc_ = (call);                                                              \
        if (clnas_cl_rc_ != CL_SUCCESS)                                                            \
            return clnas_cl_error_set(clnas_cl_rc_, #call, __FILE__, __LINE__, (err));             \
    } while (0)

/* For calls that return an object and report through an errcode out-parameter:
 *     cl_mem buf = clCreateBuffer(ctx, flags, size, NULL, &rc);
 *     CLNAS_CL_CHECK(err, rc, "clCreateBuffer(activations)"); */
#define CLNAS_CL_CHECK(err, code, what)                                                            \
    do {                                                                                           \
        cl_int clnas_cl_rc_ = (code);                                                              \
        if (clnas_cl_rc_ != CL_SUCCESS)                                                            \
            return clnas_cl_error_set(clnas_cl_rc_, (what), __FILE__, __LINE__, (err));            \
    } while (0)

#endif
