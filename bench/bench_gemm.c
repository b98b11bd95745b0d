/* clnas — CLBlast SGEMM at the GEMM forms of the NB201 convolutions: what the BLAS reaches on this device. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <clblast_c.h>

#include "bench_device.h"
#include "cl_check.h"
#include "clnas/rng.h"
#include "gemm_clblast.h"
#include "clock.h"

/* One convolution's three GEMMs: forward W[co][ci k k] x col[ci k k][b ho wo], backward data
 * W^T x dY[co][b ho wo], backward filter dY x col^T. */
static int add_conv(clnas_bench_gemm_shape *out, int n, int cap, const char *where, int ci, int co, int k, int ho,
                    int wo, int batch)
{
    static const char *pass[3] = {"forward", "backward data", "backward filter"};
    size_t kk = (size_t)ci * (size_t)k * (size_t)k, pix = (size_t)batch * (size_t)ho * (size_t)wo;
    for (int p = 0; p < 3 && n < cap; p++, n++) {
        clnas_bench_gemm_shape *s = &out[n];
        snprintf(s->name, sizeof s->name, "%s conv%dx%d %d->%d %dx%d %s", where, k, k, ci, co, ho, wo, pass[p]);
        s->trans_a = s->trans_b = 0;
        if (p == 0) {
            s->m = (size_t)co, s->n = pix, s->k = kk;
        } else if (p == 1) {
            s->m = kk, s->n = pix, s->k = (size_t)co, s->trans_a = 1;
        } else {
            s->m = (size_t)co, s->n = kk, s->k = pix, s->trans_b = 1;
        }
    }
    return n;
}

int clnas_bench_conv_gemm_shapes(const clnas_net_config *cfg, clnas_bench_gemm_shape *out, int cap)
{
    int n = 0, c = cfg->channels, h = cfg->height, w = cfg->width, b = cfg->batch;
    for (int stage = 1; stage <= 3; stage++) {
        char where[32];
        if (stage > 1) {
            snprintf(where, sizeof where, "reduction %d", stage - 1);
            n = add_conv(out, n, cap, where, c / 2, c, 3, h, w, b); /* conv_a, stride 2: output at the new size */
            n = add_conv(out, n, cap, where, c / 2, c, 1, h, w, b); /* shortcut after the 2x2 pool */
        }
        snprintf(where, sizeof where, "stage %d", stage);
        n = add_conv(out, n, cap, where, c, c, 3, h, w, b);
        n = add_conv(out, n, cap, where, c, c, 1, h, w, b);
        c *= 2, h /= 2, w /= 2;
    }
    return n;
}

static clnas_status random_buffer(clnas_device *dev, size_t count, clnas_rng *rng, cl_mem *out, clnas_error *err)
{
    float *host = malloc((count ? count : 1) * sizeof *host);
    if (!host)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory (%zu floats for the SGEMM benchmark)", count);
    for (size_t i = 0; i < count; i++)
        host[i] = (float)(clnas_rng_uniform(rng) - 0.5);
    cl_int rc;
    *out = clCreateBuffer(dev->context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, (count ? count : 1) * sizeof *host,
                          host, &rc);
    free(host);
    CLNAS_CL_CHECK(err, rc, "clCreateBuffer(SGEMM benchmark operand)");
    return CLNAS_OK;
}

static clnas_status sgemm_once(clnas_device *dev, const clnas_bench_gemm_shape *s, cl_mem a, cl_mem b, cl_mem c,
                               double *seconds, clnas_error *err)
{
    size_t lda = s->trans_a ? s->m : s->k, ldb = s->trans_b ? s->k : s->n, ldc = s->n;
    cl_command_queue queue = dev->queue;
    double t0 = clnas_clock_seconds();
    CLBlastStatusCode rc = CLBlastSgemm(CLBlastLayoutRowMajor, s->trans_a ? CLBlastTransposeYes : CLBlastTransposeNo,
                                        s->trans_b ? CLBlastTransposeYes : CLBlastTransposeNo, s->m, s->n, s->k, 1.0f,
                                        a, 0, lda, b, 0, ldb, 0.0f, c, 0, ldc, &queue, NULL);
    if (rc != CLBlastSuccess)
        return clnas_error_set(err, CLNAS_ERR_CLBLAST, "CLBlastSgemm at %s (m %zu n %zu k %zu) failed: %s (%d)",
                               s->name, s->m, s->n, s->k, clnas_clblast_status_name(rc), (int)rc);
    CLNAS_CL_CALL(err, clFinish(queue));
    *seconds = clnas_clock_seconds() - t0;
    return CLNAS_OK;
}

clnas_status clnas_bench_sgemm(clnas_device *dev, const clnas_bench_gemm_shape *shape, int repeats,
                               clnas_bench_gemm_result *out, clnas_error *err)
{
    if (repeats < 1 || !shape->m || !shape->n || !shape->k)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "SGEMM benchmark %s: m %zu n %zu k %zu repeats %d (expected "
                               "positive sizes and at least 1 repeat)", shape->name, shape->m, shape->n, shape->k,
                               repeats);
    clnas_rng rng;
    clnas_rng_seed(&rng, 7);
    cl_mem a = NULL, b = NULL, c = NULL;
    clnas_status st = random_buffer(dev, shape->m * shape->k, &rng, &a, err);
    if (st == CLNAS_OK)
        st = random_buffer(dev, shape->k * shape->n, &rng, &b, err);
    if (st == CLNAS_OK)
        st = random_buffer(dev, shape->m * shape->n, &rng, &c, err);
    double first = 0.0, best = 0.0, seconds = 0.0;
    if (st == CLNAS_OK)
        st = sgemm_once(dev, shape, a, b, c, &first, err);
    for (int r = 0; r < repeats && st == CLNAS_OK; r++) {
        st = sgemm_once(dev, shape, a, b, c, &seconds, err);
        best = r == 0 || seconds < best ? seconds : best;
    }
    if (a)
        clReleaseMemObject(a);
    if (b)
        clReleaseMemObject(b);
    if (c)
        clReleaseMemObject(c);
    if (st != CLNAS_OK)
        return st;
    out->shape = *shape;
    out->first_seconds = first;
    out->seconds = best;
    out->gflops = 2.0 * (double)shape->m * (double)shape->n * (double)shape->k / best * 1e-9;
    return CLNAS_OK;
}
