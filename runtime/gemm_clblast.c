/* clnas — CLBlast calls for GEMM alternatives: routine dispatch by element type, status names, the ones buffer. */
#include "gemm_clblast.h"

#include <string.h>

#include <clblast_c.h>

#include "cl_check.h"

const char *clnas_clblast_status_name(int status)
{
    switch (status) {
    case CLBlastSuccess: return "CLBlastSuccess";
    case CLBlastNotImplemented: return "CLBlastNotImplemented";
    case CLBlastInvalidMatrixA: return "CLBlastInvalidMatrixA";
    case CLBlastInvalidMatrixB: return "CLBlastInvalidMatrixB";
    case CLBlastInvalidMatrixC: return "CLBlastInvalidMatrixC";
    case CLBlastInvalidVectorX: return "CLBlastInvalidVectorX";
    case CLBlastInvalidVectorY: return "CLBlastInvalidVectorY";
    case CLBlastInvalidDimension: return "CLBlastInvalidDimension";
    case CLBlastInvalidLeadDimA: return "CLBlastInvalidLeadDimA";
    case CLBlastInvalidLeadDimB: return "CLBlastInvalidLeadDimB";
    case CLBlastInvalidLeadDimC: return "CLBlastInvalidLeadDimC";
    case CLBlastInvalidIncrementX: return "CLBlastInvalidIncrementX";
    case CLBlastInvalidIncrementY: return "CLBlastInvalidIncrementY";
    case CLBlastInsufficientMemoryA: return "CLBlastInsufficientMemoryA";
    case CLBlastInsufficientMemoryB: return "CLBlastInsufficientMemoryB";
    case CLBlastInsufficientMemoryC: return "CLBlastInsufficientMemoryC";
    case CLBlastInsufficientMemoryX: return "CLBlastInsufficientMemoryX";
    case CLBlastInsufficientMemoryY: return "CLBlastInsufficientMemoryY";
    case CLBlastInsufficientMemoryTemp: return "CLBlastInsufficientMemoryTemp";
    case CLBlastInvalidBatchCount: return "CLBlastInvalidBatchCount";
    case CLBlastInvalidOverrideKernel: return "CLBlastInvalidOverrideKernel";
    case CLBlastMissingOverrideParameter: return "CLBlastMissingOverrideParameter";
    case CLBlastInvalidLocalMemUsage: return "CLBlastInvalidLocalMemUsage";
    case CLBlastNoHalfPrecision: return "CLBlastNoHalfPrecision";
    case CLBlastNoDoublePrecision: return "CLBlastNoDoublePrecision";
    case CLBlastInvalidVectorScalar: return "CLBlastInvalidVectorScalar";
    case CLBlastInsufficientMemoryScalar: return "CLBlastInsufficientMemoryScalar";
    case CLBlastDatabaseError: return "CLBlastDatabaseError";
    case CLBlastUnknownError: return "CLBlastUnknownError";
    case CLBlastUnexpectedError: return "CLBlastUnexpectedError";
    default: break;
    }
    /* The remaining codes are OpenCL's own. */
    const char *cl = clnas_cl_error_name((cl_int)status);
    return strcmp(cl, "CL_UNKNOWN_ERROR") != 0 ? cl : "CLBlastUnknownStatus";
}

static const char *status_hint(int status)
{
    switch (status) {
    case CLBlastDatabaseError:
    case CLBlastNotImplemented:
    case CLBlastNoDoublePrecision:
    case CLBlastInvalidLocalMemUsage:
        return "this device or CLBlast build cannot run it; set CLNAS_ALGO=kernel to use the generated kernels";
    case CLBlastTempBufferAllocFailure:
    case CLBlastOpenCLOutOfResources:
    case CLBlastOpenCLOutOfHostMemory:
        return "out of device memory; use a smaller batch or CLNAS_ALGO=kernel";
    default:
        return "a bug in clnas's GEMM description or in CLBlast; CLNAS_ALGO=kernel avoids CLBlast";
    }
}

static cl_mem operand_buffer(const clnas_gemm_operand *o, const clnas_gemm_buffers *b, size_t *offset)
{
    switch (o->src) {
    case CLNAS_GEMM_SRC_SLOT:
        *offset = b->slot_offset[o->slot] + o->offset;
        return b->slot[o->slot];
    case CLNAS_GEMM_SRC_SCRATCH:
        *offset = o->offset;
        return b->scratch;
    case CLNAS_GEMM_SRC_ONES:
        *offset = o->offset;
        return b->ones;
    }
    *offset = 0;
    return NULL;
}

static CLBlastTranspose transpose(int t)
{
    return t ? CLBlastTransposeYes : CLBlastTransposeNo;
}

/* One step; *routine names the CLBlast function for messages. */
static CLBlastStatusCode run_step(cl_command_queue *queue, const clnas_gemm_step *s, const clnas_gemm_buffers *b,
                                  int fp64, const char **routine)
{
    size_t ao, bo, co;
    cl_mem a = operand_buffer(&s->a, b, &ao), bb = operand_buffer(&s->b, b, &bo), c = operand_buffer(&s->c, b, &co);
    const CLBlastLayout row = CLBlastLayoutRowMajor;
    switch (s->routine) {
    case CLNAS_GEMM_ROUTINE_GEMM:
        *routine = fp64 ? "CLBlastDgemm" : "CLBlastSgemm";
        if (fp64)
            return CLBlastDgemm(row, transpose(s->trans_a), transpose(s->trans_b), s->m, s->n, s->k, s->alpha, a, ao,
                                s->a.ld, bb, bo, s->b.ld, s->beta, c, co, s->c.ld, queue, NULL);
        return CLBlastSgemm(row, transpose(s->trans_a), transpose(s->trans_b), s->m, s->n, s->k, (float)s->alpha, a,
                            ao, s->a.ld, bb, bo, s->b.ld, (float)s->beta, c, co, s->c.ld, queue, NULL);
    case CLNAS_GEMM_ROUTINE_GEMM_STRIDED_BATCHED:
        *routine = fp64 ? "CLBlastDgemmStridedBatched" : "CLBlastSgemmStridedBatched";
        if (fp64)
            return CLBlastDgemmStridedBatched(row, transpose(s->trans_a), transpose(s->trans_b), s->m, s->n, s->k,
                                              s->alpha, a, ao, s->a.ld, s->a.stride, bb, bo, s->b.ld, s->b.stride,
                                              s->beta, c, co, s->c.ld, s->c.stride, s->batch, queue, NULL);
        return CLBlastSgemmStridedBatched(row, transpose(s->trans_a), transpose(s->trans_b), s->m, s->n, s->k,
                                          (float)s->alpha, a, ao, s->a.ld, s->a.stride, bb, bo, s->b.ld, s->b.stride,
                                          (float)s->beta, c, co, s->c.ld, s->c.stride, s->batch, queue, NULL);
    case CLNAS_GEMM_ROUTINE_CONVGEMM: {
        const clnas_gemm_conv *v = &s->conv;
        const CLBlastKernelMode mode = CLBlastKernelModeCrossCorrelation;
        *routine = fp64 ? "CLBlastDconvgemm" : "CLBlastSconvgemm";
        if (fp64)
            return CLBlastDconvgemm(mode, v->channels, v->height, v->width, v->ksize, v->ksize, v->pad, v->pad,
                                    v->stride, v->stride, 1, 1, v->num_kernels, s->batch, a, ao, bb, bo, c, co, queue,
                                    NULL);
        return CLBlastSconvgemm(mode, v->channels, v->height, v->width, v->ksize, v->ksize, v->pad, v->pad, v->stride,
                                v->stride, 1, 1, v->num_kernels, s->batch, a, ao, bb, bo, c, co, queue, NULL);
    }
    }
    *routine = "CLBlast (unknown routine)";
    return CLBlastInvalidValue;
}

/* max(x, 0) of slot g->relu_slot into scratch[0, relu_elems): the input the steps read where the kernel folds a ReLU
 * into its load. */
static clnas_status enqueue_relu(cl_command_queue queue, const clnas_gemm_desc *g, const clnas_gemm_buffers *bufs,
                                 clnas_error *err)
{
    const clnas_gemm_relu *r = &bufs->relu;
    if (!r->kernel || !bufs->scratch)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: %s reads a rectified input but has no ReLU "
                               "kernel or scratch", g->sig);
    const cl_uint x_off = (cl_uint)bufs->slot_offset[g->relu_slot], y_off = 0;
    CLNAS_CL_CALL(err, clSetKernelArg(r->kernel, 0, sizeof(cl_mem), &bufs->slot[g->relu_slot]));
    CLNAS_CL_CALL(err, clSetKernelArg(r->kernel, 1, sizeof x_off, &x_off));
    CLNAS_CL_CALL(err, clSetKernelArg(r->kernel, 2, sizeof(cl_mem), &bufs->scratch));
    CLNAS_CL_CALL(err, clSetKernelArg(r->kernel, 3, sizeof y_off, &y_off));
    CLNAS_CL_CALL(err, clEnqueueNDRangeKernel(queue, r->kernel, 1, NULL, &r->global, &r->local, 0, NULL, NULL));
    return CLNAS_OK;
}

clnas_status clnas_gemm_enqueue(cl_command_queue queue, const clnas_gemm_desc *g, const clnas_gemm_buffers *bufs,
                                int fp64, clnas_error *err)
{
    if (g->relu_elems > 0) {
        clnas_status st = enqueue_relu(queue, g, bufs, err);
        if (st != CLNAS_OK)
            return st;
    }
    for (int i = 0; i < g->nsteps; i++) {
        const clnas_gemm_step *s = &g->step[i];
        const char *routine = "";
        CLBlastStatusCode rc = run_step(&queue, s, bufs, fp64, &routine);
        if (rc != CLBlastSuccess)
            return clnas_error_set(err, CLNAS_ERR_CLBLAST,
                                   "%s (step %d of %s: m=%zu n=%zu k=%zu batch=%zu) failed: %s (%d); %s", routine,
                                   i + 1, g->sig, s->m, s->n, s->k, s->batch, clnas_clblast_status_name(rc), (int)rc,
                                   status_hint(rc));
    }
    return CLNAS_OK;
}

clnas_status clnas_gemm_fill_ones(cl_command_queue queue, cl_mem buf, size_t count, int fp64, clnas_error *err)
{
    if (count == 0)
        return CLNAS_OK;
    double one_d = 1.0;
    float one_f = 1.0f;
    CLNAS_CL_CALL(err, clEnqueueFillBuffer(queue, buf, fp64 ? (const void *)&one_d : (const void *)&one_f,
                                           fp64 ? sizeof one_d : sizeof one_f, 0,
                                           count * (fp64 ? sizeof one_d : sizeof one_f), 0, NULL, NULL));
    return CLNAS_OK;
}
