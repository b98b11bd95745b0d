/* clnas — the mixed edge of differentiable search over K op outputs y_0 .. y_{K-1} of COUNT elements each.
 * Defines: COUNT, K (1..5), LOCAL, and ACCUM (forward), DY_MASK, DY_ACCUM (bit k: dy_k accumulates), GROUPS
 * (backward), DW_ACCUM, GROUPS (weight gradient). The weights w are a tensor argument, never a define: alpha changes every step and the
 * program stays the same. Each work-item handles 16 consecutive elements as one row vector (float16 or double16:
 * explicit vectors are what PoCL turns into AVX-512); the last, partial vector runs scalar. Every kernel of the file
 * compiles in each program, so the defines a kernel does not use have defaults. */

#ifndef ACCUM
#define ACCUM 0
#endif
#ifndef DY_MASK
#define DY_MASK 0
#endif
#ifndef DY_ACCUM
#define DY_ACCUM 0
#endif
#ifndef DW_ACCUM
#define DW_ACCUM 0
#endif
#ifndef COUNT
#define COUNT 1
#endif
#ifndef GROUPS
#define GROUPS 1
#endif

#define VW 16
#define CHUNKS ((COUNT + VW - 1) / VW)
#define FULL_CHUNKS (COUNT / VW)
#define BLOCK ((FULL_CHUNKS + GROUPS - 1) / GROUPS) /* full vectors per work-group in the backward */
#ifdef CLNAS_FP64
typedef double16 realv;
typedef double8 realv8;
typedef double4 realv4;
typedef double2 realv2;
#else
typedef float16 realv;
typedef float8 realv8;
typedef float4 realv4;
typedef float2 realv2;
#endif
/* Element-aligned vector access (tensors sit at any element offset): on clang-based compilers a vector type with
 * element alignment is one unaligned load or store; elsewhere vload16 / vstore16. */
#ifdef __clang__
typedef realv __attribute__((aligned(sizeof(real)))) realv_u;
#define VLOAD(p) (*(__global const realv_u *)(p))
#define VSTORE(v, p) (*(__global realv_u *)(p) = (v))
#else
#define VLOAD(p) vload16(0, p)
#define VSTORE(v, p) vstore16(v, 0, p)
#endif

real mixed_hsum(realv v)
{
    const realv8 a = v.lo + v.hi;
    const realv4 b = a.lo + a.hi;
    const realv2 c = b.lo + b.hi;
    return c.x + c.y;
}

#if K > 5 || K < 1
#error "mixed_edge.cl: K must be 1..5"
#endif

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void mixed_fwd(TENSOR_IN(y0)
#if K > 1
               , TENSOR_IN(y1)
#endif
#if K > 2
               , TENSOR_IN(y2)
#endif
#if K > 3
               , TENSOR_IN(y3)
#endif
#if K > 4
               , TENSOR_IN(y4)
#endif
               , TENSOR_IN(w), TENSOR_OUT(out))
{
    const int c = get_global_id(0);
    __global const real *ws = TENSOR_AT(w);
    __global real *outs = TENSOR_AT(out);
    const int at = c * VW;
    if (c < FULL_CHUNKS) {
        realv v = ws[0] * VLOAD(TENSOR_AT(y0) + at);
#if K > 1
        v += ws[1] * VLOAD(TENSOR_AT(y1) + at);
#endif
#if K > 2
        v += ws[2] * VLOAD(TENSOR_AT(y2) + at);
#endif
#if K > 3
        v += ws[3] * VLOAD(TENSOR_AT(y3) + at);
#endif
#if K > 4
        v += ws[4] * VLOAD(TENSOR_AT(y4) + at);
#endif
        if (ACCUM)
            v += VLOAD(outs + at);
        VSTORE(v, outs + at);
    } else if (c < CHUNKS) {
        for (int i = at; i < COUNT; i++) {
            real v = ws[0] * TENSOR_AT(y0)[i];
#if K > 1
            v += ws[1] * TENSOR_AT(y1)[i];
#endif
#if K > 2
            v += ws[2] * TENSOR_AT(y2)[i];
#endif
#if K > 3
            v += ws[3] * TENSOR_AT(y3)[i];
#endif
#if K > 4
            v += ws[4] * TENSOR_AT(y4)[i];
#endif
            STORE(ACCUM, outs + i, v);
        }
    }
}

/* Op k's whole share of the backward, one op at a time so only one accumulator is live (with all K at once PoCL
 * ran 5x slower): over this work-group's block of g and y_k, dy_k = w[k] * g where DY_MASK asks for it and the
 * group's part of <g, y_k> into partials. g is read once per op, from cache after the first. */
#define BWD_OP(k)                                                                                                    \
    do {                                                                                                             \
        realv acc = 0;                                                                                               \
        for (int c = begin + lid; c < end; c += LOCAL) {                                                             \
            const int at = c * VW;                                                                                   \
            const realv gv = VLOAD(gs_buf + at);                                                                     \
            acc += gv * VLOAD(TENSOR_AT(y##k) + at);                                                                 \
            if (DY_MASK & (1 << k)) {                                                                                \
                __global real *dyp = DY_PTR(k) + at;                                                                 \
                const realv d = ws[k] * gv;                                                                          \
                VSTORE((DY_ACCUM & (1 << k)) ? VLOAD(dyp) + d : d, dyp);                                             \
            }                                                                                                        \
        }                                                                                                            \
        real tail = 0;                                                                                               \
        if (FULL_CHUNKS < CHUNKS && get_global_id(0) == 0) /* the partial last vector: the first work-item */        \
            for (int i = FULL_CHUNKS * VW; i < COUNT; i++) {                                                         \
                tail += gs_buf[i] * TENSOR_AT(y##k)[i];                                                              \
                if (DY_MASK & (1 << k))                                                                              \
                    STORE(DY_ACCUM & (1 << k), DY_PTR(k) + i, ws[k] * gs_buf[i]);                                    \
            }                                                                                                        \
        const real s = mixed_group_sum(scratch, mixed_hsum(acc) + tail);                                             \
        if (lid == 0)                                                                                                \
            parts[(k) * GROUPS + group] = s;                                                                         \
    } while (0)

/* The dy slots exist only for the ops in DY_MASK; DY_PTR(k) names a real one for every k (unused ones fold away). */
#if DY_MASK & 1
#define DY0_PTR TENSOR_AT(dy0)
#else
#define DY0_PTR ((__global real *)0)
#endif
#if DY_MASK & 2
#define DY1_PTR TENSOR_AT(dy1)
#else
#define DY1_PTR ((__global real *)0)
#endif
#if DY_MASK & 4
#define DY2_PTR TENSOR_AT(dy2)
#else
#define DY2_PTR ((__global real *)0)
#endif
#if DY_MASK & 8
#define DY3_PTR TENSOR_AT(dy3)
#else
#define DY3_PTR ((__global real *)0)
#endif
#if DY_MASK & 16
#define DY4_PTR TENSOR_AT(dy4)
#else
#define DY4_PTR ((__global real *)0)
#endif
#define DY_PTR(k) DY##k##_PTR

/* Sum of every work-item's v in a fixed tree, the same for all work-items; every work-item must call it. */
real mixed_group_sum(__local real *scratch, real v)
{
    const int lid = get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LOCAL / 2; s > 0; s >>= 1) {
        if (lid < s)
            scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const real total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void mixed_bwd(TENSOR_IN(g), TENSOR_IN(y0)
#if K > 1
               , TENSOR_IN(y1)
#endif
#if K > 2
               , TENSOR_IN(y2)
#endif
#if K > 3
               , TENSOR_IN(y3)
#endif
#if K > 4
               , TENSOR_IN(y4)
#endif
               , TENSOR_IN(w)
#if DY_MASK & 1
               , TENSOR_OUT(dy0)
#endif
#if DY_MASK & 2
               , TENSOR_OUT(dy1)
#endif
#if DY_MASK & 4
               , TENSOR_OUT(dy2)
#endif
#if DY_MASK & 8
               , TENSOR_OUT(dy3)
#endif
#if DY_MASK & 16
               , TENSOR_OUT(dy4)
#endif
               , TENSOR_OUT(partials))
{
    __local real scratch[LOCAL];
    const int lid = get_local_id(0), group = get_group_id(0);
    __global const real *ws = TENSOR_AT(w);
    __global const real *gs_buf = TENSOR_AT(g);
    __global real *parts = TENSOR_AT(partials);
    /* Each work-group owns a contiguous block of vectors, its work-items interleaved inside it (coalesced on GPUs,
     * cache-friendly on CPUs, where a work-item runs its whole loop before the next). */
    const int begin = group * BLOCK, end = min(begin + BLOCK, FULL_CHUNKS);
    BWD_OP(0);
#if K > 1
    BWD_OP(1);
#endif
#if K > 2
    BWD_OP(2);
#endif
#if K > 3
    BWD_OP(3);
#endif
#if K > 4
    BWD_OP(4);
#endif
}

/* dw[k] (=/+=) the sum of op k's GROUPS partials in a fixed order: work-group k, a strided loop, then a tree. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void mixed_wgrad(TENSOR_IN(partials), TENSOR_OUT(dw))
{
    __local real scratch[LOCAL];
    const int k = get_group_id(0), lid = get_local_id(0);
    __global const real *parts = TENSOR_AT(partials) + k * GROUPS;
    real acc = 0;
    for (int i = lid; i < GROUPS; i += LOCAL)
        acc += parts[i];
    const real total = mixed_group_sum(scratch, acc);
    if (lid == 0)
        STORE(DW_ACCUM, TENSOR_AT(dw) + k, total);
}
