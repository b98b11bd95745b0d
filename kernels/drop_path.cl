/* clnas — drop-path: y = x * mask[n] over [BATCH][PER] (PER = C*H*W of one sample), mask a per-sample scale the host
 * writes each step (0, or 1/(1-p) for a kept sample); the backward is the same product with dy. Defines: BATCH,
 * PER, ACCUM, LOCAL; Y_BSTRIDE (optional: the forward's y is a channel slice of a larger tensor, sample n starting
 * Y_BSTRIDE elements after sample n-1), DY_BSTRIDE (optional: the backward's dy likewise). One work-item per element. */

#ifndef Y_BSTRIDE
#define Y_BSTRIDE PER
#endif
#ifndef DY_BSTRIDE /* likewise the backward's dy */
#define DY_BSTRIDE PER
#endif

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void drop_path_fwd(TENSOR_IN(x), TENSOR_IN(mask), TENSOR_OUT(y))
{
    const int i = get_global_id(0);
    if (i < BATCH * PER)
        STORE(ACCUM, TENSOR_AT(y) + i / PER * Y_BSTRIDE + i % PER, TENSOR_AT(x)[i] * TENSOR_AT(mask)[i / PER]);
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void drop_path_bwd(TENSOR_IN(dy), TENSOR_IN(mask), TENSOR_OUT(dx))
{
    const int i = get_global_id(0);
    if (i < BATCH * PER)
        STORE(ACCUM, TENSOR_AT(dx) + i, TENSOR_AT(dy)[i / PER * DY_BSTRIDE + i % PER] * TENSOR_AT(mask)[i / PER]);
}
