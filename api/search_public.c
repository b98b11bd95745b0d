/* clnas — the public search entry: clnas_search_run over the context's device and program cache. */
#include "clnas/search.h"

#include "context_internal.h"
#include "search_entry.h"

clnas_status clnas_search_run(clnas_context *ctx, const clnas_search_params *params, clnas_search_result *result,
                              clnas_error *err)
{
    if (!ctx)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_search_run: no context");
    return clnas_search_run_on(clnas_context_device_mut(ctx), clnas_context_program_cache(ctx), params, result, err);
}
