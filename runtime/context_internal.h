/* clnas — a context's internals for the library stages above runtime (runtime/context.c implements them). */
#ifndef CLNAS_CONTEXT_INTERNAL_H
#define CLNAS_CONTEXT_INTERNAL_H

#include "clnas/context.h"

struct clnas_program_cache;

struct clnas_program_cache *clnas_context_program_cache(clnas_context *ctx);
clnas_device *clnas_context_device_mut(clnas_context *ctx);

#endif
