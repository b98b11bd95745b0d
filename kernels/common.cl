/* clnas — prelude of every generated kernel: the element type and the tensor-argument convention. */
#ifdef CLNAS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#define REAL_BASE double
#else
typedef float real;
#define REAL_BASE float
#endif

/* Token pasting after expansion, for types and built-ins of a #defined vector width: CLNAS_CAT(vload, 4) is vload4,
 * REALV(4) the element type's vector of 4. */
#define CLNAS_CAT_(a, b) a##b
#define CLNAS_CAT(a, b) CLNAS_CAT_(a, b)
#define REALV(n) CLNAS_CAT(REAL_BASE, n)

/* A tensor argument is a buffer and an element offset into it; TENSOR_AT gives the tensor's first element. */
#define TENSOR_IN(name) __global const real *name##_buf, const uint name##_off
#define TENSOR_OUT(name) __global real *name##_buf, const uint name##_off
#define TENSOR_INT_IN(name) __global const int *name##_buf, const uint name##_off
#define TENSOR_AT(name) (name##_buf + name##_off)

/* Output write honouring ACCUM_<slot>: accumulate into what is there (a node's sum of edges) or overwrite. */
#define STORE(accum, ptr, value) do { if (accum) *(ptr) += (value); else *(ptr) = (value); } while (0)

/* A hint that the cache line holding *ptr is read soon, where the host found a compiler that has clang's prefetch
 * (CLNAS_PREFETCH: PoCL's CPU device); it never faults, so ptr may lie past a tensor's end. */
#ifdef CLNAS_PREFETCH
#define PREFETCH(ptr) __builtin_prefetch(ptr)
#else
#define PREFETCH(ptr) ((void)0)
#endif

/* PREFETCH for every 64-byte line of the run ptr[0 .. len-1] (len a compile-time constant: the loop unrolls). */
#define PREFETCH_RUN(ptr, len)                                                                                  \
    do {                                                                                                        \
        for (int pf_ = 0; pf_ < (len); pf_ += 64 / (int)sizeof(real))                                           \
            PREFETCH((ptr) + pf_);                                                                              \
        PREFETCH((ptr) + (len) - 1);                                                                            \
    } while (0)
