/* clnas — GPU family: 2-D convolution as an implicit GEMM tiled over a work-group, forward and input gradient.
 * Defines: N CI CO H W HO WO KSIZE STRIDE PAD RELU_IN ACCUM, BWD_DATA (0: forward, 1: input gradient), and the
 * tiling TM TN TK RM RN LOCAL (LOCAL = (TM / RM) * (TN / RN) work-items).
 * Forward:        Y[co][p]  (=/+=) sum_k W[co][k] * Xcol[k][p],  p = (n, ho, wo), k = (ci, kh, kw),
 *                 Xcol[k][p] = f(x[n][ci][ho*STRIDE-PAD+kh][wo*STRIDE-PAD+kw]) (0 outside), f = ReLU when RELU_IN.
 * Input gradient: dX[ci][q] (=/+=) g(x) * sum_k W[co][ci][kh][kw] * dYcol[k][q],  q = (n, h, w), k = (co, kh, kw),
 *                 dYcol[k][q] = dy[n][co][(h+PAD-kh)/STRIDE][(w+PAD-kw)/STRIDE] where that divides and lies inside,
 *                 g(x) = (x > 0) when RELU_IN.
 * A work-group computes a TM x TN output tile; each work-item keeps RM x RN of it in registers, RM rows TM/RM
 * apart and RN columns TN/RN apart, so neighbouring work-items load and store neighbouring columns (coalesced
 * along the fastest-varying dimension). Per TK-deep step the group stages a TK x TM slice of the weights and a
 * TK x TN slice of the gathered input in local memory, loaded by all its work-items in consecutive addresses; the
 * gather's index arithmetic is done once per column and per row in small tables (below). */

#define KK (KSIZE * KSIZE)
#if BWD_DATA
#define GM CI            /* output rows: input channels */
#define GK (CO * KK)     /* reduction: (co, kh, kw) */
#define GP (N * H * W)   /* output columns: (n, h, w) */
#define OUT_HW (H * W)
#else
#define GM CO
#define GK (CI * KK)
#define GP (N * HO * WO)
#define OUT_HW (HO * WO)
#endif
#define TX (TN / RN)     /* work-items along the columns */
#define TY (TM / RM)     /* work-items along the rows */
#define PGROUPS ((GP + TN - 1) / TN)

#include "conv_im2col.cl"

/* A[m][k]: the weight, W[m][k] forward, W[co][m][kh][kw] for the input gradient. */
static inline real load_a(__global const real *w, int m, int k)
{
    if (m >= GM || k >= GK)
        return (real)0;
#if BWD_DATA
    return w[((k / KK) * CI + m) * KK + k % KK];
#else
    return w[m * GK + k];
#endif
}

/* B[k][p] is gathered through two small tables, so that its index arithmetic is done once per column p (per
 * work-group) and once per row k (per step), not per element:
 *   forward:        conv_im2col.cl's entries: a column's image offset in x and its top-left input row and column
 *                   (ho*STRIDE-PAD, wo*STRIDE-PAD); a row's channel offset and its tap (kh, kw);
 *   input gradient: a column's image offset in dy and h+PAD, w+PAD; a row's channel offset and its tap.
 * A column past GP or a row past GK has GEMM_NOWHERE as its row, so every element of it is 0. */
#define GEMM_NOWHERE IM2COL_NOWHERE

static inline void column_entry(int p, __local int *src_off, __local int *row, __local int *col)
{
    int off, r, c;
#if BWD_DATA
    const int n = p / (H * W), q = p % (H * W);
    off = n * (CO * HO * WO);
    r = p < GP ? q / W + PAD : GEMM_NOWHERE;
    c = q % W + PAD;
#else
    im2col_col(p, &off, &r, &c);
#endif
    *src_off = off;
    *row = r;
    *col = c;
}

static inline void row_entry(int k, __local int *chan_off, __local int *kh, __local int *kw)
{
    int off, h, w;
#if BWD_DATA
    off = k < GK ? k / KK * (HO * WO) : 0;
    h = k < GK ? k % KK / KSIZE : -GEMM_NOWHERE; /* th = row - kh < 0 past GK */
    w = k % KSIZE;
#else
    im2col_row(k, &off, &h, &w);
#endif
    *chan_off = off;
    *kh = h;
    *kw = w;
}

/* B at a row and a column of the tables; 0 outside the tensor. */
static inline real load_b(__global const real *src, int src_off, int row, int col, int chan_off, int kh, int kw)
{
#if BWD_DATA
    const int th = row - kh, tw = col - kw;
    if (th < 0 || tw < 0 || th % STRIDE || tw % STRIDE || th / STRIDE >= HO || tw / STRIDE >= WO)
        return (real)0;
    return src[src_off + chan_off + th / STRIDE * WO + tw / STRIDE];
#else
    return im2col_at(src, src_off, row, col, chan_off, kh, kw);
#endif
}

#if BWD_DATA && RELU_IN
#define GEMM_ARGS TENSOR_IN(dy), TENSOR_IN(w), TENSOR_IN(x), TENSOR_OUT(dx)
#define SRC TENSOR_AT(dy)
#define DST TENSOR_AT(dx)
#elif BWD_DATA
#define GEMM_ARGS TENSOR_IN(dy), TENSOR_IN(w), TENSOR_OUT(dx)
#define SRC TENSOR_AT(dy)
#define DST TENSOR_AT(dx)
#else
#define GEMM_ARGS TENSOR_IN(x), TENSOR_IN(w), TENSOR_OUT(y)
#define SRC TENSOR_AT(x)
#define DST TENSOR_AT(y)
#endif

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1))) void ENTRY(GEMM_ARGS)
{
    __local real as[TK][TM];
    __local real bs[TK][TN];
    __local int col_src[TN], col_row[TN], col_col[TN]; /* the column table, once per work-group */
    __local int row_chan[TK], row_kh[TK], row_kw[TK];  /* the row table, per step */
    const int tid = get_local_id(0), tx = tid % TX, ty = tid / TX;
    const int m0 = get_group_id(0) / PGROUPS * TM, p0 = get_group_id(0) % PGROUPS * TN;
    __global const real *wt = TENSOR_AT(w);
    __global const real *src = SRC;
    for (int j = tid; j < TN; j += LOCAL)
        column_entry(p0 + j, &col_src[j], &col_row[j], &col_col[j]);
    real acc[RM][RN];
#pragma unroll
    for (int i = 0; i < RM; i++)
#pragma unroll
        for (int j = 0; j < RN; j++)
            acc[i][j] = (real)0;

    for (int k0 = 0; k0 < GK; k0 += TK) {
        for (int t = tid; t < TK; t += LOCAL)
            row_entry(k0 + t, &row_chan[t], &row_kh[t], &row_kw[t]);
        barrier(CLK_LOCAL_MEM_FENCE);
        /* consecutive work-items take consecutive k of one weight row and consecutive columns of one B row */
        for (int e = tid; e < TK * TM; e += LOCAL)
            as[e % TK][e / TK] = load_a(wt, m0 + e / TK, k0 + e % TK);
        for (int e = tid; e < TK * TN; e += LOCAL) {
            const int t = e / TN, j = e % TN;
            bs[t][j] = load_b(src, col_src[j], col_row[j], col_col[j], row_chan[t], row_kh[t], row_kw[t]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
#pragma unroll 4
        for (int kk = 0; kk < TK; kk++) {
            real a[RM], b[RN];
#pragma unroll
            for (int i = 0; i < RM; i++)
                a[i] = as[kk][ty + i * TY];
#pragma unroll
            for (int j = 0; j < RN; j++)
                b[j] = bs[kk][tx + j * TX];
#pragma unroll
            for (int i = 0; i < RM; i++)
#pragma unroll
                for (int j = 0; j < RN; j++)
                    acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    __global real *dst = DST;
#pragma unroll
    for (int i = 0; i < RM; i++) {
        const int m = m0 + ty + i * TY;
#pragma unroll
        for (int j = 0; j < RN; j++) {
            const int p = p0 + tx + j * TX;
            if (m >= GM || p >= GP)
                continue;
            const int at = (p / OUT_HW * GM + m) * OUT_HW + p % OUT_HW;
            real v = acc[i][j];
#if BWD_DATA && RELU_IN
            if (!(TENSOR_AT(x)[at] > (real)0))
                v = (real)0;
#endif
            STORE(ACCUM, dst + at, v);
        }
    }
}
