/* clnas — Winograd F(2x2,3x3) convolution with the vector lanes over tiles: the CPU family's variant of
 * conv2d_winograd.cl (same passes, defines and semantics; TL replaces LANES).
 * Defines: N CI CO H W HO WO KSIZE (3) STRIDE (1) PAD (1) RELU_IN ACCUM BWD_DATA TL LOCAL CI_CHUNK_F32 CI_CHUNK_F64.
 * A work-item takes TL neighbouring 2x2 output tiles of one tile row of one image (lane l: tile column tw0 + l) and
 * every output channel. Per chunk of CI_CHUNK input channels: the work-group stages the chunk's transformed filters
 * U = G g G^T in local memory ([ic][oc][k]); each work-item forms V = B^T d B of its tiles for the chunk's channels
 * as vectors over its tiles (additions of whole vectors: the input transform costs a few vector operations per TL
 * tiles, where one tile at a time costs them per tile), then for each output channel sums V[k] * U[k] over the
 * chunk (U a broadcast scalar: 16 multiply-adds per tile and channel pair instead of 36) and adds Y = A^T M A into
 * the output (the first chunk stores or accumulates as ACCUM says, the later ones add: the transform is linear).
 * Tiles past the last tile column or cut by an odd edge store only their pixels inside the image. */

#include "winograd_common.cl"

typedef REALV(TL) tvec;
#ifdef CLNAS_FP64
#define WG_MASK CLNAS_CAT(ulong, TL)
#else
#define WG_MASK CLNAS_CAT(uint, TL)
#endif
#if TL == 4
#define EVEN ((WG_MASK)(0, 2, 4, 6))
#define ODD ((WG_MASK)(1, 3, 5, 7))
#elif TL == 8
#define EVEN ((WG_MASK)(0, 2, 4, 6, 8, 10, 12, 14))
#define ODD ((WG_MASK)(1, 3, 5, 7, 9, 11, 13, 15))
#else
#define EVEN ((WG_MASK)(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30))
#define ODD ((WG_MASK)(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31))
#endif

#define TSEG ((TW + TL - 1) / TL)  /* runs of TL tiles per tile row */
#define ITEMS (N * TH * TSEG)

/* U = G g G^T of tap[oc][ic0 .. ic0+CI_CHUNK-1] for every oc into ul[ic][oc][k], each work-item of the group taking
 * every LOCAL-th (oc, ic) pair (winograd_filter). */
static void stage_filters(__global const real *w, __local real *ul, int ic0, int lid)
{
    for (int r = lid; r < OC * CI_CHUNK; r += LOCAL) {
        const int oc = r / CI_CHUNK, icl = r - oc * CI_CHUNK, ic = ic0 + icl;
        real u[16];
        winograd_filter(w, oc, ic, u);
#pragma unroll
        for (int k = 0; k < 16; k++)
            ul[(icl * OC + oc) * 16 + k] = u[k];
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
    __local real ul[CI_CHUNK * OC * 16];
    const int lid = get_local_id(0);
    const int item = get_global_id(0);
    const int live = item < ITEMS;
    const int n = live ? item / (TH * TSEG) : 0;
    const int rem = live ? item % (TH * TSEG) : 0;
    const int oh0 = rem / TSEG * 2, tw0 = rem % TSEG * TL;
    /* no channels for idle work-items, and no branch over a barrier (see conv2d_cvec.cl) */
    const int chunk = live ? CI_CHUNK : 0;
    const int ocs = live ? OC : 0;
#if BWD_DATA
    __global const real *in = TENSOR_AT(dy) + n * (IC * IH * IW);
    __global real *out = TENSOR_AT(dx) + n * (OC * OH * OW);
#if RELU_IN
    __global const real *xg = TENSOR_AT(x) + n * (OC * OH * OW);
#endif
#else
    __global const real *in = TENSOR_AT(x) + n * (IC * IH * IW);
    __global real *out = TENSOR_AT(y) + n * (OC * OH * OW);
#endif

    for (int ic0 = 0; ic0 < IC; ic0 += CI_CHUNK) {
        barrier(CLK_LOCAL_MEM_FENCE);
        stage_filters(TENSOR_AT(w), ul, ic0, lid);
        barrier(CLK_LOCAL_MEM_FENCE);
        tvec v[CI_CHUNK][16];
        for (int icl = 0; icl < chunk; icl++) {
            __global const real *src = in + (ic0 + icl) * (IH * IW);
            tvec t[4][4];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                const int hi = oh0 - 1 + i;
                /* input columns 2 (tw0 + l) - 1 + j of row hi for lanes l, zero outside the image: the row's
                 * 2 TL + 2 columns copied once, then split into even and odd columns by shuffles */
                real row[2 * TL + 2];
                const int col0 = 2 * tw0 - 1;
#pragma unroll
                for (int e = 0; e < 2 * TL + 2; e++) {
                    const int wi = col0 + e;
                    row[e] = hi >= 0 && hi < IH && wi >= 0 && wi < IW ? src[hi * IW + wi] : (real)0;
                }
                const tvec a0 = CLNAS_CAT(vload, TL)(0, row), b0 = CLNAS_CAT(vload, TL)(0, row + TL);
                const tvec a2 = CLNAS_CAT(vload, TL)(0, row + 2), b2 = CLNAS_CAT(vload, TL)(0, row + TL + 2);
                tvec c[4] = {shuffle2(a0, b0, EVEN), shuffle2(a0, b0, ODD), shuffle2(a2, b2, EVEN),
                             shuffle2(a2, b2, ODD)};
#if RELU_IN && !BWD_DATA
#pragma unroll
                for (int j = 0; j < 4; j++)
                    c[j] = fmax(c[j], (tvec)0);
#endif
                /* d B, B = [1 0 0 0; 0 1 -1 1; -1 1 1 0; 0 0 0 -1] */
                t[i][0] = c[0] - c[2];
                t[i][1] = c[1] + c[2];
                t[i][2] = c[2] - c[1];
                t[i][3] = c[1] - c[3];
            }
            /* B^T (d B) */
#pragma unroll
            for (int j = 0; j < 4; j++) {
                v[icl][0 * 4 + j] = t[0][j] - t[2][j];
                v[icl][1 * 4 + j] = t[1][j] + t[2][j];
                v[icl][2 * 4 + j] = t[2][j] - t[1][j];
                v[icl][3 * 4 + j] = t[1][j] - t[3][j];
            }
        }
        for (int oc = 0; oc < ocs; oc++) {
            tvec m[16];
#pragma unroll
            for (int k = 0; k < 16; k++)
                m[k] = (tvec)0;
            for (int icl = 0; icl < CI_CHUNK; icl++) {
                __local const real *u = ul + (icl * OC + oc) * 16;
#pragma unroll
                for (int k = 0; k < 16; k++)
                    m[k] = fma(v[icl][k], (tvec)u[k], m[k]);
            }
            /* Y = A^T M A, A^T = [1 1 1 0; 0 1 -1 -1] */
            tvec r[2][4];
#pragma unroll
            for (int j = 0; j < 4; j++) {
                r[0][j] = m[j] + m[4 + j] + m[8 + j];
                r[1][j] = m[4 + j] - m[8 + j] - m[12 + j];
            }
            union {
                tvec v;
                real s[TL];
            } y[2][2];
#pragma unroll
            for (int i = 0; i < 2; i++) {
                y[i][0].v = r[i][0] + r[i][1] + r[i][2];
                y[i][1].v = r[i][1] - r[i][2] - r[i][3];
            }
            const int add = ACCUM || ic0 > 0;
#pragma unroll
            for (int i = 0; i < 2; i++)
                if (oh0 + i < OH)
#pragma unroll
                    for (int l = 0; l < TL; l++)
#pragma unroll
                        for (int j = 0; j < 2; j++) {
                            const int ow = 2 * (tw0 + l) + j;
                            if (ow < OW) {
                                const int at = oc * (OH * OW) + (oh0 + i) * OW + ow;
#if BWD_DATA && RELU_IN
                                STORE(add, out + at, xg[at] > (real)0 ? y[i][j].s[l] : (real)0);
#else
                                STORE(add, out + at, y[i][j].s[l]);
#endif
                            }
                        }
        }
    }
}
