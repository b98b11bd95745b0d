/* clnas — 3x3 max pooling, pad 1 with -inf padding, stride STRIDE (1 or 2), NCHW (DARTS' max_pool_3x3).
 * Defines: BATCH, CHANNELS, HEIGHT, WIDTH (of the input), STRIDE, ACCUM, LOCAL. The output is
 * ((HEIGHT-1)/STRIDE+1) x ((WIDTH-1)/STRIDE+1). The backward keeps no indices: it recomputes each window's argmax
 * from x and gathers, one work-item per input element, so it needs no atomics and is deterministic. */

#define MP_OH ((HEIGHT - 1) / STRIDE + 1)
#define MP_OW ((WIDTH - 1) / STRIDE + 1)

/* Index in its plane of the maximum of output (oh, ow)'s window, and the maximum in *m: PyTorch's rule, the first
 * maximum in row-major window order wins and a NaN replaces it (v > m || isnan(v)), starting from -inf at the
 * window's first in-image pixel. */
int mp_argmax(__global const real *plane, int oh, int ow, real *m)
{
    const int r0 = max(oh * STRIDE - 1, 0), r1 = min(oh * STRIDE + 1, HEIGHT - 1);
    const int q0 = max(ow * STRIDE - 1, 0), q1 = min(ow * STRIDE + 1, WIDTH - 1);
    int best = r0 * WIDTH + q0;
    real top = -INFINITY;
    for (int r = r0; r <= r1; r++)
        for (int q = q0; q <= q1; q++) {
            const real v = plane[r * WIDTH + q];
            if (v > top || isnan(v)) {
                top = v;
                best = r * WIDTH + q;
            }
        }
    *m = top;
    return best;
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void maxpool3_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int o = get_global_id(0);
    if (o < BATCH * CHANNELS * MP_OH * MP_OW) {
        const int ow = o % MP_OW, oh = (o / MP_OW) % MP_OH, plane = o / (MP_OH * MP_OW);
        real m;
        mp_argmax(TENSOR_AT(x) + plane * HEIGHT * WIDTH, oh, ow, &m);
        STORE(ACCUM, TENSOR_AT(y) + o, m);
    }
}

/* dx[h][w] = sum of dy[o] over the outputs o whose window holds (h, w) and has its argmax there; the windows of
 * row h are the outputs oh with oh*STRIDE-1 <= h <= oh*STRIDE+1, in ascending order. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void maxpool3_bwd(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dx))
{
    const int i = get_global_id(0);
    if (i < BATCH * CHANNELS * HEIGHT * WIDTH) {
        const int w = i % WIDTH, h = (i / WIDTH) % HEIGHT, plane = i / (HEIGHT * WIDTH);
        __global const real *xp = TENSOR_AT(x) + plane * HEIGHT * WIDTH;
        __global const real *dyp = TENSOR_AT(dy) + plane * MP_OH * MP_OW;
        const int here = h * WIDTH + w;
        real sum = 0, m;
        for (int oh = max((h + STRIDE - 2) / STRIDE, 0); oh <= min((h + 1) / STRIDE, MP_OH - 1); oh++)
            for (int ow = max((w + STRIDE - 2) / STRIDE, 0); ow <= min((w + 1) / STRIDE, MP_OW - 1); ow++)
                if (mp_argmax(xp, oh, ow, &m) == here)
                    sum += dyp[oh * MP_OW + ow];
        STORE(ACCUM, TENSOR_AT(dx) + i, sum);
    }
}
