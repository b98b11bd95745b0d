/* clnas — direct 2-D convolution, forward: NCHW, no bias, optional ReLU folded into the input load.
 * Defines: N CI CO H W HO WO KSIZE STRIDE (1 or 2) PAD RELU_IN ACCUM CO_BLOCK.
 * y[n][co][ho][wo] (=/+=) sum_{ci,kh,kw} w[co][ci][kh][kw] * f(x[n][ci][ho*STRIDE-PAD+kh][wo*STRIDE-PAD+kw]).
 * A work-item computes one output row (image n, channels co0 .. co0+CO_BLOCK-1, row ho) in vectors of VW
 * lanes. Each input row it reads is loaded once into registers; its KSIZE taps are lane shifts of it, so one
 * input row serves KSIZE taps and CO_BLOCK channels, and one weight serves the whole output row. */

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
#define NV VECS(WO) /* vectors of an output row */
#define CO_BLOCKS (CO / CO_BLOCK)
#define ROWS (N * CO_BLOCKS * HO)

__kernel void conv2d_fwd(TENSOR_IN(x), TENSOR_IN(w), TENSOR_OUT(y))
{
    const int id = get_global_id(0); /* (n * CO_BLOCKS + channel block) * HO + ho */
    if (id >= ROWS)
        return;
    const int ho = id % HO;
    const int n = id / HO / CO_BLOCKS;
    const int co0 = (id / HO - n * CO_BLOCKS) * CO_BLOCK;
    __global const real *xn = TENSOR_AT(x) + n * (CI * H * W);
    __global const real *wb = TENSOR_AT(w) + co0 * (CI * KSIZE * KSIZE);

    realv acc[CO_BLOCK][NV];
#pragma unroll
    for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
        for (int v = 0; v < NV; v++)
            acc[cb][v] = (realv)0;

    for (int ci = 0; ci < CI; ci++) {
#pragma unroll
        for (int kh = 0; kh < KSIZE; kh++) {
            const int hi = ho * STRIDE - PAD + kh;
            if (hi >= 0 && hi < H) {
                realv r[NR];
#pragma unroll
                for (int v = 0; v < NR; v++)
                    r[v] = CONV_IN(row_load(xn + (ci * H + hi) * W, v, W));
#pragma unroll
                for (int kw = 0; kw < KSIZE; kw++) {
                    realv seg[NV];
#pragma unroll
                    for (int v = 0; v < NV; v++)
#if STRIDE == 1
                        seg[v] = row_window(r, NR, v * VW + kw - PAD);
#else
                        seg[v] = phase_window(r, NR, v * VW + floor_div(kw - PAD, 2),
                                              kw - PAD - 2 * floor_div(kw - PAD, 2));
#endif
#pragma unroll
                    for (int cb = 0; cb < CO_BLOCK; cb++) {
                        const realv wv = (realv)wb[(cb * CI + ci) * (KSIZE * KSIZE) + kh * KSIZE + kw];
#pragma unroll
                        for (int v = 0; v < NV; v++)
                            acc[cb][v] = fma(wv, seg[v], acc[cb][v]);
                    }
                }
            }
        }
    }

    __global real *yr = TENSOR_AT(y) + ((n * CO + co0) * HO + ho) * WO;
#pragma unroll
    for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
        for (int v = 0; v < NV; v++)
            row_store(yr + cb * (HO * WO), v, WO, acc[cb][v], ACCUM);
}
