/* clnas — global average pool over HW without a ReLU (DARTS' head), and its backward.
 * Defines: BATCH, CHANNELS, HW, ACCUM, LOCAL. */

#define GAP_PLANES (BATCH * CHANNELS)

/* One work-item per (n, c): a fixed serial sum over its HW contiguous elements. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void gap_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int plane = get_global_id(0);
    if (plane < GAP_PLANES) {
        __global const real *xs = TENSOR_AT(x) + plane * HW;
        real sum = 0;
        for (int s = 0; s < HW; s++)
            sum += xs[s];
        STORE(ACCUM, TENSOR_AT(y) + plane, sum / HW);
    }
}

/* One work-item per input element. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void gap_bwd(TENSOR_IN(dy), TENSOR_OUT(dx))
{
    const int i = get_global_id(0);
    if (i < GAP_PLANES * HW)
        STORE(ACCUM, TENSOR_AT(dx) + i, TENSOR_AT(dy)[i / HW] / HW);
}
