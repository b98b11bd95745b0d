/* clnas — element-wise kernels over COUNT elements, one work-item each.
 * Defines: COUNT, LOCAL, and ACCUM (add) or VALUE (fill); the template compiles with either set. eltwise_relu
 * materialises a ReLU that the kernels fold into their loads, for a CLBlast alternative to read
 * (runtime/gemm_clblast.c). The add's x or y
 * may be a channel slice of a larger tensor (a DARTS cell's output): X_BSTRIDE and X_PER (Y_...) then say that
 * sample n's X_PER elements start X_BSTRIDE elements after sample n-1's. */

#ifndef ACCUM
#define ACCUM 0
#endif
#ifndef VALUE
#define VALUE ((real)0)
#endif

#ifdef X_BSTRIDE
#define ELT_X(i) ((i) / X_PER * X_BSTRIDE + (i) % X_PER)
#else
#define ELT_X(i) (i)
#endif
#ifdef Y_BSTRIDE
#define ELT_Y(i) ((i) / Y_PER * Y_BSTRIDE + (i) % Y_PER)
#else
#define ELT_Y(i) (i)
#endif

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void eltwise_add(TENSOR_IN(x), TENSOR_OUT(y))
{
    const size_t i = get_global_id(0);
    if (i < (size_t)COUNT)
        STORE(ACCUM, TENSOR_AT(y) + ELT_Y(i), TENSOR_AT(x)[ELT_X(i)]);
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void eltwise_fill(TENSOR_OUT(y))
{
    const size_t i = get_global_id(0);
    if (i < (size_t)COUNT)
        TENSOR_AT(y)[i] = VALUE;
}

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void eltwise_relu(TENSOR_IN(x), TENSOR_OUT(y))
{
    const size_t i = get_global_id(0);
    if (i < (size_t)COUNT)
        TENSOR_AT(y)[i] = fmax(TENSOR_AT(x)[i], (real)0);
}
