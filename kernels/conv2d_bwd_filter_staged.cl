/* clnas — 2-D convolution, gradient with respect to the weights, for stride 1 and "same" padding (HO = H,
 * WO = W), CPU family: each work-item stages a chunk of its images in local memory with zero borders, so every
 * tap is a plain load and the inner loop is loads and FMAs only (no column masks, no ReLU).
 * Defines: N CI CO H W KSIZE PAD RELU_IN CO_BLOCK (output channels of a register tile) CO_GROUP (a multiple of
 * CO_BLOCK) CI_BLOCK LOCAL (work-group size, a power of two) IMG_CHUNK (images staged at a time) SEG (vectors of
 * the run a tile walks between loads of its accumulators) ROW_HINT (picks the vector width, see conv_rowvec.cl).
 * dw[co][ci][kh][kw] = sum_{n,p} dy[n][co][p] * f(x[n][ci][p + (kh-PAD)*W + kw-PAD]) over the pixels p whose
 * tap lies inside the image, f = ReLU when RELU_IN; always overwrites.
 *
 * The staged layout: rows of S = W + PAD elements (a row, then PAD zeros, which are also the next row's left
 * border), an image's H rows followed by PAD zero rows. Position q = (m * IMG_ROWS + r) * S + c is pixel (r, c)
 * of the chunk's image m; the run q = 0 .. RUN - 1 covers every pixel, and borders where the staged dy is zero.
 * The staged x starts X_OFF zeros before q = 0 (PAD rows and PAD more, rounded up to a vector), so tap (kh, kw)
 * of position q is staged x at X_OFF + q + (kh - PAD) * S + kw - PAD, zero outside the image. A register tile
 * holds CO_BLOCK x KSIZE accumulators (output channels x one row of taps) of one input channel and walks SEG
 * vectors of the run, which fit in L1 for all the group's staged channels; every tile's accumulators wait in
 * private memory between segments. At the end each work-item adds up its lanes and a fixed tree in local memory
 * adds up the work-items (conv_dw_group.cl): deterministic, no atomics. */

#define ROW_LEN ROW_HINT

#define DW_ROW_TILES

#include "conv_rowvec.cl"
#include "conv_dw_group.cl"
#include "conv_stage.cl"

#define HW (H * W)
#define RUN(n) ((n) * IMG_LEN - PAD * S)
#define RUN_VECS(n) ((RUN(n) + VW - 1) / VW)
/* A staged channel: the chunk's images, then the slack a row's copy and the zeros after the last image write
 * into (less than a vector past it for dy; the taps read PAD more for x). In whole vectors, so that every staged
 * dy channel and the centre tap of every staged x channel start aligned. */
#define DY_VECS ((IMG_CHUNK * IMG_LEN + VW + VW - 1) / VW)
#define X_OFF ((PAD * S + PAD + VW - 1) / VW * VW)
#define X_VECS ((X_OFF + IMG_CHUNK * IMG_LEN + 2 * VW + VW - 1) / VW)
#define DY_LEN (DY_VECS * VW)
#define X_LEN (X_VECS * VW)

/* Cache lines of the x and dy an image of a work-item's chunk stages (its CI_BLOCK and CO_GROUP channels are each
 * one run of memory), counted with a line for each run's unaligned start. */
#define LINE (64 / (int)sizeof(real))
#define X_LINES ((CI_BLOCK * HW + LINE - 1) / LINE + 1)
#define DY_LINES ((CO_GROUP * HW + LINE - 1) / LINE + 1)
#define PF_STEP 2

/* PoCL's prefetch() is empty; on an x86 CPU clang's builtin is the prefetcht0 instruction. */
#if defined(__clang__) && defined(__x86_64__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) prefetch(p, 1)
#endif

/* A walk over the lines of the next chunk: image n, line l of its x lines then its dy lines. */
typedef struct pf_walk {
    int n, l;
} pf_walk;

static inline void prefetch_next(pf_walk *w, __global const real *x, __global const real *dy, int ci0, int cg0)
{
    if (w->l < X_LINES)
        PREFETCH(x + (w->n * CI + ci0) * HW + w->l * LINE);
    else
        PREFETCH(dy + (w->n * CO + cg0) * HW + (w->l - X_LINES) * LINE);
    if (++w->l == X_LINES + DY_LINES) {
        w->l = 0;
        w->n++;
    }
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void conv2d_bwd_filter(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dw))
{
    __local real part[SUMS][LOCAL];
    __local realv x_stage[LOCAL][CI_BLOCK][X_VECS];
    __local realv dy_stage[LOCAL][CO_GROUP][DY_VECS];
    const int lid = get_local_id(0);
    const int ci0 = get_group_id(0) % (CI / CI_BLOCK) * CI_BLOCK;
    const int cg0 = get_group_id(0) / (CI / CI_BLOCK) * CO_GROUP;
    __local real *xs = (__local real *)x_stage[lid], *dys = (__local real *)dy_stage[lid];

    realv acc[GROUP_BLOCKS][CI_BLOCK][KSIZE][CO_BLOCK][KSIZE];
    dw_rows_zero(acc);
    /* the border before q = 0, which no chunk writes */
    for (int c = 0; c < CI_BLOCK; c++)
        zero_run(xs + c * X_LEN, X_OFF);

    const int n_end = min((lid + 1) * IMAGES_PER_ITEM, N);
    for (int nc = lid * IMAGES_PER_ITEM; nc < n_end; nc += IMG_CHUNK) {
        const int nimg = min(IMG_CHUNK, n_end - nc);
        for (int m = 0; m < nimg; m++) {
            for (int c = 0; c < CI_BLOCK; c++) {
                const int off = ((nc + m) * CI + ci0 + c) * HW;
                stage_image(xs + c * X_LEN + X_OFF + m * IMG_LEN, TENSOR_AT(x) + off, N * CI * HW - off, RELU_IN);
            }
            for (int c = 0; c < CO_GROUP; c++) {
                const int off = ((nc + m) * CO + cg0 + c) * HW;
                stage_image(dys + c * DY_LEN + m * IMG_LEN, TENSOR_AT(dy) + off, N * CO * HW - off, 0);
            }
        }
        /* past the last image: dy to the run's last vector, x to what its last taps read */
        for (int c = 0; c < CI_BLOCK; c++)
            zero_run(xs + c * X_LEN + X_OFF + nimg * IMG_LEN, VW + PAD);
        for (int c = 0; c < CO_GROUP; c++)
            zero_run(dys + c * DY_LEN + nimg * IMG_LEN, VW);

        const int nv = RUN_VECS(nimg);
        /* the next chunk's lines, spread over this chunk's register tiles a few every PF_STEP vectors (a burst
         * would wait for free line-fill buffers) */
        const int lines = max(min(IMG_CHUNK, n_end - nc - nimg), 0) * (X_LINES + DY_LINES);
        const int tiles = (nv + SEG - 1) / SEG * GROUP_BLOCKS * CI_BLOCK * KSIZE;
        const int steps = tiles * ((min(SEG, nv) + PF_STEP - 1) / PF_STEP);
        const int per_step = (lines + steps - 1) / steps;
        pf_walk pf = {nc + nimg, 0};
        int pf_left = lines;
        for (int k0 = 0; k0 < nv; k0 += SEG) {
            const int k1 = min(k0 + SEG, nv);
            for (int gb = 0; gb < GROUP_BLOCKS; gb++)
                for (int cib = 0; cib < CI_BLOCK; cib++)
                    for (int kh = 0; kh < KSIZE; kh++) {
                        realv a[CO_BLOCK][KSIZE];
                        dw_tile_load(acc, gb, cib, kh, a);
                        __local const real *xp = xs + cib * X_LEN + X_OFF + (kh - PAD) * S - PAD;
                        __local const real *dp = dys + gb * CO_BLOCK * DY_LEN;
                        for (int k = k0; k < k1; k++) {
                            if ((k - k0) % PF_STEP == 0)
                                for (int i = 0; i < per_step && pf_left > 0; i++, pf_left--)
                                    prefetch_next(&pf, TENSOR_AT(x), TENSOR_AT(dy), ci0, cg0);
                            realv xv[KSIZE];
#pragma unroll
                            for (int kw = 0; kw < KSIZE; kw++)
                                xv[kw] = LVLOAD(xp + k * VW + kw);
#pragma unroll
                            for (int cb = 0; cb < CO_BLOCK; cb++) {
                                const realv g = LVLOAD(dp + cb * DY_LEN + k * VW);
#pragma unroll
                                for (int kw = 0; kw < KSIZE; kw++)
                                    a[cb][kw] = fma(g, xv[kw], a[cb][kw]);
                            }
                        }
                        dw_tile_save(acc, gb, cib, kh, a);
                    }
        }
    }

    dw_rows_store(acc, part, lid, TENSOR_AT(dw), cg0, ci0);
}
