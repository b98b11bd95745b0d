/* clnas — network head kernels: ReLU then global average pool over HW, and its backward.
 * Defines: BATCH, CHANNELS, HW, ACCUM, LOCAL. */

#define HEAD_PLANES (BATCH * CHANNELS)

/* One work-item per (n, c): a fixed serial sum over its HW contiguous elements. ReLU keeps NaN, like PyTorch. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void gap_relu_fwd(TENSOR_IN(x), TENSOR_OUT(y))
{
    const int plane = get_global_id(0);
    if (plane < HEAD_PLANES) {
        __global const real *xs = TENSOR_AT(x) + plane * HW;
        real sum = 0;
        for (int s = 0; s < HW; s++)
            sum += xs[s] < 0 ? (real)0 : xs[s];
        STORE(ACCUM, TENSOR_AT(y) + plane, sum / HW);
    }
}

/* One work-item per input element: the ReLU passes the gradient where x > 0. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void gap_relu_bwd(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dx))
{
    const int i = get_global_id(0);
    if (i < HEAD_PLANES * HW) {
        const real g = TENSOR_AT(x)[i] > 0 ? TENSOR_AT(dy)[i / HW] / HW : (real)0;
        STORE(ACCUM, TENSOR_AT(dx) + i, g);
    }
}
