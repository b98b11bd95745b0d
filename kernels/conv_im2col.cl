/* clnas — the forward convolution's input as the GPU family's GEMMs read it (included by conv2d_gemm_gpu.cl's forward
 * pass and by conv2d_bwd_filter_gpu.cl):
 * Xcol[k][p] = f(x[n][ci][ho*STRIDE-PAD+kh][wo*STRIDE-PAD+kw]), k = (ci, kh, kw), p = (n, ho, wo), 0 outside the
 * image, f = ReLU when RELU_IN. Its index arithmetic is done once per row k and once per column p, into the entries
 * of two small tables, not once per element.
 * Defines used: N CI H W HO WO KSIZE STRIDE PAD RELU_IN. */

#define IM2COL_ROWS (CI * KSIZE * KSIZE)
#define IM2COL_COLS (N * HO * WO)
/* A row past IM2COL_ROWS has this as its tap row and a column past IM2COL_COLS as its input row, so every element
 * of them is 0. */
#define IM2COL_NOWHERE (-(1 << 20))

/* Row k's entry: its input channel's offset in an image of x, and its tap (kh, kw). */
static inline void im2col_row(int k, int *chan_off, int *kh, int *kw)
{
    *chan_off = k < IM2COL_ROWS ? k / (KSIZE * KSIZE) * (H * W) : 0;
    *kh = k < IM2COL_ROWS ? k % (KSIZE * KSIZE) / KSIZE : IM2COL_NOWHERE;
    *kw = k % KSIZE;
}

/* Column p's entry: its image's offset in x, and its top-left input row and column. */
static inline void im2col_col(int p, int *img_off, int *row, int *col)
{
    const int n = p / (HO * WO), q = p % (HO * WO);
    *img_off = n * (CI * H * W);
    *row = p < IM2COL_COLS ? q / WO * STRIDE - PAD : IM2COL_NOWHERE;
    *col = q % WO * STRIDE - PAD;
}

/* Xcol at a column's entry (img_off, row, col) and a row's (chan_off, kh, kw). */
static inline real im2col_at(__global const real *x, int img_off, int row, int col, int chan_off, int kh, int kw)
{
    const int hi = row + kh, wi = col + kw;
    if (hi < 0 || hi >= H || wi < 0 || wi >= W)
        return (real)0;
    const real v = x[img_off + chan_off + hi * W + wi];
#if RELU_IN
    return v > (real)0 ? v : (real)0;
#else
    return v;
#endif
}
