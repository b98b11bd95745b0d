/* clnas — K x K average pooling at stride S without padding (PyTorch's AvgPool2d(K, S, padding=0), floor mode; with
 * no padding count_include_pad does not matter: every window holds K*K pixels), NCHW. DARTS' auxiliary head pools
 * its 8x8 map with K=5, S=3 to 2x2, the head's ReLU folded into the load (RELU_IN). Defines: BATCH, CHANNELS,
 * HEIGHT, WIDTH (of the input), KSIZE, STRIDE, RELU_IN, ACCUM, LOCAL. The output is ((HEIGHT-KSIZE)/STRIDE+1) x ((WIDTH-KSIZE)/STRIDE+1). The forward runs one work-item per
 * output row, the backward one per input row and gathers, so no two work-items write one element. */

#define AK_OH ((HEIGHT - KSIZE) / STRIDE + 1)
#define AK_OW ((WIDTH - KSIZE) / STRIDE + 1)

/* The outputs whose window holds input position i along an axis with `n` outputs: first .. last (none when
 * first > last, pixels past the last window). */
int ak_first(int i)
{
    return i < KSIZE ? 0 : (i - KSIZE) / STRIDE + 1;
}

int ak_last(int i, int n)
{
    return min(i / STRIDE, n - 1);
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool_k_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int row = get_global_id(0);
    if (row < BATCH * CHANNELS * AK_OH) {
        const int oh = row % AK_OH, plane = row / AK_OH;
        __global const real *xp = TENSOR_AT(x) + (plane * HEIGHT + oh * STRIDE) * WIDTH;
        __global real *out = TENSOR_AT(y) + row * AK_OW;
        for (int ow = 0; ow < AK_OW; ow++) {
            real sum = 0;
            for (int r = 0; r < KSIZE; r++)
                for (int q = 0; q < KSIZE; q++) {
                    real v = xp[r * WIDTH + ow * STRIDE + q];
                    if (RELU_IN && v < 0) /* a NaN passes, as PyTorch's relu */
                        v = 0;
                    sum += v;
                }
            STORE(ACCUM, out + ow, sum / (real)(KSIZE * KSIZE));
        }
    }
}

/* One work-item per input row (plane, h): dx[h][w] = sum of dy[o] over the outputs o whose window holds (h, w),
 * divided by K*K, masked by x > 0 when RELU_IN (the x slot is bound only then; PyTorch's threshold_backward: x <= 0
 * gives 0). */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool_k_bwd(TENSOR_IN(dy),
#if RELU_IN
                   TENSOR_IN(x),
#endif
                   TENSOR_OUT(dx))
{
    const int row = get_global_id(0);
    if (row < BATCH * CHANNELS * HEIGHT) {
        const int h = row % HEIGHT, plane = row / HEIGHT;
        const int oh0 = ak_first(h), oh1 = ak_last(h, AK_OH);
        __global const real *dyp = TENSOR_AT(dy) + plane * AK_OH * AK_OW;
        __global real *out = TENSOR_AT(dx) + row * WIDTH;
        for (int w = 0; w < WIDTH; w++) {
            const int ow0 = ak_first(w), ow1 = ak_last(w, AK_OW);
            real sum = 0;
            for (int oh = oh0; oh <= oh1; oh++)
                for (int ow = ow0; ow <= ow1; ow++)
                    sum += dyp[oh * AK_OW + ow];
            real g = sum / (real)(KSIZE * KSIZE);
#if RELU_IN
            if (TENSOR_AT(x)[row * WIDTH + w] <= 0)
                g = 0;
#endif
            STORE(ACCUM, out + w, g);
        }
    }
}
