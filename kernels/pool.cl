/* clnas — average pooling kernels (NCHW): 3x3 stride 1 pad 1 without padding in the count, and 2x2 stride 2.
 * Defines: BATCH, CHANNELS, HEIGHT, WIDTH (of the input), ACCUM, LOCAL. One work-item per element written,
 * consecutive work-items along the row. Backward passes gather, so no two work-items write one element. */

#define POOL_TOTAL (BATCH * CHANNELS * HEIGHT * WIDTH)
/* Output size of the 2x2 pool; never 0, so the 2x2 kernels still compile in a 3x3 program of a 1-pixel input. */
#define POOL_OH (HEIGHT > 1 ? HEIGHT / 2 : 1)
#define POOL_OW (WIDTH > 1 ? WIDTH / 2 : 1)

/* In-image taps of the 3-wide window centred at position i of an axis of length len. */
int pool_taps3(int i, int len)
{
    return min(i + 1, len - 1) - max(i - 1, 0) + 1;
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool3_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int i = get_global_id(0);
    if (i < POOL_TOTAL) {
        const int w = i % WIDTH, h = (i / WIDTH) % HEIGHT;
        __global const real *plane = TENSOR_AT(x) + (i - h * WIDTH - w);
        real sum = 0;
        for (int r = max(h - 1, 0); r <= min(h + 1, HEIGHT - 1); r++)
            for (int q = max(w - 1, 0); q <= min(w + 1, WIDTH - 1); q++)
                sum += plane[r * WIDTH + q];
        STORE(ACCUM, TENSOR_AT(y) + i, sum / (real)(pool_taps3(h, HEIGHT) * pool_taps3(w, WIDTH)));
    }
}

/* dx[h][w] = sum of dy[o] / count(o) over the outputs o whose window holds (h, w): the 3x3 neighbourhood again. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool3_bwd(TENSOR_IN(dy), TENSOR_OUT(dx))
{
    const int i = get_global_id(0);
    if (i < POOL_TOTAL) {
        const int w = i % WIDTH, h = (i / WIDTH) % HEIGHT;
        __global const real *plane = TENSOR_AT(dy) + (i - h * WIDTH - w);
        real sum = 0;
        for (int r = max(h - 1, 0); r <= min(h + 1, HEIGHT - 1); r++)
            for (int q = max(w - 1, 0); q <= min(w + 1, WIDTH - 1); q++)
                sum += plane[r * WIDTH + q] / (real)(pool_taps3(r, HEIGHT) * pool_taps3(q, WIDTH));
        STORE(ACCUM, TENSOR_AT(dx) + i, sum);
    }
}

/* One work-item per output element of [BATCH][CHANNELS][HEIGHT/2][WIDTH/2]. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool2_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int o = get_global_id(0);
    if (o < BATCH * CHANNELS * POOL_OH * POOL_OW) {
        const int ow = o % POOL_OW, oh = (o / POOL_OW) % POOL_OH, plane = o / (POOL_OH * POOL_OW);
        __global const real *win = TENSOR_AT(x) + (plane * HEIGHT + 2 * oh) * WIDTH + 2 * ow;
        STORE(ACCUM, TENSOR_AT(y) + o, (win[0] + win[1] + win[WIDTH] + win[WIDTH + 1]) * (real)0.25);
    }
}

/* One work-item per input element: dx = dy of its window / 4. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool2_bwd(TENSOR_IN(dy), TENSOR_OUT(dx))
{
    const int i = get_global_id(0);
    if (i < POOL_TOTAL) {
        const int w = i % WIDTH, h = (i / WIDTH) % HEIGHT, plane = i / (HEIGHT * WIDTH);
        const real g = TENSOR_AT(dy)[(plane * POOL_OH + h / 2) * POOL_OW + w / 2];
        STORE(ACCUM, TENSOR_AT(dx) + i, g * (real)0.25);
    }
}
