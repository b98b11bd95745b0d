/* clnas — direct 2-D convolution, gradient with respect to the weights: one work-group per (co block, ci block).
 * Defines: N CI CO H W HO WO KSIZE STRIDE (1 or 2) PAD RELU_IN CO_BLOCK CI_BLOCK LOCAL (work-group size, a
 * power of two).
 * dw[co][ci][kh][kw] = sum_{n,ho,wo} dy[n][co][ho][wo] * f(x[n][ci][ho*STRIDE-PAD+kh][wo*STRIDE-PAD+kw]),
 * f = ReLU when RELU_IN; always overwrites. Work-item lid takes the lid-th run of images. For each image and
 * each of its CI_BLOCK input channels it walks the output rows: it loads the dy rows of the CO_BLOCK channels
 * and the KSIZE input rows they meet, and accumulates every tap in vectors of VW lanes (the taps along a row
 * are lane shifts of the input row); the accumulators of the other input channels wait in private memory, so
 * each image's block of x and dy is read as one contiguous stretch. At the end the work-item adds up its
 * lanes, and a fixed tree in local memory adds up the work-items: deterministic, no atomics. */

#define ROW_LEN WO
/* ---- row vectors: this block is the same in conv2d_fwd.cl, conv2d_bwd_data.cl and conv2d_bwd_filter.cl ----
 * A row of an image is held as vectors of VW lanes, zero outside the row; a tap's view of it is a lane shift
 * (a window), for stride 2 of its even or odd elements (a phase). ROW_LEN, the length of the rows the kernel
 * computes, picks VW: one 512-bit register, or 8 lanes for short rows. Every helper argument is a constant
 * once the kernel's loops unroll, so the branches fold and each shuffle is one permute. */
#if defined(CLNAS_FP64) || ROW_LEN <= 8
#define VW 8
#else
#define VW 16
#endif
#ifdef CLNAS_FP64
typedef double8 realv;
typedef double4 realh;
typedef long8 intv;
typedef long4 inth;
#define TO_MASK convert_ulong8
#define TO_MASK_H convert_ulong4
#elif VW == 8
typedef float8 realv;
typedef float4 realh;
typedef int8 intv;
typedef int4 inth;
#define TO_MASK convert_uint8
#define TO_MASK_H convert_uint4
#else
typedef float16 realv;
typedef float8 realh;
typedef int16 intv;
typedef int8 inth;
#define TO_MASK convert_uint16
#define TO_MASK_H convert_uint8
#endif
#if VW == 8
#define IOTA ((intv)(0, 1, 2, 3, 4, 5, 6, 7))
#define IOTA_H ((inth)(0, 1, 2, 3))
#else
#define IOTA ((intv)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#define IOTA_H ((inth)(0, 1, 2, 3, 4, 5, 6, 7))
#endif
/* Unaligned vector access. Clang-based compilers (PoCL, ROCm, Intel) turn a vector type with element alignment
 * into one unaligned load or store, where vloadn may come out as a chain of small loads and permutes. */
#ifdef __clang__
typedef realv __attribute__((aligned(sizeof(real)))) realv_u;
typedef realh __attribute__((aligned(sizeof(real)))) realh_u;
#define VLOAD(p) (*(__global const realv_u *)(p))
#define HLOAD(p) (*(__global const realh_u *)(p))
#define VSTORE(v, p) (*(__global realv_u *)(p) = (v))
#define HSTORE(v, p) (*(__global realh_u *)(p) = (v))
#elif VW == 8
#define VLOAD(p) vload8(0, p)
#define HLOAD(p) vload4(0, p)
#define VSTORE(v, p) vstore8(v, 0, p)
#define HSTORE(v, p) vstore4(v, 0, p)
#else
#define VLOAD(p) vload16(0, p)
#define HLOAD(p) vload8(0, p)
#define VSTORE(v, p) vstore16(v, 0, p)
#define HSTORE(v, p) vstore8(v, 0, p)
#endif
#define VECS(len) (((len) + VW - 1) / VW) /* vectors holding a row of len elements */

static inline int floor_div(int a, int b)
{
    return a >= 0 ? a / b : -((b - 1 - a) / b);
}

/* Vector v of the len-element row at p (elements v*VW ..), zero past the end; reads nothing outside the row. */
static inline realv row_load(__global const real *p, int v, int len)
{
    const int t = len - v * VW; /* elements of the row in this vector */
    if (t >= VW)
        return VLOAD(p + v * VW);
    if (t <= 0)
        return (realv)0;
    if (t >= VW / 2) {
        /* Two half loads, the second ending at the row's end, merged by one permute. */
        const realh lo = HLOAD(p + v * VW), hi = HLOAD(p + len - VW / 2);
        const intv idx = IOTA < VW / 2 ? IOTA : min(IOTA - t + VW, VW - 1);
        return select((realv)0, shuffle2(lo, hi, TO_MASK(idx)), IOTA < t);
    }
    union {
        realv v;
        real s[VW];
    } tmp;
#pragma unroll
    for (int j = 0; j < VW; j++)
        tmp.s[j] = j < t ? p[v * VW + j] : (real)0;
    return tmp.v;
}

/* Writes (ACCUM: adds) the first elements of val as vector v of the len-element row at p, nothing past it. */
static inline void row_store(__global real *p, int v, int len, realv val, int accum)
{
    const int t = len - v * VW;
    if (t >= VW) {
        if (accum)
            val += VLOAD(p + v * VW);
        VSTORE(val, p + v * VW);
    } else if (t >= VW / 2) {
        /* Two half stores that overlap; both read what is there before either writes, so ACCUM stays exact. */
        realh lo = val.lo, hi = shuffle(val, TO_MASK_H(IOTA_H + t - VW / 2));
        if (accum) {
            lo += HLOAD(p + v * VW);
            hi += HLOAD(p + len - VW / 2);
        }
        HSTORE(hi, p + len - VW / 2);
        HSTORE(lo, p + v * VW);
    } else if (t > 0) {
        union {
            realv v;
            real s[VW];
        } tmp;
        tmp.v = val;
#pragma unroll
        for (int j = 0; j < VW; j++)
            if (j < t)
                STORE(accum, p + v * VW + j, tmp.s[j]);
    }
}

/* Vector i of the row held in r[0 .. nr-1], zero outside. */
static inline realv row_vec(const realv *r, int nr, int i)
{
    return i >= 0 && i < nr ? r[i] : (realv)0;
}

/* Elements start .. start+VW-1 of the row held in r (zero outside it). */
static inline realv row_window(const realv *r, int nr, int start)
{
    const int a = floor_div(start, VW), rem = start - a * VW;
    if (rem == 0)
        return row_vec(r, nr, a);
    return shuffle2(row_vec(r, nr, a), row_vec(r, nr, a + 1), TO_MASK(IOTA + rem));
}

/* Vector u of phase b of the row (its elements 2*i + b), zero outside. */
static inline realv phase_vec(const realv *r, int nr, int u, int b)
{
    if (u < 0)
        return (realv)0;
    return shuffle2(row_vec(r, nr, 2 * u), row_vec(r, nr, 2 * u + 1), TO_MASK(2 * IOTA + b));
}

/* Elements start .. start+VW-1 of phase b of the row held in r. */
static inline realv phase_window(const realv *r, int nr, int start, int b)
{
    const int a = floor_div(start, VW), rem = start - a * VW;
    const realv lo = phase_vec(r, nr, a, b);
    if (rem == 0)
        return lo;
    return shuffle2(lo, phase_vec(r, nr, a + 1, b), TO_MASK(IOTA + rem));
}

/* Elements start .. start+VW-1 of the row after inserting a zero after every element (stride-2 transpose:
 * element 2*i is row element i, element 2*i+1 is zero). */
static inline realv spread_window(const realv *r, int nr, int start)
{
    const int a = floor_div(start, VW), rem = start - a * VW;
    realv part[2];
#pragma unroll
    for (int h = 0; h < 2; h++) {
        const int u = a + h; /* spread vector u holds row elements u*VW/2 .. u*VW/2 + VW/2 - 1 */
        const intv idx = (IOTA & 1) != 0 ? (intv)VW : (u - 2 * floor_div(u, 2)) * (VW / 2) + IOTA / 2;
        part[h] = u < 0 ? (realv)0 : shuffle2(row_vec(r, nr, floor_div(u, 2)), (realv)0, TO_MASK(idx));
    }
    if (rem == 0)
        return part[0];
    return shuffle2(part[0], part[1], TO_MASK(IOTA + rem));
}
/* ---- end of row vectors ---- */

#if RELU_IN
#define CONV_IN(v) select((v), (realv)0, (v) < (realv)0)
#else
#define CONV_IN(v) (v)
#endif

#define NR VECS(W)  /* vectors of an input row */
#define NV VECS(WO) /* vectors of a dy row */
#define TAPS (KSIZE * KSIZE)
#define SUMS (CI_BLOCK * CO_BLOCK * TAPS) /* results of one work-group */
#define IMAGES_PER_ITEM ((N + LOCAL - 1) / LOCAL)

static inline real lane_sum(realv a)
{
    union {
        realv v;
        real s[VW];
    } u;
    u.v = a;
    real s = 0;
#pragma unroll
    for (int j = 0; j < VW; j++)
        s += u.s[j];
    return s;
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void conv2d_bwd_filter(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dw))
{
    __local real part[SUMS][LOCAL];
    const int lid = get_local_id(0);
    const int ci0 = get_group_id(0) % (CI / CI_BLOCK) * CI_BLOCK;
    const int co0 = get_group_id(0) / (CI / CI_BLOCK) * CO_BLOCK;

    realv acc[CI_BLOCK][CO_BLOCK][TAPS];
    for (int cib = 0; cib < CI_BLOCK; cib++)
#pragma unroll
        for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
            for (int t = 0; t < TAPS; t++)
                acc[cib][cb][t] = (realv)0;

    const int n_end = min((lid + 1) * IMAGES_PER_ITEM, N);
    for (int n = lid * IMAGES_PER_ITEM; n < n_end; n++) {
        __global const real *dyn = TENSOR_AT(dy) + (n * CO + co0) * (HO * WO);
        for (int cib = 0; cib < CI_BLOCK; cib++) {
            __global const real *xc = TENSOR_AT(x) + (n * CI + ci0 + cib) * (H * W);
            realv a[CO_BLOCK][TAPS];
#pragma unroll
            for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
                for (int t = 0; t < TAPS; t++)
                    a[cb][t] = acc[cib][cb][t];
            for (int ho = 0; ho < HO; ho++) {
                realv g[CO_BLOCK][NV];
#pragma unroll
                for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
                    for (int v = 0; v < NV; v++)
                        g[cb][v] = row_load(dyn + (cb * HO + ho) * WO, v, WO);
#pragma unroll
                for (int kh = 0; kh < KSIZE; kh++) {
                    const int hi = ho * STRIDE - PAD + kh;
                    if (hi >= 0 && hi < H) {
                        realv r[NR];
#pragma unroll
                        for (int v = 0; v < NR; v++)
                            r[v] = CONV_IN(row_load(xc + hi * W, v, W));
#pragma unroll
                        for (int kw = 0; kw < KSIZE; kw++)
#pragma unroll
                            for (int v = 0; v < NV; v++) {
#if STRIDE == 1
                                const realv seg = row_window(r, NR, v * VW + kw - PAD);
#else
                                const realv seg = phase_window(r, NR, v * VW + floor_div(kw - PAD, 2),
                                                               kw - PAD - 2 * floor_div(kw - PAD, 2));
#endif
#pragma unroll
                                for (int cb = 0; cb < CO_BLOCK; cb++)
                                    a[cb][kh * KSIZE + kw] = fma(g[cb][v], seg, a[cb][kh * KSIZE + kw]);
                            }
                    }
                }
            }
#pragma unroll
            for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
                for (int t = 0; t < TAPS; t++)
                    acc[cib][cb][t] = a[cb][t];
        }
    }

    for (int cib = 0; cib < CI_BLOCK; cib++)
#pragma unroll
        for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
            for (int t = 0; t < TAPS; t++)
                part[(cib * CO_BLOCK + cb) * TAPS + t][lid] = lane_sum(acc[cib][cb][t]);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LOCAL / 2; s > 0; s /= 2) {
        if (lid < s)
            for (int k = 0; k < SUMS; k++)
                part[k][lid] += part[k][lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    /* part[(cib * CO_BLOCK + cb) * TAPS + t] is dw[co0 + cb][ci0 + cib][t]. */
    for (int k = lid; k < SUMS; k += LOCAL) {
        const int t = k % TAPS, cb = k / TAPS % CO_BLOCK, cib = k / TAPS / CO_BLOCK;
        TENSOR_AT(dw)[((co0 + cb) * CI + ci0 + cib) * TAPS + t] = part[k][0];
    }
}
