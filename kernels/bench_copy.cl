/* clnas — device benchmark: copy bandwidth (`clnas bench device`). No defines. */

/* dst[i] = src[i] for float4 elements; global size = the element count. */
__kernel void bench_copy(__global const float4 *src, __global float4 *dst)
{
    const size_t i = get_global_id(0);
    dst[i] = src[i];
}
