/* clnas — depthwise 2-D convolution (groups == channels, weight [C][1][KSIZE][KSIZE], no bias, optional ReLU
 * folded into the input load, any stride and dilation): forward, input gradient, weight gradient.
 * Defines: N C H W HO WO KSIZE STRIDE DIL PAD RELU_IN ACCUM LOCAL, and for the weight gradient TB (taps a
 * work-item sums, a divisor of KSIZE*KSIZE).
 * y[n][c][ho][wo] (=/+=) sum_{kh,kw} w[c][kh][kw] * f(x[n][c][ho*STRIDE-PAD+kh*DIL][wo*STRIDE-PAD+kw*DIL]),
 * f = ReLU when RELU_IN, 0 outside the image.
 * The forward and the input gradient run one work-item per output element in NCHW order, so neighbouring
 * work-items read and write neighbouring pixels of a row (coalesced on a GPU, vectorised across work-items by
 * PoCL); both gather, nothing is scattered. The weight gradient is a sum over (n, ho, wo) per tap: one work-group
 * per (channel, block of TB taps) walks the pixels interleaved over its LOCAL work-items, then a fixed tree in
 * local memory adds their partial sums (deterministic, no atomics). */

#define KK (KSIZE * KSIZE)

#if RELU_IN
#define DW_IN(v) ((v) > (real)0 ? (v) : (real)0)
#else
#define DW_IN(v) (v)
#endif

__kernel void dwconv_fwd(TENSOR_IN(x), TENSOR_IN(w), TENSOR_OUT(y))
{
    const int id = get_global_id(0); /* ((n * C + c) * HO + ho) * WO + wo */
    if (id >= N * C * HO * WO)
        return;
    const int wo = id % WO, ho = id / WO % HO, nc = id / (WO * HO), c = nc % C;
    __global const real *xp = TENSOR_AT(x) + nc * (H * W);
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

/* dx[n][c][h][w] (=/+=) g(x) * sum over the taps (kh, kw) that reach (h, w) from an output pixel (ho, wo) of
 * w[c][kh][kw] * dy[n][c][ho][wo]; g(x) = (x > 0) when RELU_IN (the gradient of the pre-ReLU input). */
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
    if (!(TENSOR_AT(x)[id] > (real)0))
        s = (real)0;
#endif
    STORE(ACCUM, TENSOR_AT(dx) + id, s);
}

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
    for (int p = lid; p < GP; p += LOCAL) {
        const int wo = p % WO, ho = p / WO % HO, n = p / (WO * HO);
        const real g = TENSOR_AT(dy)[((n * C + c) * HO + ho) * WO + wo];
        __global const real *xp = TENSOR_AT(x) + (n * C + c) * (H * W);
#pragma unroll
        for (int r = 0; r < TB; r++) {
            const int hi = ho * STRIDE + oh[r], wi = wo * STRIDE + ow[r];
            if (hi >= 0 && hi < H && wi >= 0 && wi < W)
                acc[r] = fma(g, DW_IN(xp[hi * W + wi]), acc[r]);
        }
    }
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
