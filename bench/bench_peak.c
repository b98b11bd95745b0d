/* clnas — peak float32 multiply-add rate (independent vector FMA chains) and copy bandwidth of a device, timed
 * with OpenCL event profiling. */
#include <stdio.h>

#include "bench_device.h"
#include "cl_check.h"
#include "embedded.h"

#define TIMED_LAUNCHES 3

/* Device time of one finished launch, from the event's profiling counters. */
static clnas_status event_seconds(cl_event ev, double *out, clnas_error *err)
{
    cl_ulong t0 = 0, t1 = 0;
    cl_int rc = clWaitForEvents(1, &ev);
    if (rc == CL_SUCCESS)
        rc = clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
    if (rc == CL_SUCCESS)
        rc = clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
    clReleaseEvent(ev);
    CLNAS_CL_CHECK(err, rc, "clGetEventProfilingInfo(benchmark launch)");
    *out = 1e-9 * (double)(t1 - t0);
    return CLNAS_OK;
}

static clnas_status launch_timed(clnas_device *dev, cl_kernel k, size_t global, size_t local, double *seconds,
                                 clnas_error *err)
{
    cl_event ev = NULL;
    cl_int rc = clEnqueueNDRangeKernel(dev->queue, k, 1, NULL, &global, local ? &local : NULL, 0, NULL, &ev);
    if (rc != CL_SUCCESS) {
        char what[128];
        snprintf(what, sizeof what, "clEnqueueNDRangeKernel(benchmark, global %zu local %zu)", global, local);
        return clnas_cl_error_set(rc, what, __FILE__, __LINE__, err);
    }
    return event_seconds(ev, seconds, err);
}

/* The kernel `entry` of kernels/<entry>.cl. */
static clnas_status bench_kernel(clnas_program_cache *cache, const char *options, const char *entry, cl_kernel *out,
                                 clnas_error *err)
{
    const char *source = clnas_embedded_find(clnas_embedded_kernels, entry);
    if (!source)
        return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "internal: kernels/%s.cl is not embedded", entry);
    return clnas_program_cache_kernel(cache, source, options, entry, entry, out, err);
}

clnas_status clnas_bench_fma(clnas_device *dev, clnas_program_cache *cache, const clnas_bench_fma_config *config,
                             double target_seconds, clnas_bench_fma_result *out, clnas_error *err)
{
    const clnas_bench_fma_config *c = config;
    if ((c->width != 4 && c->width != 8 && c->width != 16) || c->chains < 1 || c->chains > 16 || c->local < 1 ||
        c->local > dev->info.max_work_group_size)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "FMA benchmark: width %d chains %d local %zu (expected width 4, 8 or 16, chains 1 to "
                               "16, local 1 to %zu)", c->width, c->chains, c->local, dev->info.max_work_group_size);
    char options[96];
    snprintf(options, sizeof options, "-DWIDTH=%d -DCHAINS=%d -DITERS=%d", c->width, c->chains, CLNAS_BENCH_FMA_ITERS);
    cl_kernel k = NULL;
    clnas_status st = bench_kernel(cache, options, "bench_fma", &k, err);
    if (st != CLNAS_OK)
        return st;
    /* grow until one launch is long enough to time; the output buffer bounds the size */
    size_t max_global = (size_t)1 << 24, global = c->local * (dev->info.compute_units ? dev->info.compute_units : 1);
    cl_int rc;
    cl_mem buf = clCreateBuffer(dev->context, CL_MEM_WRITE_ONLY, max_global * sizeof(float), NULL, &rc);
    CLNAS_CL_CHECK(err, rc, "clCreateBuffer(FMA benchmark output)");
    float seed = 1.0f;
    rc = clSetKernelArg(k, 0, sizeof buf, &buf);
    if (rc == CL_SUCCESS)
        rc = clSetKernelArg(k, 1, sizeof seed, &seed);
    if (rc != CL_SUCCESS) {
        clReleaseMemObject(buf);
        return clnas_cl_error_set(rc, "clSetKernelArg(bench_fma)", __FILE__, __LINE__, err);
    }
    double seconds = 0.0;
    st = launch_timed(dev, k, global, c->local, &seconds, err); /* also the first launch's compile on PoCL */
    while (st == CLNAS_OK && seconds < target_seconds && global * 2 <= max_global) {
        global *= 2;
        st = launch_timed(dev, k, global, c->local, &seconds, err);
    }
    double best = seconds;
    for (int r = 0; r < TIMED_LAUNCHES && st == CLNAS_OK; r++) {
        st = launch_timed(dev, k, global, c->local, &seconds, err);
        best = seconds < best ? seconds : best;
    }
    clReleaseMemObject(buf);
    if (st != CLNAS_OK)
        return st;
    out->config = *c;
    out->global = global;
    out->seconds = best;
    out->gflops = 2.0 * c->width * c->chains * (double)CLNAS_BENCH_FMA_ITERS * (double)global / best * 1e-9;
    return CLNAS_OK;
}

clnas_status clnas_bench_copy(clnas_device *dev, clnas_program_cache *cache, size_t bytes, int repeats,
                              clnas_bench_copy_result *out, clnas_error *err)
{
    if (bytes > dev->info.max_alloc_bytes)
        bytes = (size_t)dev->info.max_alloc_bytes;
    bytes -= bytes % 16;
    if (bytes < 16 || repeats < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "copy benchmark: %zu bytes, %d repeats (expected at "
                               "least 16 bytes and 1 repeat)", bytes, repeats);
    cl_kernel k = NULL;
    clnas_status st = bench_kernel(cache, "", "bench_copy", &k, err);
    if (st != CLNAS_OK)
        return st;
    cl_int rc;
    cl_mem src = clCreateBuffer(dev->context, CL_MEM_READ_WRITE, bytes, NULL, &rc);
    CLNAS_CL_CHECK(err, rc, "clCreateBuffer(copy benchmark source)");
    cl_mem dst = clCreateBuffer(dev->context, CL_MEM_READ_WRITE, bytes, NULL, &rc);
    if (rc != CL_SUCCESS) {
        clReleaseMemObject(src);
        return clnas_cl_error_set(rc, "clCreateBuffer(copy benchmark destination)", __FILE__, __LINE__, err);
    }
    cl_uchar pattern = 0x3c;
    rc = clEnqueueFillBuffer(dev->queue, src, &pattern, 1, 0, bytes, 0, NULL, NULL);
    if (rc == CL_SUCCESS)
        rc = clSetKernelArg(k, 0, sizeof src, &src);
    if (rc == CL_SUCCESS)
        rc = clSetKernelArg(k, 1, sizeof dst, &dst);
    if (rc != CL_SUCCESS)
        st = clnas_cl_error_set(rc, "preparing the copy benchmark", __FILE__, __LINE__, err);
    size_t global = bytes / 16, local = 64;
    while (global % local)
        local /= 2;
    double best = 0.0, seconds = 0.0;
    /* the first launch warms the pages and (on PoCL) compiles; it is not counted */
    for (int r = 0; r <= repeats && st == CLNAS_OK; r++) {
        st = launch_timed(dev, k, global, local, &seconds, err);
        if (r == 1 || (r > 1 && seconds < best))
            best = seconds;
    }
    clReleaseMemObject(src);
    clReleaseMemObject(dst);
    if (st != CLNAS_OK)
        return st;
    out->bytes = bytes;
    out->seconds = best;
    out->gbps = 2.0 * (double)bytes / best * 1e-9;
    return CLNAS_OK;
}
