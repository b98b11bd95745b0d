/* clnas — direct 2-D convolution, gradient with respect to the input: a gather, one work-item per ROWS input
 * rows.
 * Defines: N CI CO H W HO WO KSIZE STRIDE (1 or 2) PAD RELU_IN ACCUM CI_BLOCK ROWS (1 for stride 2).
 * dx[n][ci][h][w] (=/+=) g(x) * sum over (co, kh, kw) with h = ho*STRIDE-PAD+kh, w = wo*STRIDE-PAD+kw of
 * w[co][ci][kh][kw] * dy[n][co][ho][wo]; g(x) = (x > 0) when RELU_IN (the gradient of the pre-ReLU input).
 * A work-item computes ROWS rows of dx (image n, channels ci0 .. ci0+CI_BLOCK-1, rows h0 .. h0+ROWS-1) in
 * vectors of VW lanes: for each co it loads every dy row that reaches its rows once, every kw tap is a lane
 * shift of it (for stride 2, of the row with a zero after every element), and each weight it loads serves
 * every row that tap reaches. No scatter, no atomics. */

#define ROW_LEN W

#include "conv_rowvec.cl"

#define NR VECS(WO) /* vectors of a dy row */
#define NV VECS(W)  /* vectors of a dx row */
#define CI_BLOCKS (CI / CI_BLOCK)
#define ROW_BLOCKS ((H + ROWS - 1) / ROWS)
#define ITEMS (N * CI_BLOCKS * ROW_BLOCKS)

#if RELU_IN
__kernel void conv2d_bwd_data(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_IN(x), TENSOR_OUT(dx))
#else
__kernel void conv2d_bwd_data(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_OUT(dx))
#endif
{
    const int id = get_global_id(0); /* (n * CI_BLOCKS + channel block) * ROW_BLOCKS + row block */
    if (id >= ITEMS)
        return;
    const int h0 = id % ROW_BLOCKS * ROWS;
    const int n = id / ROW_BLOCKS / CI_BLOCKS;
    const int ci0 = (id / ROW_BLOCKS - n * CI_BLOCKS) * CI_BLOCK;
    __global const real *dyn = TENSOR_AT(dy) + n * (CO * HO * WO);
    __global const real *wb = TENSOR_AT(w) + ci0 * (KSIZE * KSIZE);
    __global const real *dy_end = TENSOR_AT(dy) + N * CO * HO * WO;
    /* the epilogue's reads (the ReLU mask, the sums added to) requested before the multiply-adds, as in
     * conv2d_cvec.cl */
#pragma unroll
    for (int row = 0; row < ROWS; row++)
#pragma unroll
        for (int cb = 0; cb < CI_BLOCK; cb++) {
            const int at = ((n * CI + ci0 + cb) * H + h0 + row) * W;
#if RELU_IN
            PREFETCH_RUN(TENSOR_AT(x) + at, W);
#endif
            if (ACCUM)
                PREFETCH_RUN(TENSOR_AT(dx) + at, W);
        }
    realv acc[ROWS][CI_BLOCK][NV];
#pragma unroll
    for (int r = 0; r < ROWS; r++)
#pragma unroll
        for (int cb = 0; cb < CI_BLOCK; cb++)
#pragma unroll
            for (int v = 0; v < NV; v++)
                acc[r][cb][v] = (realv)0;
    for (int co = 0; co < CO; co++) {
#if STRIDE == 1
        /* dy row h0 + PAD - (KSIZE-1) + dd reaches row r of the block through tap row kh = r + KSIZE-1 - dd */
#pragma unroll
        for (int dd = 0; dd < ROWS + KSIZE - 1; dd++) {
            const int ho = h0 + PAD - (KSIZE - 1) + dd;
            if (ho >= 0 && ho < HO) {
                realv r[NR];
#pragma unroll
                for (int v = 0; v < NR; v++)
                    r[v] = row_load(dyn + (co * HO + ho) * WO, v, WO, dy_end);
#pragma unroll
                for (int kw = 0; kw < KSIZE; kw++) {
                    realv seg[NV];
#pragma unroll
                    for (int v = 0; v < NV; v++)
                        seg[v] = row_window(r, NR, v * VW + PAD - kw);
#pragma unroll
                    for (int row = 0; row < ROWS; row++) {
                        const int kh = row + KSIZE - 1 - dd;
                        if (kh >= 0 && kh < KSIZE)
#pragma unroll
                            for (int cb = 0; cb < CI_BLOCK; cb++) {
                                const realv wv = (realv)wb[(co * CI + cb) * (KSIZE * KSIZE) + kh * KSIZE + kw];
#pragma unroll
                                for (int v = 0; v < NV; v++)
                                    acc[row][cb][v] = fma(wv, seg[v], acc[row][cb][v]);
                            }
                    }
                }
            }
        }
#else
#pragma unroll
        for (int kh = 0; kh < KSIZE; kh++) {
            const int th = h0 + PAD - kh; /* ho * STRIDE when this tap row reaches an output row */
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
                        seg[v] = spread_window(r, NR, v * VW + PAD - kw);
#pragma unroll
                    for (int cb = 0; cb < CI_BLOCK; cb++) {
                        const realv wv = (realv)wb[(co * CI + cb) * (KSIZE * KSIZE) + kh * KSIZE + kw];
#pragma unroll
                        for (int v = 0; v < NV; v++)
                            acc[0][cb][v] = fma(wv, seg[v], acc[0][cb][v]);
                    }
                }
            }
        }
#endif
    }
#pragma unroll
    for (int row = 0; row < ROWS; row++)
        if (h0 + row < H) {
            const int at = ((n * CI + ci0) * H + h0 + row) * W;
#pragma unroll
            for (int cb = 0; cb < CI_BLOCK; cb++)
#pragma unroll
                for (int v = 0; v < NV; v++) {
                    realv g = acc[row][cb][v];
#if RELU_IN
                    const realv xv = row_load(TENSOR_AT(x) + at + cb * (H * W), v, W, TENSOR_AT(x) + N * CI * H * W);
                    g = select((realv)0, g, xv > (realv)0);
#endif
                    row_store(TENSOR_AT(dx) + at + cb * (H * W), v, W, g, ACCUM);
                }
        }
}
