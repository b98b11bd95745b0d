/* clnas — 3x3 max pooling, pad 1 with -inf padding, stride STRIDE (1 or 2), NCHW (DARTS' max_pool_3x3).
 * Defines: BATCH, CHANNELS, HEIGHT, WIDTH (of the input), STRIDE, ACCUM, LOCAL; Y_BSTRIDE (optional, the forward), DY_BSTRIDE
 * (optional, the backward). The output is
 * ((HEIGHT-1)/STRIDE+1) x ((WIDTH-1)/STRIDE+1). The backward keeps no indices: it recomputes each window's argmax
 * from x, and each work-item writes only its own input row, so it needs no atomics and is deterministic. */

#define MP_OH ((HEIGHT - 1) / STRIDE + 1)
#define MP_OW ((WIDTH - 1) / STRIDE + 1)
/* The forward's y may be a channel slice of a larger tensor (a DARTS cell's output): sample n starts Y_BSTRIDE
 * elements after sample n-1 (the codegen defines it then; contiguous otherwise). */
#ifndef Y_BSTRIDE
#define Y_BSTRIDE (CHANNELS * MP_OH * MP_OW)
#endif
#ifndef DY_BSTRIDE /* likewise the backward's dy */
#define DY_BSTRIDE (CHANNELS * MP_OH * MP_OW)
#endif

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

/* The maximum of the 9 taps of an in-image window with top-left corner p, by the rule of mp_argmax; *at (set by the
 * caller to 0, the first tap) becomes its offset from p. */
real mp_full(__global const real *p, int *at)
{
    real top = -INFINITY;
    for (int r = 0; r < 3; r++)
        for (int q = 0; q < 3; q++) {
            const real v = p[r * WIDTH + q];
            if (v > top || isnan(v)) {
                top = v;
                *at = r * WIDTH + q;
            }
        }
    return top;
}

/* Output columns 1 .. MP_INSIDE have their window inside the image's columns. */
#define MP_INSIDE ((WIDTH - 2) / STRIDE)
/* Those windows go MP_VW at a time: 8, or 4 where a row has fewer than 8 of them (a 7- or 14-pixel image, which
 * DARTS' reduction cells pool). */
#if MP_INSIDE >= 8
#define MP_VW 8
#else
#define MP_VW 4
#endif
#ifdef CLNAS_FP64
#define MP_INT_T long /* the comparisons' lane masks */
#else
#define MP_INT_T int
#endif
typedef REALV(MP_VW) mp_realv;
typedef CLNAS_CAT(MP_INT_T, MP_VW) mp_intv;
#define MP_VSTORE_INT CLNAS_CAT(vstore, MP_VW) /* lanes of an mp_intv to a private array */
/* Unaligned vector access: clang-based compilers make one load or store of a vector type with element alignment. */
#ifdef __clang__
typedef mp_realv __attribute__((aligned(sizeof(real)))) mp_realv_u;
#define MP_VLOAD(p) (*(__global const mp_realv_u *)(p))
#define MP_VSTORE(v, p) (*(__global mp_realv_u *)(p) = (v))
#else
#define MP_VLOAD(p) CLNAS_CAT(vload, MP_VW)(0, p)
#define MP_VSTORE(v, p) CLNAS_CAT(vstore, MP_VW)(v, 0, p)
#endif

/* Lanes of tap j of MP_VW consecutive outputs from p, the tap of lane 0: at stride 2 the even elements, read as
 * elements 0 .. MP_VW-1 and MP_VW-1 .. 2*MP_VW-2 (never the next, which may lie past the tensor). */
mp_realv mp_taps(__global const real *p)
{
#if STRIDE == 1
    return MP_VLOAD(p);
#else
    return (mp_realv)(MP_VLOAD(p).even, MP_VLOAD(p + MP_VW - 1).odd);
#endif
}

/* The maxima of MP_VW in-image windows, the first with top-left corner p, and in *at each one's argmax as an offset
 * from its corner: mp_full's rule lane by lane (a tap replaces the maximum where it is greater or NaN, taps in
 * row-major order from -inf). */
mp_realv mp_full_lanes(__global const real *p, mp_intv *at)
{
    mp_realv top = (mp_realv)(-INFINITY);
    *at = (mp_intv)0;
    for (int r = 0; r < 3; r++)
        for (int q = 0; q < 3; q++) {
            const mp_realv v = mp_taps(p + r * WIDTH + q);
            const mp_intv take = isgreater(v, top) | isnan(v);
            top = select(top, v, take);
            *at = select(*at, (mp_intv)(r * WIDTH + q), take);
        }
    return top;
}

/* Output column where row vectors start: 1, the first window inside the image's columns; the last vector of a row
 * ends at the last such window, overlapping the one before when the count is not a multiple of MP_VW (a forward
 * that overwrites may write an output twice; one that accumulates, and the backward, may not: they leave the rest
 * to the one-by-one path). Returns the column after the vectors' last. */
int mp_vectors_end(void)
{
    return MP_INSIDE >= MP_VW ? 1 + (MP_INSIDE / MP_VW) * MP_VW : 1;
}

/* One work-item per output row (plane, oh). Runs of MP_VW windows inside the image go in vectors, the other
 * windows one by one (the unrolled 9-tap path where inside the image); a work-item per output element with
 * variable window bounds ran at 0.1 GB/s on PoCL, scalar rows took a sixth of a chain network's evaluation. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void maxpool3_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int row = get_global_id(0);
    if (row < BATCH * CHANNELS * MP_OH) {
        const int oh = row % MP_OH, plane = row / MP_OH;
        __global const real *xp = TENSOR_AT(x) + plane * HEIGHT * WIDTH;
        __global real *out = TENSOR_AT(y) + row / (CHANNELS * MP_OH) * Y_BSTRIDE + row % (CHANNELS * MP_OH) * MP_OW;
        const int full_rows = oh * STRIDE >= 1 && oh * STRIDE + 1 <= HEIGHT - 1;
        const int vec_end = full_rows ? mp_vectors_end() : 1;
        for (int ow0 = 1; ow0 < vec_end; ow0 += MP_VW) {
            mp_intv at;
            mp_realv m = mp_full_lanes(xp + (oh * STRIDE - 1) * WIDTH + ow0 * STRIDE - 1, &at);
            if (ACCUM)
                m += MP_VLOAD(out + ow0);
            MP_VSTORE(m, out + ow0);
        }
        /* the overlapping last vector (see mp_vectors_end) */
        const int tail_vector = !ACCUM && full_rows && vec_end > 1 && vec_end <= MP_INSIDE;
        if (tail_vector) {
            mp_intv at;
            MP_VSTORE(mp_full_lanes(xp + (oh * STRIDE - 1) * WIDTH + (MP_INSIDE - MP_VW + 1) * STRIDE - 1, &at),
                      out + MP_INSIDE - MP_VW + 1);
        }
        for (int ow = 0; ow < MP_OW; ow++) {
            if (ow >= 1 && (ow < vec_end || (tail_vector && ow <= MP_INSIDE)))
                continue; /* done in vectors */
            real m;
            int at = 0;
            if (full_rows && ow * STRIDE >= 1 && ow * STRIDE + 1 <= WIDTH - 1)
                m = mp_full(xp + (oh * STRIDE - 1) * WIDTH + ow * STRIDE - 1, &at);
            else
                mp_argmax(xp, oh, ow, &m);
            STORE(ACCUM, out + ow, m);
        }
    }
}

/* One work-item per plane, which it alone writes: it zeroes dx (unless ACCUM), then walks the windows in ascending
 * (oh, ow) order, computes each one's argmax once (runs of MP_VW windows inside the image in vectors) and adds its dy
 * there, so every dx element gets its terms in the order of the reference. A gather per input element recomputed
 * each argmax up to 9 times (4x slower at stride 2). */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void maxpool3_bwd(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dx))
{
    const int plane = get_global_id(0);
    if (plane < BATCH * CHANNELS) {
        __global const real *xp = TENSOR_AT(x) + plane * HEIGHT * WIDTH;
        __global const real *dyp = TENSOR_AT(dy) + plane / CHANNELS * DY_BSTRIDE + plane % CHANNELS * MP_OH * MP_OW;
        __global real *out = TENSOR_AT(dx) + plane * HEIGHT * WIDTH;
        if (!ACCUM)
            for (int i = 0; i < HEIGHT * WIDTH; i++)
                out[i] = 0;
        for (int oh = 0; oh < MP_OH; oh++) {
            const int full_rows = oh * STRIDE >= 1 && oh * STRIDE + 1 <= HEIGHT - 1;
            const int vec_end = full_rows ? mp_vectors_end() : 1;
            for (int ow = 0; ow < MP_OW; ow++) {
                if (ow >= 1 && ow < vec_end) {
                    /* MP_VW windows' argmaxes at once; their dy added lane by lane, in the order of the windows */
                    const int corner = (oh * STRIDE - 1) * WIDTH + ow * STRIDE - 1;
                    mp_intv at_lanes;
                    mp_full_lanes(xp + corner, &at_lanes);
                    MP_INT_T at_of[MP_VW];
                    MP_VSTORE_INT(at_lanes, 0, at_of);
                    for (int j = 0; j < MP_VW; j++)
                        out[corner + j * STRIDE + (int)at_of[j]] += dyp[oh * MP_OW + ow + j];
                    ow += MP_VW - 1;
                    continue;
                }
                real m;
                int at = 0;
                if (full_rows && ow * STRIDE >= 1 && ow * STRIDE + 1 <= WIDTH - 1) {
                    const int corner = (oh * STRIDE - 1) * WIDTH + ow * STRIDE - 1;
                    mp_full(xp + corner, &at);
                    at += corner;
                } else {
                    at = mp_argmax(xp, oh, ow, &m);
                }
                out[at] += dyp[oh * MP_OW + ow];
            }
        }
    }
}
