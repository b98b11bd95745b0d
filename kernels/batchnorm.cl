/* clnas — BatchNorm2d kernels (NCHW): training forward, evaluation forward, backward, and the all-zero-input forms.
 * Defines: BATCH, CHANNELS, HW, LOCAL (work-group size), and where used EPS, MOMENTUM, ACCUM.
 * Per-channel kernels run one work-group per channel (LOCAL a power of two) and reduce over M = BATCH * HW
 * elements in a fixed order: a strided loop per work-item, then a fixed tree in local memory. */

#define BN_M (BATCH * HW)
#define BN_TOTAL (BATCH * CHANNELS * HW)

/* Element i (0 <= i < BN_M) of channel c: sample i / HW, pixel i % HW. */
int bn_index(int c, int i)
{
    const int n = i / HW;
    return (n * CHANNELS + c) * HW + (i - n * HW);
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

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_fwd_train(TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(beta), TENSOR_OUT(rmean), TENSOR_OUT(rvar),
                  TENSOR_OUT(smean), TENSOR_OUT(sinvstd), TENSOR_OUT(y))
{
    __local real scratch[LOCAL];
    const int c = get_group_id(0), lid = get_local_id(0);
    __global const real *xs = TENSOR_AT(x);
    __global real *ys = TENSOR_AT(y);

    real acc = 0;
    for (int i = lid; i < BN_M; i += LOCAL)
        acc += xs[bn_index(c, i)];
    const real mean = bn_group_sum(scratch, acc) / BN_M;

    acc = 0;
    for (int i = lid; i < BN_M; i += LOCAL) {
        const real dev = xs[bn_index(c, i)] - mean;
        acc += dev * dev;
    }
    const real var = bn_group_sum(scratch, acc) / BN_M;
    const real invstd = (real)1 / sqrt(var + EPS);

    const real scale = TENSOR_AT(gamma)[c] * invstd, shift = TENSOR_AT(beta)[c];
    for (int i = lid; i < BN_M; i += LOCAL) {
        const int at = bn_index(c, i);
        STORE(ACCUM, &ys[at], (xs[at] - mean) * scale + shift);
    }
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
    const int i = get_global_id(0);
    if (i < BN_TOTAL) {
        const int c = (i / HW) % CHANNELS;
        const real invstd = (real)1 / sqrt(TENSOR_AT(rvar)[c] + EPS);
        const real v = TENSOR_AT(gamma)[c] * (TENSOR_AT(x)[i] - TENSOR_AT(rmean)[c]) * invstd + TENSOR_AT(beta)[c];
        STORE(ACCUM, TENSOR_AT(y) + i, v);
    }
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

    real acc_dy = 0, acc_dy_xhat = 0;
    for (int i = lid; i < BN_M; i += LOCAL) {
        const int at = bn_index(c, i);
        acc_dy += dys[at];
        acc_dy_xhat += dys[at] * ((xs[at] - mean) * invstd);
    }
    const real sum_dy = bn_group_sum(scratch, acc_dy);
    const real sum_dy_xhat = bn_group_sum(scratch, acc_dy_xhat);

    const real k = TENSOR_AT(gamma)[c] * invstd / BN_M;
    for (int i = lid; i < BN_M; i += LOCAL) {
        const int at = bn_index(c, i);
        const real xhat = (xs[at] - mean) * invstd;
        STORE(ACCUM, &dxs[at], k * (BN_M * dys[at] - sum_dy - xhat * sum_dy_xhat));
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
    const int i = get_global_id(0);
    if (i < BN_TOTAL)
        STORE(ACCUM, TENSOR_AT(y) + i, TENSOR_AT(beta)[(i / HW) % CHANNELS]);
    if (i < CHANNELS) {
        TENSOR_AT(rmean)[i] *= 1 - MOMENTUM;
        TENSOR_AT(rvar)[i] *= 1 - MOMENTUM;
    }
}

/* All-zero input in evaluation: y is the running-statistics constant beta - rmean*gamma/sqrt(rvar+eps). */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_const_fwd_eval(TENSOR_IN(gamma), TENSOR_IN(beta), TENSOR_IN(rmean), TENSOR_IN(rvar), TENSOR_OUT(y))
{
    const int i = get_global_id(0);
    if (i < BN_TOTAL) {
        const int c = (i / HW) % CHANNELS;
        const real shift =
            TENSOR_AT(beta)[c] - TENSOR_AT(rmean)[c] * TENSOR_AT(gamma)[c] / sqrt(TENSOR_AT(rvar)[c] + EPS);
        STORE(ACCUM, TENSOR_AT(y) + i, shift);
    }
}

/* All-zero input, backward: xhat is 0, so dgamma = 0 and dbeta = sum dy. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_const_bwd(TENSOR_IN(dy), TENSOR_OUT(dgamma), TENSOR_OUT(dbeta))
{
    __local real scratch[LOCAL];
    const int c = get_group_id(0), lid = get_local_id(0);
    __global const real *dys = TENSOR_AT(dy);
    real acc = 0;
    for (int i = lid; i < BN_M; i += LOCAL)
        acc += dys[bn_index(c, i)];
    const real sum = bn_group_sum(scratch, acc);
    if (lid == 0) {
        TENSOR_AT(dgamma)[c] = 0;
        TENSOR_AT(dbeta)[c] = sum;
    }
}
