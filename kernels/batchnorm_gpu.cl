/* clnas — GPU family: BatchNorm2d kernels (NCHW), the entries of batchnorm.cl with the same defines and slots.
 * Defines: BATCH, CHANNELS, HW, LOCAL (work-group size, a power of two), and where used EPS, MOMENTUM, ACCUM;
 * Y_BSTRIDE (optional, the forwards: y's elements between samples), DY_BSTRIDE (optional, bn_bwd: dy's).
 * One work-group per channel. A channel is BATCH rows of HW contiguous elements; work-item l takes its elements
 * l, l + LOCAL, ... in the channel's order, so neighbouring work-items touch neighbouring addresses (coalesced),
 * and a fixed tree in local memory adds the work-items' partial sums: results are deterministic. */

#define BN_M (BATCH * HW)
/* Element i of channel c: sample i / HW, pixel i % HW. */
#define BN_AT(base, i, c) ((base) + ((i) / HW * CHANNELS + (c)) * HW + (i) % HW)
/* The forward's y may be a channel slice of a larger tensor: sample n starts Y_BSTRIDE elements after sample n-1. */
#ifndef Y_BSTRIDE
#define Y_BSTRIDE (CHANNELS * HW)
#endif
#define BN_YAT(base, i, c) ((base) + (i) / HW * Y_BSTRIDE + (c) * HW + (i) % HW)
/* Likewise the backward's dy (DY_BSTRIDE). */
#ifndef DY_BSTRIDE
#define DY_BSTRIDE (CHANNELS * HW)
#endif
#define BN_DYAT(base, i, c) ((base) + (i) / HW * DY_BSTRIDE + (c) * HW + (i) % HW)

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

/* y (=/+=) x * scale + shift over channel c; x NULL: y (=/+=) shift. */
void bn_affine(__global const real *xs, __global real *ys, int c, real scale, real shift)
{
    for (int i = get_local_id(0); i < BN_M; i += LOCAL)
        STORE(ACCUM, BN_YAT(ys, i, c), xs ? *BN_AT(xs, i, c) * scale + shift : shift);
}

/* This work-item's share of sum x over channel c. */
real bn_part_sum(__global const real *xs, int c)
{
    real acc = 0;
    for (int i = get_local_id(0); i < BN_M; i += LOCAL)
        acc += *BN_AT(xs, i, c);
    return acc;
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_fwd_train(TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(beta), TENSOR_OUT(rmean), TENSOR_OUT(rvar),
                  TENSOR_OUT(smean), TENSOR_OUT(sinvstd), TENSOR_OUT(y))
{
    __local real scratch[LOCAL];
    const int c = get_group_id(0), lid = get_local_id(0);
    __global const real *xs = TENSOR_AT(x);
    /* two passes (mean, then squared deviations) for accuracy */
    const real mean = bn_group_sum(scratch, bn_part_sum(xs, c)) / BN_M;
    real sq = 0;
    for (int i = lid; i < BN_M; i += LOCAL) {
        const real dev = *BN_AT(xs, i, c) - mean;
        sq += dev * dev;
    }
    const real var = bn_group_sum(scratch, sq) / BN_M;
    const real invstd = (real)1 / sqrt(var + EPS);
    const real scale = TENSOR_AT(gamma)[c] * invstd;
    bn_affine(xs, TENSOR_AT(y), c, scale, TENSOR_AT(beta)[c] - mean * scale);
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
    bn_affine(TENSOR_AT(x), TENSOR_AT(y), c, scale, TENSOR_AT(beta)[c] - TENSOR_AT(rmean)[c] * scale);
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_bwd(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(smean), TENSOR_IN(sinvstd), TENSOR_OUT(dx),
            TENSOR_OUT(dgamma), TENSOR_OUT(dbeta))
{
    __local real scratch[LOCAL];
    const int c = get_group_id(0), lid = get_local_id(0);
    __global const real *dys = TENSOR_AT(dy);
    __global const real *xs = TENSOR_AT(x);
    const real mean = TENSOR_AT(smean)[c], invstd = TENSOR_AT(sinvstd)[c];
    /* sum dy and sum dy * (x - mean) in one pass */
    real acc_dy = 0, acc_dy_dev = 0;
    for (int i = lid; i < BN_M; i += LOCAL) {
        const real g = *BN_DYAT(dys, i, c);
        acc_dy += g;
        acc_dy_dev += g * (*BN_AT(xs, i, c) - mean);
    }
    const real sum_dy = bn_group_sum(scratch, acc_dy);
    const real sum_dy_xhat = bn_group_sum(scratch, acc_dy_dev) * invstd;
    /* dx = k (M dy - sum_dy - xhat sum_dy_xhat) = a dy + b x + d, with xhat = (x - mean) invstd */
    const real k = TENSOR_AT(gamma)[c] * invstd / BN_M;
    const real a = k * BN_M, b = -k * sum_dy_xhat * invstd, d = -k * sum_dy - b * mean;
    for (int i = lid; i < BN_M; i += LOCAL)
        STORE(ACCUM, BN_AT(TENSOR_AT(dx), i, c), *BN_DYAT(dys, i, c) * a + *BN_AT(xs, i, c) * b + d);
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
    bn_affine(0, TENSOR_AT(y), c, 0, TENSOR_AT(beta)[c]);
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
    bn_affine(0, TENSOR_AT(y), c, 0,
              TENSOR_AT(beta)[c] - TENSOR_AT(rmean)[c] * TENSOR_AT(gamma)[c] / sqrt(TENSOR_AT(rvar)[c] + EPS));
}

/* All-zero input, backward: xhat is 0, so dgamma = 0 and dbeta = sum dy. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_const_bwd(TENSOR_IN(dy), TENSOR_OUT(dgamma), TENSOR_OUT(dbeta))
{
    __local real scratch[LOCAL];
    const int c = get_group_id(0), lid = get_local_id(0);
    const real sum = bn_group_sum(scratch, bn_part_sum(TENSOR_AT(dy), c));
    if (lid == 0) {
        TENSOR_AT(dgamma)[c] = 0;
        TENSOR_AT(dbeta)[c] = sum;
    }
}
