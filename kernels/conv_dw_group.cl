/* clnas — what the weight-gradient templates share (included by conv2d_bwd_filter.cl, conv2d_bwd_filter_flat.cl
 * and conv2d_bwd_filter_staged.cl after conv_rowvec.cl): a work-group sums CO_GROUP x CI_BLOCK x KSIZE^2 results
 * over its LOCAL work-items, each of which took the lid-th run of images. */

#if RELU_IN
#define CONV_IN(v) select((v), (realv)0, (v) < (realv)0)
#else
#define CONV_IN(v) (v)
#endif

#define TAPS (KSIZE * KSIZE)
#define GROUP_BLOCKS (CO_GROUP / CO_BLOCK) /* register blocks of output channels in a work-group */
#define SUMS (CO_GROUP * CI_BLOCK * TAPS)   /* results of one work-group */
#define IMAGES_PER_ITEM ((N + LOCAL - 1) / LOCAL)

static inline real lane_sum(realv a)
{
    union {
        realv v;
        real s[VW];
    } u;
    u.v = a;
    real s = 0;
#pragma unroll
    for (int j = 0; j < VW; j++)
        s += u.s[j];
    return s;
}

/* Adds up the work-items' results part[k][lid] with a fixed tree in local memory (deterministic, no atomics)
 * and writes them: part[((gb * CI_BLOCK + cib) * CO_BLOCK + cb) * TAPS + t] is
 * dw[cg0 + gb*CO_BLOCK + cb][ci0 + cib][t]. Every work-item of the group calls it. */
static inline void dw_group_store(__local real part[SUMS][LOCAL], int lid, __global real *dw, int cg0, int ci0)
{
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LOCAL / 2; s > 0; s /= 2) {
        if (lid < s)
            for (int k = 0; k < SUMS; k++)
                part[k][lid] += part[k][lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int k = lid; k < SUMS; k += LOCAL) {
        const int t = k % TAPS, cb = k / TAPS % CO_BLOCK, cib = k / TAPS / CO_BLOCK % CI_BLOCK;
        const int gb = k / TAPS / CO_BLOCK / CI_BLOCK;
        dw[((cg0 + gb * CO_BLOCK + cb) * CI + ci0 + cib) * TAPS + t] = part[k][0];
    }
}

#ifdef DW_ROW_TILES
/* The flat and staged kernels' accumulators: for each (output block, input channel, tap row) a register tile of
 * CO_BLOCK x KSIZE vectors, waiting in private memory while other tiles run. */
#define DW_ROW_ACC realv acc[GROUP_BLOCKS][CI_BLOCK][KSIZE][CO_BLOCK][KSIZE]

static inline void dw_rows_zero(DW_ROW_ACC)
{
    for (int gb = 0; gb < GROUP_BLOCKS; gb++)
        for (int cib = 0; cib < CI_BLOCK; cib++)
            for (int kh = 0; kh < KSIZE; kh++)
#pragma unroll
                for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
                    for (int kw = 0; kw < KSIZE; kw++)
                        acc[gb][cib][kh][cb][kw] = (realv)0;
}

/* Tile (gb, cib, kh) into registers a, and back. */
static inline void dw_tile_load(DW_ROW_ACC, int gb, int cib, int kh, realv a[CO_BLOCK][KSIZE])
{
#pragma unroll
    for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
        for (int kw = 0; kw < KSIZE; kw++)
            a[cb][kw] = acc[gb][cib][kh][cb][kw];
}

static inline void dw_tile_save(DW_ROW_ACC, int gb, int cib, int kh, realv a[CO_BLOCK][KSIZE])
{
#pragma unroll
    for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
        for (int kw = 0; kw < KSIZE; kw++)
            acc[gb][cib][kh][cb][kw] = a[cb][kw];
}

/* Adds up each accumulator's lanes into part and the work-items with dw_group_store. */
static inline void dw_rows_store(DW_ROW_ACC, __local real part[SUMS][LOCAL], int lid, __global real *dw, int cg0,
                                 int ci0)
{
    for (int gb = 0; gb < GROUP_BLOCKS; gb++)
        for (int cib = 0; cib < CI_BLOCK; cib++)
            for (int kh = 0; kh < KSIZE; kh++)
#pragma unroll
                for (int cb = 0; cb < CO_BLOCK; cb++)
#pragma unroll
                    for (int kw = 0; kw < KSIZE; kw++)
                        part[((gb * CI_BLOCK + cib) * CO_BLOCK + cb) * TAPS + kh * KSIZE + kw][lid] =
                            lane_sum(acc[gb][cib][kh][cb][kw]);
    dw_group_store(part, lid, dw, cg0, ci0);
}
#endif
