/* clnas — 3x3 average pooling at stride 2, pad 1, padding not counted (DARTS' reduction cells), NCHW.
 * Defines: BATCH, CHANNELS, HEIGHT, WIDTH (of the input), ACCUM, LOCAL. The output is ceil(H/2) x ceil(W/2).
 * The forward runs one work-item per output row, the backward one per input row and gathers, so no two work-items
 * write one element. The stride-1 kernels (pool.cl) are left as they were. */

#define S2_OH ((HEIGHT - 1) / 2 + 1)
#define S2_OW ((WIDTH - 1) / 2 + 1)

/* In-image taps of the 3-wide window of output o (centred on 2o) along an axis of length len. */
int s2_taps(int o, int len)
{
    return min(2 * o + 1, len - 1) - max(2 * o - 1, 0) + 1;
}

/* One work-item per output row (plane, oh): the window's rows r0..r1 summed per column, each output the sum of its
 * columns over its taps. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool3s2_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int row = get_global_id(0);
    if (row < BATCH * CHANNELS * S2_OH) {
        const int oh = row % S2_OH, plane = row / S2_OH;
        const int r0 = max(2 * oh - 1, 0), r1 = min(2 * oh + 1, HEIGHT - 1);
        __global const real *xp = TENSOR_AT(x) + (plane * HEIGHT + r0) * WIDTH;
        __global real *out = TENSOR_AT(y) + row * S2_OW;
        const real th = (real)(r1 - r0 + 1);
        for (int ow = 0; ow < S2_OW; ow++) {
            const int q0 = max(2 * ow - 1, 0), q1 = min(2 * ow + 1, WIDTH - 1);
            real sum = 0;
            for (int q = q0; q <= q1; q++) {
                real col = xp[q];
                for (int r = 1; r <= r1 - r0; r++)
                    col += xp[r * WIDTH + q];
                sum += col;
            }
            STORE(ACCUM, out + ow, sum / (th * (real)(q1 - q0 + 1)));
        }
    }
}

/* Column ow of the output rows over input row h: dy0[ow] / taps(oh0), plus dy1[ow] / taps(oh1) when a second
 * output row holds h (a branch, not a weight of 0, so an infinite dy stays infinite). */
real s2_col(__global const real *dy0, __global const real *dy1, int two, real rw0, real rw1, int ow)
{
    real c = dy0[ow] * rw0;
    if (two)
        c += dy1[ow] * rw1;
    return c / (real)s2_taps(ow, WIDTH);
}

/* One work-item per input row (plane, h): dx[h][w] = sum of dy[o] / count(o) over the outputs o whose window holds
 * (h, w), output rows h/2 .. (h+1)/2 and columns w/2 .. (w+1)/2, each row's and column's 1/taps applied apart. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool3s2_bwd(TENSOR_IN(dy), TENSOR_OUT(dx))
{
    const int row = get_global_id(0);
    if (row < BATCH * CHANNELS * HEIGHT) {
        const int h = row % HEIGHT, plane = row / HEIGHT;
        const int oh0 = h / 2, oh1 = min((h + 1) / 2, S2_OH - 1), two = oh1 != oh0;
        __global const real *dy0 = TENSOR_AT(dy) + (plane * S2_OH + oh0) * S2_OW;
        __global const real *dy1 = TENSOR_AT(dy) + (plane * S2_OH + oh1) * S2_OW;
        const real rw0 = (real)1 / (real)s2_taps(oh0, HEIGHT), rw1 = (real)1 / (real)s2_taps(oh1, HEIGHT);
        __global real *out = TENSOR_AT(dx) + row * WIDTH;
        for (int w = 0; w < WIDTH; w++) {
            const int ow0 = w / 2, ow1 = min((w + 1) / 2, S2_OW - 1);
            real v = s2_col(dy0, dy1, two, rw0, rw1, ow0);
            if (ow1 != ow0)
                v += s2_col(dy0, dy1, two, rw0, rw1, ow1);
            STORE(ACCUM, out + w, v);
        }
    }
}
