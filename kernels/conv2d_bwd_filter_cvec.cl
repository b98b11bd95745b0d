/* clnas — 2-D convolution, gradient with respect to the weights, for stride 1 and "same" padding (HO = H,
 * WO = W), CPU family, vectorised along the output channels: dw[co][ci][kh][kw] = sum_{n,p} dy[n][co][p] *
 * f(x[n][ci][p + (kh-PAD)*W + kw-PAD]) over the pixels p whose tap lies inside the image, f = ReLU when RELU_IN;
 * always overwrites.
 * Defines: N CI CO H W KSIZE PAD RELU_IN COV (vectors of 16 output channels a work-group takes) CI_GROUP (input
 * channels a work-group takes) IMG_CHUNK (images staged at a time).
 * One work-item per work-group, one work-group per (COV*16 output channels, CI_GROUP input channels), every image.
 * It stages a chunk of images in local memory: dy transposed, so that a pixel's COV*16 output channels are COV
 * vectors, and x after the ReLU in rows of S = W + PAD with zero borders (PAD zeros after each row, which are also
 * the next row's left border, PAD zero rows after each image, and PAD rows and PAD more before the first), so a
 * tap is a load at a fixed offset. Then for each input channel a register tile of COV x KSIZE^2 accumulators
 * walks the chunk's pixels: per pixel COV vector loads of dy, KSIZE^2 broadcasts of x and COV*KSIZE^2 FMAs, every
 * lane useful (no positions at the borders, no sums across lanes), which at 7x7 and 14x14, where rows fill a row
 * vector badly, beats the staged kernel's vectors along the pixels. The tiles wait in private memory between
 * chunks; each lane is one output channel's result at the end. */

#define ROW_LEN W

#include "conv_rowvec.cl"
#include "conv_stage.cl"

#ifdef CLNAS_FP64
typedef double16 cvec;
#else
typedef float16 cvec;
#endif
#define LANES 16
#define OCV (COV * LANES)
#define TAPS (KSIZE * KSIZE)
#define HW (H * W)
#define X_OFF (PAD * S + PAD)
/* a staged x channel: the border before the first image, the chunk's images, and the slack a row's copy and the
 * zero rows after the last image write into (less than a vector past it) */
#define X_LEN (X_OFF + IMG_CHUNK * IMG_LEN + VW)

__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void conv2d_bwd_filter(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dw))
{
    __local real xs[CI_GROUP][X_LEN];
    __local cvec dyt[IMG_CHUNK * HW * COV];
    const int ci0 = get_group_id(0) % (CI / CI_GROUP) * CI_GROUP;
    const int co0 = get_group_id(0) / (CI / CI_GROUP) * OCV;
    __local real *dyts = (__local real *)dyt;

    cvec acc[CI_GROUP][COV][TAPS];
    for (int c = 0; c < CI_GROUP; c++)
#pragma unroll
        for (int v = 0; v < COV; v++)
#pragma unroll
            for (int t = 0; t < TAPS; t++)
                acc[c][v][t] = (cvec)0;
    /* the border before the first image, which no chunk writes */
    for (int c = 0; c < CI_GROUP; c++)
        zero_run(xs[c], X_OFF);

    for (int nc = 0; nc < N; nc += IMG_CHUNK) {
        const int nimg = min(IMG_CHUNK, N - nc);
        for (int m = 0; m < nimg; m++) {
            for (int c = 0; c < CI_GROUP; c++) {
                const int off = ((nc + m) * CI + ci0 + c) * HW;
                stage_image(xs[c] + X_OFF + m * IMG_LEN, TENSOR_AT(x) + off, N * CI * HW - off, RELU_IN);
            }
            for (int o = 0; o < OCV; o++) {
                __global const real *src = TENSOR_AT(dy) + ((nc + m) * CO + co0 + o) * HW;
                for (int p = 0; p < HW; p++)
                    dyts[(m * HW + p) * OCV + o] = src[p];
            }
        }
        for (int c = 0; c < CI_GROUP; c++) {
            cvec a[COV][TAPS];
#pragma unroll
            for (int v = 0; v < COV; v++)
#pragma unroll
                for (int t = 0; t < TAPS; t++)
                    a[v][t] = acc[c][v][t];
            for (int m = 0; m < nimg; m++)
                for (int r = 0; r < H; r++) {
                    /* tap (kh, kw) of pixel (r, col) is xr[kh * S + kw + col] */
                    __local const real *xr = xs[c] + X_OFF + (m * IMG_ROWS + r - PAD) * S - PAD;
                    __local const cvec *gr = dyt + (m * HW + r * W) * COV;
                    for (int col = 0; col < W; col++) {
                        cvec g[COV];
#pragma unroll
                        for (int v = 0; v < COV; v++)
                            g[v] = gr[col * COV + v];
#pragma unroll
                        for (int kh = 0; kh < KSIZE; kh++)
#pragma unroll
                            for (int kw = 0; kw < KSIZE; kw++) {
                                const cvec xb = (cvec)xr[kh * S + kw + col];
#pragma unroll
                                for (int v = 0; v < COV; v++)
                                    a[v][kh * KSIZE + kw] = fma(g[v], xb, a[v][kh * KSIZE + kw]);
                            }
                    }
                }
#pragma unroll
            for (int v = 0; v < COV; v++)
#pragma unroll
                for (int t = 0; t < TAPS; t++)
                    acc[c][v][t] = a[v][t];
        }
    }

    __global real *dws = TENSOR_AT(dw);
    for (int c = 0; c < CI_GROUP; c++)
#pragma unroll
        for (int v = 0; v < COV; v++)
#pragma unroll
            for (int t = 0; t < TAPS; t++) {
                union {
                    cvec v;
                    real s[LANES];
                } u;
                u.v = acc[c][v][t];
#pragma unroll
                for (int l = 0; l < LANES; l++)
                    dws[((co0 + v * LANES + l) * CI + ci0 + c) * TAPS + t] = u.s[l];
            }
}
