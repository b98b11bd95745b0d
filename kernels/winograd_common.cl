/* clnas — what the two Winograd F(2x2,3x3) kernels share (conv2d_winograd.cl, conv2d_winograd_tiles.cl): the
 * input-gradient aliases and the filter transform of one tap.
 * Defines used: CI CO H W HO WO BWD_DATA CI_CHUNK_F32 CI_CHUNK_F64.
 * In both passes "in" (IC channels, IH x IW) is convolved into "out" (OC channels, OH x OW): the forward pass maps x
 * to y, the input gradient dy to dx with the weights rotated 180 degrees and the channels swapped. */

#ifdef CLNAS_FP64
#define CI_CHUNK CI_CHUNK_F64
#else
#define CI_CHUNK CI_CHUNK_F32
#endif

#if BWD_DATA
#define IC CO
#define OC CI
#define IH HO
#define IW WO
#define OH H
#define OW W
#else
#define IC CI
#define OC CO
#define IH H
#define IW W
#define OH HO
#define OW WO
#endif

#define TH ((OH + 1) / 2) /* tile rows */
#define TW ((OW + 1) / 2) /* tile columns */

/* U = G g G^T (row-major in u) of the 3x3 taps g of (out channel oc, in channel ic) as the pass convolves them:
 * w[co][ci][kh][kw], for the input gradient with co = ic, ci = oc and rotated 180 degrees.
 * G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. */
static void winograd_filter(__global const real *w, int oc, int ic, real u[16])
{
    real g[9];
#pragma unroll
    for (int t = 0; t < 9; t++) {
#if BWD_DATA
        g[t] = w[(ic * CI + oc) * 9 + 8 - t];
#else
        g[t] = w[(oc * CI + ic) * 9 + t];
#endif
    }
    real gg[4][3];
#pragma unroll
    for (int j = 0; j < 3; j++) {
        gg[0][j] = g[j];
        gg[1][j] = (real)0.5 * (g[j] + g[3 + j] + g[6 + j]);
        gg[2][j] = (real)0.5 * (g[j] - g[3 + j] + g[6 + j]);
        gg[3][j] = g[6 + j];
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        u[i * 4 + 0] = gg[i][0];
        u[i * 4 + 1] = (real)0.5 * (gg[i][0] + gg[i][1] + gg[i][2]);
        u[i * 4 + 2] = (real)0.5 * (gg[i][0] - gg[i][1] + gg[i][2]);
        u[i * 4 + 3] = gg[i][2];
    }
}
