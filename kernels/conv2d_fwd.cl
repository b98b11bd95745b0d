/* clnas — direct 2-D convolution, forward: NCHW, no bias, optional ReLU folded into the input load.
 * Defines: N CI CO H W HO WO KSIZE STRIDE (1 or 2) PAD RELU_IN ACCUM CO_BLOCK ROWS (1 for stride 2).
 * y[n][co][ho][wo] (=/+=) sum_{ci,kh,kw} w[co][ci][kh][kw] * f(x[n][ci][ho*STRIDE-PAD+kh][wo*STRIDE-PAD+kw]).
 * A work-item computes ROWS output rows (image n, channels co0 .. co0+CO_BLOCK-1, rows ho0 .. ho0+ROWS-1) in
 * vectors of VW lanes. Each input row it reads is loaded once into registers; its KSIZE taps are lane shifts of
 * it, so one input row serves KSIZE taps, CO_BLOCK channels and every output row it reaches, and one weight
 * serves whole output rows. */

#define ROW_LEN WO

#include "conv_rowvec.cl"

#if RELU_IN
#define CONV_IN(v) select((v), (realv)0, (v) < (realv)0)
#else
#define CONV_IN(v) (v)
#endif

#define NR VECS(W)  /* vectors of an input row */
#define NV VECS(WO) /* vectors of an output row */
#define CO_BLOCKS (CO / CO_BLOCK)
#define ROW_BLOCKS ((HO + ROWS - 1) / ROWS)
#define ITEMS (N * CO_BLOCKS * ROW_BLOCKS)

__kernel void conv2d_fwd(TENSOR_IN(x), TENSOR_IN(w), TENSOR_OUT(y))
{
    const int id = get_global_id(0); /* (n * CO_BLOCKS + channel block) * ROW_BLOCKS + row block */
    if (id >= ITEMS)
        return;
    const int ho0 = id % ROW_BLOCKS * ROWS;
    const int n = id / ROW_BLOCKS / CO_BLOCKS;
    const int co0 = (id / ROW_BLOCKS - n * CO_BLOCKS) * CO_BLOCK;
    __global const real *xn = TENSOR_AT(x) + n * (CI * H * W);
    __global const real *wb = TENSOR_AT(w) + co0 * (CI * KSIZE * KSIZE);
    __global const real *x_end = TENSOR_AT(x) + N * CI * H * W;

    realv acc[ROWS][CO_BLOCK][NV];
#pragma unroll
    for (int row = 0; row < ROWS; row++)
#pragma unroll
        for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
            for (int v = 0; v < NV; v++)
                acc[row][cb][v] = (realv)0;

    for (int ci = 0; ci < CI; ci++) {
        /* input row ho0*STRIDE - PAD + dd reaches output row `row` through tap row kh = dd - row*STRIDE */
#pragma unroll
        for (int dd = 0; dd < (ROWS - 1) * STRIDE + KSIZE; dd++) {
            const int hi = ho0 * STRIDE - PAD + dd;
            if (hi >= 0 && hi < H) {
                realv r[NR];
#pragma unroll
                for (int v = 0; v < NR; v++)
                    r[v] = CONV_IN(row_load(xn + (ci * H + hi) * W, v, W, x_end));
#pragma unroll
                for (int kw = 0; kw < KSIZE; kw++) {
                    realv seg[NV];
#pragma unroll
                    for (int v = 0; v < NV; v++)
#if STRIDE == 1
                        seg[v] = row_window(r, NR, v * VW + kw - PAD);
#else
                        seg[v] = phase_window(r, NR, v * VW + floor_div(kw - PAD, 2),
                                              kw - PAD - 2 * floor_div(kw - PAD, 2));
#endif
#pragma unroll
                    for (int row = 0; row < ROWS; row++) {
                        const int kh = dd - row * STRIDE;
                        if (kh >= 0 && kh < KSIZE)
#pragma unroll
                            for (int cb = 0; cb < CO_BLOCK; cb++) {
                                const realv wv = (realv)wb[(cb * CI + ci) * (KSIZE * KSIZE) + kh * KSIZE + kw];
#pragma unroll
                                for (int v = 0; v < NV; v++)
                                    acc[row][cb][v] = fma(wv, seg[v], acc[row][cb][v]);
                            }
                    }
                }
            }
        }
    }

#pragma unroll
    for (int row = 0; row < ROWS; row++)
        if (ho0 + row < HO) {
            __global real *yr = TENSOR_AT(y) + ((n * CO + co0) * HO + ho0 + row) * WO;
#pragma unroll
            for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
                for (int v = 0; v < NV; v++)
                    row_store(yr + cb * (HO * WO), v, WO, acc[row][cb][v], ACCUM);
        }
}
