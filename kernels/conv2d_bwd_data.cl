/* clnas — direct 2-D convolution, gradient with respect to the input: a gather, one work-item per input row.
 * Defines: N CI CO H W HO WO KSIZE STRIDE (1 or 2) PAD RELU_IN ACCUM CI_BLOCK.
 * dx[n][ci][h][w] (=/+=) g(x) * sum over (co, kh, kw) with h = ho*STRIDE-PAD+kh, w = wo*STRIDE-PAD+kw of
 * w[co][ci][kh][kw] * dy[n][co][ho][wo]; g(x) = (x > 0) when RELU_IN (the gradient of the pre-ReLU input).
 * A work-item computes one row of dx (image n, channels ci0 .. ci0+CI_BLOCK-1, row h) in vectors of VW lanes:
 * for each (co, kh) it loads the dy row that reaches row h once, and every kw tap is a lane shift of it (for
 * stride 2, of the row with a zero after every element). No scatter, no atomics. */

#define ROW_LEN W

#include "conv_rowvec.cl"

#define NR VECS(WO) /* vectors of a dy row */
#define NV VECS(W)  /* vectors of a dx row */
#define CI_BLOCKS (CI / CI_BLOCK)
#define ROWS (N * CI_BLOCKS * H)

#if RELU_IN
__kernel void conv2d_bwd_data(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_IN(x), TENSOR_OUT(dx))
#else
__kernel void conv2d_bwd_data(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_OUT(dx))
#endif
{
    const int id = get_global_id(0); /* (n * CI_BLOCKS + channel block) * H + h */
    if (id >= ROWS)
        return;
    const int hi = id % H;
    const int n = id / H / CI_BLOCKS;
    const int ci0 = (id / H - n * CI_BLOCKS) * CI_BLOCK;
    __global const real *dyn = TENSOR_AT(dy) + n * (CO * HO * WO);
    __global const real *wb = TENSOR_AT(w) + ci0 * (KSIZE * KSIZE);
    __global const real *dy_end = TENSOR_AT(dy) + N * CO * HO * WO;

    realv acc[CI_BLOCK][NV];
#pragma unroll
    for (int cb = 0; cb < CI_BLOCK; cb++)
#pragma unroll
        for (int v = 0; v < NV; v++)
            acc[cb][v] = (realv)0;

    for (int co = 0; co < CO; co++) {
#pragma unroll
        for (int kh = 0; kh < KSIZE; kh++) {
            const int th = hi + PAD - kh; /* ho * STRIDE when this tap row reaches an output row */
            if (th >= 0 && th % STRIDE == 0 && th / STRIDE < HO) {
                realv r[NR];
#pragma unroll
                for (int v = 0; v < NR; v++)
                    r[v] = row_load(dyn + (co * HO + th / STRIDE) * WO, v, WO, dy_end);
#pragma unroll
                for (int kw = 0; kw < KSIZE; kw++) {
                    realv seg[NV];
#pragma unroll
                    for (int v = 0; v < NV; v++)
#if STRIDE == 1
                        seg[v] = row_window(r, NR, v * VW + PAD - kw);
#else
                        seg[v] = spread_window(r, NR, v * VW + PAD - kw);
#endif
#pragma unroll
                    for (int cb = 0; cb < CI_BLOCK; cb++) {
                        const realv wv = (realv)wb[(co * CI + cb) * (KSIZE * KSIZE) + kh * KSIZE + kw];
#pragma unroll
                        for (int v = 0; v < NV; v++)
                            acc[cb][v] = fma(wv, seg[v], acc[cb][v]);
                    }
                }
            }
        }
    }

    const int row = ((n * CI + ci0) * H + hi) * W;
#pragma unroll
    for (int cb = 0; cb < CI_BLOCK; cb++)
#pragma unroll
        for (int v = 0; v < NV; v++) {
            realv g = acc[cb][v];
#if RELU_IN
            const realv xv = row_load(TENSOR_AT(x) + row + cb * (H * W), v, W, TENSOR_AT(x) + N * CI * H * W);
            g = select((realv)0, g, xv > (realv)0);
#endif
            row_store(TENSOR_AT(dx) + row + cb * (H * W), v, W, g, ACCUM);
        }
}
