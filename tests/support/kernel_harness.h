/* clnas tests — runs one kernel descriptor on the OpenCL device with host tensors in double precision. */
#ifndef CLNAS_KERNEL_HARNESS_H
#define CLNAS_KERNEL_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <CL/cl.h>

#include "kernel_desc.h"

typedef struct kh_ctx {
    cl_context context;
    cl_device_id device;
    cl_command_queue queue;
    char options[64];
    int has_fp64;
} kh_ctx;

/* Opens the device clnas_device_open(NULL) picks (CLNAS_DEVICE, else the default). Returns 0 on success. */
int kh_open(kh_ctx *k);
void kh_close(kh_ctx *k);

typedef struct kh_arg {
    double *host;  /* tensor slots: contents uploaded before, read back after the launch */
    size_t count;  /* elements */
    int poison;    /* 1: the device copy is filled with NaN (ints: -7777) instead of uploading host */
    double scalar; /* REAL / INT slots */
} kh_arg;

/* Runs desc with args in slot order. Each tensor sits at a non-zero offset inside a larger buffer whose
 * guard elements are poisoned; a guard that changes (an out-of-bounds write) fails the run. Returns 0 on
 * success, prints the reason otherwise. */
int kh_run(kh_ctx *k, const clnas_kernel_desc *desc, int fp64, kh_arg *args);

/* max |got - ref| <= tol * max(max |ref|, 0.01), NaN fails; prints one line naming `what`; returns 1 when ok. */
int kh_close_enough(const char *what, const double *got, const double *ref, size_t n, double tol);

/* n uniform values in [lo, hi) from a fixed seed; malloc'ed. */
double *kh_random(size_t n, uint64_t seed, double lo, double hi);
double *kh_copy(const double *src, size_t n);

#endif
