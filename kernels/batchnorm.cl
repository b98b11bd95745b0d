/* clnas — BatchNorm2d kernels (NCHW): training forward, evaluation forward, the forward again from saved statistics,
 * backward, and the all-zero-input forms.
 * Defines: BATCH, CHANNELS, HW, LOCAL (work-group size), and where used EPS, MOMENTUM, ACCUM; Y_BSTRIDE (optional,
 * the forwards: y's elements between samples), DY_BSTRIDE (optional, bn_bwd: dy's).
 * Every kernel runs one work-group per channel (LOCAL a power of two). A channel is BATCH rows of HW
 * contiguous elements; work-item l takes rows l, l + LOCAL, ... and walks each row in vectors of BN_VW lanes
 * (PoCL vectorises explicit vectors, not strided scalar loops), then a fixed tree in local memory adds the
 * work-items' partial sums: the order is fixed, so results are deterministic. */

#define BN_M (BATCH * HW)

#ifdef CLNAS_FP64
#define BN_VW 8
typedef double8 bn_realv;
#else
#define BN_VW 16
typedef float16 bn_realv;
#endif
#define BN_VECS (HW / BN_VW) /* whole vectors in a row; the HW % BN_VW elements after them go one by one */
/* Unaligned vector access: clang-based compilers (PoCL, ROCm, Intel) make one unaligned load or store of a vector
 * type with element alignment, where vloadn may become a chain of small loads. */
#ifdef __clang__
typedef bn_realv __attribute__((aligned(sizeof(real)))) bn_realv_u;
#define BN_VLOAD(p) (*(__global const bn_realv_u *)(p))
#define BN_VSTORE(v, p) (*(__global bn_realv_u *)(p) = (v))
#elif BN_VW == 8
#define BN_VLOAD(p) vload8(0, p)
#define BN_VSTORE(v, p) vstore8(v, 0, p)
#else
#define BN_VLOAD(p) vload16(0, p)
#define BN_VSTORE(v, p) vstore16(v, 0, p)
#endif

/* First element of row n (a sample) of channel c. */
#define BN_ROW(base, n, c) ((base) + ((n) * CHANNELS + (c)) * HW)
/* The forward's y may be a channel slice of a larger tensor (a DARTS cell's output): sample n starts Y_BSTRIDE
 * elements after sample n-1 (the codegen defines it then; contiguous otherwise). */
#ifndef Y_BSTRIDE
#define Y_BSTRIDE (CHANNELS * HW)
#endif
#define BN_YROW(base, n, c) ((base) + (n) * Y_BSTRIDE + (c) * HW)
/* Likewise the backward's dy (DY_BSTRIDE). */
#ifndef DY_BSTRIDE
#define DY_BSTRIDE (CHANNELS * HW)
#endif
#define BN_DYROW(base, n, c) ((base) + (n) * DY_BSTRIDE + (c) * HW)

real bn_lanes_sum(bn_realv v)
{
#if BN_VW == 16
    const float8 h = v.lo + v.hi;
#else
    const bn_realv h = v;
#endif
    return (h.s0 + h.s4) + (h.s1 + h.s5) + (h.s2 + h.s6) + (h.s3 + h.s7);
}

/* Sum of every work-item's v, the same for all work-items; every work-item must call it. */
real bn_group_sum(__local real *scratch, real v)
{
    const int lid = get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LOCAL / 2; s > 0; s >>= 1) {
        if (lid < s)
            scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const real total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE); /* scratch is reused by the next sum */
    return total;
}

/* This work-item's share of sum x over channel c. */
real bn_part_sum(__global const real *xs, int c)
{
    bn_realv vacc = 0;
    real acc = 0;
    for (int n = get_local_id(0); n < BATCH; n += LOCAL) {
        __global const real *row = BN_ROW(xs, n, c);
        for (int v = 0; v < BN_VECS; v++)
            vacc += BN_VLOAD(row + v * BN_VW);
        for (int p = BN_VECS * BN_VW; p < HW; p++)
            acc += row[p];
    }
    return acc + bn_lanes_sum(vacc);
}

/* This work-item's share of sum (x - mean)^2 over channel c. */
real bn_part_sqdev(__global const real *xs, int c, real mean)
{
    bn_realv vacc = 0;
    real acc = 0;
    for (int n = get_local_id(0); n < BATCH; n += LOCAL) {
        __global const real *row = BN_ROW(xs, n, c);
        for (int v = 0; v < BN_VECS; v++) {
            const bn_realv dev = BN_VLOAD(row + v * BN_VW) - mean;
            vacc += dev * dev;
        }
        for (int p = BN_VECS * BN_VW; p < HW; p++)
            acc += (row[p] - mean) * (row[p] - mean);
    }
    return acc + bn_lanes_sum(vacc);
}

/* y (=/+=) x * scale + shift over this work-item's rows of channel c. */
void bn_affine_rows(__global const real *xs, __global real *ys, int c, real scale, real shift)
{
    for (int n = get_local_id(0); n < BATCH; n += LOCAL) {
        __global const real *row = BN_ROW(xs, n, c);
        __global real *out = BN_YROW(ys, n, c);
        for (int v = 0; v < BN_VECS; v++) {
            bn_realv r = BN_VLOAD(row + v * BN_VW) * scale + shift;
            if (ACCUM)
                r += BN_VLOAD(out + v * BN_VW);
            BN_VSTORE(r, out + v * BN_VW);
        }
        for (int p = BN_VECS * BN_VW; p < HW; p++)
            STORE(ACCUM, &out[p], row[p] * scale + shift);
    }
}

/* y (=/+=) value over this work-item's rows of channel c. */
void bn_fill_rows(__global real *ys, int c, real value)
{
    for (int n = get_local_id(0); n < BATCH; n += LOCAL) {
        __global real *out = BN_YROW(ys, n, c);
        for (int v = 0; v < BN_VECS; v++) {
            bn_realv r = value;
            if (ACCUM)
                r += BN_VLOAD(out + v * BN_VW);
            BN_VSTORE(r, out + v * BN_VW);
        }
        for (int p = BN_VECS * BN_VW; p < HW; p++)
            STORE(ACCUM, &out[p], value);
    }
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_fwd_train(TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(beta), TENSOR_OUT(rmean), TENSOR_OUT(rvar),
                  TENSOR_OUT(smean), TENSOR_OUT(sinvstd), TENSOR_OUT(y))
{
    __local real scratch[LOCAL];
    const int c = get_group_id(0), lid = get_local_id(0);
    __global const real *xs = TENSOR_AT(x);

    /* two passes (mean, then squared deviations) for accuracy; the channel's data is cache-hot for the second */
    const real mean = bn_group_sum(scratch, bn_part_sum(xs, c)) / BN_M;
    const real var = bn_group_sum(scratch, bn_part_sqdev(xs, c, mean)) / BN_M;
    const real invstd = (real)1 / sqrt(var + EPS);

    const real scale = TENSOR_AT(gamma)[c] * invstd;
    bn_affine_rows(xs, TENSOR_AT(y), c, scale, TENSOR_AT(beta)[c] - mean * scale);
    if (lid == 0) {
        TENSOR_AT(smean)[c] = mean;
        TENSOR_AT(sinvstd)[c] = invstd;
        TENSOR_AT(rmean)[c] = (1 - MOMENTUM) * TENSOR_AT(rmean)[c] + MOMENTUM * mean;
        TENSOR_AT(rvar)[c] = (1 - MOMENTUM) * TENSOR_AT(rvar)[c] + MOMENTUM * var * ((real)BN_M / (real)(BN_M - 1));
    }
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_fwd_eval(TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(beta), TENSOR_IN(rmean), TENSOR_IN(rvar), TENSOR_OUT(y))
{
    const int c = get_group_id(0);
    const real scale = TENSOR_AT(gamma)[c] / sqrt(TENSOR_AT(rvar)[c] + EPS);
    bn_affine_rows(TENSOR_AT(x), TENSOR_AT(y), c, scale, TENSOR_AT(beta)[c] - TENSOR_AT(rmean)[c] * scale);
}

/* y (=/+=) x normalised by the batch statistics a training forward saved: the backward's copy of a BatchNorm output
 * it did not keep (codegen/recompute.c). The scale and shift are bn_fwd_train's, so are the values. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_fwd_saved(TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(beta), TENSOR_IN(smean), TENSOR_IN(sinvstd),
                  TENSOR_OUT(y))
{
    const int c = get_group_id(0);
    const real scale = TENSOR_AT(gamma)[c] * TENSOR_AT(sinvstd)[c];
    bn_affine_rows(TENSOR_AT(x), TENSOR_AT(y), c, scale, TENSOR_AT(beta)[c] - TENSOR_AT(smean)[c] * scale);
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_bwd(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(smean), TENSOR_IN(sinvstd), TENSOR_OUT(dx),
            TENSOR_OUT(dgamma), TENSOR_OUT(dbeta))
{
    __local real scratch[LOCAL];
    const int c = get_group_id(0), lid = get_local_id(0);
    __global const real *dys = TENSOR_AT(dy);
    __global const real *xs = TENSOR_AT(x);
    __global real *dxs = TENSOR_AT(dx);
    const real mean = TENSOR_AT(smean)[c], invstd = TENSOR_AT(sinvstd)[c];

    /* sum dy and sum dy * (x - mean) in one pass */
    bn_realv vacc_dy = 0, vacc_dy_dev = 0;
    real acc_dy = 0, acc_dy_dev = 0;
    for (int n = lid; n < BATCH; n += LOCAL) {
        __global const real *dyrow = BN_DYROW(dys, n, c);
        __global const real *xrow = BN_ROW(xs, n, c);
        for (int v = 0; v < BN_VECS; v++) {
            const bn_realv g = BN_VLOAD(dyrow + v * BN_VW);
            vacc_dy += g;
            vacc_dy_dev += g * (BN_VLOAD(xrow + v * BN_VW) - mean);
        }
        for (int p = BN_VECS * BN_VW; p < HW; p++) {
            acc_dy += dyrow[p];
            acc_dy_dev += dyrow[p] * (xrow[p] - mean);
        }
    }
    const real sum_dy = bn_group_sum(scratch, acc_dy + bn_lanes_sum(vacc_dy));
    const real sum_dy_xhat = bn_group_sum(scratch, acc_dy_dev + bn_lanes_sum(vacc_dy_dev)) * invstd;

    /* dx = k (M dy - sum_dy - xhat sum_dy_xhat) = a dy + b x + d, with xhat = (x - mean) invstd */
    const real k = TENSOR_AT(gamma)[c] * invstd / BN_M;
    const real a = k * BN_M, b = -k * sum_dy_xhat * invstd, d = -k * sum_dy - b * mean;
    for (int n = lid; n < BATCH; n += LOCAL) {
        __global const real *dyrow = BN_DYROW(dys, n, c);
        __global const real *xrow = BN_ROW(xs, n, c);
        __global real *out = BN_ROW(dxs, n, c);
        for (int v = 0; v < BN_VECS; v++) {
            bn_realv r = BN_VLOAD(dyrow + v * BN_VW) * a + BN_VLOAD(xrow + v * BN_VW) * b + d;
            if (ACCUM)
                r += BN_VLOAD(out + v * BN_VW);
            BN_VSTORE(r, out + v * BN_VW);
        }
        for (int p = BN_VECS * BN_VW; p < HW; p++)
            STORE(ACCUM, &out[p], dyrow[p] * a + xrow[p] * b + d);
    }
    if (lid == 0) {
        TENSOR_AT(dgamma)[c] = sum_dy_xhat;
        TENSOR_AT(dbeta)[c] = sum_dy;
    }
}

/* All-zero input in training: the batch mean and variance are 0, so y is beta and the running statistics decay. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_const_fwd_train(TENSOR_IN(beta), TENSOR_OUT(rmean), TENSOR_OUT(rvar), TENSOR_OUT(y))
{
    const int c = get_group_id(0);
    bn_fill_rows(TENSOR_AT(y), c, TENSOR_AT(beta)[c]);
    if (get_local_id(0) == 0) {
        TENSOR_AT(rmean)[c] *= 1 - MOMENTUM;
        TENSOR_AT(rvar)[c] *= 1 - MOMENTUM;
    }
}

/* All-zero input in evaluation: y is the running-statistics constant beta - rmean*gamma/sqrt(rvar+eps). */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_const_fwd_eval(TENSOR_IN(gamma), TENSOR_IN(beta), TENSOR_IN(rmean), TENSOR_IN(rvar), TENSOR_OUT(y))
{
    const int c = get_group_id(0);
    bn_fill_rows(TENSOR_AT(y), c,
                 TENSOR_AT(beta)[c] - TENSOR_AT(rmean)[c] * TENSOR_AT(gamma)[c] / sqrt(TENSOR_AT(rvar)[c] + EPS));
}

/* All-zero input, backward: xhat is 0, so dgamma = 0 and dbeta = sum dy. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_const_bwd(TENSOR_IN(dy), TENSOR_OUT(dgamma), TENSOR_OUT(dbeta))
{
    __local real scratch[LOCAL];
    const int c = get_group_id(0), lid = get_local_id(0);
    __global const real *dys = TENSOR_AT(dy);
    const real sum = bn_group_sum(scratch, bn_part_sum(dys, c));
    if (lid == 0) {
        TENSOR_AT(dgamma)[c] = 0;
        TENSOR_AT(dbeta)[c] = sum;
    }
}
