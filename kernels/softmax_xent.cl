/* clnas — mean softmax cross-entropy and its gradient in one work-group.
 * Defines: BATCH (rows), CLASSES, LOCAL (work-group size, a power of two), WEIGHT (optional: loss and gradient
 * scaled by it, DARTS' auxiliary loss). Each work-item takes rows
 * lid, lid + LOCAL, ...; the per-row losses are summed in that fixed order, then by a fixed tree. */

#ifdef WEIGHT
#define LOSS_SCALED(v) ((real)WEIGHT * (v))
#else
#define LOSS_SCALED(v) (v)
#endif

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void softmax_xent(TENSOR_IN(logits), TENSOR_INT_IN(labels), TENSOR_OUT(loss), TENSOR_OUT(dlogits))
{
    __local real scratch[LOCAL];
    const int lid = get_local_id(0);
    real total = 0;
    for (int r = lid; r < BATCH; r += LOCAL) {
        __global const real *z = TENSOR_AT(logits) + r * CLASSES;
        __global real *dz = TENSOR_AT(dlogits) + r * CLASSES;
        const int label = TENSOR_AT(labels)[r];
        const int valid = label >= 0 && label < CLASSES;
        real zmax = z[0];
        for (int k = 1; k < CLASSES; k++)
            zmax = fmax(zmax, z[k]);
        real sum = 0;
        for (int k = 0; k < CLASSES; k++) {
            const real e = exp(z[k] - zmax);
            dz[k] = e;
            sum += e;
        }
        /* An out-of-range label is the host's error: no read out of bounds, NaN where it lands. */
        total += valid ? zmax + log(sum) - z[valid ? label : 0] : (real)NAN;
        for (int k = 0; k < CLASSES; k++)
            dz[k] = valid ? LOSS_SCALED((dz[k] / sum - (k == label ? 1 : 0)) / BATCH) : (real)NAN;
    }
    scratch[lid] = total;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LOCAL / 2; s > 0; s >>= 1) {
        if (lid < s)
            scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0)
        TENSOR_AT(loss)[0] = LOSS_SCALED(scratch[0] / BATCH);
}
