/* clnas — GPU family: the convolution's weight gradient as work-group tree reductions.
 * Defines: N CI CO H W HO WO KSIZE STRIDE PAD RELU_IN ACCUM (ignored: the weight gradient overwrites), and
 * RC RK (output channels x taps one work-item sums), SPLIT (work-items sharing one output block, a power of two),
 * LOCAL (a multiple of SPLIT).
 * dw[co][k] = sum_p dy[n][co][ho][wo] * f(x[n][ci][ho*STRIDE-PAD+kh][wo*STRIDE-PAD+kw]), k = (ci, kh, kw),
 * p = (n, ho, wo), f = ReLU when RELU_IN, 0 outside the image.
 * A work-group holds LOCAL / SPLIT output blocks of RC channels x RK taps. The SPLIT work-items of a block walk
 * the pixels p in an interleaved way (lane, lane + SPLIT, ...), so neighbouring work-items load neighbouring
 * pixels (coalesced), each summing its RC x RK products in registers; a tree over local memory then adds the
 * SPLIT partial sums. */

#define KK (KSIZE * KSIZE)
#define GK (CI * KK)
#define GP (N * HO * WO)
#define KBLOCKS ((GK + RK - 1) / RK)
#define CBLOCKS ((CO + RC - 1) / RC)
#define BLOCKS_PER_GROUP (LOCAL / SPLIT)

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1))) void
conv2d_bwd_filter(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dw))
{
    __local real part[BLOCKS_PER_GROUP][RC * RK][SPLIT];
    const int tid = get_local_id(0), lane = tid % SPLIT, slot = tid / SPLIT;
    const int block = get_group_id(0) * BLOCKS_PER_GROUP + slot;
    const int co0 = block / KBLOCKS * RC, k0 = block % KBLOCKS * RK;
    const int live = block < CBLOCKS * KBLOCKS;
    __global const real *dyb = TENSOR_AT(dy);
    __global const real *xb = TENSOR_AT(x);
    real acc[RC][RK];
#pragma unroll
    for (int c = 0; c < RC; c++)
#pragma unroll
        for (int r = 0; r < RK; r++)
            acc[c][r] = (real)0;
    /* the taps of this block: input channel and offsets (a tap past GK reads nothing) */
    int tci[RK], tkh[RK], tkw[RK];
#pragma unroll
    for (int r = 0; r < RK; r++) {
        const int k = k0 + r < GK ? k0 + r : GK - 1;
        tci[r] = k / KK;
        tkh[r] = k % KK / KSIZE;
        tkw[r] = k % KSIZE;
    }
    for (int p = lane; live && p < GP; p += SPLIT) {
        const int n = p / (HO * WO), ho = p % (HO * WO) / WO, wo = p % WO;
        real g[RC];
#pragma unroll
        for (int c = 0; c < RC; c++)
            g[c] = co0 + c < CO ? dyb[((n * CO + co0 + c) * HO + ho) * WO + wo] : (real)0;
#pragma unroll
        for (int r = 0; r < RK; r++) {
            const int hi = ho * STRIDE - PAD + tkh[r], wi = wo * STRIDE - PAD + tkw[r];
            real v = hi >= 0 && hi < H && wi >= 0 && wi < W ? xb[((n * CI + tci[r]) * H + hi) * W + wi] : (real)0;
#if RELU_IN
            v = v > (real)0 ? v : (real)0;
#endif
#pragma unroll
            for (int c = 0; c < RC; c++)
                acc[c][r] = fma(g[c], v, acc[c][r]);
        }
    }
#pragma unroll
    for (int c = 0; c < RC; c++)
#pragma unroll
        for (int r = 0; r < RK; r++)
            part[slot][c * RK + r][lane] = acc[c][r];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = SPLIT / 2; span > 0; span /= 2) {
        if (lane < span)
            for (int o = 0; o < RC * RK; o++)
                part[slot][o][lane] += part[slot][o][lane + span];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    /* the block's results, one per work-item of its lanes */
    for (int o = lane; live && o < RC * RK; o += SPLIT) {
        const int c = o / RK, r = o % RK;
        if (co0 + c < CO && k0 + r < GK)
            TENSOR_AT(dw)[(co0 + c) * GK + k0 + r] = part[slot][o][0];
    }
}
