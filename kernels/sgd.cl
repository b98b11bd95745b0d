/* clnas — SGD update of a whole parameter arena, one work-item per parameter (PyTorch's SGD, dampening 0).
 * Defines: COUNT, MOMENTUM, WEIGHT_DECAY, NESTEROV, LOCAL. The learning rate is a per-launch argument. */

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void sgd(TENSOR_OUT(p), TENSOR_IN(g), TENSOR_OUT(v), const real lr)
{
    const size_t i = get_global_id(0);
    if (i < (size_t)COUNT) {
        __global real *ps = TENSOR_AT(p) + i;
        __global real *vs = TENSOR_AT(v) + i;
        const real grad = TENSOR_AT(g)[i] + WEIGHT_DECAY * *ps;
        const real vel = MOMENTUM * *vs + grad;
        *vs = vel;
        *ps -= lr * (NESTEROV ? grad + MOMENTUM * vel : vel);
    }
}
