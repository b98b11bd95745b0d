/* clnas — what the two Winograd F(2x2,3x3) kernels share (conv2d_winograd.cl, conv2d_winograd_tiles.cl): the
 * input-gradient aliases, the filter transform of one tap and the output transform.
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

/* Y = A^T M A, A^T = [1 1 1 0; 0 1 -1 -1]: the 2x2 outputs y[i][j].v (a union with a vector member v) of the 16
 * products m[k] (row-major 4x4), vectors of type vt (a macro: the two kernels' vectors differ). */
#define WINOGRAD_OUTPUT(vt, m, y)                                                                                    \
    do {                                                                                                             \
        vt r_[2][4];                                                                                                 \
        _Pragma("unroll") for (int j_ = 0; j_ < 4; j_++) {                                                           \
            const vt m0_ = (m)[j_], m1_ = (m)[4 + j_], m2_ = (m)[8 + j_], m3_ = (m)[12 + j_];                      \
            r_[0][j_] = m0_ + m1_ + m2_;                                                                             \
            r_[1][j_] = m1_ - m2_ - m3_;                                                                             \
        }                                                                                                            \
        _Pragma("unroll") for (int i_ = 0; i_ < 2; i_++) {                                                           \
            (y)[i_][0].v = r_[i_][0] + r_[i_][1] + r_[i_][2];                                                        \
            (y)[i_][1].v = r_[i_][1] - r_[i_][2] - r_[i_][3];                                                        \
        }                                                                                                            \
    } while (0)
