/* clnas — measured latencies kept per device, so that a search measures each network once on a device and a
 * resumed or later search reads the figure back (issue 14's latency objective). */
#ifndef CLNAS_LATENCY_CACHE_H
#define CLNAS_LATENCY_CACHE_H

#include <stddef.h>

#include "clnas/device.h"
#include "clnas/network.h"
#include "latency.h"

/* One file per device, <dir>/latency-<hash>.jsonl, the hash over the device's platform, name and driver version: a
 * line per measured network, {"key": ..., "train_step_ms": ..., "inference_ms": ..., "launches": ..., "batch": ...}.
 * Lines are appended with one write each, so concurrent searches on one machine may share the file; a line that
 * does not read back (cut short by a crash) is skipped, as a cache may lose an entry but never answer wrongly. */
typedef struct clnas_latency_cache clnas_latency_cache;

/* Opens (creating the directory, not the file) and reads the device's file. dir NULL: $CLNAS_CACHE_DIR, else
 * $XDG_CACHE_HOME/clnas, else $HOME/.cache/clnas, as the program cache. */
clnas_status clnas_latency_cache_open(const char *dir, const clnas_device_info *device, clnas_latency_cache **out,
                                      clnas_error *err);
void clnas_latency_cache_free(clnas_latency_cache *cache);
/* The file the cache reads and appends to. */
const char *clnas_latency_cache_path(const clnas_latency_cache *cache);
/* Entries read or added. */
int clnas_latency_cache_count(const clnas_latency_cache *cache);

/* The key of a network: its space, the canonical string of its genotype (isomorphic networks share a key) and every
 * size the plan depends on (channels, cells or layers, input, classes, batch, element type). */
clnas_status clnas_latency_key(const clnas_net_config *cfg, char *buf, size_t cap, clnas_error *err);

/* 1 and *out when the key was measured (the last entry of that key wins), else 0. */
int clnas_latency_cache_get(const clnas_latency_cache *cache, const char *key, clnas_latency *out);
/* Records a measurement: in memory and appended to the file. */
clnas_status clnas_latency_cache_put(clnas_latency_cache *cache, const char *key, const clnas_latency *lat,
                                     clnas_error *err);

struct clnas_program_cache;

/* The latency of the network net on dev: the cache's figure when it holds the network's key (*cached 1), else
 * measured over `launches` launches of a model built through the program cache and initialised from a fixed seed
 * (clnas_latency_measure), then recorded (*cached 0). cached may be NULL. */
clnas_status clnas_latency_of(clnas_latency_cache *cache, clnas_device *dev, struct clnas_program_cache *programs,
                              const clnas_net_config *net, int launches, clnas_latency *out, int *cached,
                              clnas_error *err);

#endif
