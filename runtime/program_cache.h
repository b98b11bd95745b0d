/* clnas — the program cache: OpenCL source -> built cl_program, in memory and as on-disk binaries per device. */
#ifndef CLNAS_PROGRAM_CACHE_H
#define CLNAS_PROGRAM_CACHE_H

#include <CL/cl.h>
#include <stddef.h>
#include <stdint.h>

#include "clnas/device.h"
#include "clnas/status.h"

/* Not thread-safe: one cache per thread, or serialise the calls. */
typedef struct clnas_program_cache clnas_program_cache;

typedef struct clnas_program_cache_stats {
    int memory_hits;      /* answered from this cache object's table */
    int disk_hits;        /* loaded from a binary on disk (no compile from source) */
    int builds;           /* compiled from source (successful builds only) */
    double build_seconds; /* wall time in clBuildProgram from source */
} clnas_program_cache_stats;

/* dir: NULL means $CLNAS_CACHE_DIR, else $XDG_CACHE_HOME/clnas, else $HOME/.cache/clnas. Directories are created
 * as needed; binaries live under <dir>/programs/<device-key>/, sources that failed to build under <dir>/failed/.
 * dev must outlive the cache. */
clnas_status clnas_program_cache_new(clnas_device *dev, const char *dir, clnas_program_cache **out, clnas_error *err);

/* A built program for (source, extra_options), built with dev->build_options + " " + extra_options (may be NULL).
 * Lookup order: memory, disk binary (an unusable file is ignored and replaced), build from source (the binary is then
 * written to disk by temporary name + rename). The cache owns the program: do not release it.
 * A failed build returns CLNAS_ERR_BUILD with the build log and the path of the saved source in the message.
 * label names the kernel in messages (e.g. "conv2d_fwd"; NULL is fine). */
clnas_status clnas_program_cache_get(clnas_program_cache *cache, const char *source, const char *extra_options,
                                     const char *label, cl_program *out, clnas_error *err);

/* As clnas_program_cache_get, then the kernel `entry` of that program (cached per program and entry, owned by the
 * cache). A cl_kernel's arguments are shared state: set every argument right before each enqueue, on one thread. */
clnas_status clnas_program_cache_kernel(clnas_program_cache *cache, const char *source, const char *extra_options,
                                        const char *label, const char *entry, cl_kernel *out, clnas_error *err);

void clnas_program_cache_stats_get(const clnas_program_cache *cache, clnas_program_cache_stats *out);

/* The cache's root directory (the resolved dir, not the per-device subdirectory). */
const char *clnas_program_cache_dir(const clnas_program_cache *cache);

/* Reads and verifies one on-disk entry (header, key, size, checksum): the driver's binary (malloc'ed, *size bytes)
 * or NULL when the file is absent or unusable. Exposed for the fuzz target (tests/fuzz/fuzz_program_cache.c). */
unsigned char *clnas_program_cache_entry_read(const char *path, uint64_t key, size_t *size);

/* Releases every program and kernel the cache owns (NULL is fine). */
void clnas_program_cache_free(clnas_program_cache *cache);

#endif
