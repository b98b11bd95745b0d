/* clnas — direct 2-D convolution, gradient with respect to the weights: one work-group per CO_GROUP output
 * channels and CI_BLOCK input channels.
 * Defines: N CI CO H W HO WO KSIZE STRIDE (1 or 2) PAD RELU_IN CO_BLOCK (output channels a work-item holds in
 * registers) CO_GROUP (a multiple of CO_BLOCK) CI_BLOCK LOCAL (work-group size, a power of two).
 * dw[co][ci][kh][kw] = sum_{n,ho,wo} dy[n][co][ho][wo] * f(x[n][ci][ho*STRIDE-PAD+kh][wo*STRIDE-PAD+kw]),
 * f = ReLU when RELU_IN; always overwrites. Work-item lid takes the lid-th run of images. For each image, each
 * block of CO_BLOCK output channels and each input channel it walks the output rows: it loads the dy rows of
 * the block and the KSIZE input rows they meet, and accumulates every tap in vectors of VW lanes (the taps
 * along a row are lane shifts of the input row). The accumulators of the other (block, input channel) pairs
 * wait in private memory, so each image's x and dy are read from memory once per work-group. At the end the
 * work-item adds up its lanes, and a fixed tree in local memory adds up the work-items: deterministic, no
 * atomics. */

#define ROW_LEN WO

#include "conv_rowvec.cl"
#include "conv_dw_group.cl"

#define NR VECS(W)  /* vectors of an input row */
#define NV VECS(WO) /* vectors of a dy row */

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void conv2d_bwd_filter(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dw))
{
    __local real part[SUMS][LOCAL];
    const int lid = get_local_id(0);
    const int ci0 = get_group_id(0) % (CI / CI_BLOCK) * CI_BLOCK;
    const int cg0 = get_group_id(0) / (CI / CI_BLOCK) * CO_GROUP;
    __global const real *dy_end = TENSOR_AT(dy) + N * CO * HO * WO, *x_end = TENSOR_AT(x) + N * CI * H * W;

    realv acc[GROUP_BLOCKS][CI_BLOCK][CO_BLOCK][TAPS];
    for (int gb = 0; gb < GROUP_BLOCKS; gb++)
        for (int cib = 0; cib < CI_BLOCK; cib++)
#pragma unroll
            for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
                for (int t = 0; t < TAPS; t++)
                    acc[gb][cib][cb][t] = (realv)0;

    const int n_end = min((lid + 1) * IMAGES_PER_ITEM, N);
    for (int n = lid * IMAGES_PER_ITEM; n < n_end; n++) {
        for (int gb = 0; gb < GROUP_BLOCKS; gb++) {
            __global const real *dyn = TENSOR_AT(dy) + (n * CO + cg0 + gb * CO_BLOCK) * (HO * WO);
            for (int cib = 0; cib < CI_BLOCK; cib++) {
                __global const real *xc = TENSOR_AT(x) + (n * CI + ci0 + cib) * (H * W);
                realv a[CO_BLOCK][TAPS];
#pragma unroll
                for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
                    for (int t = 0; t < TAPS; t++)
                        a[cb][t] = acc[gb][cib][cb][t];
                for (int ho = 0; ho < HO; ho++) {
                    realv g[CO_BLOCK][NV];
#pragma unroll
                    for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
                        for (int v = 0; v < NV; v++)
                            g[cb][v] = row_load(dyn + (cb * HO + ho) * WO, v, WO, dy_end);
#pragma unroll
                    for (int kh = 0; kh < KSIZE; kh++) {
                        const int hi = ho * STRIDE - PAD + kh;
                        if (hi >= 0 && hi < H) {
                            realv r[NR];
#pragma unroll
                            for (int v = 0; v < NR; v++)
                                r[v] = CONV_IN(row_load(xc + hi * W, v, W, x_end));
#pragma unroll
                            for (int kw = 0; kw < KSIZE; kw++)
#pragma unroll
                                for (int v = 0; v < NV; v++) {
#if STRIDE == 1
                                    const realv seg = row_window(r, NR, v * VW + kw - PAD);
#else
                                    const realv seg = phase_window(r, NR, v * VW + floor_div(kw - PAD, 2),
                                                                   kw - PAD - 2 * floor_div(kw - PAD, 2));
#endif
#pragma unroll
                                    for (int cb = 0; cb < CO_BLOCK; cb++)
                                        a[cb][kh * KSIZE + kw] = fma(g[cb][v], seg, a[cb][kh * KSIZE + kw]);
                                }
                        }
                    }
                }
#pragma unroll
                for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
                    for (int t = 0; t < TAPS; t++)
                        acc[gb][cib][cb][t] = a[cb][t];
            }
        }
    }

    for (int gb = 0; gb < GROUP_BLOCKS; gb++)
        for (int cib = 0; cib < CI_BLOCK; cib++)
#pragma unroll
            for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
                for (int t = 0; t < TAPS; t++)
                    part[((gb * CI_BLOCK + cib) * CO_BLOCK + cb) * TAPS + t][lid] = lane_sum(acc[gb][cib][cb][t]);
    dw_group_store(part, lid, TENSOR_AT(dw), cg0, ci0);
}
