/* clnas — gradient clipping at a global L2 norm (PyTorch's clip_grad_norm_) in one work-group: the squares of every
 * gradient summed (work-item lid takes lid, lid + LOCAL, ...; then a fixed tree), then each gradient scaled by
 * MAX_NORM / (norm + 1e-6) when that is below 1. Defines: COUNT, MAX_NORM, LOCAL (a power of two). */

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void grad_clip(TENSOR_OUT(g))
{
    __local real scratch[LOCAL];
    const int lid = get_local_id(0);
    __global real *gs = TENSOR_AT(g);
    real sum = 0;
    for (size_t i = (size_t)lid; i < (size_t)COUNT; i += LOCAL)
        sum += gs[i] * gs[i];
    scratch[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LOCAL / 2; s > 0; s >>= 1) {
        if (lid < s)
            scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const real coef = (real)MAX_NORM / (sqrt(scratch[0]) + (real)1e-6);
    if (coef < 1)
        for (size_t i = (size_t)lid; i < (size_t)COUNT; i += LOCAL)
            gs[i] *= coef;
}
