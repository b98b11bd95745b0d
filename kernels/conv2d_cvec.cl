/* clnas — direct 2-D convolution, stride 1, vectorised along the output channels: the forward pass and the
 * input gradient (a convolution of dy with the flipped, transposed weights).
 * Defines: N CI CO H W HO WO KSIZE STRIDE (1) PAD RELU_IN ACCUM BWD_DATA COV ROWS COLS LOCAL CI_CHUNK_F32
 * CI_CHUNK_F64.
 * Forward (BWD_DATA 0): y[n][co][ho][wo] (=/+=) sum_{ci,kh,kw} w[co][ci][kh][kw] * f(x[n][ci][ho-PAD+kh][wo-PAD+kw]),
 * f = ReLU when RELU_IN.
 * Input gradient (BWD_DATA 1): dx[n][ci][h][w] (=/+=) g(x) * sum_{co,kh,kw} w[co][ci][kh][kw] * dy[n][co][h+PAD-kh][w+PAD-kw],
 * g(x) = (x > 0) when RELU_IN.
 * In both, "in" (IC channels, IH x IW) is convolved into "out" (OC channels, OH x OW), taps tap[oc][ic][kh][kw].
 * A work-item computes a segment of COLS columns of ROWS rows of COV*16 output channels of one image (a row is
 * SEGS segments: one at 7x7 and 14x14, two at 28x28), each output pixel a vector of 16 channels: an input element is
 * broadcast from memory and multiplies a vector of weights for every tap that reaches the work-item's pixels. So
 * where rows fill the lanes of a row vector badly, every lane works. The loop over input channels is compiled once
 * per segment, so every padding test is a compile-time constant. The forward ReLU is taken on the scalar before
 * its broadcast (measured on Zen 4: 5.1 against 5.8-6.4 ms at 28x28, 4.25 against 5.1 at 14x14, where a work-item
 * copied its input rows through the ReLU into private memory first). A work-group shares its channels: it stages
 * their weights for CI_CHUNK input channels in local memory, laid out tap-major with the output channel innermost,
 * so a weight vector is one aligned load. The epilogue transposes each block of 16 pixels' channel vectors in
 * registers and stores each channel's pixels of the segment as one run of vectors (a short last segment, or one
 * wider than 16: element by element); what it reads (the ReLU mask, the sums it adds to) is prefetched before the multiply-adds. */

#ifdef CLNAS_FP64
#define CI_CHUNK CI_CHUNK_F64
#else
#define CI_CHUNK CI_CHUNK_F32
#endif
#define LANES 16
typedef REALV(LANES) cvec;

#if BWD_DATA
#define IC CO
#define OC CI
#define IH HO
#define IW WO
#define OH H
#define OW W
#define TPAD (KSIZE - 1 - PAD)
#else
#define IC CI
#define OC CO
#define IH H
#define IW W
#define OH HO
#define OW WO
#define TPAD PAD
#endif

#if RELU_IN && !BWD_DATA
#define CONV_IN(v) fmax((v), (real)0)
#else
#define CONV_IN(v) (v)
#endif

#define OCV (COV * LANES) /* output channels of a work-item (and of its group) */
#define OC_BLOCKS (OC / OCV)
#define ROW_BLOCKS ((OH + ROWS - 1) / ROWS)
#define SEGS ((OW + COLS - 1) / COLS) /* column segments of an output row */
#define ITEMS_PER_BLOCK (N * ROW_BLOCKS * SEGS) /* work-items sharing one channel block */
#define GROUPS_PER_BLOCK ((ITEMS_PER_BLOCK + LOCAL - 1) / LOCAL)
#define TAPS (KSIZE * KSIZE)
#define IN_ROWS (ROWS + KSIZE - 1) /* input rows a work-item reads per input channel */

/* Stages tap[oc0 .. oc0+OCV-1][ic0 .. ic0+CI_CHUNK-1][..] as wl[ic][t][oc] (t = kh*KSIZE+kw, flipped for the
 * input gradient), each work-item of the group taking every LOCAL-th (oc, ic) pair. */
static void stage_weights(__global const real *w, __local real *wl, int oc0, int ic0, int lid)
{
    for (int r = lid; r < OCV * CI_CHUNK; r += LOCAL) {
        const int ocl = r / CI_CHUNK, icl = r - ocl * CI_CHUNK;
#if BWD_DATA
        /* w[co][ci][kh][kw] with co = ic, ci = oc, taps flipped */
        __global const real *src = w + ((ic0 + icl) * CI + oc0 + ocl) * TAPS;
#pragma unroll
        for (int t = 0; t < TAPS; t++)
            wl[(icl * TAPS + t) * OCV + ocl] = src[TAPS - 1 - t];
#else
        __global const real *src = w + ((oc0 + ocl) * CI + ic0 + icl) * TAPS;
#pragma unroll
        for (int t = 0; t < TAPS; t++)
            wl[(icl * TAPS + t) * OCV + ocl] = src[t];
#endif
    }
}

#ifdef CLNAS_FP64
typedef ulong16 lane_index;
#else
typedef uint16 lane_index;
#endif

/* Transposes a block of 16 channel vectors: lane j of m[i] moves to lane i of m[j]. Four butterfly stages, each
 * exchanging one bit of the vector index with the same bit of the lane index: for vectors a = m[i] and
 * b = m[i | s] (bit s clear in i), lane j of the new m[i] is a[j] or, where j has bit s, b[j ^ s]; lane j of the
 * new m[i | s] is a[j | s] or, where j has bit s, b[j] (shuffle2 indices 16 and up select from b). */
static void transpose_lanes(cvec m[LANES])
{
    const lane_index lo[4] = {
        (lane_index)(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30),
        (lane_index)(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29),
        (lane_index)(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
        (lane_index)(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23)};
    const lane_index hi[4] = {
        (lane_index)(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31),
        (lane_index)(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31),
        (lane_index)(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31),
        (lane_index)(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31)};
#pragma unroll
    for (int b = 0; b < 4; b++)
#pragma unroll
        for (int i = 0; i < LANES; i++)
            if (!(i & (1 << b))) {
                const cvec x = m[i], y = m[i | (1 << b)];
                m[i] = shuffle2(x, y, lo[b]);
                m[i | (1 << b)] = shuffle2(x, y, hi[b]);
            }
}

/* Stores lanes o .. o+n-1 of a channel's pixel run (n = 16, 8, 4 or 2): masked by x's sign for the input
 * gradient's ReLU, added to what is there when accumulating. */
#define STORE_LANES(n, o)                                                                                     \
    do {                                                                                                      \
        REALV(n) val = vload##n(0, run.s + (o));                                                              \
        if (xs)                                                                                               \
            val = select((REALV(n))0, val, vload##n(0, xs + (o)) > (REALV(n))0);                              \
        if (ACCUM)                                                                                            \
            val += vload##n(0, dst + (o));                                                                    \
        vstore##n(val, 0, dst + (o));                                                                         \
    } while (0)

/* Stores the first `width` lanes of t (a compile-time constant) at dst, in vectors of 16, 8, 4 and 2 and one
 * element; xs: the ReLU's input for the input gradient's mask, or none. */
static void store_run(__global real *dst, __global const real *xs, cvec t, int width)
{
    union {
        cvec v;
        real s[LANES];
    } run;
    run.v = t;
    int o = 0;
    if (width & 16) {
        STORE_LANES(16, o);
        o += 16;
    }
    if (width & 8) {
        STORE_LANES(8, o);
        o += 8;
    }
    if (width & 4) {
        STORE_LANES(4, o);
        o += 4;
    }
    if (width & 2) {
        STORE_LANES(2, o);
        o += 2;
    }
    if (width & 1) {
        real val = run.s[o];
        if (xs)
            val = xs[o] > (real)0 ? val : (real)0;
        STORE(ACCUM, dst + o, val);
    }
}

#if BWD_DATA
#if RELU_IN
__kernel void conv2d_bwd_data(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_IN(x), TENSOR_OUT(dx))
#else
__kernel void conv2d_bwd_data(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_OUT(dx))
#endif
#else
__kernel void conv2d_fwd(TENSOR_IN(x), TENSOR_IN(w), TENSOR_OUT(y))
#endif
{
    __local real wl[CI_CHUNK * TAPS * OCV];
    const int lid = get_local_id(0);
    const int block = get_group_id(0) / GROUPS_PER_BLOCK;
    const int item = get_group_id(0) % GROUPS_PER_BLOCK * LOCAL + lid; /* ((n, row block), segment) */
    const int live = item < ITEMS_PER_BLOCK;
    const int n = live ? item / (ROW_BLOCKS * SEGS) : 0;
    const int oh0 = live ? item / SEGS % ROW_BLOCKS * ROWS : 0;
    const int seg = live ? item % SEGS : 0;
    const int oc0 = block * OCV;
    /* Input channels a work-item takes per chunk: none past the end. Depending on the work-item, the loops over
     * them do not get PoCL's implicit barriers (added to uniform loops for vectorising across work-items), which
     * would make the loop over work-items the innermost and keep the sums in memory; and no branch jumps over a
     * barrier (where PoCL 3's region builder failed an assertion). */
    const int chunk = live ? CI_CHUNK : 0;
#if BWD_DATA
    __global const real *in = TENSOR_AT(dy) + n * (IC * IH * IW);
#else
    __global const real *in = TENSOR_AT(x) + n * (IC * IH * IW);
#endif

#if BWD_DATA
    __global real *out = TENSOR_AT(dx) + (n * OC + oc0) * (OH * OW);
#if RELU_IN
    __global const real *xg = TENSOR_AT(x) + (n * OC + oc0) * (OH * OW);
#else
    __global const real *xg = 0;
#endif
#else
    __global real *out = TENSOR_AT(y) + (n * OC + oc0) * (OH * OW);
    __global const real *xg = 0;
#endif
    /* The epilogue's reads (the input gradient's ReLU mask, the sums accumulated into) requested now, to arrive
     * during the multiply-adds rather than stall the stores (measured on Zen 4, input gradient with the mask:
     * 28x28 6.2 -> 5.6 ms with the stores below, 14x14 5.3 -> 4.9, 7x7 4.3 -> 4.0). */
    if (live)
#pragma unroll
        for (int ch = 0; ch < COV * LANES; ch++)
#pragma unroll
            for (int r = 0; r < ROWS; r++) {
                const int at = ch * (OH * OW) + (oh0 + r) * OW + seg * COLS;
                if (xg)
                    PREFETCH_RUN(xg + at, COLS);
                if (ACCUM)
                    PREFETCH_RUN(out + at, COLS);
            }
    /* The sums live in memory across the barriers, loaded into registers per chunk: left to the compiler, values
     * live across a barrier may be read from and written to memory at every multiply-add (PoCL). */
    volatile cvec kept[ROWS * COLS * COV];
    cvec acc[ROWS][COLS][COV];
#pragma unroll
    for (int i = 0; i < ROWS * COLS * COV; i++)
        kept[i] = (cvec)0;

    for (int ic0 = 0; ic0 < IC; ic0 += CI_CHUNK) {
        barrier(CLK_LOCAL_MEM_FENCE);
        stage_weights(TENSOR_AT(w), wl, oc0, ic0, lid);
        barrier(CLK_LOCAL_MEM_FENCE);
#pragma unroll
        for (int r = 0; r < ROWS; r++)
#pragma unroll
            for (int p = 0; p < COLS; p++)
#pragma unroll
                for (int v = 0; v < COV; v++)
                    acc[r][p][v] = kept[(r * COLS + p) * COV + v];
        /* One copy of the chunk's loops per segment s, starting at output column s * COLS. Input row oh0 - TPAD + dd
         * reaches output row r through tap row kh = dd - r; input column s * COLS - TPAD + c reaches the segment's
         * column p = c - kw through tap column kw. */
#pragma unroll
        for (int s = 0; s < SEGS; s++)
            if (s == seg) {
                for (int icl = 0; icl < chunk; icl++) {
                    __local const cvec *wv = (__local const cvec *)wl + icl * TAPS * COV;
#pragma unroll
                    for (int dd = 0; dd < IN_ROWS; dd++) {
                        const int hi = oh0 - TPAD + dd;
                        if (hi >= 0 && hi < IH) {
                            __global const real *xrow = in + ((ic0 + icl) * IH + hi) * IW;
#pragma unroll
                            for (int c = 0; c < COLS + KSIZE - 1; c++) {
                                const int gc = s * COLS - TPAD + c;
                                if (gc >= 0 && gc < IW) {
                                    const cvec xb = (cvec)CONV_IN(xrow[gc]);
#pragma unroll
                                    for (int r = 0; r < ROWS; r++) {
                                        const int kh = dd - r;
                                        if (kh >= 0 && kh < KSIZE)
#pragma unroll
                                            for (int kw = 0; kw < KSIZE; kw++) {
                                                const int p = c - kw;
                                                if (p >= 0 && p < COLS && s * COLS + p < OW)
#pragma unroll
                                                    for (int v = 0; v < COV; v++)
                                                        acc[r][p][v] = fma(xb, wv[(kh * KSIZE + kw) * COV + v],
                                                                           acc[r][p][v]);
                                            }
                                    }
                                }
                            }
                        }
                    }
                }
            }
#pragma unroll
        for (int r = 0; r < ROWS; r++)
#pragma unroll
            for (int p = 0; p < COLS; p++)
#pragma unroll
                for (int v = 0; v < COV; v++)
                    kept[(r * COLS + p) * COV + v] = acc[r][p][v];
    }
    if (!live)
        return;

    const int last = OW - seg * COLS < COLS; /* the row's last segment, cut short */
    if (!last && COLS <= LANES) {
        /* Each channel's pixels of the segment in one run (contiguous in dx or y, and in x for the mask), stored
         * as vectors: the segment's channel vectors transposed in registers into its channels' pixel vectors. */
#pragma unroll
        for (int r = 0; r < ROWS; r++)
            if (oh0 + r < OH)
#pragma unroll
                for (int v = 0; v < COV; v++) {
                    cvec m[LANES];
#pragma unroll
                    for (int p = 0; p < LANES; p++)
                        m[p] = p < COLS ? kept[(r * COLS + p) * COV + v] : (cvec)0;
                    transpose_lanes(m);
#pragma unroll
                    for (int l = 0; l < LANES; l++) {
                        const int at = (v * LANES + l) * (OH * OW) + (oh0 + r) * OW + seg * COLS;
                        store_run(out + at, xg ? xg + at : 0, m[l], COLS);
                    }
                }
        return;
    }
    /* A short segment (or one wider than a vector): element by element, each channel's pixels in a run, the sums
     * as scalars read once from the kept vectors. */
    union {
        cvec v[ROWS * COLS * COV];
        real s[ROWS * COLS * COV * LANES];
    } sums;
#pragma unroll
    for (int i = 0; i < ROWS * COLS * COV; i++)
        sums.v[i] = kept[i];
#pragma unroll
    for (int r = 0; r < ROWS; r++)
        if (oh0 + r < OH)
#pragma unroll
            for (int ch = 0; ch < COV * LANES; ch++) {
                const int at = ch * (OH * OW) + (oh0 + r) * OW + seg * COLS;
                const int v = ch / LANES, l = ch % LANES;
#pragma unroll
                for (int p = 0; p < COLS; p++)
                    if (seg * COLS + p < OW) {
                        const real sum = sums.s[((r * COLS + p) * COV + v) * LANES + l];
                        STORE(ACCUM, out + at + p, !xg || xg[at + p] > (real)0 ? sum : (real)0);
                    }
            }
}
