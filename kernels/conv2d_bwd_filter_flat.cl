/* clnas — 2-D convolution, gradient with respect to the weights, for stride 1 and "same" padding (HO = H,
 * WO = W): one work-group per CO_GROUP output channels and CI_BLOCK input channels.
 * Defines: N CI CO H W KSIZE PAD RELU_IN CO_BLOCK (output channels a work-item holds in registers) CO_GROUP
 * (a multiple of CO_BLOCK) CI_BLOCK LOCAL (work-group size, a power of two) IMG_CHUNK (images walked per
 * accumulator load) ROW_HINT (picks the vector width, see conv_rowvec.cl).
 * dw[co][ci][kh][kw] = sum_{n,p} dy[n][co][p] * f(x[n][ci][p + (kh-PAD)*W + kw-PAD]) over the pixels p whose
 * tap lies inside the image, f = ReLU when RELU_IN; always overwrites.
 * A channel is walked as one flat run of H*W elements in vectors of VW lanes, so a tap's view of the input is
 * an unaligned load at a fixed offset: no shuffles. A lane whose tap falls off the image is zeroed: above and
 * below by the load (nothing outside the channel is used), left and right by a column mask, which repeats every
 * PERIOD vectors and is a constant once that loop unrolls. Work-item lid takes the lid-th run of images; the
 * accumulators of the (output block, input channel, kh) triples wait in private memory between chunks of
 * IMG_CHUNK images, so each image's x and dy are read from memory once per work-group. At the end the
 * work-item adds up its lanes, and a fixed tree in local memory adds up the work-items: deterministic, no
 * atomics. */

#define ROW_LEN ROW_HINT

#define DW_ROW_TILES

#include "conv_rowvec.cl"
#include "conv_dw_group.cl"

#define HW (H * W)
/* VW is a power of two, so gcd(W, VW) is W's lowest set bit capped at VW: the column of lane j of vector k of a
 * run depends on k only through k mod PERIOD. */
#define W_LOWBIT ((W) & -(W))
#define PERIOD (W / (W_LOWBIT < VW ? W_LOWBIT : VW))
/* The body is unrolled by that period, so its column masks are constants (up to a bound on code size). */
#if PERIOD <= 16
#define BODY_UNROLL PERIOD
#define BODY_COL(k, u) (((u) * VW + IOTA) % W)
#else
#define BODY_UNROLL 1
#define BODY_COL(k, u) (((k) * VW + IOTA) % W)
#endif
/* Row kh of taps meets the output pixels RUN_P0 .. RUN_P0 + RUN_LEN - 1 (those whose tap row is inside the
 * image); the first of them reads the tap row starting at input element RUN_X0 (+ kw - PAD). RUN_P0 is a
 * multiple of W, so a lane's column is its position in the run modulo W. */
#define RUN_LEN(kh) (HW - ((kh) > PAD ? (kh) - PAD : PAD - (kh)) * W)
#define RUN_P0(kh) ((kh) < PAD ? (PAD - (kh)) * W : 0)
#define RUN_X0(kh) ((kh) > PAD ? ((kh) - PAD) * W : 0)
#define RUN_VECS(kh) ((RUN_LEN(kh) + VW - 1) / VW)

/* a[cb][kw] += g[cb] * xs, xs being tap kw's view of the input with the lanes whose tap column falls off the
 * image zeroed (col: the lanes' columns). */
static inline void taps_fma(realv a[CO_BLOCK][KSIZE], const realv g[CO_BLOCK], realv xs, int kw, intv col)
{
    if (kw != PAD)
        xs = select((realv)0, xs, (col + (kw - PAD) >= (intv)0) & (col + (kw - PAD) < (intv)W));
#pragma unroll
    for (int cb = 0; cb < CO_BLOCK; cb++)
        a[cb][kw] = fma(g[cb], xs, a[cb][kw]);
}

/* Tap row kh over one image, for a channel pair whose loads (up to a vector and PAD past either end of the
 * channels) stay inside the tensors: plain loads, and only the run's last vector masked. */
static inline void run_inside(realv a[CO_BLOCK][KSIZE], __global const real *dyc, __global const real *xc,
                              const int kh)
{
    /* an image of at most PAD rows: tap row kh meets no output pixel (and `last` below would be -1) */
    if (RUN_LEN(kh) <= 0)
        return;
    __global const real *dp = dyc + RUN_P0(kh), *xp = xc + RUN_X0(kh) - PAD;
    const int last = RUN_VECS(kh) - 1;
    for (int kb = 0; kb < last; kb += BODY_UNROLL)
#pragma unroll
        for (int u = 0; u < BODY_UNROLL; u++) {
            const int k = kb + u;
            if (k < last) {
                realv g[CO_BLOCK];
#pragma unroll
                for (int cb = 0; cb < CO_BLOCK; cb++)
                    g[cb] = VLOAD(dp + cb * HW + k * VW);
                const intv col = BODY_COL(k, u);
#pragma unroll
                for (int kw = 0; kw < KSIZE; kw++)
                    taps_fma(a, g, CONV_IN(VLOAD(xp + k * VW + kw)), kw, col);
            }
        }
    /* lanes past the run read the next channel: zero on both sides */
    const intv live = IOTA < (intv)(RUN_LEN(kh) - last * VW);
    realv g[CO_BLOCK];
#pragma unroll
    for (int cb = 0; cb < CO_BLOCK; cb++)
        g[cb] = select((realv)0, VLOAD(dp + cb * HW + last * VW), live);
    const intv col = (last * VW + IOTA) % W;
#pragma unroll
    for (int kw = 0; kw < KSIZE; kw++)
        taps_fma(a, g, select((realv)0, CONV_IN(VLOAD(xp + last * VW + kw)), live), kw, col);
}

/* Element i of a tensor of `total` elements, zero outside it. */
static inline real bounded(__global const real *t, int i, int total)
{
    return i >= 0 && i < total ? t[i] : (real)0;
}

/* The same at the tensors' first and last channels: every element loaded one by one and bounded. */
static inline void run_at_edge(realv a[CO_BLOCK][KSIZE], __global const real *dy, int dyc, __global const real *x,
                               int xc, const int kh)
{
    for (int k = 0; k < RUN_VECS(kh); k++) {
        union {
            realv v;
            real s[VW];
        } g[CO_BLOCK], xs;
        const int p0 = RUN_P0(kh) + k * VW, live = RUN_LEN(kh) - k * VW;
#pragma unroll
        for (int cb = 0; cb < CO_BLOCK; cb++)
            for (int j = 0; j < VW; j++)
                g[cb].s[j] = j < live ? bounded(dy, dyc + cb * HW + p0 + j, N * CO * HW) : (real)0;
        realv gv[CO_BLOCK];
#pragma unroll
        for (int cb = 0; cb < CO_BLOCK; cb++)
            gv[cb] = g[cb].v;
        const intv col = (k * VW + IOTA) % W;
#pragma unroll
        for (int kw = 0; kw < KSIZE; kw++) {
            const int x0 = RUN_X0(kh) + k * VW + kw - PAD;
            for (int j = 0; j < VW; j++)
                xs.s[j] = j < live && x0 + j >= 0 && x0 + j < HW ? x[xc + x0 + j] : (real)0;
            taps_fma(a, gv, CONV_IN(xs.v), kw, col);
        }
    }
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void conv2d_bwd_filter(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dw))
{
    __local real part[SUMS][LOCAL];
    const int lid = get_local_id(0);
    const int ci0 = get_group_id(0) % (CI / CI_BLOCK) * CI_BLOCK;
    const int cg0 = get_group_id(0) / (CI / CI_BLOCK) * CO_GROUP;

    realv acc[GROUP_BLOCKS][CI_BLOCK][KSIZE][CO_BLOCK][KSIZE];
    dw_rows_zero(acc);

    const int n_end = min((lid + 1) * IMAGES_PER_ITEM, N);
    for (int nc = lid * IMAGES_PER_ITEM; nc < n_end; nc += IMG_CHUNK) {
        const int nc_end = min(nc + IMG_CHUNK, n_end);
        for (int gb = 0; gb < GROUP_BLOCKS; gb++)
            for (int cib = 0; cib < CI_BLOCK; cib++)
#pragma unroll
                for (int kh = 0; kh < KSIZE; kh++) {
                    realv a[CO_BLOCK][KSIZE];
                    dw_tile_load(acc, gb, cib, kh, a);
                    for (int n = nc; n < nc_end; n++) {
                        const int dyc = (n * CO + cg0 + gb * CO_BLOCK) * HW, xc = (n * CI + ci0 + cib) * HW;
                        if (xc >= PAD && xc + HW + VW + PAD <= N * CI * HW && dyc + CO_BLOCK * HW + VW <= N * CO * HW)
                            run_inside(a, TENSOR_AT(dy) + dyc, TENSOR_AT(x) + xc, kh);
                        else
                            run_at_edge(a, TENSOR_AT(dy), dyc, TENSOR_AT(x), xc, kh);
                    }
                    dw_tile_save(acc, gb, cib, kh, a);
                }
    }

    dw_rows_store(acc, part, lid, TENSOR_AT(dw), cg0, ci0);
}
