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

/* The root of every per-machine cache clnas keeps (programs, measured latencies): dir when given, else
 * $CLNAS_CACHE_DIR, else $XDG_CACHE_HOME/clnas, else $HOME/.cache/clnas, without a trailing slash; out leaves 64
 * bytes of room for what goes under it. Creates nothing. */
clnas_status clnas_cache_root(const char *dir, char *out, size_t cap, clnas_error *err);

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

/* One program compiled from source, as it happens (a cold cache builds hundreds: half a second each on PoCL). */
typedef struct clnas_program_build_event {
    const char *label; /* the kernel, as given to clnas_program_cache_get */
    int done, total;   /* builds of the announced batch so far (this one included) and its size; total 0: none was
                        * announced (done counts every build then); done 0: the announcement itself, before any;
                        * done -1: a notice (clnas_program_cache_notice), label says what is compiling elsewhere */
    double seconds;    /* this build's */
    const char *log;   /* the driver's build log, "" when empty (warnings); also appended to <dir>/build.log */
} clnas_program_build_event;
typedef void (*clnas_program_build_fn)(const clnas_program_build_event *event, void *user);

/* The caller's observer of builds from source (NULL: none). The library never prints: a tool shows progress here. */
void clnas_program_cache_set_observer(clnas_program_cache *cache, clnas_program_build_fn fn, void *user);

/* Tells the observer, as an event with done -1, about compilation outside the cache (label = text): CLBlast compiles
 * its own kernels on first use, which on a CPU takes minutes that would otherwise pass in silence. */
void clnas_program_cache_notice(clnas_program_cache *cache, const char *text);

/* Announces a batch: of the n sources (built with extra_options), counts the distinct programs neither in memory nor
 * on disk, which the next lookups will compile; build events then count done of that total. Returns the count. */
int clnas_program_cache_expect(clnas_program_cache *cache, const char *const *sources, int n,
                               const char *extra_options);

void clnas_program_cache_stats_get(const clnas_program_cache *cache, clnas_program_cache_stats *out);

/* The cache's root directory (the resolved dir, not the per-device subdirectory); build logs go to <root>/build.log. */
const char *clnas_program_cache_dir(const clnas_program_cache *cache);

/* Reads and verifies one on-disk entry (header, key, size, checksum): the driver's binary (malloc'ed, *size bytes)
 * or NULL when the file is absent or unusable. Exposed for the fuzz target (tests/fuzz/fuzz_program_cache.c). */
unsigned char *clnas_program_cache_entry_read(const char *path, uint64_t key, size_t *size);

/* Releases every program and kernel the cache owns (NULL is fine). */
void clnas_program_cache_free(clnas_program_cache *cache);

#endif
