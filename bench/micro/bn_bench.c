/* clnas bench — BatchNorm training forward and backward and the 3x3 average pool at the NB201 shapes: median and
 * best time of one launch and the bandwidth the best reaches counting each tensor once (BatchNorm forward reads
 * x and writes y, backward reads dy and x and writes dx; the pool reads one tensor and writes one).
 * Usage: clnas_bn_bench [REPEATS] (default 15); CLNAS_DEVICE picks the device as for clnas (index or name). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CL/cl.h>

#include "clnas/device.h"
#include "op_bn.h"
#include "op_pool.h"

typedef struct bench_cl {
    clnas_device *dev;
    cl_context context;
    cl_device_id device;
    cl_command_queue queue;
} bench_cl;

/* The device clnas would open (CLNAS_DEVICE chooses another), whose build options the kernels get. */
static int bench_open(bench_cl *b)
{
    clnas_error err;
    if (clnas_device_open(NULL, &b->dev, &err) != CLNAS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    b->context = b->dev->context;
    b->device = b->dev->id;
    b->queue = b->dev->queue;
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and best milliseconds of one launch of desc, every tensor slot its own buffer of random floats. */
static void time_desc(bench_cl *b, const clnas_kernel_desc *d, size_t total, int c, int repeats, double *median,
                      double *best)
{
    clnas_error err;
    char *src = NULL;
    if (clnas_kernel_source(d, 0, &src, &err) != CLNAS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return;
    }
    cl_int rc;
    const char *srcs[1] = {src};
    cl_program prog = clCreateProgramWithSource(b->context, 1, srcs, NULL, &rc);
    rc = clBuildProgram(prog, 1, &b->device, b->dev->build_options, NULL, NULL);
    free(src);
    if (rc != CL_SUCCESS) {
        fprintf(stderr, "build of %s failed (%d)\n", d->entry, rc);
        clReleaseProgram(prog);
        return;
    }
    cl_kernel kern = clCreateKernel(prog, d->entry, &rc);
    cl_mem mems[CLNAS_MAX_KERNEL_ARGS] = {0};
    float *host = malloc(total * sizeof *host);
    for (size_t i = 0; i < total; i++)
        host[i] = (float)((double)rand() / RAND_MAX + 0.5);
    for (int i = 0; i < d->nargs; i++) {
        /* per-channel vectors (gamma, statistics) hold c values; the rest are whole tensors */
        const char *n = d->arg_name[i];
        int whole = !strcmp(n, "x") || !strcmp(n, "y") || !strcmp(n, "dy") || !strcmp(n, "dx");
        size_t count = whole ? total : (size_t)c;
        mems[i] = clCreateBuffer(b->context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, count * sizeof(float), host,
                                 &rc);
        cl_uint off = 0;
        clSetKernelArg(kern, (cl_uint)(2 * i), sizeof(cl_mem), &mems[i]);
        clSetKernelArg(kern, (cl_uint)(2 * i + 1), sizeof off, &off);
    }
    double *ms = malloc((size_t)repeats * sizeof *ms);
    for (int r = -2; r < repeats; r++) {
        double t0 = now_ms();
        clEnqueueNDRangeKernel(b->queue, kern, (cl_uint)d->dims, NULL, d->global, d->local, 0, NULL, NULL);
        clFinish(b->queue);
        if (r >= 0)
            ms[r] = now_ms() - t0;
    }
    qsort(ms, (size_t)repeats, sizeof *ms, cmp_double);
    *median = ms[repeats / 2];
    *best = ms[0];
    for (int i = 0; i < d->nargs; i++)
        clReleaseMemObject(mems[i]);
    free(ms);
    free(host);
    clReleaseKernel(kern);
    clReleaseProgram(prog);
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 15;
    if (repeats < 1) {
        fprintf(stderr, "usage: clnas_bn_bench [REPEATS >= 1]\n");
        return 2;
    }
    bench_cl b = {0};
    if (bench_open(&b) != 0)
        return 1;
    static const int shapes[][3] = {{256, 16, 28 * 28}, {256, 32, 14 * 14}, {256, 64, 7 * 7}};
    printf("%-14s %9s %9s %9s %9s %9s %9s\n", "shape", "fwd med", "fwd best", "GB/s", "bwd med", "bwd best",
           "GB/s");
    for (int s = 0; s < 3; s++) {
        clnas_bn_params p = {shapes[s][0], shapes[s][1], shapes[s][2], 1e-5, 0.1, 0, NULL, 0}; /* the CPU family */
        clnas_kernel_desc fwd, bwd;
        clnas_error err;
        if (clnas_op_bn_fwd_train_desc(&p, &fwd, &err) != CLNAS_OK ||
            clnas_op_bn_bwd_desc(&p, &bwd, &err) != CLNAS_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        size_t total = (size_t)p.n * (size_t)p.c * (size_t)p.hw;
        double mb = (double)total * sizeof(float) / 1e6;
        double fmed = NAN, fbest = NAN, bmed = NAN, bbest = NAN;
        time_desc(&b, &fwd, total, p.c, repeats, &fmed, &fbest);
        time_desc(&b, &bwd, total, p.c, repeats, &bmed, &bbest);
        char name[32];
        snprintf(name, sizeof name, "%dx%dx%d", p.n, p.c, p.hw);
        printf("%-14s %9.3f %9.3f %9.2f %9.3f %9.3f %9.2f\n", name, fmed, fbest, 2 * mb / fbest, bmed, bbest,
               3 * mb / bbest);
    }
    for (int s = 0; s < 3; s++) {
        int side = s == 0 ? 28 : s == 1 ? 14 : 7;
        clnas_pool_params p = {shapes[s][0], shapes[s][1], side, side, 0, 1, NULL};
        clnas_kernel_desc fwd, bwd;
        clnas_error err;
        if (clnas_op_avgpool3_fwd_desc(&p, &fwd, &err) != CLNAS_OK ||
            clnas_op_avgpool3_bwd_desc(&p, &bwd, &err) != CLNAS_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        size_t total = (size_t)p.n * (size_t)p.c * (size_t)side * (size_t)side;
        double mb = (double)total * sizeof(float) / 1e6;
        double fmed = NAN, fbest = NAN, bmed = NAN, bbest = NAN;
        time_desc(&b, &fwd, total, p.c, repeats, &fmed, &fbest);
        time_desc(&b, &bwd, total, p.c, repeats, &bmed, &bbest);
        printf("avgpool3 %-5d %9.3f %9.3f %9.2f %9.3f %9.3f %9.2f\n", side, fmed, fbest, 2 * mb / fbest, bmed, bbest,
               2 * mb / bbest);
    }
    clnas_device_free(b.dev);
    return 0;
}
