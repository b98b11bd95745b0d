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
#include "weights_info.h"

#define NBT_SUFFIX ".num_batches_tracked"
#define RUNNING_MEAN_SUFFIX ".running_mean"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The BatchNorm of a running mean parameter: "stem.bn" of "stem.bn.running_mean", written into buf; 0 otherwise. */
static int bn_prefix(const char *name, const char *suffix, char *buf, size_t cap)
{
    if (!ends_with(name, suffix) || strlen(name) - strlen(suffix) >= cap)
        return 0;
    snprintf(buf, cap, "%.*s", (int)(strlen(name) - strlen(suffix)), name);
    return 1;
}

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
        if (bn_prefix(p->name, RUNNING_MEAN_SUFFIX, prefix, sizeof prefix - strlen(NBT_SUFFIX)))
            snprintf(nbt_names[bns++], 256, "%s%s", prefix, NBT_SUFFIX);
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

/* " (the file was saved with arch ... C=16 N=5 ...)" when it has metadata, else "". */
static void saved_with(const clnas_weights_info *info, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!info->has_metadata)
        return;
    char d[320];
    clnas_weights_info_describe(info, d, sizeof d);
    snprintf(buf, cap, " (the file was saved with %s)", d);
}

/* A num_batches_tracked of one of the network's BatchNorms: one finite non-negative whole number. */
static clnas_status read_nbt(const char *path, const clnas_tensor *t, int64_t *value, clnas_error *err)
{
    double v = -1;
    if (clnas_tensor_numel(t) != 1 || clnas_tensor_to_double(t, &v, 1, err) != CLNAS_OK || !(v >= 0) ||
        v != floor(v) || v > 9.2e18)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s' should hold one non-negative whole number "
                               "(PyTorch's int64 scalar)", path, t->name);
    *value = (int64_t)v;
    return CLNAS_OK;
}

/* Every tensor of the file is a parameter of the network or the num_batches_tracked of one of its BatchNorms
 * (whose largest value *nbt gets). */
static clnas_status check_names(const clnas_plan *plan, const clnas_safetensors *file, const char *path,
                                const clnas_weights_info *info, int64_t *nbt, clnas_error *err)
{
    *nbt = 0;
    for (int i = 0; i < file->count; i++) {
        const clnas_tensor *t = &file->tensors[i];
        char bn[256], running_mean[300];
        if (bn_prefix(t->name, NBT_SUFFIX, bn, sizeof bn)) {
            snprintf(running_mean, sizeof running_mean, "%s%s", bn, RUNNING_MEAN_SUFFIX);
            if (clnas_plan_find_param(plan, running_mean) >= 0) {
                int64_t v = 0;
                clnas_status st = read_nbt(path, t, &v, err);
                if (st != CLNAS_OK)
                    return st;
                *nbt = v > *nbt ? v : *nbt;
                continue;
            }
        }
        if (clnas_plan_find_param(plan, t->name) < 0) {
            char with[400];
            saved_with(info, with, sizeof with);
            return clnas_error_set(err, CLNAS_ERR_FORMAT,
                                   "%s: tensor '%s' is not a parameter of this network (weights of another "
                                   "architecture or size?)%s", path, t->name, with);
        }
    }
    return CLNAS_OK;
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

/* The shape of tensor t is the parameter's; else the message names both shapes and what the file was saved with. */
static clnas_status check_shape(const char *path, const clnas_param_info *p, const clnas_tensor *t,
                                const clnas_weights_info *info, clnas_error *err)
{
    int same = t->ndim == p->ndim;
    for (int d = 0; same && d < p->ndim; d++)
        same = t->shape[d] == p->shape[d];
    if (same)
        return CLNAS_OK;
    char want[64] = "", got[64] = "", with[400];
    for (int d = 0; d < p->ndim; d++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", d ? "x" : "", p->shape[d]);
    for (int d = 0; d < t->ndim; d++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? "x" : "", (long long)t->shape[d]);
    saved_with(info, with, sizeof with);
    return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s' has shape [%s], expected [%s]%s", path, p->name,
                           got, want, with);
}

/* Every parameter and running statistic of the network from the file, checked (present, shape, finite). */
static clnas_status load_params(clnas_model *model, const clnas_safetensors *file, const char *path,
                                const clnas_weights_info *info, clnas_error *err)
{
    const clnas_plan *plan = clnas_model_plan(model);
    double *buf = NULL;
    clnas_status st = CLNAS_OK;
    for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
        const clnas_param_info *p = &plan->params[i];
        const clnas_tensor *t = clnas_safetensors_find(file, p->name);
        if (!t) {
            char with[400];
            saved_with(info, with, sizeof with);
            st = clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "%s: tensor '%s' is missing (this network's weights "
                                 "need it)%s", path, p->name, with);
            break;
        }
        if ((st = check_shape(path, p, t, info, err)) != CLNAS_OK)
            break;
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
    /* missing tensors first: a renamed one is reported as missing rather than as a stranger */
    if (st == CLNAS_OK)
        st = load_params(model, &file, path, &info, err);
    if (st == CLNAS_OK)
        st = check_names(plan, &file, path, &info, &nbt, err);
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
