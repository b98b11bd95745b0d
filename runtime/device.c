/* clnas — OpenCL device discovery and selection. */
#include "clnas/device.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cl_check.h"
#include "file_io.h"
#include "hash.h"

#define NO_PLATFORM_MESSAGE                                                                          \
    "no OpenCL platform found: install an OpenCL driver (on Debian: apt-get install pocl-opencl-icd " \
    "for the CPU, or your GPU vendor's OpenCL ICD)"

/* Declared here because CL_TARGET_OPENCL_VERSION=120 hides the OpenCL 3.0 query and its result type. */
#define DEVICE_OPENCL_C_ALL_VERSIONS 0x1066
typedef struct name_version {
    cl_uint version;                /* major in the top 10 bits */
    char name[64];
} name_version;

typedef struct device_entry {
    clnas_device_info info;
    cl_platform_id platform;
    cl_device_id id;
    char platform_vendor[128];      /* matched by selectors too: "pocl" finds PoCL through "The pocl project" */
    char build_options[64];
} device_entry;

static void copy_trimmed(char *dst, size_t cap, const char *src)
{
    while (*src == ' ')
        src++;
    snprintf(dst, cap, "%s", src);
    size_t n = strlen(dst);
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\n'))
        dst[--n] = '\0';
}

/* Strings may be longer than our fields: ask the size first, then truncate. Asks the device, or the platform when
 * device is NULL. */
static cl_int info_string(cl_platform_id platform, cl_device_id device, cl_uint param, char *dst, size_t cap)
{
    size_t size = 0;
    dst[0] = '\0';
    cl_int rc = device ? clGetDeviceInfo(device, param, 0, NULL, &size)
                       : clGetPlatformInfo(platform, param, 0, NULL, &size);
    if (rc != CL_SUCCESS)
        return rc;
    char *buf = calloc(size + 1, 1);
    if (!buf)
        return CL_OUT_OF_HOST_MEMORY;
    rc = device ? clGetDeviceInfo(device, param, size, buf, NULL) : clGetPlatformInfo(platform, param, size, buf, NULL);
    if (rc == CL_SUCCESS)
        copy_trimmed(dst, cap, buf);
    free(buf);
    return rc;
}

static cl_int platform_string(cl_platform_id platform, cl_platform_info param, char *dst, size_t cap)
{
    return info_string(platform, NULL, param, dst, cap);
}

static cl_int device_string(cl_device_id device, cl_device_info param, char *dst, size_t cap)
{
    return info_string(NULL, device, param, dst, cap);
}

static const char *type_name(cl_device_type type)
{
    if (type & CL_DEVICE_TYPE_GPU)
        return "GPU";
    if (type & CL_DEVICE_TYPE_CPU)
        return "CPU";
    if (type & CL_DEVICE_TYPE_ACCELERATOR)
        return "ACCELERATOR";
    return "OTHER";
}

/* True when an OpenCL 3.0 device lists OpenCL C 3.0 among its supported versions
 * (CL_DEVICE_OPENCL_C_VERSION only reports the highest backwards-compatible one, e.g. 1.2 on PoCL). */
static int offers_opencl_c_3(cl_device_id device, const char *device_version)
{
    int major = 0, minor = 0;
    if (sscanf(device_version, "OpenCL %d.%d", &major, &minor) != 2 || major < 3)
        return 0;
    size_t size = 0;
    if (clGetDeviceInfo(device, DEVICE_OPENCL_C_ALL_VERSIONS, 0, NULL, &size) != CL_SUCCESS || size < sizeof(name_version))
        return 0;
    name_version *versions = malloc(size);
    if (!versions)
        return 0;
    int found = 0;
    if (clGetDeviceInfo(device, DEVICE_OPENCL_C_ALL_VERSIONS, size, versions, NULL) == CL_SUCCESS) {
        for (size_t i = 0; i < size / sizeof(name_version); i++)
            if ((versions[i].version >> 22) == 3)
                found = 1;
    }
    free(versions);
    return found;
}

/* Never CL2.0: PoCL offers OpenCL C 1.2 and 3.0 but not 2.0. On PoCL's CPU device, CLNAS_PREFETCH lets kernels
 * hint clang's prefetch (kernels/common.cl); other compilers may not know it (oclgrind fails to build a kernel that
 * calls it). */
static void choose_build_options(cl_device_id device, const clnas_device_info *info, char *dst, size_t cap)
{
    int major = 0, minor = 0;
    const char *std = "";
    if (offers_opencl_c_3(device, info->device_version))
        std = "-cl-std=CL3.0";
    else if (sscanf(info->opencl_c_version, "OpenCL C %d.%d", &major, &minor) == 2 && (major > 1 || minor >= 2))
        std = "-cl-std=CL1.2";
    const int pocl_cpu =
        strstr(info->platform, "Portable Computing Language") != NULL && strcmp(info->type, "CPU") == 0;
    snprintf(dst, cap, "%s%s%s", std, std[0] && pocl_cpu ? " " : "", pocl_cpu ? "-DCLNAS_PREFETCH=1" : "");
}

static clnas_status describe_device(cl_platform_id platform, cl_device_id device, const char *platform_name,
                                    const char *platform_vendor, device_entry *entry, clnas_error *err)
{
    clnas_device_info *info = &entry->info;
    cl_device_type type = 0;
    cl_uint compute_units = 0;
    cl_ulong global_mem = 0, max_alloc = 0;
    size_t max_wg = 0;
    cl_device_fp_config fp64 = 0;

    memset(entry, 0, sizeof *entry);
    entry->platform = platform;
    entry->id = device;
    snprintf(info->platform, sizeof info->platform, "%s", platform_name);
    snprintf(entry->platform_vendor, sizeof entry->platform_vendor, "%s", platform_vendor);
    CLNAS_CL_CALL(err, device_string(device, CL_DEVICE_NAME, info->name, sizeof info->name));
    CLNAS_CL_CALL(err, device_string(device, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor));
    CLNAS_CL_CALL(err, device_string(device, CL_DEVICE_VERSION, info->device_version, sizeof info->device_version));
    CLNAS_CL_CALL(err, device_string(device, CL_DRIVER_VERSION, info->driver_version, sizeof info->driver_version));
    /* OpenCL 1.0 devices do not know this query; leave it empty there. */
    if (device_string(device, CL_DEVICE_OPENCL_C_VERSION, info->opencl_c_version, sizeof info->opencl_c_version)
        != CL_SUCCESS)
        info->opencl_c_version[0] = '\0';
    CLNAS_CL_CALL(err, clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof type, &type, NULL));
    CLNAS_CL_CALL(err, clGetDeviceInfo(device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof compute_units, &compute_units, NULL));
    CLNAS_CL_CALL(err, clGetDeviceInfo(device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof global_mem, &global_mem, NULL));
    CLNAS_CL_CALL(err, clGetDeviceInfo(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc, &max_alloc, NULL));
    CLNAS_CL_CALL(err, clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_wg, &max_wg, NULL));
    if (clGetDeviceInfo(device, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64, &fp64, NULL) != CL_SUCCESS)
        fp64 = 0;

    snprintf(info->type, sizeof info->type, "%s", type_name(type));
    info->compute_units = compute_units;
    info->global_mem_bytes = global_mem;
    info->max_alloc_bytes = max_alloc;
    info->max_work_group_size = max_wg;
    info->has_fp64 = fp64 != 0;
    choose_build_options(device, info, entry->build_options, sizeof entry->build_options);
    return CLNAS_OK;
}

static clnas_status describe_platform(cl_platform_id platform, device_entry **entries, int *count, clnas_error *err)
{
    char platform_name[128], platform_vendor[128];
    cl_uint n = 0;
    CLNAS_CL_CALL(err, platform_string(platform, CL_PLATFORM_NAME, platform_name, sizeof platform_name));
    if (platform_string(platform, CL_PLATFORM_VENDOR, platform_vendor, sizeof platform_vendor) != CL_SUCCESS)
        platform_vendor[0] = '\0';
    cl_int rc = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, NULL, &n);
    if (rc == CL_DEVICE_NOT_FOUND || n == 0)
        return CLNAS_OK;
    CLNAS_CL_CHECK(err, rc, "clGetDeviceIDs(count)");

    cl_device_id *ids = calloc(n, sizeof *ids);
    device_entry *grown = realloc(*entries, (size_t)(*count + (int)n) * sizeof *grown);
    if (!ids || !grown) {
        free(ids);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "listing OpenCL devices: out of host memory");
    }
    *entries = grown;
    rc = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, n, ids, NULL);
    if (rc != CL_SUCCESS) {
        free(ids);
        return clnas_cl_error_set(rc, "clGetDeviceIDs", __FILE__, __LINE__, err);
    }
    for (cl_uint i = 0; i < n; i++) {
        clnas_status st = describe_device(platform, ids[i], platform_name, platform_vendor, &grown[*count], err);
        if (st != CLNAS_OK) {
            free(ids);
            return clnas_error_prefix(err, "describing device %u of platform \"%s\"", i, platform_name);
        }
        grown[*count].info.index = *count;
        (*count)++;
    }
    free(ids);
    return CLNAS_OK;
}

/* PoCL offers no device when it cannot make its kernel cache directory ($POCL_CACHE_DIR, else
 * $XDG_CACHE_HOME/pocl, else $HOME/.cache/pocl): a read-only or missing $HOME looked like missing hardware. Fills
 * why with that diagnosis when one of the platforms is PoCL and the directory cannot be made; 0 otherwise. */
static int pocl_cache_unwritable(const cl_platform_id *platforms, cl_uint n, char *why, size_t cap)
{
    int pocl = 0;
    for (cl_uint p = 0; p < n; p++) {
        char name[128] = "";
        pocl |= platform_string(platforms[p], CL_PLATFORM_NAME, name, sizeof name) == CL_SUCCESS &&
                strstr(name, "Portable Computing Language") != NULL;
    }
    const char *env = getenv("POCL_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[1024];
    if (env && env[0])
        snprintf(dir, sizeof dir, "%s", env);
    else if (xdg && xdg[0])
        snprintf(dir, sizeof dir, "%s/pocl", xdg);
    else if (home && home[0])
        snprintf(dir, sizeof dir, "%s/.cache/pocl", home);
    else
        return 0;
    clnas_error made;
    if (!pocl)
        return 0;
    if (clnas_dirs_make(dir, &made) == CLNAS_OK) {
        if (access(dir, W_OK) == 0)
            return 0;
        snprintf(made.message, sizeof made.message, "%s: %s", dir, strerror(errno));
    }
    snprintf(why, cap, "PoCL offers no device because its kernel cache directory %s cannot be made or written (%s); "
             "set POCL_CACHE_DIR (or XDG_CACHE_HOME or HOME) to a writable directory", dir, made.message);
    return 1;
}

static clnas_status enumerate(device_entry **out, int *count, clnas_error *err)
{
    cl_uint n = 0;
    *out = NULL;
    *count = 0;
    cl_int rc = clGetPlatformIDs(0, NULL, &n);
    if (rc == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (rc == CL_SUCCESS && n == 0))
        return clnas_error_set(err, CLNAS_ERR_NO_DEVICE, NO_PLATFORM_MESSAGE);
    CLNAS_CL_CHECK(err, rc, "clGetPlatformIDs(count)");

    cl_platform_id *platforms = calloc(n, sizeof *platforms);
    if (!platforms)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "listing OpenCL platforms: out of host memory");
    rc = clGetPlatformIDs(n, platforms, NULL);
    if (rc != CL_SUCCESS) {
        free(platforms);
        return clnas_cl_error_set(rc, "clGetPlatformIDs", __FILE__, __LINE__, err);
    }
    device_entry *entries = NULL;
    int total = 0;
    for (cl_uint p = 0; p < n; p++) {
        clnas_status st = describe_platform(platforms[p], &entries, &total, err);
        if (st != CLNAS_OK) {
            free(platforms);
            free(entries);
            return st;
        }
    }
    char why[1400];
    int unwritable = total == 0 && pocl_cache_unwritable(platforms, n, why, sizeof why);
    free(platforms);
    if (unwritable) {
        free(entries);
        return clnas_error_set(err, CLNAS_ERR_NO_DEVICE, "%s", why);
    }
    if (total == 0) {
        free(entries);
        return clnas_error_set(err, CLNAS_ERR_NO_DEVICE,
                               "%u OpenCL platform(s) found but no device: check that the driver sees your hardware "
                               "(clinfo lists what OpenCL sees)", (unsigned)n);
    }
    int chosen = 0;
    for (int i = total - 1; i >= 0; i--)
        if (strcmp(entries[i].info.type, "GPU") == 0)
            chosen = i;
    entries[chosen].info.is_default = 1;
    *out = entries;
    *count = total;
    return CLNAS_OK;
}

clnas_status clnas_device_list(clnas_device_info **out, int *count, clnas_error *err)
{
    if (!out || !count)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_device_list: out and count must not be NULL");
    *out = NULL;
    *count = 0;
    device_entry *entries;
    int n;
    clnas_status st = enumerate(&entries, &n, err);
    if (st != CLNAS_OK)
        return st;
    clnas_device_info *infos = calloc((size_t)n, sizeof *infos);
    if (!infos) {
        free(entries);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "listing OpenCL devices: out of host memory");
    }
    for (int i = 0; i < n; i++)
        infos[i] = entries[i].info;
    free(entries);
    *out = infos;
    *count = n;
    return CLNAS_OK;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int contains_ignoring_case(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (; *haystack; haystack++) {
        size_t i = 0;
        while (i < n && haystack[i]
               && tolower((unsigned char)haystack[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return n == 0;
}

static int find_device(const device_entry *entries, int count, const char *selector)
{
    if (!selector) {
        for (int i = 0; i < count; i++)
            if (entries[i].info.is_default)
                return i;
        return 0;
    }
    if (all_digits(selector)) {
        long index = strtol(selector, NULL, 10);
        return strlen(selector) < 10 && index < count ? (int)index : -1;
    }
    for (int i = 0; i < count; i++) {
        char haystack[4 * 128 + 4];
        snprintf(haystack, sizeof haystack, "%s %s %s %s", entries[i].info.platform, entries[i].platform_vendor,
                 entries[i].info.name, entries[i].info.vendor);
        if (contains_ignoring_case(haystack, selector))
            return i;
    }
    return -1;
}

static clnas_status no_match(const device_entry *entries, int count, const char *selector, const char *source,
                             clnas_error *err)
{
    char list[1536];
    size_t used = 0;
    list[0] = '\0';
    for (int i = 0; i < count && used < sizeof list; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s[%d] %s \"%s\" (%s, platform \"%s\")", i ? "; " : "",
                         entries[i].info.index, entries[i].info.type, entries[i].info.name, entries[i].info.vendor,
                         entries[i].info.platform);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return clnas_error_set(err, CLNAS_ERR_NO_DEVICE,
                           "no OpenCL device matches \"%s\"%s (a device index, or part of its platform, name or "
                           "vendor); devices: %s", selector, source, list);
}

static clnas_status open_entry(const device_entry *entry, clnas_device **out, clnas_error *err)
{
    clnas_device *dev = calloc(1, sizeof *dev);
    if (!dev)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "opening OpenCL device: out of host memory");
    dev->info = entry->info;
    dev->platform = entry->platform;
    dev->id = entry->id;
    snprintf(dev->build_options, sizeof dev->build_options, "%s", entry->build_options);

    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)entry->platform, 0};
    cl_int rc = CL_SUCCESS;
    dev->context = clCreateContext(props, 1, &dev->id, NULL, NULL, &rc);
    if (rc != CL_SUCCESS) {
        clnas_device_free(dev);
        clnas_cl_error_set(rc, "clCreateContext", __FILE__, __LINE__, err);
        return clnas_error_prefix(err, "opening device [%d] \"%s\"", entry->info.index, entry->info.name);
    }
    dev->queue = clCreateCommandQueue(dev->context, dev->id, CL_QUEUE_PROFILING_ENABLE, &rc);
    if (rc != CL_SUCCESS) {
        clnas_device_free(dev);
        clnas_cl_error_set(rc, "clCreateCommandQueue", __FILE__, __LINE__, err);
        return clnas_error_prefix(err, "opening device [%d] \"%s\"", entry->info.index, entry->info.name);
    }
    *out = dev;
    return CLNAS_OK;
}

clnas_status clnas_device_open(const char *selector, clnas_device **out, clnas_error *err)
{
    if (!out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_device_open: out must not be NULL");
    *out = NULL;
    const char *source = "";
    if (!selector || !*selector) {
        selector = getenv("CLNAS_DEVICE");
        source = " (from the environment variable CLNAS_DEVICE)";
        if (selector && !*selector)
            selector = NULL;
    }
    device_entry *entries;
    int count;
    clnas_status st = enumerate(&entries, &count, err);
    if (st != CLNAS_OK)
        return st;
    int chosen = find_device(entries, count, selector);
    if (chosen < 0)
        st = no_match(entries, count, selector, source, err);
    else
        st = open_entry(&entries[chosen], out, err);
    free(entries);
    return st;
}

void clnas_device_free(clnas_device *dev)
{
    if (!dev)
        return;
    if (dev->queue)
        clReleaseCommandQueue(dev->queue);
    if (dev->context)
        clReleaseContext(dev->context);
    free(dev);
}

clnas_status clnas_device_key(const clnas_device_info *info, const char *extra, char *out, size_t cap,
                              clnas_error *err)
{
    uint64_t h = clnas_fnv1a64_str(info->platform, CLNAS_FNV1A64_INIT);
    h = clnas_fnv1a64_str(info->name, h);
    h = clnas_fnv1a64_str(info->vendor, h);
    h = clnas_fnv1a64_str(info->device_version, h);
    h = clnas_fnv1a64_str(info->driver_version, h);
    if (extra)
        h = clnas_fnv1a64_str(extra, h);
    char name[41];
    size_t n = 0;
    for (const char *p = info->name; *p && n < sizeof name - 1; p++) {
        int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.';
        if (keep)
            name[n++] = *p;
        else if (n > 0 && name[n - 1] != '-')
            name[n++] = '-';
    }
    while (n > 0 && name[n - 1] == '-')
        n--;
    name[n] = '\0';
    int len = snprintf(out, cap, "%s-%016" PRIx64, n ? name : "device", h);
    if (len < 0 || (size_t)len >= cap)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "device key buffer of %zu bytes is too small", cap);
    return CLNAS_OK;
}
