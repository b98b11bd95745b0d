/* clnas — the subsample of FactorizedReduce: y = x[:, :, o::2, o::2] (o = OFFSET, 0 or 1), a ReLU optionally folded
 * into the load (RELU_IN), NCHW. Defines: BATCH, CHANNELS, HEIGHT, WIDTH (of the input), OFFSET, RELU_IN, ACCUM,
 * LOCAL. The output is ceil((HEIGHT-OFFSET)/2) x ceil((WIDTH-OFFSET)/2). The backward writes every dx element (zero
 * off the sampled pixels), one work-item each. */

#define SUB_OH ((HEIGHT - OFFSET + 1) / 2)
#define SUB_OW ((WIDTH - OFFSET + 1) / 2)

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void subsample2_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int o = get_global_id(0);
    if (o < BATCH * CHANNELS * SUB_OH * SUB_OW) {
        const int ow = o % SUB_OW, oh = (o / SUB_OW) % SUB_OH, plane = o / (SUB_OH * SUB_OW);
        real v = TENSOR_AT(x)[(plane * HEIGHT + 2 * oh + OFFSET) * WIDTH + 2 * ow + OFFSET];
        if (RELU_IN && v < 0) /* a NaN passes, as PyTorch's relu */
            v = 0;
        STORE(ACCUM, TENSOR_AT(y) + o, v);
    }
}

/* dx[h][w] = dy[(h-o)/2][(w-o)/2] on the sampled pixels, masked by x > 0 when RELU_IN (the x slot is bound only
 * then; PyTorch's threshold_backward: x <= 0 gives 0), else 0. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void subsample2_bwd(TENSOR_IN(dy),
#if RELU_IN
                    TENSOR_IN(x),
#endif
                    TENSOR_OUT(dx))
{
    const int i = get_global_id(0);
    if (i < BATCH * CHANNELS * HEIGHT * WIDTH) {
        const int w = i % WIDTH - OFFSET, h = (i / WIDTH) % HEIGHT - OFFSET, plane = i / (HEIGHT * WIDTH);
        real g = 0;
        if (h >= 0 && w >= 0 && h % 2 == 0 && w % 2 == 0)
            g = TENSOR_AT(dy)[(plane * SUB_OH + h / 2) * SUB_OW + w / 2];
#if RELU_IN
        if (TENSOR_AT(x)[i] <= 0)
            g = 0;
#endif
        STORE(ACCUM, TENSOR_AT(dx) + i, g);
    }
}
