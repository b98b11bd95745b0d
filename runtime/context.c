/* clnas — context: the device a program runs on and the program cache its kernels come from. */
#include "clnas/context.h"

#include <stdlib.h>

#include "context_internal.h"
#include "program_cache.h"

struct clnas_context {
    clnas_device *dev;
    clnas_program_cache *cache; /* borrows dev */
};

clnas_context_params clnas_context_default_params(void)
{
    clnas_context_params p = {NULL, NULL};
    return p;
}

clnas_status clnas_context_open_device(const char *selector, const char *cache_dir, clnas_device **dev,
                                       struct clnas_program_cache **cache, clnas_error *err)
{
    if (!dev || !cache)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "clnas_context_open_device: dev and cache must not be NULL");
    *cache = NULL;
    clnas_status st = clnas_device_open(selector, dev, err);
    if (st != CLNAS_OK)
        return st;
    st = clnas_program_cache_new(*dev, cache_dir, cache, err);
    if (st != CLNAS_OK) {
        clnas_device_free(*dev);
        *dev = NULL;
    }
    return st;
}

clnas_status clnas_context_new(const clnas_context_params *params, clnas_context **out, clnas_error *err)
{
    if (!out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_context_new: out must not be NULL");
    *out = NULL;
    clnas_context_params defaults = clnas_context_default_params();
    if (!params)
        params = &defaults;
    clnas_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "clnas_context_new: out of host memory");
    clnas_status st = clnas_context_open_device(params->device, params->cache_dir, &ctx->dev, &ctx->cache, err);
    if (st != CLNAS_OK) {
        free(ctx);
        return st;
    }
    *out = ctx;
    return CLNAS_OK;
}

void clnas_context_free(clnas_context *ctx)
{
    if (!ctx)
        return;
    clnas_program_cache_free(ctx->cache);
    clnas_device_free(ctx->dev);
    free(ctx);
}

const clnas_device *clnas_context_device(const clnas_context *ctx)
{
    return ctx ? ctx->dev : NULL;
}

clnas_device *clnas_context_device_mut(clnas_context *ctx)
{
    return ctx ? ctx->dev : NULL;
}

struct clnas_program_cache *clnas_context_program_cache(clnas_context *ctx)
{
    return ctx ? ctx->cache : NULL;
}
