/* clnas — what the library's own stages see of a context: its program cache and its device, mutable; and the
 * device + program cache opening that clnas_context_new and the command-line tool share. */
#ifndef CLNAS_CONTEXT_INTERNAL_H
#define CLNAS_CONTEXT_INTERNAL_H

#include "clnas/context.h"

struct clnas_program_cache;

struct clnas_program_cache *clnas_context_program_cache(clnas_context *ctx);
clnas_device *clnas_context_device_mut(clnas_context *ctx);

/* Opens the device `selector` picks (clnas_device_open: NULL or "" means $CLNAS_DEVICE, else the default device)
 * and its program cache in cache_dir (clnas_program_cache_new: NULL means $CLNAS_CACHE_DIR, else
 * $XDG_CACHE_HOME/clnas, else ~/.cache/clnas). On failure nothing stays open. Free the cache before the device. */
clnas_status clnas_context_open_device(const char *selector, const char *cache_dir, clnas_device **dev,
                                       struct clnas_program_cache **cache, clnas_error *err);

#endif
