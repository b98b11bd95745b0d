/* clnas — device benchmark: peak float32 multiply-add rate (`clnas bench device`).
 * Defines: WIDTH (vector width: 4, 8 or 16), CHAINS (independent multiply-add chains per work-item: 4, 8 or 16),
 * ITERS (loop trips; each trip is one fma per chain). A work-item does 2 * WIDTH * CHAINS * ITERS flops. */

/* Built on its own with -D options, without kernels/common.cl: its own token pasting. */
#define VEC_CAT_(a, b) a##b
#define VEC_CAT(a, b) VEC_CAT_(a, b)
#define floatv VEC_CAT(float, WIDTH)

/* Independent chains so the multiply-adds pipeline; the result is stored so no chain is dead code. The
 * multiplier is just below 1 and the addend small, so values stay finite for any trip count. */
__kernel void bench_fma(__global float *out, const float seed)
{
    const size_t gid = get_global_id(0);
    const floatv m = (floatv)(0.9999f);
    const floatv c = (floatv)(seed * 1e-6f);
    floatv acc[CHAINS];
    for (int j = 0; j < CHAINS; j++)
        acc[j] = (floatv)(seed + (float)(gid + (size_t)j));
    for (int i = 0; i < ITERS; i++) {
#pragma unroll
        for (int j = 0; j < CHAINS; j++)
            acc[j] = fma(acc[j], m, c);
    }
    floatv sum = acc[0];
    for (int j = 1; j < CHAINS; j++)
        sum += acc[j];
#if WIDTH == 16
    const float8 s8 = sum.lo + sum.hi;
    const float4 s4 = s8.lo + s8.hi;
#elif WIDTH == 8
    const float4 s4 = sum.lo + sum.hi;
#else
    const float4 s4 = sum;
#endif
    out[gid] = s4.x + s4.y + s4.z + s4.w;
}
