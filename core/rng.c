/* clnas — xoshiro256** seeded by splitmix64, with unbiased integers, uniform doubles and normals. */
#include "clnas/rng.h"

#include <math.h>

static uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void clnas_rng_seed(clnas_rng *rng, uint64_t seed)
{
    uint64_t state = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64_next(&state);
}

uint64_t clnas_rng_next(clnas_rng *rng)
{
    uint64_t *s = rng->s;
    const uint64_t result = rotl64(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

uint32_t clnas_rng_below(clnas_rng *rng, uint32_t n)
{
    if (n == 0)
        return 0;
    /* Lemire: the high word of a 32x32 product is uniform once the low words below 2^32 mod n are rejected. */
    uint64_t m = (clnas_rng_next(rng) >> 32) * (uint64_t)n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        const uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (clnas_rng_next(rng) >> 32) * (uint64_t)n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

double clnas_rng_uniform(clnas_rng *rng)
{
    return (double)(clnas_rng_next(rng) >> 11) * 0x1.0p-53;
}

double clnas_rng_normal(clnas_rng *rng)
{
    const double two_pi = 6.283185307179586476925286766559;
    const double u1 = 1.0 - clnas_rng_uniform(rng); /* (0, 1]: the log stays finite */
    const double u2 = clnas_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(two_pi * u2);
}
