/* clnas — FNV-1a 64-bit hashing. */
#include "hash.h"

uint64_t clnas_fnv1a64(const void *data, size_t n, uint64_t prev)
{
    const unsigned char *p = data;
    uint64_t h = prev;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

uint64_t clnas_fnv1a64_str(const char *s, uint64_t prev)
{
    const char *text = s ? s : "";
    size_t n = 0;
    while (text[n])
        n++;
    return clnas_fnv1a64(text, n + 1, prev);
}
