/* clnas — GPU family: the convolution's weight gradient as a tiled GEMM over the pixels.
 * Defines: N CI CO H W HO WO KSIZE STRIDE PAD RELU_IN ACCUM (ignored: the weight gradient overwrites), and the
 * tiling TM TN RM RN TP LOCAL: a work-group computes a TM x TN tile of dW (output channels x taps); each
 * work-item keeps RM x RN of it in registers, RM rows TM/RM apart and RN consecutive columns (a vector); the LOCAL
 * work-items are SZ = LOCAL / ((TM/RM) * (TN/RN)) slices (a power of two) that split each staged step's pixels.
 * dW[co][k] = sum_p dY[co][p] * Xcol[k][p],  p = (n, ho, wo), k = (ci, kh, kw),
 * Xcol[k][p] = f(x[n][ci][ho*STRIDE-PAD+kh][wo*STRIDE-PAD+kw]) (0 outside), f = ReLU when RELU_IN.
 * Per step the group stages TP consecutive pixels of its TM rows of dY and of its TN rows of Xcol in local memory
 * (consecutive work-items load consecutive pixels: coalesced), the gather's index arithmetic done once per tap
 * and once per pixel in small tables (conv_im2col.cl's entries); a slice sums every SZ-th of the pixels. A tree
 * over local memory then adds the slices' partial tiles.
 * SPLIT (optional, with SPLIT_PIXELS): the pixels are SPLIT ranges of SPLIT_PIXELS (the last may be short), a
 * work-group per tile and range, and dw holds SPLIT partial gradients one after another, [SPLIT][CO][GK], for a
 * split_sum launch to add up: a few tiles then still make enough work-groups for every compute unit. */

#define KK (KSIZE * KSIZE)
#define GK (CI * KK)
#define GP (N * HO * WO)
#define TX (TN / RN)                  /* work-items along the taps */
#define TY (TM / RM)                  /* work-items along the output channels */
#define SZ (LOCAL / (TX * TY))        /* pixel slices */
#define KGROUPS ((GK + TN - 1) / TN)
#define TILES (((CO + TM - 1) / TM) * KGROUPS)
#ifndef SPLIT
#define SPLIT 1
#define SPLIT_PIXELS GP
#endif
#define STAGE (TP * (TM + TN))
#define PART (SZ * TM * TN)
#define LBUF (STAGE > PART ? STAGE : PART)

/* RN consecutive taps as one vector (realn; a scalar when RN is 1) */
#if RN == 1
#define realn real
#define BF_VLOAD(p) (*(p))
#define BF_VSTORE(v, p) (*(p) = (v))
#else
#define realn REALV(RN)
#define BF_VLOAD(p) CLNAS_CAT(vload, RN)(0, p)
#define BF_VSTORE(v, p) CLNAS_CAT(vstore, RN)(v, 0, p)
#endif

#include "conv_im2col.cl"

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1))) void
conv2d_bwd_filter(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dw))
{
    __local real lbuf[LBUF];
    __local real *dys = lbuf;           /* [TP][TM] */
    __local real *xs = lbuf + TP * TM;  /* [TP][TN] */
    /* per tap of the tile: its input channel's offset and its row and column offsets; per pixel of the step: its
     * image's offset in x and in dY and its top-left input row and column (BF_NOWHERE past the pixels) */
    __local int tap_off[TN], tap_h[TN], tap_w[TN];
    __local int pix_x[TP], pix_dy[TP], pix_h[TP], pix_w[TP];
    const int tid = get_local_id(0), tx = tid % TX, ty = tid / TX % TY, z = tid / (TX * TY);
    const int tile = get_group_id(0) % TILES, range = get_group_id(0) / TILES;
    const int m0 = tile / KGROUPS * TM, k0 = tile % KGROUPS * TN;
    const int p_begin = range * SPLIT_PIXELS, p_end = min(GP, p_begin + SPLIT_PIXELS);
    __global const real *dyb = TENSOR_AT(dy);
    __global const real *xb = TENSOR_AT(x);
    for (int t = tid; t < TN; t += LOCAL) {
        int off, kh, kw;
        im2col_row(k0 + t, &off, &kh, &kw);
        tap_off[t] = off;
        tap_h[t] = kh;
        tap_w[t] = kw;
    }
    realn acc[RM];
#pragma unroll
    for (int i = 0; i < RM; i++)
        acc[i] = (realn)0;

    /* a trip count the same in every work-group (a range's pixels, the last range's past GP masked) */
    for (int p0 = 0; p0 < SPLIT_PIXELS; p0 += TP) {
        for (int pp = tid; pp < TP; pp += LOCAL) {
            const int p = p_begin + p0 + pp < p_end ? p_begin + p0 + pp : GP; /* past the range: past the pixels */
            int off, row, col;
            im2col_col(p, &off, &row, &col);
            pix_x[pp] = off;
            pix_dy[pp] = p < GP ? p / (HO * WO) * (CO * HO * WO) + p % (HO * WO) : -1;
            pix_h[pp] = row;
            pix_w[pp] = col;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int e = tid; e < TP * TM; e += LOCAL) {
            const int pp = e % TP, m = m0 + e / TP, at = pix_dy[pp];
            dys[pp * TM + e / TP] = m < CO && at >= 0 ? dyb[at + m * (HO * WO)] : (real)0;
        }
        for (int e = tid; e < TP * TN; e += LOCAL) {
            const int pp = e % TP, t = e / TP;
            xs[pp * TN + t] = im2col_at(xb, pix_x[pp], pix_h[pp], pix_w[pp], tap_off[t], tap_h[t], tap_w[t]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int pp = z; pp < TP; pp += SZ) {
            const realn b = BF_VLOAD(xs + pp * TN + tx * RN);
#pragma unroll
            for (int i = 0; i < RM; i++)
                acc[i] = fma((realn)dys[pp * TM + ty + i * TY], b, acc[i]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    /* the slices' partial tiles, part[z][m][k], added by a tree over z */
    __local real *part = lbuf;
#pragma unroll
    for (int i = 0; i < RM; i++) {
        real a[RN];
        BF_VSTORE(acc[i], a);
#pragma unroll
        for (int j = 0; j < RN; j++)
            part[(z * TM + ty + i * TY) * TN + tx * RN + j] = a[j];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = SZ / 2; span > 0; span /= 2) {
        if (z < span)
#pragma unroll
            for (int i = 0; i < RM; i++)
#pragma unroll
                for (int j = 0; j < RN; j++) {
                    const int o = (ty + i * TY) * TN + tx * RN + j;
                    part[z * TM * TN + o] += part[(z + span) * TM * TN + o];
                }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int o = tid; o < TM * TN; o += LOCAL) {
        const int m = m0 + o / TN, k = k0 + o % TN;
        if (m < CO && k < GK)
            TENSOR_AT(dw)[range * (CO * GK) + m * GK + k] = part[o];
    }
}
