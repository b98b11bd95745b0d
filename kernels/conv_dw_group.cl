/* clnas — what the two weight-gradient templates share (included by conv2d_bwd_filter.cl and
 * conv2d_bwd_filter_flat.cl after conv_rowvec.cl): a work-group sums CO_GROUP x CI_BLOCK x KSIZE^2 results over
 * its LOCAL work-items, each of which took the lid-th run of images. */

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
