/* clnas — names and user hints for OpenCL error codes. */
#include "cl_check.h"

#include <string.h>

/* Numeric literals: codes after OpenCL 1.2 are not declared under CL_TARGET_OPENCL_VERSION=120. */
const char *clnas_cl_error_name(cl_int code)
{
    switch (code) {
    case 0: return "CL_SUCCESS";
    case -1: return "CL_DEVICE_NOT_FOUND";
    case -2: return "CL_DEVICE_NOT_AVAILABLE";
    case -3: return "CL_COMPILER_NOT_AVAILABLE";
    case -4: return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
    case -5: return "CL_OUT_OF_RESOURCES";
    case -6: return "CL_OUT_OF_HOST_MEMORY";
    case -7: return "CL_PROFILING_INFO_NOT_AVAILABLE";
    case -8: return "CL_MEM_COPY_OVERLAP";
    case -9: return "CL_IMAGE_FORMAT_MISMATCH";
    case -10: return "CL_IMAGE_FORMAT_NOT_SUPPORTED";
    case -11: return "CL_BUILD_PROGRAM_FAILURE";
    case -12: return "CL_MAP_FAILURE";
    case -13: return "CL_MISALIGNED_SUB_BUFFER_OFFSET";
    case -14: return "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST";
    case -15: return "CL_COMPILE_PROGRAM_FAILURE";
    case -16: return "CL_LINKER_NOT_AVAILABLE";
    case -17: return "CL_LINK_PROGRAM_FAILURE";
    case -18: return "CL_DEVICE_PARTITION_FAILED";
    case -19: return "CL_KERNEL_ARG_INFO_NOT_AVAILABLE";
    case -30: return "CL_INVALID_VALUE";
    case -31: return "CL_INVALID_DEVICE_TYPE";
    case -32: return "CL_INVALID_PLATFORM";
    case -33: return "CL_INVALID_DEVICE";
    case -34: return "CL_INVALID_CONTEXT";
    case -35: return "CL_INVALID_QUEUE_PROPERTIES";
    case -36: return "CL_INVALID_COMMAND_QUEUE";
    case -37: return "CL_INVALID_HOST_PTR";
    case -38: return "CL_INVALID_MEM_OBJECT";
    case -39: return "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR";
    case -40: return "CL_INVALID_IMAGE_SIZE";
    case -41: return "CL_INVALID_SAMPLER";
    case -42: return "CL_INVALID_BINARY";
    case -43: return "CL_INVALID_BUILD_OPTIONS";
    case -44: return "CL_INVALID_PROGRAM";
    case -45: return "CL_INVALID_PROGRAM_EXECUTABLE";
    case -46: return "CL_INVALID_KERNEL_NAME";
    case -47: return "CL_INVALID_KERNEL_DEFINITION";
    case -48: return "CL_INVALID_KERNEL";
    case -49: return "CL_INVALID_ARG_INDEX";
    case -50: return "CL_INVALID_ARG_VALUE";
    case -51: return "CL_INVALID_ARG_SIZE";
    case -52: return "CL_INVALID_KERNEL_ARGS";
    case -53: return "CL_INVALID_WORK_DIMENSION";
    case -54: return "CL_INVALID_WORK_GROUP_SIZE";
    case -55: return "CL_INVALID_WORK_ITEM_SIZE";
    case -56: return "CL_INVALID_GLOBAL_OFFSET";
    case -57: return "CL_INVALID_EVENT_WAIT_LIST";
    case -58: return "CL_INVALID_EVENT";
    case -59: return "CL_INVALID_OPERATION";
    case -60: return "CL_INVALID_GL_OBJECT";
    case -61: return "CL_INVALID_BUFFER_SIZE";
    case -62: return "CL_INVALID_MIP_LEVEL";
    case -63: return "CL_INVALID_GLOBAL_WORK_SIZE";
    case -64: return "CL_INVALID_PROPERTY";
    case -65: return "CL_INVALID_IMAGE_DESCRIPTOR";
    case -66: return "CL_INVALID_COMPILER_OPTIONS";
    case -67: return "CL_INVALID_LINKER_OPTIONS";
    case -68: return "CL_INVALID_DEVICE_PARTITION_COUNT";
    case -69: return "CL_INVALID_PIPE_SIZE";
    case -70: return "CL_INVALID_DEVICE_QUEUE";
    case -71: return "CL_INVALID_SPEC_ID";
    case -72: return "CL_MAX_SIZE_RESTRICTION_EXCEEDED";
    /* Extension codes a user may meet through the ICD loader or common drivers. */
    case -1000: return "CL_INVALID_GL_SHAREGROUP_REFERENCE_KHR";
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR";
    case -1057: return "CL_DEVICE_PARTITION_FAILED_EXT";
    case -1058: return "CL_INVALID_PARTITION_COUNT_EXT";
    case -1059: return "CL_INVALID_PARTITION_NAME_EXT";
    case -1092: return "CL_INVALID_ACCELERATOR_INTEL";
    case -1093: return "CL_INVALID_ACCELERATOR_TYPE_INTEL";
    case -1094: return "CL_INVALID_ACCELERATOR_DESCRIPTOR_INTEL";
    case -1095: return "CL_ACCELERATOR_TYPE_NOT_SUPPORTED_INTEL";
    case -1138: return "CL_INVALID_COMMAND_BUFFER_KHR";
    case -1139: return "CL_INVALID_SYNC_POINT_WAIT_LIST_KHR";
    case -1140: return "CL_INCOMPATIBLE_COMMAND_QUEUE_KHR";
    }
    return "CL_UNKNOWN_ERROR";
}

const char *clnas_cl_error_hint(cl_int code)
{
    switch (code) {
    case -1:    /* CL_DEVICE_NOT_FOUND */
    case -1001: /* CL_PLATFORM_NOT_FOUND_KHR */
        return "no usable OpenCL device: install an OpenCL driver (on Debian: apt-get install pocl-opencl-icd for the CPU, "
               "or your GPU vendor's OpenCL ICD)";
    case -2: return "the device is busy or switched off: close other programs using it or pick another device (CLNAS_DEVICE)";
    case -3:
    case -16: return "this OpenCL driver cannot compile kernels: use another device or driver";
    case -4:
    case -5:
    case -6:
    case -61:
        return "the device ran out of memory or resources: use a smaller batch or fewer channels";
    case -11:
    case -15:
    case -17:
        return "a kernel failed to build: read the build log and the saved source";
    case -43:
    case -66: return "the driver rejected the build options: check the -D defines and -cl-std flag";
    case -42: return "a cached program binary is unusable: delete the program cache directory (CLNAS_CACHE_DIR)";
    case -45: return "the program was not built for this device: build it before creating kernels";
    case -46: return "the program has no kernel of that name: check the entry point against the source";
    case -52: return "a kernel argument was not set: set every argument before each enqueue";
    case -54:
    case -55:
        return "the local size exceeds the device or kernel limit (CL_KERNEL_WORK_GROUP_SIZE) or does not divide the global "
               "size: choose a smaller local size that divides it";
    case -63: return "the global size is zero or too large for the device: check the launch shape";
    }
    return "";
}

/* Keeps the last two path components ("runtime/device.c") so messages stay short under any build tree. */
static const char *short_path(const char *file)
{
    const char *last = strrchr(file, '/');
    if (!last)
        return file;
    const char *p = last;
    while (p > file && p[-1] != '/')
        p--;
    return p;
}

clnas_status clnas_cl_error_set(cl_int code, const char *what, const char *file, int line, clnas_error *err)
{
    const char *hint = clnas_cl_error_hint(code);
    return clnas_error_set(err, CLNAS_ERR_OPENCL, "%s failed: %s (%d) at %s:%d%s%s", what, clnas_cl_error_name(code),
                           (int)code, short_path(file), line, hint[0] ? "; " : "", hint);
}
