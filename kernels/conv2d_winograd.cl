/* clnas — Winograd F(2x2,3x3) convolution (Lavin & Gray), 3x3 kernel, stride 1, padding 1: the forward pass and the
 * input gradient (a convolution of dy with the weights rotated 180 degrees and the channels swapped), in one
 * kernel per pass.
 * Defines: N CI CO H W HO WO KSIZE (3) STRIDE (1) PAD (1) RELU_IN ACCUM BWD_DATA LANES LOCAL CI_CHUNK_F32
 * CI_CHUNK_F64.
 * Forward (BWD_DATA 0): y[n][co][h][w] (=/+=) sum_{ci,kh,kw} w[co][ci][kh][kw] * f(x[n][ci][h-1+kh][w-1+kw]),
 * f = ReLU when RELU_IN (applied as the input tile is loaded).
 * Input gradient (BWD_DATA 1): dx[n][ci][h][w] (=/+=) g(x) * sum_{co,kh,kw} w[co][ci][kh][kw] * dy[n][co][h+1-kh][w+1-kw],
 * g(x) = (x > 0) when RELU_IN.
 * In both, "in" (IC channels) is convolved into "out" (OC channels, OH x OW) with taps g[oc][ic][3][3].
 * A work-item computes one 2x2 output tile of LANES output channels of one image (a vector of LANES channels per
 * transformed position): for each input channel it loads the 4x4 input tile d (zero outside the image), forms
 * V = B^T d B (additions only) and adds V[k] * U[k] for the 16 positions k, where U = G g G^T is the transformed
 * filter of (ic, oc lanes): 16 multiply-adds per tile and channel pair instead of 36. The work-group transforms the
 * filters of its output channels for CI_CHUNK input channels into local memory (U laid out [ic][k][lane], so a
 * vector is one aligned load) before its work-items use them: the weights change every step, so the transform is
 * part of the pass. At the end, Y = A^T M A gives the 2x2 outputs; tiles past an odd edge store only their
 * pixels inside the image. Output channels past OC (when OC is not a multiple of LANES) get zero filters and are
 * not stored. */

#include "winograd_common.cl"

typedef REALV(LANES) wvec;

#define OC_BLOCKS ((OC + LANES - 1) / LANES)
#define ITEMS_PER_BLOCK (N * TH * TW) /* work-items sharing one channel block: (image, tile) */
#define GROUPS_PER_BLOCK ((ITEMS_PER_BLOCK + LOCAL - 1) / LOCAL)

/* U = G g G^T of tap[oc0 .. oc0+LANES-1][ic0 .. ic0+CI_CHUNK-1] into ul[ic][k][lane], each work-item of the group
 * taking every LOCAL-th (oc, ic) pair (winograd_filter). */
static void stage_filters(__global const real *w, __local real *ul, int oc0, int ic0, int lid)
{
    for (int r = lid; r < LANES * CI_CHUNK; r += LOCAL) {
        const int ocl = r / CI_CHUNK, icl = r - ocl * CI_CHUNK, oc = oc0 + ocl, ic = ic0 + icl;
        real u[16];
        if (oc < OC) {
            winograd_filter(w, oc, ic, u);
        } else { /* zero filters for the lanes past OC */
#pragma unroll
            for (int k = 0; k < 16; k++)
                u[k] = (real)0;
        }
#pragma unroll
        for (int k = 0; k < 16; k++)
            ul[(icl * 16 + k) * LANES + ocl] = u[k];
    }
}

#if BWD_DATA
#if RELU_IN
__kernel void conv2d_bwd_data_winograd(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_IN(x), TENSOR_OUT(dx))
#else
__kernel void conv2d_bwd_data_winograd(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_OUT(dx))
#endif
#else
__kernel void conv2d_fwd_winograd(TENSOR_IN(x), TENSOR_IN(w), TENSOR_OUT(y))
#endif
{
    __local real ul[CI_CHUNK * 16 * LANES];
    const int lid = get_local_id(0);
    const int block = get_group_id(0) / GROUPS_PER_BLOCK;
    const int item = get_group_id(0) % GROUPS_PER_BLOCK * LOCAL + lid; /* (n, tile) */
    const int live = item < ITEMS_PER_BLOCK;
    const int n = live ? item / (TH * TW) : 0;
    const int tile = live ? item % (TH * TW) : 0;
    const int oh0 = tile / TW * 2, ow0 = tile % TW * 2;
    const int oc0 = block * LANES;
    /* no input channels for idle work-items, and no branch over a barrier (see conv2d_cvec.cl) */
    const int chunk = live ? CI_CHUNK : 0;
#if BWD_DATA
    __global const real *in = TENSOR_AT(dy) + n * (IC * IH * IW);
#else
    __global const real *in = TENSOR_AT(x) + n * (IC * IH * IW);
#endif

    /* The sums live in memory across the barriers, in registers within a chunk (as in conv2d_cvec.cl). */
    volatile wvec kept[16];
    wvec m[16];
#pragma unroll
    for (int k = 0; k < 16; k++)
        kept[k] = (wvec)0;

    for (int ic0 = 0; ic0 < IC; ic0 += CI_CHUNK) {
        barrier(CLK_LOCAL_MEM_FENCE);
        stage_filters(TENSOR_AT(w), ul, oc0, ic0, lid);
        barrier(CLK_LOCAL_MEM_FENCE);
#pragma unroll
        for (int k = 0; k < 16; k++)
            m[k] = kept[k];
        for (int icl = 0; icl < chunk; icl++) {
            __global const real *src = in + (ic0 + icl) * (IH * IW);
            real d[4][4], t[4][4];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                const int hi = oh0 - 1 + i;
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    const int wi = ow0 - 1 + j;
                    const real v = hi >= 0 && hi < IH && wi >= 0 && wi < IW ? src[hi * IW + wi] : (real)0;
#if RELU_IN && !BWD_DATA
                    d[i][j] = fmax(v, (real)0);
#else
                    d[i][j] = v;
#endif
                }
            }
            /* V = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1] */
#pragma unroll
            for (int j = 0; j < 4; j++) {
                t[0][j] = d[0][j] - d[2][j];
                t[1][j] = d[1][j] + d[2][j];
                t[2][j] = d[2][j] - d[1][j];
                t[3][j] = d[1][j] - d[3][j];
            }
            real v[16];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                v[i * 4 + 0] = t[i][0] - t[i][2];
                v[i * 4 + 1] = t[i][1] + t[i][2];
                v[i * 4 + 2] = t[i][2] - t[i][1];
                v[i * 4 + 3] = t[i][1] - t[i][3];
            }
            __local const wvec *u = (__local const wvec *)ul + icl * 16;
#pragma unroll
            for (int k = 0; k < 16; k++)
                m[k] = fma((wvec)v[k], u[k], m[k]);
        }
#pragma unroll
        for (int k = 0; k < 16; k++)
            kept[k] = m[k];
    }
    if (!live)
        return;

    union {
        wvec v;
        real s[LANES];
    } yv[2][2];
    WINOGRAD_OUTPUT(wvec, kept, yv);

#if BWD_DATA
    __global real *out = TENSOR_AT(dx) + n * (OC * OH * OW);
#if RELU_IN
    __global const real *xg = TENSOR_AT(x) + n * (OC * OH * OW);
#endif
#else
    __global real *out = TENSOR_AT(y) + n * (OC * OH * OW);
#endif
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++)
            if (oh0 + i < OH && ow0 + j < OW)
#pragma unroll
                for (int l = 0; l < LANES; l++)
                    if (oc0 + l < OC) {
                        const int at = (oc0 + l) * (OH * OW) + (oh0 + i) * OW + ow0 + j;
#if BWD_DATA && RELU_IN
                        STORE(ACCUM, out + at, xg[at] > (real)0 ? yv[i][j].s[l] : (real)0);
#else
                        STORE(ACCUM, out + at, yv[i][j].s[l]);
#endif
                    }
}
