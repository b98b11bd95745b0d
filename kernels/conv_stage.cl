/* clnas — images staged in local memory with zero borders (included by conv2d_bwd_filter_staged.cl and
 * conv2d_bwd_filter_cvec.cl after conv_rowvec.cl): rows of S = W + PAD elements (a row, then PAD zeros, which are
 * also the next row's left border), an image's H rows followed by PAD zero rows, so that every tap of a pixel is a
 * load at a fixed offset, zero outside the image. */

#define S (W + PAD)
#define IMG_ROWS (H + PAD)
#define IMG_LEN (IMG_ROWS * S)

#ifdef __clang__
#define LVLOAD(p) (*(__local const realv_u *)(p))
#define LVSTORE(v, p) (*(__local realv_u *)(p) = (v))
#elif VW == 8
#define LVLOAD(p) vload8(0, p)
#define LVSTORE(v, p) vstore8(v, 0, p)
#else
#define LVLOAD(p) vload16(0, p)
#define LVSTORE(v, p) vstore16(v, 0, p)
#endif

/* len zeros from p, in whole vectors: up to VW - 1 past the end, which the stores that follow overwrite or the
 * stage's slack takes. */
static inline void zero_run(__local real *p, int len)
{
    for (int j = 0; j < len; j += VW)
        LVSTORE((realv)0, p + j);
}

/* Stages an image's channel (src, H x W; `left` elements of its tensor from src on) at dst: each row, its PAD
 * border zeros, then the PAD zero rows after the image; the ReLU on the way when relu. A row is copied in whole
 * vectors that may run past it into the next row, its border or the rows after the image, all written after it;
 * a row whose vectors would read past the tensor's end is copied element by element. */
static inline void stage_image(__local real *dst, __global const real *src, int left, const int relu)
{
    for (int r = 0; r < H; r++) {
        __local real *d = dst + r * S;
        __global const real *s = src + r * W;
        if (left - r * W >= VECS(W) * VW) {
            for (int j = 0; j < VECS(W); j++) {
                const realv v = VLOAD(s + j * VW);
                LVSTORE(relu ? select(v, (realv)0, v < (realv)0) : v, d + j * VW);
            }
        } else {
            for (int j = 0; j < W; j++)
                d[j] = relu && s[j] < (real)0 ? (real)0 : s[j];
        }
        for (int j = 0; j < PAD; j++)
            d[W + j] = (real)0;
    }
    zero_run(dst + H * S, PAD * S);
}
