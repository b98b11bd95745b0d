/* clnas — the deterministic random number generator: xoshiro256** seeded by splitmix64. */
#ifndef CLNAS_RNG_H
#define CLNAS_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The whole generator state: copy it to fork a stream, store it to resume one. */
typedef struct clnas_rng {
    uint64_t s[4];
} clnas_rng;

/* Fills the state with four successive splitmix64 outputs of seed (never the all-zero state). */
void clnas_rng_seed(clnas_rng *rng, uint64_t seed);

/* The next 64 bits of xoshiro256** (Blackman and Vigna's reference algorithm). */
uint64_t clnas_rng_next(clnas_rng *rng);

/* Uniform over 0 .. n-1 without modulo bias (Lemire's multiply-and-reject); 0 when n is 0. */
uint32_t clnas_rng_below(clnas_rng *rng, uint32_t n);

/* Uniform over [0, 1) with 53 random bits. */
double clnas_rng_uniform(clnas_rng *rng);

/* Standard normal (Box-Muller, two draws per value, no cached spare so the state stays four words). */
double clnas_rng_normal(clnas_rng *rng);

#ifdef __cplusplus
}
#endif
#endif
