/* clnas bench — times the three convolution kernels (fwd, bwd_data, bwd_filter) at one shape on the default OpenCL
 * device (CLNAS_DEVICE chooses another), built with the options clnas gives that device, and the Winograd
 * F(2x2,3x3) variants of fwd and bwd_data where they apply (3x3 stride 1 pad 1); prints ms per launch and GFLOP/s
 * of the fastest timed launch (the least disturbed by other load on the machine) and the median. A developer's tool
 * for iterating on kernels/conv*.cl; it checks nothing (tests/test_kernels does).
 * usage: clnas_conv_bench N CI CO H W KSIZE STRIDE PAD [RELU_IN [REPS]]
 * CLNAS_FAMILY=gpu lowers the GPU family instead of the CPU family. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <CL/cl.h>

#include "clnas/device.h"
#include "kernel_desc.h"
#include "op_conv.h"

/* CPU seconds this process has used (all threads): less disturbed by other load than the wall clock. */
static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_stime.tv_sec +
           ((double)u.ru_utime.tv_usec + (double)u.ru_stime.tv_usec) * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static cl_mem random_buffer(cl_context ctx, cl_command_queue q, size_t n, unsigned seed)
{
    float *h = malloc(n * sizeof *h);
    if (!h)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        h[i] = (float)((seed >> 8) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
    }
    cl_int rc;
    cl_mem m = clCreateBuffer(ctx, CL_MEM_READ_WRITE, n * sizeof *h, NULL, &rc);
    if (rc == CL_SUCCESS)
        clEnqueueWriteBuffer(q, m, CL_TRUE, 0, n * sizeof *h, h, 0, NULL, NULL);
    free(h);
    return rc == CL_SUCCESS ? m : NULL;
}

/* Builds desc, binds the buffers named by its slots, launches it reps times; returns the fastest ms (and the
 * median in *median, the CPU ms per launch in *cpu_ms) or -1. */
static double time_desc(cl_context ctx, cl_device_id dev, const char *options, cl_command_queue q,
                        const clnas_kernel_desc *d, const char *const *names, cl_mem *mems, int nmems, int reps,
                        double *median, double *cpu_ms)
{
    char *src = NULL;
    clnas_error err;
    if (clnas_kernel_source(d, 0, &src, &err) != CLNAS_OK) {
        fprintf(stderr, "%s: %s\n", d->entry, err.message);
        return -1;
    }
    cl_int rc;
    const char *s = src;
    cl_program prog = clCreateProgramWithSource(ctx, 1, &s, NULL, &rc);
    free(src);
    if (rc != CL_SUCCESS || clBuildProgram(prog, 1, &dev, options, NULL, NULL) != CL_SUCCESS) {
        char log[8192] = "";
        clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, sizeof log, log, NULL);
        fprintf(stderr, "%s: build failed\n%s\n", d->entry, log);
        return -1;
    }
    cl_kernel k = clCreateKernel(prog, d->entry, &rc);
    if (rc != CL_SUCCESS)
        return -1;
    for (int a = 0; a < d->nargs; a++) {
        int m = 0;
        while (m < nmems && strcmp(names[m], d->arg_name[a]) != 0)
            m++;
        if (m == nmems) {
            fprintf(stderr, "%s: no buffer for slot %s\n", d->entry, d->arg_name[a]);
            return -1;
        }
        cl_uint off = 0;
        clSetKernelArg(k, (cl_uint)(2 * a), sizeof(cl_mem), &mems[m]);
        clSetKernelArg(k, (cl_uint)(2 * a + 1), sizeof off, &off);
    }
    double *ms = malloc((size_t)reps * sizeof *ms);
    if (!ms)
        return -1;
    double cpu0 = 0;
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
        if (r == 0)
            cpu0 = cpu_seconds();
        cl_event ev;
        rc = clEnqueueNDRangeKernel(q, k, (cl_uint)d->dims, NULL, d->global, d->local, 0, NULL, &ev);
        if (rc != CL_SUCCESS) {
            fprintf(stderr, "%s: launch failed (%d)\n", d->entry, rc);
            return -1;
        }
        clWaitForEvents(1, &ev);
        cl_ulong t0 = 0, t1 = 0;
        clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
        clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
        clReleaseEvent(ev);
        if (r >= 0)
            ms[r] = (double)(t1 - t0) * 1e-6;
    }
    *cpu_ms = (cpu_seconds() - cpu0) * 1e3 / reps;
    qsort(ms, (size_t)reps, sizeof *ms, cmp_double);
    double best = ms[0];
    *median = ms[reps / 2];
    free(ms);
    clReleaseKernel(k);
    clReleaseProgram(prog);
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 9) {
        fprintf(stderr, "usage: %s N CI CO H W KSIZE STRIDE PAD [RELU_IN [REPS]]\n", argv[0]);
        return 2;
    }
    clnas_conv_params p = {atoi(argv[1]), atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
                           atoi(argv[6]), atoi(argv[7]), atoi(argv[8]), argc > 9 ? atoi(argv[9]) : 1, 0, 0};
    int reps = argc > 10 ? atoi(argv[10]) : 7;
    if (reps < 1)
        reps = 1;
    int ho = clnas_conv_out_dim(p.h, p.ksize, p.stride, p.pad), wo = clnas_conv_out_dim(p.w, p.ksize, p.stride, p.pad);
    clnas_device *device = NULL;
    clnas_error err;
    if (clnas_device_open(NULL, &device, &err) != CLNAS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    cl_device_id dev = device->id;
    cl_context ctx = device->context;
    cl_command_queue q = device->queue;
    size_t nx = (size_t)p.n * p.ci * p.h * p.w, nw = (size_t)p.co * p.ci * p.ksize * p.ksize;
    size_t ny = (size_t)p.n * p.co * ho * wo;
    cl_mem bx = random_buffer(ctx, q, nx, 1), bw = random_buffer(ctx, q, nw, 2), by = random_buffer(ctx, q, ny, 3);
    cl_mem bdx = random_buffer(ctx, q, nx, 4), bdw = random_buffer(ctx, q, nw, 5);
    double gflop = 2.0 * (double)ny * p.ci * p.ksize * p.ksize * 1e-9;
    printf("n=%d ci=%d co=%d %dx%d k=%d s=%d p=%d relu=%d -> %dx%d, %.3f GFLOP per pass\n", p.n, p.ci, p.co, p.h,
           p.w, p.ksize, p.stride, p.pad, p.relu_in, ho, wo, gflop);
    /* the family (CLNAS_FAMILY, default cpu) lowered for this device's local memory and compute units, as a plan
     * for it would be */
    const char *family = getenv("CLNAS_FAMILY");
    clnas_device_profile prof;
    clnas_device_profile_default(family && strcmp(family, "gpu") == 0 ? CLNAS_FAMILY_GPU : CLNAS_FAMILY_CPU, &prof);
    cl_ulong local_mem = 0;
    cl_uint units = 0;
    if (clGetDeviceInfo(dev, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local_mem, &local_mem, NULL) == CL_SUCCESS)
        prof.local_mem_bytes = local_mem;
    if (clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL) == CL_SUCCESS)
        prof.compute_units = units;
    clnas_status (*const build[3])(const clnas_conv_params *, const clnas_device_profile *, clnas_kernel_desc *,
                                   clnas_error *) = {clnas_op_conv_fwd_desc_for, clnas_op_conv_bwd_data_desc_for,
                                                     clnas_op_conv_bwd_filter_desc_for};
    /* then the Winograd variants of fwd and bwd_data: lanes over tiles, lanes over channels */
    const char *const pass[7] = {"fwd", "bwd_data", "bwd_filter", "fwd_wino_t", "bwd_d_wino_t", "fwd_wino_c",
                                 "bwd_d_wino_c"};
    /* Slot names of the templates, bound to the buffers of their roles. */
    const char *const names[3][4] = {{"x", "w", "y", ""}, {"dy", "w", "x", "dx"}, {"dy", "x", "dw", ""}};
    cl_mem mems[3][4] = {{bx, bw, by, NULL}, {by, bw, bx, bdx}, {by, bx, bdw, NULL}};
    int status = 0;
    for (int i = 0; i < (clnas_conv_winograd_applies(&p) ? 7 : 3); i++) {
        clnas_kernel_desc d;
        const int role = i < 3 ? i : (i - 3) % 2; /* a Winograd row has the slots of fwd or bwd_data */
        const clnas_status built =
            i < 3 ? build[i](&p, &prof, &d, &err)
                  : clnas_op_conv_winograd_variant_desc(&p, &prof, role,
                                                        i < 5 ? CLNAS_WINOGRAD_TILES : CLNAS_WINOGRAD_CHANNELS, &d, &err);
        if (built != CLNAS_OK) {
            fprintf(stderr, "%s: %s\n", pass[i], err.message);
            if (i >= 3)
                continue;
            return 1;
        }
        double median = 0, cpu_ms = 0;
        double ms = time_desc(ctx, dev, device->build_options, q, &d, names[role], mems[role], 4, reps, &median, &cpu_ms);
        if (ms < 0) {
            status = 1;
            continue;
        }
        printf("%-10s %9.3f ms  %7.1f GFLOP/s  (median %.1f GFLOP/s; %.1f GFLOP per CPU second; "
               "global %zu local %zu)\n",
               pass[i], ms, gflop / (ms * 1e-3), gflop / (median * 1e-3), gflop / (cpu_ms * 1e-3), d.global[0],
               d.local[0]);
    }
    cl_mem all[5] = {bx, bw, by, bdx, bdw};
    for (int i = 0; i < 5; i++)
        clReleaseMemObject(all[i]);
    clnas_device_free(device);
    return status;
}
