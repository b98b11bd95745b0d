/* clnas — average pooling kernels (NCHW): 3x3 stride 1 pad 1 without padding in the count, and 2x2 stride 2.
 * Defines: BATCH, CHANNELS, HEIGHT, WIDTH (of the input), ACCUM, LOCAL. Per family, the kernels run one work-item
 * per element written (GPU: consecutive work-items along the row) or one per row (CPU: image rows for the 3x3 pool,
 * output rows for the 2x2 one). No two work-items write one element. */

#define POOL_TOTAL (BATCH * CHANNELS * HEIGHT * WIDTH)
#define POOL_ROWS (BATCH * CHANNELS * HEIGHT)
/* Output size of the 2x2 pool; never 0, so the 2x2 kernels still compile in a 3x3 program of a 1-pixel input. */
#define POOL_OH (HEIGHT > 1 ? HEIGHT / 2 : 1)
#define POOL_OW (WIDTH > 1 ? WIDTH / 2 : 1)

/* In-image taps of the 3-wide window centred at position i of an axis of length len. */
int pool_taps3(int i, int len)
{
    return min(i + 1, len - 1) - max(i - 1, 0) + 1;
}

#ifdef CLNAS_FP64
typedef double8 pool_realv;
#else
typedef float8 pool_realv;
#endif
#define POOL_VW 8
/* Unaligned vector load: clang-based compilers make one load of a vector type with element alignment. */
#ifdef __clang__
typedef pool_realv __attribute__((aligned(sizeof(real)))) pool_realv_u;
#define POOL_VLOAD(p) (*(__global const pool_realv_u *)(p))
#else
#define POOL_VLOAD(p) vload8(0, p)
#endif

/* Column q of the 3-row window around row h of a plane, the rows in the image weighted above, here, below. */
real pool_col3(__global const real *mid, int h, int q, real above, real here, real below)
{
    real v = mid[q] * here;
    if (h > 0)
        v += mid[q - WIDTH] * above;
    if (h < HEIGHT - 1)
        v += mid[q + WIDTH] * below;
    return v;
}

/* Lanes w..w+POOL_VW-1 of the 3x3 window sums of row h, each input row weighted by rw[-1..1]. */
pool_realv pool_window3(__global const real *mid, int h, int w, real above, real here, real below)
{
    pool_realv v = (POOL_VLOAD(mid + w - 1) + POOL_VLOAD(mid + w) + POOL_VLOAD(mid + w + 1)) * here;
    if (h > 0)
        v += (POOL_VLOAD(mid + w - 1 - WIDTH) + POOL_VLOAD(mid + w - WIDTH) + POOL_VLOAD(mid + w + 1 - WIDTH)) * above;
    if (h < HEIGHT - 1)
        v += (POOL_VLOAD(mid + w - 1 + WIDTH) + POOL_VLOAD(mid + w + WIDTH) + POOL_VLOAD(mid + w + 1 + WIDTH)) * below;
    return v;
}

void pool_store(__global real *out, pool_realv v)
{
#ifdef __clang__
    if (ACCUM)
        v += POOL_VLOAD(out);
    *(__global pool_realv_u *)out = v;
#else
    if (ACCUM)
        v += vload8(0, out);
    vstore8(v, 0, out);
#endif
}

/* Outputs w0..w1-1 of row h one by one with a sliding window of three column sums; column q weighted by
 * 1 / its taps (weighted) or 1, output w by 1 / (th * its column taps) (forward, th > 0) or 1 (th = 0). */
void pool_slide(__global const real *mid, __global real *out, int h, int w0, int w1, real above, real here,
                real below, int weighted, real th)
{
    if (w0 >= w1)
        return;
    real left = 0, centre = pool_col3(mid, h, w0, above, here, below);
    if (w0 > 0)
        left = pool_col3(mid, h, w0 - 1, above, here, below) / (weighted ? (real)pool_taps3(w0 - 1, WIDTH) : (real)1);
    if (weighted)
        centre /= (real)pool_taps3(w0, WIDTH);
    for (int w = w0; w < w1; w++) {
        real right = 0;
        if (w + 1 < WIDTH) {
            right = pool_col3(mid, h, w + 1, above, here, below);
            if (weighted)
                right /= (real)pool_taps3(w + 1, WIDTH);
        }
        const real v = left + centre + right;
        STORE(ACCUM, &out[w], th > 0 ? v / (th * (real)pool_taps3(w, WIDTH)) : v);
        left = centre;
        centre = right;
    }
}

/* One work-item per row (plane, h). Columns whose window (forward) or whose neighbours' windows (backward) lie
 * in the image share one divisor and go in vectors of POOL_VW; the rest slide one by one. A work-item per
 * element with a 3x3 loop of variable bounds ran near 0.1 GB/s on PoCL. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool3_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int row = get_global_id(0);
    if (row < POOL_ROWS) {
        const int h = row % HEIGHT;
        __global const real *mid = TENSOR_AT(x) + row * WIDTH;
        __global real *out = TENSOR_AT(y) + row * WIDTH;
        const real th = (real)pool_taps3(h, HEIGHT);
        const int start = min(1, WIDTH), end = start + max(WIDTH - 2, 0) / POOL_VW * POOL_VW;
        pool_slide(mid, out, h, 0, start, 1, 1, 1, 0, th);
        for (int w = start; w < end; w += POOL_VW)
            pool_store(out + w, pool_window3(mid, h, w, 1, 1, 1) / (th * 3));
        pool_slide(mid, out, h, end, WIDTH, 1, 1, 1, 0, th);
    }
}

/* dx[h][w] = sum of dy[o] / count(o) over the outputs o whose window holds (h, w): the 3x3 neighbourhood again. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool3_bwd(TENSOR_IN(dy), TENSOR_OUT(dx))
{
    const int row = get_global_id(0);
    if (row < POOL_ROWS) {
        const int h = row % HEIGHT;
        __global const real *mid = TENSOR_AT(dy) + row * WIDTH;
        __global real *out = TENSOR_AT(dx) + row * WIDTH;
        const real above = h > 0 ? (real)1 / (real)pool_taps3(h - 1, HEIGHT) : (real)0;
        const real here = (real)1 / (real)pool_taps3(h, HEIGHT);
        const real below = h < HEIGHT - 1 ? (real)1 / (real)pool_taps3(h + 1, HEIGHT) : (real)0;
        const int start = min(2, WIDTH), end = start + max(WIDTH - 4, 0) / POOL_VW * POOL_VW;
        pool_slide(mid, out, h, 0, start, above, here, below, 1, 0);
        for (int w = start; w < end; w += POOL_VW)
            pool_store(out + w, pool_window3(mid, h, w, above, here, below) / 3);
        pool_slide(mid, out, h, end, WIDTH, above, here, below, 1, 0);
    }
}

/* The GPU family's 3x3 pools: one work-item per element written, consecutive work-items along a row (coalesced
 * loads of each window row). Element i of src's planes: the sum over the in-image 3x3 window around it, each term
 * divided by its own window's taps when `weighted`. The forward divides the plain sum by the element's taps; the
 * backward gathers dy[o] / taps(o) over the outputs o whose window holds the element (its in-image neighbourhood). */
real pool3_el_sum(__global const real *src, int i, int weighted)
{
    const int w = i % WIDTH, h = i / WIDTH % HEIGHT;
    __global const real *plane = src + (i - h * WIDTH - w);
    real s = (real)0;
    for (int r = max(h - 1, 0); r <= min(h + 1, HEIGHT - 1); r++)
        for (int c = max(w - 1, 0); c <= min(w + 1, WIDTH - 1); c++)
            s += weighted ? plane[r * WIDTH + c] / (real)(pool_taps3(r, HEIGHT) * pool_taps3(c, WIDTH))
                          : plane[r * WIDTH + c];
    return s;
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool3_el_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int i = get_global_id(0);
    if (i < POOL_ROWS * WIDTH) {
        const int taps = pool_taps3(i / WIDTH % HEIGHT, HEIGHT) * pool_taps3(i % WIDTH, WIDTH);
        STORE(ACCUM, TENSOR_AT(y) + i, pool3_el_sum(TENSOR_AT(x), i, 0) / (real)taps);
    }
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool3_el_bwd(TENSOR_IN(dy), TENSOR_OUT(dx))
{
    const int i = get_global_id(0);
    if (i < POOL_ROWS * WIDTH)
        STORE(ACCUM, TENSOR_AT(dx) + i, pool3_el_sum(TENSOR_AT(dy), i, 1));
}

/* The 2x2 pools come in two forms. The GPU family's run one work-item per element written, consecutive work-items
 * along a row (coalesced). The CPU family's run one work-item per output row and walk it in vectors: a
 * work-item per element gathers scalars, which PoCL does not vectorise (the backward ran near 5 GB/s). */

/* One work-item per output row (plane, oh): input rows 2oh and 2oh+1 summed, then each pair of columns. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool2_rows_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int row = get_global_id(0);
    if (row < BATCH * CHANNELS * POOL_OH) {
        const int oh = row % POOL_OH, plane = row / POOL_OH;
        __global const real *top = TENSOR_AT(x) + (plane * HEIGHT + 2 * oh) * WIDTH, *bottom = top + WIDTH;
        __global real *out = TENSOR_AT(y) + row * POOL_OW;
        int ow = 0;
        for (; ow + POOL_VW <= POOL_OW; ow += POOL_VW) {
            const pool_realv lo = POOL_VLOAD(top + 2 * ow) + POOL_VLOAD(bottom + 2 * ow);
            const pool_realv hi = POOL_VLOAD(top + 2 * ow + POOL_VW) + POOL_VLOAD(bottom + 2 * ow + POOL_VW);
            pool_store(out + ow, (pool_realv)(lo.even + lo.odd, hi.even + hi.odd) * (real)0.25);
        }
        for (; ow < POOL_OW; ow++)
            STORE(ACCUM, out + ow,
                  (top[2 * ow] + bottom[2 * ow] + (top[2 * ow + 1] + bottom[2 * ow + 1])) * (real)0.25);
    }
}

/* One work-item per output row (plane, oh): dy / 4 spread over its window, input rows 2oh and 2oh+1. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void avgpool2_rows_bwd(TENSOR_IN(dy), TENSOR_OUT(dx))
{
    const int row = get_global_id(0);
    if (row < BATCH * CHANNELS * POOL_OH) {
        const int oh = row % POOL_OH, plane = row / POOL_OH;
        __global const real *g = TENSOR_AT(dy) + row * POOL_OW;
        __global real *top = TENSOR_AT(dx) + (plane * HEIGHT + 2 * oh) * WIDTH, *bottom = top + WIDTH;
        int ow = 0;
        for (; ow + POOL_VW <= POOL_OW; ow += POOL_VW) {
            const pool_realv q = POOL_VLOAD(g + ow) * (real)0.25;
            const pool_realv lo = (pool_realv)(q.s0, q.s0, q.s1, q.s1, q.s2, q.s2, q.s3, q.s3);
            const pool_realv hi = (pool_realv)(q.s4, q.s4, q.s5, q.s5, q.s6, q.s6, q.s7, q.s7);
            pool_store(top + 2 * ow, lo);
            pool_store(top + 2 * ow + POOL_VW, hi);
            pool_store(bottom + 2 * ow, lo);
            pool_store(bottom + 2 * ow + POOL_VW, hi);
        }
        for (; ow < POOL_OW; ow++) {
            const real q = g[ow] * (real)0.25;
            STORE(ACCUM, top + 2 * ow, q);
            STORE(ACCUM, top + 2 * ow + 1, q);
            STORE(ACCUM, bottom + 2 * ow, q);
            STORE(ACCUM, bottom + 2 * ow + 1, q);
        }
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
