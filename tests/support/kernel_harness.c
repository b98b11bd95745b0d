/* clnas tests — kernel harness: upload double tensors, launch one descriptor, read back, compare. */
#include "kernel_harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/device.h"

#define KH_GUARD 37 /* poisoned elements before and after every tensor */

int kh_open(kh_ctx *k)
{
    memset(k, 0, sizeof *k);
    /* the library's selection: CLNAS_DEVICE as an index or a name, else the default device */
    clnas_device *dev = NULL;
    clnas_error err;
    if (clnas_device_open(NULL, &dev, &err) != CLNAS_OK) {
        fprintf(stderr, "kh_open: %s\n", err.message);
        return -1;
    }
    k->device = dev->id; /* a root device: valid after its context is gone */
    clnas_device_free(dev);
    cl_int rc;
    k->context = clCreateContext(NULL, 1, &k->device, NULL, NULL, &rc);
    if (rc != CL_SUCCESS)
        return -1;
    k->queue = clCreateCommandQueue(k->context, k->device, 0, &rc);
    if (rc != CL_SUCCESS)
        return -1;
    char ver[128] = "";
    clGetDeviceInfo(k->device, CL_DEVICE_OPENCL_C_VERSION, sizeof ver, ver, NULL);
    snprintf(k->options, sizeof k->options, "%s", strstr(ver, "OpenCL C 3.") ? "-cl-std=CL3.0" : "-cl-std=CL1.2");
    char ext[4096] = "";
    clGetDeviceInfo(k->device, CL_DEVICE_EXTENSIONS, sizeof ext, ext, NULL);
    k->has_fp64 = strstr(ext, "cl_khr_fp64") != NULL;
    return 0;
}

void kh_close(kh_ctx *k)
{
    if (k->queue)
        clReleaseCommandQueue(k->queue);
    if (k->context)
        clReleaseContext(k->context);
    memset(k, 0, sizeof *k);
}

static int is_tensor(clnas_arg_kind kind)
{
    return kind == CLNAS_ARG_TENSOR || kind == CLNAS_ARG_TENSOR_INT;
}

/* Host staging copy of one tensor slot with its guards, in the device element type. */
static void *stage(const kh_arg *a, clnas_arg_kind kind, int fp64, size_t *bytes)
{
    size_t n = a->count + 2 * KH_GUARD;
    size_t es = kind == CLNAS_ARG_TENSOR_INT ? sizeof(cl_int) : fp64 ? sizeof(double) : sizeof(float);
    void *buf = malloc(n * es);
    for (size_t i = 0; i < n; i++) {
        int inside = i >= KH_GUARD && i < KH_GUARD + a->count;
        double v = inside && !a->poison ? a->host[i - KH_GUARD] : NAN;
        if (kind == CLNAS_ARG_TENSOR_INT)
            ((cl_int *)buf)[i] = isnan(v) ? -7777 : (cl_int)v;
        else if (fp64)
            ((double *)buf)[i] = v;
        else
            ((float *)buf)[i] = (float)v;
    }
    *bytes = n * es;
    return buf;
}

int kh_run(kh_ctx *k, const clnas_kernel_desc *desc, int fp64, kh_arg *args)
{
    clnas_error err;
    char *src = NULL;
    if (clnas_kernel_source(desc, fp64, &src, &err) != CLNAS_OK) {
        fprintf(stderr, "kh_run: %s\n", err.message);
        return -1;
    }
    cl_int rc;
    const char *srcs[1] = {src};
    cl_program prog = clCreateProgramWithSource(k->context, 1, srcs, NULL, &rc);
    rc = clBuildProgram(prog, 1, &k->device, k->options, NULL, NULL);
    if (rc != CL_SUCCESS) {
        static const size_t cap = 1 << 16;
        char *log = calloc(1, cap);
        clGetProgramBuildInfo(prog, k->device, CL_PROGRAM_BUILD_LOG, cap - 1, log, NULL);
        fprintf(stderr, "kh_run: build of %s failed (%d):\n%s\n--- source ---\n%s\n", desc->entry, rc, log, src);
        free(log);
        free(src);
        clReleaseProgram(prog);
        return -1;
    }
    free(src);
    cl_kernel kern = clCreateKernel(prog, desc->entry, &rc);
    if (rc != CL_SUCCESS) {
        fprintf(stderr, "kh_run: no kernel %s (%d)\n", desc->entry, rc);
        clReleaseProgram(prog);
        return -1;
    }
    cl_mem mems[CLNAS_MAX_KERNEL_ARGS] = {0};
    void *staged[CLNAS_MAX_KERNEL_ARGS] = {0};
    size_t bytes[CLNAS_MAX_KERNEL_ARGS] = {0};
    int failed = 0;
    cl_uint ai = 0;
    for (int i = 0; i < desc->nargs; i++) {
        clnas_arg_kind kind = desc->arg_kind[i];
        if (is_tensor(kind)) {
            staged[i] = stage(&args[i], kind, fp64, &bytes[i]);
            mems[i] = clCreateBuffer(k->context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, bytes[i], staged[i], &rc);
            cl_uint off = KH_GUARD;
            clSetKernelArg(kern, ai++, sizeof(cl_mem), &mems[i]);
            clSetKernelArg(kern, ai++, sizeof off, &off);
        } else if (kind == CLNAS_ARG_REAL) {
            double d = args[i].scalar;
            float f = (float)d;
            clSetKernelArg(kern, ai++, fp64 ? sizeof d : sizeof f, fp64 ? (void *)&d : (void *)&f);
        } else {
            cl_int v = (cl_int)args[i].scalar;
            clSetKernelArg(kern, ai++, sizeof v, &v);
        }
    }
    rc = clEnqueueNDRangeKernel(k->queue, kern, (cl_uint)desc->dims, NULL, desc->global, desc->local, 0, NULL, NULL);
    if (rc != CL_SUCCESS) {
        fprintf(stderr, "kh_run: enqueue %s failed (%d)\n", desc->entry, rc);
        failed = 1;
    }
    for (int i = 0; i < desc->nargs && !failed; i++) {
        if (!is_tensor(desc->arg_kind[i]))
            continue;
        clEnqueueReadBuffer(k->queue, mems[i], CL_TRUE, 0, bytes[i], staged[i], 0, NULL, NULL);
        size_t n = args[i].count + 2 * KH_GUARD;
        for (size_t j = 0; j < n; j++) {
            int inside = j >= KH_GUARD && j < KH_GUARD + args[i].count;
            double v;
            if (desc->arg_kind[i] == CLNAS_ARG_TENSOR_INT)
                v = ((cl_int *)staged[i])[j];
            else
                v = fp64 ? ((double *)staged[i])[j] : ((float *)staged[i])[j];
            if (inside)
                args[i].host[j - KH_GUARD] = v;
            else if (desc->arg_kind[i] == CLNAS_ARG_TENSOR ? !isnan(v) : v != -7777) {
                fprintf(stderr, "kh_run: %s wrote outside tensor %s (guard element %zu)\n", desc->entry,
                        desc->arg_name[i], j);
                failed = 1;
                break;
            }
        }
    }
    for (int i = 0; i < desc->nargs; i++) {
        if (mems[i])
            clReleaseMemObject(mems[i]);
        free(staged[i]);
    }
    clReleaseKernel(kern);
    clReleaseProgram(prog);
    return failed ? -1 : 0;
}

int kh_close_enough(const char *what, const double *got, const double *ref, size_t n, double tol)
{
    double max_ref = 0.0, max_err = 0.0;
    size_t worst = 0;
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(ref[i]) > max_ref)
            max_ref = fabs(ref[i]);
    for (size_t i = 0; i < n; i++) {
        double e = fabs(got[i] - ref[i]);
        if (isnan(got[i]) || isnan(e)) {
            if (!bad)
                worst = i;
            bad = 1;
            e = INFINITY;
        }
        if (e > max_err) {
            max_err = e;
            worst = i;
        }
    }
    double bound = tol * (max_ref > 0.01 ? max_ref : 0.01);
    int ok = !bad && max_err <= bound;
    printf("  %-40s n=%-8zu max|ref|=%-10.4g max err=%-10.3g bound=%-10.3g %s", what, n, max_ref, max_err, bound,
           ok ? "ok\n" : "FAIL");
    if (!ok)
        printf(" (element %zu: got %.9g, want %.9g)\n", worst, n ? got[worst] : 0.0, n ? ref[worst] : 0.0);
    return ok;
}

double *kh_random(size_t n, uint64_t seed, double lo, double hi)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v[i] = lo + (hi - lo) * (double)(s >> 11) * (1.0 / 9007199254740992.0);
    }
    return v;
}

double *kh_copy(const double *src, size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    memcpy(v, src, n * sizeof *v);
    return v;
}
