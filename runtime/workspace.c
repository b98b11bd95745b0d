/* clnas — workspace: the activation memory that models made one after another reuse. A training step writes
 * every activation before reading it, so a new model can start on the previous one's buffer: in a search the
 * first-touch cost of hundreds of MiB (seconds on a CPU device) is paid once, not per architecture. */
#include "clnas/model.h"

#include <stdio.h>
#include <stdlib.h>

#include "cl_check.h"
#include "executor.h"
#include "model_build.h"
#include "plan.h"
#include "profile_query.h"

struct clnas_workspace {
    const clnas_device *dev; /* borrowed */
    cl_mem act;              /* NULL until a model asks */
    size_t act_bytes;
};

clnas_status clnas_workspace_new(const clnas_device *dev, clnas_workspace **out, clnas_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    (*out)->dev = dev;
    return CLNAS_OK;
}

void clnas_workspace_free(clnas_workspace *ws)
{
    if (!ws)
        return;
    if (ws->act)
        clReleaseMemObject(ws->act);
    free(ws);
}

size_t clnas_workspace_bytes(const clnas_workspace *ws)
{
    return ws ? ws->act_bytes : 0;
}

/* The activation buffer, grown to at least `bytes`; models still holding the old one keep it alive. */
static clnas_status act_buffer(clnas_workspace *ws, size_t bytes, clnas_error *err)
{
    if (ws->act && ws->act_bytes >= bytes)
        return CLNAS_OK;
    if (bytes > ws->dev->info.max_alloc_bytes)
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED,
                               "the activation arena needs %.1f MiB but %s allows at most %.1f MiB in one buffer; use "
                               "a smaller batch, fewer channels or fewer cells",
                               (double)bytes / 1048576.0, ws->dev->info.name,
                               (double)ws->dev->info.max_alloc_bytes / 1048576.0);
    if (ws->act)
        clReleaseMemObject(ws->act);
    ws->act = NULL;
    ws->act_bytes = 0;
    cl_int rc;
    cl_mem m = clCreateBuffer(ws->dev->context, CL_MEM_READ_WRITE, bytes, NULL, &rc);
    char what[96];
    snprintf(what, sizeof what, "clCreateBuffer(workspace activation arena, %zu bytes)", bytes);
    CLNAS_CL_CHECK(err, rc, what);
    ws->act = m;
    ws->act_bytes = bytes;
    return CLNAS_OK;
}

clnas_status clnas_model_build_in(clnas_device *dev, struct clnas_program_cache *cache, const clnas_net_config *cfg,
                                const struct clnas_algo_choices *recorded, clnas_workspace *ws, clnas_model **out,
                                clnas_error *err)
{
    *out = NULL;
    if (!ws)
        return clnas_model_build_with_choices(dev, cache, cfg, recorded, out, err);
    if (ws->dev != dev)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "the workspace belongs to another device");
    clnas_plan *plan = NULL;
    clnas_status st = clnas_plan_compile_on(dev, cfg, &plan, err);
    clnas_shared_arenas shared = {{NULL}, {0}};
    if (st == CLNAS_OK) {
        size_t elems = plan->arena_elems[CLNAS_ARENA_ACT];
        st = act_buffer(ws, clnas_plan_elem_size(plan) * (elems ? elems : 16), err);
        shared.mem[CLNAS_ARENA_ACT] = ws->act;
        shared.bytes[CLNAS_ARENA_ACT] = ws->act_bytes;
    }
    if (st != CLNAS_OK) {
        clnas_plan_free(plan);
        return st;
    }
    return clnas_model_build_shared(dev, cache, plan, recorded, &shared, out, err);
}
