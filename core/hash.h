/* clnas — FNV-1a 64-bit hashing, shared by the program cache and other content-keyed caches. */
#ifndef CLNAS_HASH_H
#define CLNAS_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CLNAS_FNV1A64_INIT UINT64_C(0xcbf29ce484222325)

/* Hashes n bytes of data continuing from prev (pass CLNAS_FNV1A64_INIT to start a new hash),
 * so a key made of several parts is hashed by chaining the calls. */
uint64_t clnas_fnv1a64(const void *data, size_t n, uint64_t prev);

/* Chains a NUL-terminated string plus its terminator (so "ab"+"c" and "a"+"bc" differ); NULL hashes as "". */
uint64_t clnas_fnv1a64_str(const char *s, uint64_t prev);

#endif
