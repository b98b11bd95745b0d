/* clnas — depthwise 2-D convolution (groups == channels, weight [C][1][KSIZE][KSIZE], no bias, optional ReLU
 * folded into the input load, any stride and dilation): forward, input gradient, weight gradient.
 * Defines: N C H W HO WO KSIZE STRIDE DIL PAD RELU_IN ACCUM LOCAL, PER_ROW (forward and input gradient: 1 for a
 * work-item per row, the CPU family's), and for the weight gradient TB (taps a work-item sums, a divisor of
 * KSIZE*KSIZE); X_BSTRIDE (optional) when x is a channel slice of a larger tensor.
 * y[n][c][ho][wo] (=/+=) sum_{kh,kw} w[c][kh][kw] * f(x[n][c][ho*STRIDE-PAD+kh*DIL][wo*STRIDE-PAD+kw*DIL]),
 * f = ReLU when RELU_IN, 0 outside the image.
 * The forward and the input gradient gather (nothing is scattered). With PER_ROW 0 (GPU family) they run one
 * work-item per output element in NCHW order, so neighbouring work-items read and write neighbouring pixels of a
 * row (coalesced); with PER_ROW 1 (CPU family) one work-item per output row, its taps' loops over the row unrolled
 * with the row in registers, so each tap is a run of contiguous loads and fused multiply-adds (measured: a work-item
 * per element ran about 6x slower on PoCL). The weight gradient is a sum over (n, ho, wo) per tap: one work-group
 * per (channel, block of TB taps) walks the pixels interleaved over its LOCAL work-items, then a fixed tree in
 * local memory adds their partial sums (deterministic, no atomics). */

#define KK (KSIZE * KSIZE)

/* x may be a channel slice of a larger tensor (a DARTS cell's node, which the cell's output concatenates, read by a
 * later edge): sample n starts X_BSTRIDE elements after sample n-1 (codegen/concat_slices.c). X_PLANE(nc) is where
 * plane (n, c) of x starts. */
#ifndef X_BSTRIDE
#define X_BSTRIDE (C * H * W)
#endif
#define X_PLANE(nc) ((nc) / C * X_BSTRIDE + (nc) % C * (H * W))

#if RELU_IN
#define DW_IN(v) ((v) > (real)0 ? (v) : (real)0)
#else
#define DW_IN(v) (v)
#endif

#if PER_ROW && STRIDE == 1
/* At stride 1 the CPU family's input and weight gradients walk a row's taps as runs of DW_VW-lane vectors. */
#define DW_VW 8
#ifdef CLNAS_FP64
typedef double8 dw_realv;
typedef long8 dw_intv;
#else
typedef float8 dw_realv;
typedef int8 dw_intv;
#endif
#define DW_IOTA ((dw_intv)(0, 1, 2, 3, 4, 5, 6, 7))
#define DW_VECS ((WO + DW_VW - 1) / DW_VW)  /* vectors holding an output row */
#define DW_XVECS ((W + DW_VW - 1) / DW_VW) /* vectors holding an input row */
#ifdef __clang__
typedef dw_realv __attribute__((aligned(sizeof(real)))) dw_realv_u;
#define DW_VLOAD(p) (*(__global const dw_realv_u *)(p))
#define DW_VSTORE(v, p) (*(__global dw_realv_u *)(p) = (v))
#else
#define DW_VLOAD(p) vload8(0, p)
#define DW_VSTORE(v, p) vstore8(v, 0, p)
#endif

/* Lane j: element i + j of the plane p of len elements where column c0 + j lies in the row being computed
 * (< lanes) and its tap column c0 + j + off in [0, width); 0 elsewhere. One load and a mask where the vector lies
 * inside the plane, else lane by lane (only the live lanes are read). */
static inline dw_realv dw_run(__global const real *p, int i, int len, int c0, int off, int width, int lanes)
{
    const dw_intv col = (dw_intv)(c0) + DW_IOTA;
    const dw_intv live = (col < (dw_intv)(lanes)) & (col + (dw_intv)(off) >= (dw_intv)(0)) &
                         (col + (dw_intv)(off) < (dw_intv)(width));
    if (i >= 0 && i + DW_VW <= len)
        return select((dw_realv)0, DW_VLOAD(p + i), live);
    union {
        dw_realv v;
        real s[DW_VW];
    } u;
    for (int j = 0; j < DW_VW; j++) {
        const int cj = c0 + j;
        u.s[j] = cj < lanes && cj + off >= 0 && cj + off < width ? p[i + j] : (real)0;
    }
    return u.v;
}

real dw_lanes_sum(dw_realv v)
{
    const dw_realv h = v;
    return ((h.s0 + h.s4) + (h.s1 + h.s5)) + ((h.s2 + h.s6) + (h.s3 + h.s7));
}
#endif

#if PER_ROW
__kernel void dwconv_fwd(TENSOR_IN(x), TENSOR_IN(w), TENSOR_OUT(y))
{
    const int id = get_global_id(0); /* (n * C + c) * HO + ho */
    if (id >= N * C * HO)
        return;
    const int ho = id % HO, nc = id / HO, c = nc % C;
    __global const real *xp = TENSOR_AT(x) + X_PLANE(nc);
    __global const real *wp = TENSOR_AT(w) + c * KK;
    real acc[WO];
#pragma unroll
    for (int wo = 0; wo < WO; wo++)
        acc[wo] = (real)0;
#pragma unroll
    for (int kh = 0; kh < KSIZE; kh++) {
        const int hi = ho * STRIDE - PAD + kh * DIL;
        if (hi >= 0 && hi < H)
#pragma unroll
            for (int kw = 0; kw < KSIZE; kw++) {
                const real wv = wp[kh * KSIZE + kw];
#pragma unroll
                for (int wo = 0; wo < WO; wo++) {
                    const int wi = wo * STRIDE - PAD + kw * DIL; /* a constant once unrolled */
                    if (wi >= 0 && wi < W)
                        acc[wo] = fma(wv, DW_IN(xp[hi * W + wi]), acc[wo]);
                }
            }
    }
    __global real *yr = TENSOR_AT(y) + id * WO;
#pragma unroll
    for (int wo = 0; wo < WO; wo++)
        STORE(ACCUM, yr + wo, acc[wo]);
}
#else
__kernel void dwconv_fwd(TENSOR_IN(x), TENSOR_IN(w), TENSOR_OUT(y))
{
    const int id = get_global_id(0); /* ((n * C + c) * HO + ho) * WO + wo */
    if (id >= N * C * HO * WO)
        return;
    const int wo = id % WO, ho = id / WO % HO, nc = id / (WO * HO), c = nc % C;
    __global const real *xp = TENSOR_AT(x) + X_PLANE(nc);
    __global const real *wp = TENSOR_AT(w) + c * KK;
    const int h0 = ho * STRIDE - PAD, w0 = wo * STRIDE - PAD;
    real s = (real)0;
#pragma unroll
    for (int kh = 0; kh < KSIZE; kh++) {
        const int hi = h0 + kh * DIL;
        if (hi >= 0 && hi < H)
#pragma unroll
            for (int kw = 0; kw < KSIZE; kw++) {
                const int wi = w0 + kw * DIL;
                if (wi >= 0 && wi < W)
                    s = fma(wp[kh * KSIZE + kw], DW_IN(xp[hi * W + wi]), s);
            }
    }
    STORE(ACCUM, TENSOR_AT(y) + id, s);
}
#endif

/* dx[n][c][h][w] (=/+=) g(x) * sum over the taps (kh, kw) that reach (h, w) from an output pixel (ho, wo) of
 * w[c][kh][kw] * dy[n][c][ho][wo]; g(x) = (x > 0) when RELU_IN (the gradient of the pre-ReLU input). */
#if PER_ROW
/* The CPU family: one work-item per input row. */
#if RELU_IN
__kernel void dwconv_bwd_data(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_IN(x), TENSOR_OUT(dx))
#else
__kernel void dwconv_bwd_data(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_OUT(dx))
#endif
{
    const int id = get_global_id(0); /* (n * C + c) * H + h */
    if (id >= N * C * H)
        return;
    const int hi = id % H, nc = id / H, c = nc % C;
    __global const real *dyp = TENSOR_AT(dy) + nc * (HO * WO);
    __global const real *wp = TENSOR_AT(w) + c * KK;
#if STRIDE == 1
    /* the row in vectors of DW_VW columns; tap (kh, kw) reads output row hi + PAD - kh*DIL at the columns shifted
     * by PAD - kw*DIL */
    dw_realv acc[DW_XVECS];
#pragma unroll
    for (int k = 0; k < DW_XVECS; k++)
        acc[k] = (dw_realv)0;
#pragma unroll
    for (int kh = 0; kh < KSIZE; kh++) {
        const int th = hi + PAD - kh * DIL;
        if (th >= 0 && th < HO)
#pragma unroll
            for (int kw = 0; kw < KSIZE; kw++) {
                const real wv = wp[kh * KSIZE + kw];
                const int off = PAD - kw * DIL;
#pragma unroll
                for (int k = 0; k < DW_XVECS; k++)
                    acc[k] = fma((dw_realv)(wv), dw_run(dyp, th * WO + k * DW_VW + off, HO * WO, k * DW_VW, off, WO, W),
                                 acc[k]);
            }
    }
    __global real *out = TENSOR_AT(dx) + id * W;
#pragma unroll
    for (int k = 0; k < DW_XVECS; k++) {
        dw_realv g = acc[k];
#if RELU_IN
        const dw_realv xv = dw_run(TENSOR_AT(x) + X_PLANE(nc), hi * W + k * DW_VW, H * W, k * DW_VW, 0, W, W);
        g = select((dw_realv)0, g, xv > (dw_realv)0);
#endif
        if (k * DW_VW + DW_VW <= W) {
            if (ACCUM)
                g += DW_VLOAD(out + k * DW_VW);
            DW_VSTORE(g, out + k * DW_VW);
        } else {
            union {
                dw_realv v;
                real s[DW_VW];
            } u;
            u.v = g;
            for (int j = 0; k * DW_VW + j < W; j++)
                STORE(ACCUM, out + k * DW_VW + j, u.s[j]);
        }
    }
#else
    real acc[W];
#pragma unroll
    for (int wi = 0; wi < W; wi++)
        acc[wi] = (real)0;
#pragma unroll
    for (int kh = 0; kh < KSIZE; kh++) {
        const int th = hi + PAD - kh * DIL;
        if (th >= 0 && th % STRIDE == 0 && th / STRIDE < HO)
#pragma unroll
            for (int kw = 0; kw < KSIZE; kw++) {
                const real wv = wp[kh * KSIZE + kw];
#pragma unroll
                for (int wi = 0; wi < W; wi++) {
                    const int tw = wi + PAD - kw * DIL; /* a constant once unrolled */
                    if (tw >= 0 && tw % STRIDE == 0 && tw / STRIDE < WO)
                        acc[wi] = fma(wv, dyp[th / STRIDE * WO + tw / STRIDE], acc[wi]);
                }
            }
    }
    const int at = id * W;
#pragma unroll
    for (int wi = 0; wi < W; wi++) {
        real g = acc[wi];
#if RELU_IN
        if (!(TENSOR_AT(x)[X_PLANE(nc) + hi * W + wi] > (real)0))
            g = (real)0;
#endif
        STORE(ACCUM, TENSOR_AT(dx) + at + wi, g);
    }
#endif
}
#else
#if RELU_IN
__kernel void dwconv_bwd_data(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_IN(x), TENSOR_OUT(dx))
#else
__kernel void dwconv_bwd_data(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_OUT(dx))
#endif
{
    const int id = get_global_id(0); /* ((n * C + c) * H + h) * W + w */
    if (id >= N * C * H * W)
        return;
    const int wi = id % W, hi = id / W % H, nc = id / (W * H), c = nc % C;
    __global const real *dyp = TENSOR_AT(dy) + nc * (HO * WO);
    __global const real *wp = TENSOR_AT(w) + c * KK;
    real s = (real)0;
#pragma unroll
    for (int kh = 0; kh < KSIZE; kh++) {
        const int th = hi + PAD - kh * DIL; /* ho * STRIDE when this tap row reaches an output row */
        if (th >= 0 && th % STRIDE == 0 && th / STRIDE < HO)
#pragma unroll
            for (int kw = 0; kw < KSIZE; kw++) {
                const int tw = wi + PAD - kw * DIL;
                if (tw >= 0 && tw % STRIDE == 0 && tw / STRIDE < WO)
                    s = fma(wp[kh * KSIZE + kw], dyp[th / STRIDE * WO + tw / STRIDE], s);
            }
    }
#if RELU_IN
    if (!(TENSOR_AT(x)[X_PLANE(nc) + hi * W + wi] > (real)0))
        s = (real)0;
#endif
    STORE(ACCUM, TENSOR_AT(dx) + id, s);
}
#endif

#ifdef TB
#define TBLOCKS (KK / TB)
#define GP (N * HO * WO)


/* dw[c][kh][kw] = sum_{n,ho,wo} dy[n][c][ho][wo] * f(x[n][c][ho*STRIDE-PAD+kh*DIL][wo*STRIDE-PAD+kw*DIL]);
 * always overwrites. One work-group per (c, taps t0 .. t0+TB-1). */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1))) void
dwconv_bwd_filter(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dw))
{
    __local real part[TB][LOCAL];
    const int lid = get_local_id(0), group = get_group_id(0);
    const int c = group / TBLOCKS, t0 = group % TBLOCKS * TB;
    real acc[TB];
    int oh[TB], ow[TB]; /* a tap's offset from (ho*STRIDE, wo*STRIDE) */
#pragma unroll
    for (int r = 0; r < TB; r++) {
        acc[r] = (real)0;
        oh[r] = (t0 + r) / KSIZE * DIL - PAD;
        ow[r] = (t0 + r) % KSIZE * DIL - PAD;
    }
#if PER_ROW && STRIDE == 1
    /* the CPU family at stride 1 (TB = KK, t0 = 0): whole output rows (n, ho), each tap a run of vectors along the
     * row; a scalar run per tap ran near 3 GFLOP/s on PoCL, a fifth of DARTS_V2's training step */
    dw_realv vacc[TB];
#pragma unroll
    for (int r = 0; r < TB; r++)
        vacc[r] = (dw_realv)0;
    for (int row = lid; row < N * HO; row += LOCAL) {
        const int ho = row % HO, n = row / HO;
        __global const real *dyp = TENSOR_AT(dy) + (n * C + c) * (HO * WO);
        __global const real *xp = TENSOR_AT(x) + n * X_BSTRIDE + c * (H * W);
#pragma unroll
        for (int k = 0; k < DW_VECS; k++) {
            const dw_realv g = dw_run(dyp, ho * WO + k * DW_VW, HO * WO, k * DW_VW, 0, WO, WO);
#pragma unroll
            for (int r = 0; r < TB; r++) {
                const int hi = ho + oh[r];
                if (hi >= 0 && hi < H)
                    vacc[r] = fma(g, DW_IN(dw_run(xp, hi * W + k * DW_VW + ow[r], H * W, k * DW_VW, ow[r], W, WO)),
                                  vacc[r]);
            }
        }
    }
#pragma unroll
    for (int r = 0; r < TB; r++)
        acc[r] = dw_lanes_sum(vacc[r]);
#elif PER_ROW
    /* the CPU family (TB = KK, t0 = 0): whole output rows (n, ho), each tap a run along the row */
    for (int row = lid; row < N * HO; row += LOCAL) {
        const int ho = row % HO, n = row / HO;
        __global const real *dyr = TENSOR_AT(dy) + ((n * C + c) * HO + ho) * WO;
        __global const real *xp = TENSOR_AT(x) + n * X_BSTRIDE + c * (H * W);
#pragma unroll
        for (int r = 0; r < TB; r++) {
            const int hi = ho * STRIDE + oh[r];
            if (hi >= 0 && hi < H) {
                real s = (real)0;
#pragma unroll
                for (int wo = 0; wo < WO; wo++) {
                    const int wi = wo * STRIDE + ow[r]; /* a constant once unrolled */
                    if (wi >= 0 && wi < W)
                        s = fma(dyr[wo], DW_IN(xp[hi * W + wi]), s);
                }
                acc[r] += s;
            }
        }
    }
#else
    for (int p = lid; p < GP; p += LOCAL) {
        const int wo = p % WO, ho = p / WO % HO, n = p / (WO * HO);
        const real g = TENSOR_AT(dy)[((n * C + c) * HO + ho) * WO + wo];
        __global const real *xp = TENSOR_AT(x) + n * X_BSTRIDE + c * (H * W);
#pragma unroll
        for (int r = 0; r < TB; r++) {
            const int hi = ho * STRIDE + oh[r], wi = wo * STRIDE + ow[r];
            if (hi >= 0 && hi < H && wi >= 0 && wi < W)
                acc[r] = fma(g, DW_IN(xp[hi * W + wi]), acc[r]);
        }
    }
#endif
#pragma unroll
    for (int r = 0; r < TB; r++)
        part[r][lid] = acc[r];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = LOCAL / 2; span > 0; span /= 2) {
        if (lid < span)
            for (int r = 0; r < TB; r++)
                part[r][lid] += part[r][lid + span];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int r = lid; r < TB; r += LOCAL)
        TENSOR_AT(dw)[c * KK + t0 + r] = part[r][0];
}
#endif
