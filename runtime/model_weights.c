/* clnas — weights files of a model: safetensors with the PyTorch module's names, metadata, checks on loading. */
#include "clnas/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/safetensors.h"
#include "executor.h"
#include "model_build.h"
#include "plan.h"
#include "weights_check.h"
#include "weights_info.h"

/* One float32 tensor per parameter and running statistic, then an int64 scalar num_batches_tracked per BatchNorm
 * (as PyTorch's state_dict holds them); names point into the plan or into nbt_names. */
static clnas_status gather_tensors(clnas_model *model, clnas_tensor *t, int *count, char (*nbt_names)[256],
                                   int64_t *nbt, clnas_error *err)
{
    const clnas_plan *plan = clnas_model_plan(model);
    double *buf = NULL;
    int n = 0, bns = 0;
    clnas_status st = CLNAS_OK;
    for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
        const clnas_param_info *p = &plan->params[i];
        double *tmp = realloc(buf, (p->count + 1) * sizeof *buf);
        float *data = malloc((p->count + 1) * sizeof *data);
        if (!tmp || !data) {
            free(data);
            buf = tmp ? tmp : buf;
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
            break;
        }
        buf = tmp;
        st = clnas_executor_read(clnas_model_executor(model), p->arena, p->offset, buf, p->count, err);
        for (size_t k = 0; k < p->count; k++)
            data[k] = (float)buf[k];
        t[n] = (clnas_tensor){.name = (char *)p->name, .dtype = CLNAS_DTYPE_F32, .ndim = p->ndim, .data = data,
                              .nbytes = p->count * sizeof *data};
        for (int d = 0; d < p->ndim; d++)
            t[n].shape[d] = p->shape[d];
        n++;
        char prefix[256];
        if (clnas_weights_module_of(p->name, CLNAS_WEIGHTS_RUNNING_MEAN_SUFFIX, prefix,
                                    sizeof prefix - strlen(CLNAS_WEIGHTS_NBT_SUFFIX)))
            snprintf(nbt_names[bns++], 256, "%s%s", prefix, CLNAS_WEIGHTS_NBT_SUFFIX);
    }
    free(buf);
    *nbt = clnas_model_batches_tracked(model);
    for (int b = 0; b < bns; b++)
        t[n++] = (clnas_tensor){.name = nbt_names[b], .dtype = CLNAS_DTYPE_I64, .ndim = 0, .data = nbt,
                                .nbytes = sizeof *nbt};
    *count = n;
    return st;
}

clnas_status clnas_model_save_with_norm(clnas_model *model, const char *path, const double *mean, const double *std,
                                        clnas_error *err)
{
    if (!model || !path)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_model_save: NULL model or path");
    const clnas_plan *plan = clnas_model_plan(model);
    size_t room = 2 * (size_t)plan->nparams + 1;
    clnas_tensor *t = calloc(room, sizeof *t);
    char(*nbt_names)[256] = calloc((size_t)plan->nparams + 1, sizeof *nbt_names);
    int64_t nbt = 0;
    int count = 0;
    clnas_status st = t && nbt_names ? gather_tensors(model, t, &count, nbt_names, &nbt, err)
                                     : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    if (st == CLNAS_OK) {
        clnas_weights_meta_store store;
        const char *const *meta = clnas_weights_meta_build(&plan->config, mean, std, &store);
        st = clnas_safetensors_write(path, t, count, meta, err);
    }
    for (int i = 0; t && i < count; i++)
        if (t[i].dtype == CLNAS_DTYPE_F32)
            free(t[i].data);
    free(t);
    free(nbt_names);
    return st;
}

clnas_status clnas_model_save(clnas_model *model, const char *path, clnas_error *err)
{
    return clnas_model_save_with_norm(model, path, NULL, NULL, err);
}

/* The first NaN or infinity of n values, named by tensor, flat index and position in the shape. */
static clnas_status check_finite(const char *path, const clnas_param_info *p, const double *v, size_t n,
                                 clnas_error *err)
{
    for (size_t k = 0; k < n; k++) {
        if (isfinite(v[k]))
            continue;
        char pos[96] = "";
        size_t rest = k, at = 0;
        if (p->ndim > 1) {
            at += (size_t)snprintf(pos, sizeof pos, " [");
            size_t stride = n;
            for (int d = 0; d < p->ndim && at < sizeof pos; d++) {
                stride /= (size_t)p->shape[d];
                at += (size_t)snprintf(pos + at, sizeof pos - at, "%s%zu", d ? ", " : "", rest / stride);
                rest %= stride;
            }
            if (at < sizeof pos)
                snprintf(pos + at, sizeof pos - at, "]");
        }
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s' holds %s at index %zu%s: refusing weights "
                               "that are not finite", path, p->name, isnan(v[k]) ? "NaN" : "an infinity", k, pos);
    }
    return CLNAS_OK;
}

/* Every parameter and running statistic of the network from the file (matched by clnas_weights_match_plan), each
 * checked finite. */
static clnas_status load_params(clnas_model *model, const clnas_safetensors *file, const char *path,
                                clnas_error *err)
{
    const clnas_plan *plan = clnas_model_plan(model);
    double *buf = NULL;
    clnas_status st = CLNAS_OK;
    for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
        const clnas_param_info *p = &plan->params[i];
        const clnas_tensor *t = clnas_safetensors_find(file, p->name);
        if (!t) { /* clnas_weights_match_plan found every one */
            st = clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "%s: tensor '%s' is missing", path, p->name);
            break;
        }
        double *tmp = realloc(buf, (p->count + 1) * sizeof *buf);
        if (!tmp) {
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
            break;
        }
        buf = tmp;
        st = clnas_tensor_to_double(t, buf, (int64_t)p->count, err);
        if (st == CLNAS_OK)
            st = check_finite(path, p, buf, p->count, err);
        if (st == CLNAS_OK)
            st = clnas_executor_write(clnas_model_executor(model), p->arena, p->offset, buf, p->count, err);
    }
    free(buf);
    return st;
}

clnas_status clnas_model_load_flags(clnas_model *model, const char *path, unsigned flags, clnas_error *err)
{
    if (!model || !path)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_model_load: NULL model or path");
    const clnas_plan *plan = clnas_model_plan(model);
    clnas_safetensors file;
    clnas_status st = clnas_safetensors_read(path, &file, err);
    if (st != CLNAS_OK)
        return st;
    clnas_weights_info info;
    int64_t nbt = 0;
    st = clnas_weights_info_from(&file, path, &info, err);
    if (st == CLNAS_OK && !(flags & CLNAS_LOAD_IGNORE_METADATA))
        st = clnas_weights_info_match(&info, &plan->config, path, err);
    if (st == CLNAS_OK)
        st = clnas_weights_match_plan(plan, &file, path, &info, &nbt, err);
    if (st == CLNAS_OK)
        st = load_params(model, &file, path, err);
    if (st == CLNAS_OK)
        st = clnas_executor_zero(clnas_model_executor(model), CLNAS_ARENA_MOMENTUM, err);
    if (st == CLNAS_OK)
        clnas_model_set_batches_tracked(model, nbt);
    clnas_safetensors_free(&file);
    return st;
}

clnas_status clnas_model_load(clnas_model *model, const char *path, clnas_error *err)
{
    return clnas_model_load_flags(model, path, 0, err);
}
