/* clnas — row vectors shared by the convolution templates (included by conv2d_fwd.cl, conv2d_bwd_data.cl and
 * conv2d_bwd_filter.cl, each defining ROW_LEN first). */
/* A row of an image is held as vectors of VW lanes, zero outside the row; a tap's view of it is a lane shift
 * (a window) of the row, for stride 2 of its even or odd elements (a phase), or for the stride-2 input gradient
 * of the row with a zero after every element (a spread). ROW_LEN, the length of the rows the kernel computes,
 * picks VW: one 512-bit register, or 8 lanes for short rows. Every helper argument is a constant once the
 * kernel's loops unroll, so the branches fold and each shuffle is one permute. Vector builtins get vector
 * arguments only (oclgrind 21.10 miscomputes min(int16, int)). */
#if defined(CLNAS_FP64) || ROW_LEN <= 8
#define VW 8
#else
#define VW 16
#endif
#ifdef CLNAS_FP64
typedef double8 realv;
typedef double4 realh;
typedef long8 intv;
#define TO_MASK convert_ulong8
#elif VW == 8
typedef float8 realv;
typedef float4 realh;
typedef int8 intv;
#define TO_MASK convert_uint8
#else
typedef float16 realv;
typedef float8 realh;
typedef int16 intv;
#define TO_MASK convert_uint16
#endif
#if VW == 8
#define IOTA ((intv)(0, 1, 2, 3, 4, 5, 6, 7))
#else
#define IOTA ((intv)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
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

/* Vector v of the len-element row at p (elements v*VW ..), zero past the end. end is the end of the tensor that
 * holds the row: a short vector with a whole vector of the tensor left to read is one load and a lane mask (it
 * reads the start of the next row), near the end it reads nothing past the row. */
static inline realv row_load(__global const real *p, int v, int len, __global const real *end)
{
    const int t = len - v * VW; /* elements of the row in this vector */
    if (t >= VW)
        return VLOAD(p + v * VW);
    if (t <= 0)
        return (realv)0;
    if (end - (p + v * VW) >= VW)
        return select((realv)0, VLOAD(p + v * VW), IOTA < t);
    if (t >= VW / 2) {
        /* Two half loads, the second ending at the row's end, merged by one permute. */
        const realh lo = HLOAD(p + v * VW), hi = HLOAD(p + len - VW / 2);
        const intv idx = IOTA < VW / 2 ? IOTA : min(IOTA - t + VW, (intv)(VW - 1));
        return select((realv)0, shuffle((realv)(lo, hi), TO_MASK(idx)), IOTA < t);
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
        realh lo = val.lo, hi = shuffle(val, TO_MASK(min(IOTA + t - VW / 2, (intv)(VW - 1)))).lo;
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
