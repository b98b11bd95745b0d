/* clnas — Winograd F(2x2,3x3) convolution with the vector lanes over tiles: the CPU family's variant of
 * conv2d_winograd.cl (same passes, defines and semantics; TL replaces LANES).
 * Defines: N CI CO H W HO WO KSIZE (3) STRIDE (1) PAD (1) RELU_IN ACCUM BWD_DATA TL TLR (lanes per tile row) LOCAL
 * CI_CHUNK_F32 CI_CHUNK_F64 OCB_F32 OCB_F64 ICB_F32 ICB_F64.
 * A work-item takes TLR neighbouring 2x2 output tiles of each of TR = TL / TLR tile rows of one image (lane q TLR + l:
 * tile row th0 + q, tile column tw0 + l; several rows where a row has few tiles, so that the vectors stay full) and
 * every output channel. Per chunk of CI_CHUNK input channels: the work-group stages the chunk's transformed filters U
 * = G g G^T in local memory ([k][ic][oc]); each work-item forms V = B^T d B of its tiles for the chunk's channels as
 * vectors over its tiles (additions of whole vectors: the input transform costs a few vector operations per TL tiles,
 * where one tile at a time costs them per tile; an input row is read as two vectors and split into even and odd
 * columns by shuffles). Then, per block of OCB output channels, the 16 products M[k] = V[k] U[k] of (tiles x channels)
 * by (channels x output channels), ICB of the V[k] held while OCR output channels take them (each multiply-add one
 * broadcast value of U: 16 per tile and channel pair instead of 36), and per output channel Y = A^T M A added into the
 * output (the first chunk stores or accumulates as ACCUM says, the later ones add: the transform is linear).
 * Tiles past the last tile column or row or cut by an odd edge store only their pixels inside the image. */

#include "winograd_common.cl"

/* OCB output channels per block of products (a multiple of OCR, the output channels taking each held input),
 * ICB inputs held (a divisor of CI_CHUNK); the staged filters have OC_PAD columns, a whole number of blocks */
#ifdef CLNAS_FP64
#define OCB OCB_F64
#define ICB ICB_F64
#else
#define OCB OCB_F32
#define ICB ICB_F32
#endif
#define OCR 8
#define OC_PAD ((OC + OCB - 1) / OCB * OCB)

#define TR (TL / TLR) /* tile rows per work-item */
typedef REALV(TL) tvec;
typedef REALV(TLR) rvec;
#ifdef CLNAS_FP64
#define WG_MASK CLNAS_CAT(ulong, TLR)
#define LANE_T CLNAS_CAT(long, TLR)
#else
#define WG_MASK CLNAS_CAT(uint, TLR)
#define LANE_T CLNAS_CAT(int, TLR)
#endif
/* EVEN, ODD: the even and odd elements of two vectors; UP: lane l from lane l - 1 and lane 0 from the second
 * operand; DOWN: lane l from lane l + 1 and the last lane from the second operand (vectors of a tile row's TLR
 * lanes) */
#if TLR == 4
#define EVEN ((WG_MASK)(0, 2, 4, 6))
#define ODD ((WG_MASK)(1, 3, 5, 7))
#define UP ((WG_MASK)(4, 0, 1, 2))
#define DOWN ((WG_MASK)(1, 2, 3, 4))
#define LANE_INDEX ((LANE_T)(0, 1, 2, 3))
#elif TLR == 8
#define EVEN ((WG_MASK)(0, 2, 4, 6, 8, 10, 12, 14))
#define ODD ((WG_MASK)(1, 3, 5, 7, 9, 11, 13, 15))
#define UP ((WG_MASK)(8, 0, 1, 2, 3, 4, 5, 6))
#define DOWN ((WG_MASK)(1, 2, 3, 4, 5, 6, 7, 8))
#define LANE_INDEX ((LANE_T)(0, 1, 2, 3, 4, 5, 6, 7))
#else
#define EVEN ((WG_MASK)(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30))
#define ODD ((WG_MASK)(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31))
#define UP ((WG_MASK)(16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14))
#define DOWN ((WG_MASK)(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16))
#define LANE_INDEX ((LANE_T)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#endif
/* the TR tile rows' vectors of TLR lanes side by side */
#if TR == 1
#define JOIN(q) (q[0])
#elif TR == 2
#define JOIN(q) ((tvec)(q[0], q[1]))
#else
#define JOIN(q) ((tvec)(q[0], q[1], q[2], q[3]))
#endif

#define TSEG ((TW + TLR - 1) / TLR) /* runs of TLR tiles per tile row */
#define TRG ((TH + TR - 1) / TR)     /* groups of TR tile rows */
#define ITEMS (N * TRG * TSEG)

/* U = G g G^T of tap[oc][ic0 .. ic0+CI_CHUNK-1] for every oc into ul[k][ic][oc] (OC_PAD columns, zero past OC),
 * each work-item of the group taking every LOCAL-th (oc, ic) pair (winograd_filter). */
static void stage_filters(__global const real *w, __local real *ul, int ic0, int lid)
{
    for (int r = lid; r < OC_PAD * CI_CHUNK; r += LOCAL) {
        const int oc = r / CI_CHUNK, icl = r - oc * CI_CHUNK, ic = ic0 + icl;
        real u[16];
        if (oc < OC)
            winograd_filter(w, oc, ic, u);
        else
#pragma unroll
            for (int k = 0; k < 16; k++)
                u[k] = (real)0;
#pragma unroll
        for (int k = 0; k < 16; k++)
            ul[(k * CI_CHUNK + icl) * OC_PAD + oc] = u[k];
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
    __local real ul[CI_CHUNK * OC_PAD * 16];
    const int lid = get_local_id(0);
    const int item = get_global_id(0);
    const int live = item < ITEMS;
    const int n = live ? item / (TRG * TSEG) : 0;
    const int rem = live ? item % (TRG * TSEG) : 0;
    const int oh0 = rem / TSEG * TR * 2, tw0 = rem % TSEG * TLR;
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

    /* the first input column of the run, and the lanes whose even (c0 + 2 l) and odd (c0 + 2 l + 1) columns are
     * inside the image */
    const int c0 = 2 * tw0;
    const LANE_T even_in = (LANE_T)c0 + 2 * LANE_INDEX < (LANE_T)IW;
    const LANE_T odd_in = (LANE_T)c0 + 2 * LANE_INDEX + 1 < (LANE_T)IW;

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
                /* c[j], lane q TLR + l: input column 2 (tw0 + l) - 1 + j of row oh0 + 2 q - 1 + i, zero outside the
                 * image */
                rvec cq[4][TR];
#pragma unroll
                for (int q = 0; q < TR; q++) {
                    const int hi = oh0 + 2 * q - 1 + i;
                    if (hi < 0 || hi >= IH) {
#pragma unroll
                        for (int j = 0; j < 4; j++)
                            cq[j][q] = (rvec)0;
                        continue;
                    }
                    __global const real *r = src + hi * IW;
                    rvec a, b;
                    /* columns c0 .. c0 + 2 TLR - 1 as two vectors; past the row they are the next row's (masked
                     * below), read while they are still in the tensor, one by one at its end */
                    if ((long)(r - in) + (long)n * (IC * IH * IW) + c0 + 2 * TLR <= (long)N * IC * IH * IW) {
                        a = CLNAS_CAT(vload, TLR)(0, r + c0);
                        b = CLNAS_CAT(vload, TLR)(0, r + c0 + TLR);
                    } else {
                        real cols[2 * TLR];
#pragma unroll
                        for (int e = 0; e < 2 * TLR; e++)
                            cols[e] = c0 + e < IW ? r[c0 + e] : (real)0;
                        a = CLNAS_CAT(vload, TLR)(0, cols);
                        b = CLNAS_CAT(vload, TLR)(0, cols + TLR);
                    }
                    const rvec even = select((rvec)0, shuffle2(a, b, EVEN), even_in);
                    const rvec odd = select((rvec)0, shuffle2(a, b, ODD), odd_in);
                    const real left = c0 > 0 ? r[c0 - 1] : (real)0;
                    const real right = c0 + 2 * TLR < IW ? r[c0 + 2 * TLR] : (real)0;
                    cq[0][q] = shuffle2(odd, (rvec)left, UP);
                    cq[1][q] = even;
                    cq[2][q] = odd;
                    cq[3][q] = shuffle2(even, (rvec)right, DOWN);
                }
                tvec c[4];
#pragma unroll
                for (int j = 0; j < 4; j++)
                    c[j] = JOIN(cq[j]);
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
        /* M[k] = sum over the chunk of V[k] U[k] for a block of OCB output channels: ICB transformed inputs held
         * in registers while OCR output channels take them, each multiply-add one broadcast filter value (where one
         * output channel at a time loads a V[k] and a U value per multiply-add) */
        for (int oc0 = 0; oc0 < ocs; oc0 += OCB) {
            tvec mb[OCB][16];
            for (int k = 0; k < 16; k++) {
                for (int ib = 0; ib < CI_CHUNK; ib += ICB) {
                    tvec vk[ICB];
#pragma unroll
                    for (int j = 0; j < ICB; j++)
                        vk[j] = v[ib + j][k];
                    for (int ob = 0; ob < OCB; ob += OCR) {
                        __local const real *u = ul + (k * CI_CHUNK + ib) * OC_PAD + oc0 + ob;
                        tvec acc[OCR];
#pragma unroll
                        for (int b = 0; b < OCR; b++)
                            acc[b] = ib == 0 ? (tvec)0 : mb[ob + b][k];
#pragma unroll
                        for (int j = 0; j < ICB; j++)
#pragma unroll
                            for (int b = 0; b < OCR; b++)
                                acc[b] = fma(vk[j], (tvec)u[j * OC_PAD + b], acc[b]);
#pragma unroll
                        for (int b = 0; b < OCR; b++)
                            mb[ob + b][k] = acc[b];
                    }
                }
            }
            /* per output channel of the block: Y = A^T M A into the output */
            for (int ob = 0; ob < OCB && oc0 + ob < OC; ob++) {
                const int oc = oc0 + ob;
                union {
                    tvec v;
                    real s[TL];
                } y[2][2];
                WINOGRAD_OUTPUT(tvec, mb[ob], y);
                const int add = ACCUM || ic0 > 0;
#pragma unroll
                for (int q = 0; q < TR; q++)
#pragma unroll
                    for (int i = 0; i < 2; i++) {
                        const int oh = oh0 + 2 * q + i;
                        if (oh < OH)
#pragma unroll
                            for (int l = 0; l < TLR; l++)
#pragma unroll
                                for (int j = 0; j < 2; j++) {
                                    const int ow = 2 * (tw0 + l) + j;
                                    if (ow < OW) {
                                        const int at = oc * (OH * OW) + oh * OW + ow;
#if BWD_DATA && RELU_IN
                                        STORE(add, out + at, xg[at] > (real)0 ? y[i][j].s[q * TLR + l] : (real)0);
#else
                                        STORE(add, out + at, y[i][j].s[q * TLR + l]);
#endif
                                    }
                                }
                    }
            }
        }
    }
}
