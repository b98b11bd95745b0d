/* clnas — 3x3 average pooling at stride 2, pad 1, padding not counted (DARTS' reduction cells), NCHW.
 * Defines: BATCH, CHANNELS, HEIGHT, WIDTH (of the input), ACCUM, LOCAL. The output is ceil(H/2) x ceil(W/2).
 * The forward runs one work-item per output element, the backward one per input element and gathers, so no two
 * work-items write one element. The stride-1 kernels (pool.cl) are left as they were. */

#define S2_OH ((HEIGHT - 1) / 2 + 1)
#define S2_OW ((WIDTH - 1) / 2 + 1)

/* In-image taps of the 3-wide window of output o (centred on 2o) along an axis of length len. */
int s2_taps(int o, int len)
{
    return min(2 * o + 1, len - 1) - max(2 * o - 1, 0) + 1;
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool3s2_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int o = get_global_id(0);
    if (o < BATCH * CHANNELS * S2_OH * S2_OW) {
        const int ow = o % S2_OW, oh = (o / S2_OW) % S2_OH, plane = o / (S2_OH * S2_OW);
        __global const real *xp = TENSOR_AT(x) + plane * HEIGHT * WIDTH;
        const int r0 = max(2 * oh - 1, 0), r1 = min(2 * oh + 1, HEIGHT - 1);
        const int q0 = max(2 * ow - 1, 0), q1 = min(2 * ow + 1, WIDTH - 1);
        real sum = 0;
        for (int r = r0; r <= r1; r++)
            for (int q = q0; q <= q1; q++)
                sum += xp[r * WIDTH + q];
        STORE(ACCUM, TENSOR_AT(y) + o, sum / (real)((r1 - r0 + 1) * (q1 - q0 + 1)));
    }
}

/* dx[h][w] = sum of dy[o] / count(o) over the outputs o whose window holds (h, w): o from h/2 to (h+1)/2. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool3s2_bwd(TENSOR_IN(dy), TENSOR_OUT(dx))
{
    const int i = get_global_id(0);
    if (i < BATCH * CHANNELS * HEIGHT * WIDTH) {
        const int w = i % WIDTH, h = (i / WIDTH) % HEIGHT, plane = i / (HEIGHT * WIDTH);
        __global const real *dyp = TENSOR_AT(dy) + plane * S2_OH * S2_OW;
        real sum = 0;
        for (int oh = h / 2; oh <= min((h + 1) / 2, S2_OH - 1); oh++)
            for (int ow = w / 2; ow <= min((w + 1) / 2, S2_OW - 1); ow++)
                sum += dyp[oh * S2_OW + ow] / (real)(s2_taps(oh, HEIGHT) * s2_taps(ow, WIDTH));
        STORE(ACCUM, TENSOR_AT(dx) + i, sum);
    }
}
