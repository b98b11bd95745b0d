/* clnas — element-wise kernels over COUNT contiguous elements, one work-item each.
 * Defines: COUNT, LOCAL, and ACCUM (add) or VALUE (fill); the template compiles with either set. */

#ifndef ACCUM
#define ACCUM 0
#endif
#ifndef VALUE
#define VALUE ((real)0)
#endif

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void eltwise_add(TENSOR_IN(x), TENSOR_OUT(y))
{
    const size_t i = get_global_id(0);
    if (i < (size_t)COUNT)
        STORE(ACCUM, TENSOR_AT(y) + i, TENSOR_AT(x)[i]);
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void eltwise_fill(TENSOR_OUT(y))
{
    const size_t i = get_global_id(0);
    if (i < (size_t)COUNT)
        TENSOR_AT(y)[i] = VALUE;
}
