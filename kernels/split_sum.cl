/* clnas — the sum of PARTS partial results stored one after another: y[i] (=/+=) sum over s of part[s * COUNT + i],
 * added in the order of s, so the result does not depend on how the parts were scheduled. One work-item per
 * element: neighbouring work-items read neighbouring elements of each part (coalesced).
 * Defines: COUNT PARTS ACCUM LOCAL. */

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void split_sum(TENSOR_IN(part), TENSOR_OUT(y))
{
    const size_t i = get_global_id(0);
    if (i >= (size_t)COUNT)
        return;
    __global const real *at = TENSOR_AT(part) + i;
    real sum = at[0];
    for (int s = 1; s < PARTS; s++)
        sum += at[(size_t)s * COUNT];
    STORE(ACCUM, TENSOR_AT(y) + i, sum);
}
