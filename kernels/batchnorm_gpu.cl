/* clnas — GPU family: BatchNorm2d kernels (NCHW), the entries of batchnorm.cl with the same defines and slots.
 * Defines: BATCH, CHANNELS, HW, LOCAL (work-group size, a power of two), and where used EPS, MOMENTUM, ACCUM;
 * Y_BSTRIDE (optional, the forwards: y's elements between samples), DY_BSTRIDE (optional, bn_bwd: dy's);
 * SPLIT (optional, default 1: ranges per channel).
 * One work-group per channel, or with SPLIT > 1 one per range of a channel: work-group g takes channel g / SPLIT and
 * its range g % SPLIT, BN_RANGE consecutive elements of the channel (the last range shorter, none empty). A split
 * training forward or backward is two launches: bn_fwd_part (bn_bwd_part) writes each range's partial statistics to
 * part [CHANNELS][SPLIT][2], then bn_fwd_train_split (bn_bwd_split) combines a channel's ranges in their order and
 * applies them to its own range (codegen/bn_split.c), so results do not depend on scheduling. bn_fwd_eval and
 * bn_fwd_saved take any SPLIT; bn_fwd_train, bn_bwd and the bn_const_ kernels take SPLIT 1 (a work-group per channel).
 * A channel is BATCH rows of HW contiguous elements; work-item l takes its elements l, l + LOCAL, ... in the
 * channel's (range's) order, so neighbouring work-items touch neighbouring addresses (coalesced), and a fixed tree
 * in local memory adds the work-items' partial sums: results are deterministic. Every loop runs the same trip count
 * in every work-group (BN_RANGE, the elements past the channel masked). */

#define BN_M (BATCH * HW)
#ifndef SPLIT
#define SPLIT 1
#endif
#define BN_RANGE ((BN_M + SPLIT - 1) / SPLIT)
/* This work-group's channel and range */
#define BN_CHANNEL ((int)get_group_id(0) / SPLIT)
#define BN_PART ((int)get_group_id(0) % SPLIT)
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

/* Elements in range r of a channel. */
int bn_range_count(int r)
{
    return min(BN_RANGE, BN_M - r * BN_RANGE);
}

/* y (=/+=) x * scale + shift over range r of channel c; x NULL: y (=/+=) shift. */
void bn_affine(__global const real *xs, __global real *ys, int c, int r, real scale, real shift)
{
    for (int k = get_local_id(0); k < BN_RANGE; k += LOCAL) {
        const int i = r * BN_RANGE + k;
        if (i < BN_M)
            STORE(ACCUM, BN_YAT(ys, i, c), xs ? *BN_AT(xs, i, c) * scale + shift : shift);
    }
}

/* This work-item's share of sum x over range r of channel c. */
real bn_part_sum(__global const real *xs, int c, int r)
{
    real acc = 0;
    for (int k = get_local_id(0); k < BN_RANGE; k += LOCAL) {
        const int i = r * BN_RANGE + k;
        if (i < BN_M)
            acc += *BN_AT(xs, i, c);
    }
    return acc;
}

/* This work-item's share of sum (x - mean)^2 over range r of channel c. */
real bn_part_sq(__global const real *xs, int c, int r, real mean)
{
    real sq = 0;
    for (int k = get_local_id(0); k < BN_RANGE; k += LOCAL) {
        const int i = r * BN_RANGE + k;
        if (i < BN_M) {
            const real dev = *BN_AT(xs, i, c) - mean;
            sq += dev * dev;
        }
    }
    return sq;
}

/* The saved and the running statistics of channel c (one work-item writes them). */
void bn_save_stats(int c, real mean, real var, real invstd, __global real *smean, __global real *sinvstd,
                   __global real *rmean, __global real *rvar)
{
    smean[c] = mean;
    sinvstd[c] = invstd;
    rmean[c] = (1 - MOMENTUM) * rmean[c] + MOMENTUM * mean;
    rvar[c] = (1 - MOMENTUM) * rvar[c] + MOMENTUM * var * ((real)BN_M / (real)(BN_M - 1));
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_fwd_train(TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(beta), TENSOR_OUT(rmean), TENSOR_OUT(rvar),
                  TENSOR_OUT(smean), TENSOR_OUT(sinvstd), TENSOR_OUT(y))
{
    __local real scratch[LOCAL];
    const int c = get_group_id(0);
    __global const real *xs = TENSOR_AT(x);
    /* two passes (mean, then squared deviations) for accuracy */
    const real mean = bn_group_sum(scratch, bn_part_sum(xs, c, 0)) / BN_M;
    const real var = bn_group_sum(scratch, bn_part_sq(xs, c, 0, mean)) / BN_M;
    const real invstd = (real)1 / sqrt(var + EPS);
    const real scale = TENSOR_AT(gamma)[c] * invstd;
    bn_affine(xs, TENSOR_AT(y), c, 0, scale, TENSOR_AT(beta)[c] - mean * scale);
    if (get_local_id(0) == 0)
        bn_save_stats(c, mean, var, invstd, TENSOR_AT(smean), TENSOR_AT(sinvstd), TENSOR_AT(rmean), TENSOR_AT(rvar));
}

/* Range r of channel c's two partial statistics in part [CHANNELS][SPLIT][2], written by work-item 0. */
void bn_store_part(__global real *part, int c, int r, real first, real second)
{
    if (get_local_id(0) == 0) {
        part[(c * SPLIT + r) * 2] = first;
        part[(c * SPLIT + r) * 2 + 1] = second;
    }
}

/* The split training forward's first launch: range r of channel c's mean and sum of squared deviations (two passes)
 * in part[(c * SPLIT + r) * 2 + 0, 1]. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_fwd_part(TENSOR_IN(x), TENSOR_OUT(part))
{
    __local real scratch[LOCAL];
    const int c = BN_CHANNEL, r = BN_PART;
    __global const real *xs = TENSOR_AT(x);
    const real mean = bn_group_sum(scratch, bn_part_sum(xs, c, r)) / bn_range_count(r);
    bn_store_part(TENSOR_AT(part), c, r, mean, bn_group_sum(scratch, bn_part_sq(xs, c, r, mean)));
}

/* The split training forward's second launch: channel c's mean and biased variance from its ranges' parts (Chan,
 * Golub and LeVeque's pairwise update, range after range), applied to range r; range 0 saves the statistics. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_fwd_train_split(TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(beta), TENSOR_OUT(rmean), TENSOR_OUT(rvar),
                        TENSOR_IN(part), TENSOR_OUT(smean), TENSOR_OUT(sinvstd), TENSOR_OUT(y))
{
    const int c = BN_CHANNEL, r = BN_PART;
    __global const real *parts = TENSOR_AT(part) + c * SPLIT * 2;
    real count = 0, mean = 0, m2 = 0;
    for (int s = 0; s < SPLIT; s++) {
        const real n = bn_range_count(s), delta = parts[2 * s] - mean, total = count + n;
        mean += delta * (n / total);
        m2 += parts[2 * s + 1] + delta * delta * (count * n / total);
        count = total;
    }
    const real var = m2 / BN_M;
    const real invstd = (real)1 / sqrt(var + EPS);
    const real scale = TENSOR_AT(gamma)[c] * invstd;
    bn_affine(TENSOR_AT(x), TENSOR_AT(y), c, r, scale, TENSOR_AT(beta)[c] - mean * scale);
    if (r == 0 && get_local_id(0) == 0)
        bn_save_stats(c, mean, var, invstd, TENSOR_AT(smean), TENSOR_AT(sinvstd), TENSOR_AT(rmean), TENSOR_AT(rvar));
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_fwd_eval(TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(beta), TENSOR_IN(rmean), TENSOR_IN(rvar), TENSOR_OUT(y))
{
    const int c = BN_CHANNEL;
    const real scale = TENSOR_AT(gamma)[c] / sqrt(TENSOR_AT(rvar)[c] + EPS);
    bn_affine(TENSOR_AT(x), TENSOR_AT(y), c, BN_PART, scale, TENSOR_AT(beta)[c] - TENSOR_AT(rmean)[c] * scale);
}

/* y (=/+=) x normalised by the batch statistics a training forward saved (codegen/recompute.c): bn_fwd_train's scale
 * and shift, over range BN_PART of the channel as bn_fwd_eval. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_fwd_saved(TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(beta), TENSOR_IN(smean), TENSOR_IN(sinvstd),
                  TENSOR_OUT(y))
{
    const int c = BN_CHANNEL;
    const real scale = TENSOR_AT(gamma)[c] * TENSOR_AT(sinvstd)[c];
    bn_affine(TENSOR_AT(x), TENSOR_AT(y), c, BN_PART, scale, TENSOR_AT(beta)[c] - TENSOR_AT(smean)[c] * scale);
}

/* This work-item's shares of sum dy and sum dy * (x - mean) over range r of channel c. */
void bn_part_dy(__global const real *dys, __global const real *xs, int c, int r, real mean, real *acc_dy,
                real *acc_dy_dev)
{
    real a = 0, b = 0;
    for (int k = get_local_id(0); k < BN_RANGE; k += LOCAL) {
        const int i = r * BN_RANGE + k;
        if (i < BN_M) {
            const real g = *BN_DYAT(dys, i, c);
            a += g;
            b += g * (*BN_AT(xs, i, c) - mean);
        }
    }
    *acc_dy = a;
    *acc_dy_dev = b;
}

/* dx (=/+=) k (M dy - sum_dy - xhat sum_dy_xhat) = a dy + b x + d over range r of channel c, with
 * xhat = (x - mean) invstd and sum_dy_xhat = sum_dy_dev invstd. */
void bn_bwd_apply(__global const real *dys, __global const real *xs, __global real *dx, int c, int r, real gamma,
                  real mean, real invstd, real sum_dy, real sum_dy_xhat)
{
    const real k = gamma * invstd / BN_M;
    const real a = k * BN_M, b = -k * sum_dy_xhat * invstd, d = -k * sum_dy - b * mean;
    for (int j = get_local_id(0); j < BN_RANGE; j += LOCAL) {
        const int i = r * BN_RANGE + j;
        if (i < BN_M)
            STORE(ACCUM, BN_AT(dx, i, c), *BN_DYAT(dys, i, c) * a + *BN_AT(xs, i, c) * b + d);
    }
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_bwd(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(smean), TENSOR_IN(sinvstd), TENSOR_OUT(dx),
            TENSOR_OUT(dgamma), TENSOR_OUT(dbeta))
{
    __local real scratch[LOCAL];
    const int c = get_group_id(0);
    __global const real *dys = TENSOR_AT(dy);
    __global const real *xs = TENSOR_AT(x);
    const real mean = TENSOR_AT(smean)[c], invstd = TENSOR_AT(sinvstd)[c];
    /* sum dy and sum dy * (x - mean) in one pass */
    real acc_dy, acc_dy_dev;
    bn_part_dy(dys, xs, c, 0, mean, &acc_dy, &acc_dy_dev);
    const real sum_dy = bn_group_sum(scratch, acc_dy);
    const real sum_dy_xhat = bn_group_sum(scratch, acc_dy_dev) * invstd;
    bn_bwd_apply(dys, xs, TENSOR_AT(dx), c, 0, TENSOR_AT(gamma)[c], mean, invstd, sum_dy, sum_dy_xhat);
    if (get_local_id(0) == 0) {
        TENSOR_AT(dgamma)[c] = sum_dy_xhat;
        TENSOR_AT(dbeta)[c] = sum_dy;
    }
}

/* The split backward's first launch: range r of channel c's sum dy and sum dy * (x - mean) in
 * part[(c * SPLIT + r) * 2 + 0, 1]. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_bwd_part(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_IN(smean), TENSOR_OUT(part))
{
    __local real scratch[LOCAL];
    const int c = BN_CHANNEL, r = BN_PART;
    real acc_dy, acc_dy_dev;
    bn_part_dy(TENSOR_AT(dy), TENSOR_AT(x), c, r, TENSOR_AT(smean)[c], &acc_dy, &acc_dy_dev);
    const real sum_dy = bn_group_sum(scratch, acc_dy);
    bn_store_part(TENSOR_AT(part), c, r, sum_dy, bn_group_sum(scratch, acc_dy_dev));
}

/* The split backward's second launch: channel c's sums added range after range, applied to range r; range 0 writes
 * dgamma and dbeta. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_bwd_split(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_IN(gamma), TENSOR_IN(smean), TENSOR_IN(sinvstd),
                  TENSOR_IN(part), TENSOR_OUT(dx), TENSOR_OUT(dgamma), TENSOR_OUT(dbeta))
{
    const int c = BN_CHANNEL, r = BN_PART;
    __global const real *parts = TENSOR_AT(part) + c * SPLIT * 2;
    real sum_dy = 0, sum_dy_dev = 0;
    for (int s = 0; s < SPLIT; s++) {
        sum_dy += parts[2 * s];
        sum_dy_dev += parts[2 * s + 1];
    }
    const real invstd = TENSOR_AT(sinvstd)[c], sum_dy_xhat = sum_dy_dev * invstd;
    bn_bwd_apply(TENSOR_AT(dy), TENSOR_AT(x), TENSOR_AT(dx), c, r, TENSOR_AT(gamma)[c], TENSOR_AT(smean)[c], invstd,
                 sum_dy, sum_dy_xhat);
    if (r == 0 && get_local_id(0) == 0) {
        TENSOR_AT(dgamma)[c] = sum_dy_xhat;
        TENSOR_AT(dbeta)[c] = sum_dy;
    }
}

/* All-zero input in training: the batch mean and variance are 0, so y is beta and the running statistics decay. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_const_fwd_train(TENSOR_IN(beta), TENSOR_OUT(rmean), TENSOR_OUT(rvar), TENSOR_OUT(y))
{
    const int c = get_group_id(0);
    bn_affine(0, TENSOR_AT(y), c, 0, 0, TENSOR_AT(beta)[c]);
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
    bn_affine(0, TENSOR_AT(y), c, 0, 0,
              TENSOR_AT(beta)[c] - TENSOR_AT(rmean)[c] * TENSOR_AT(gamma)[c] / sqrt(TENSOR_AT(rvar)[c] + EPS));
}

/* All-zero input, backward: xhat is 0, so dgamma = 0 and dbeta = sum dy. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void bn_const_bwd(TENSOR_IN(dy), TENSOR_OUT(dgamma), TENSOR_OUT(dbeta))
{
    __local real scratch[LOCAL];
    const int c = get_group_id(0), lid = get_local_id(0);
    const real sum = bn_group_sum(scratch, bn_part_sum(TENSOR_AT(dy), c, 0));
    if (lid == 0) {
        TENSOR_AT(dgamma)[c] = 0;
        TENSOR_AT(dbeta)[c] = sum;
    }
}
