/* clnas — whether a weights file fits a network, on the host. */
#include "weights_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"
#include "weights_info.h"

int clnas_weights_module_of(const char *name, const char *suffix, char *buf, size_t cap)
{
    size_t n = strlen(name), m = strlen(suffix);
    if (n < m || strcmp(name + n - m, suffix) != 0 || n - m >= cap)
        return 0;
    snprintf(buf, cap, "%.*s", (int)(n - m), name);
    return 1;
}

/* " (the file was saved with arch ... C=16 N=5 ...)" when info has metadata, else "". */
static void saved_with(const clnas_weights_info *info, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!info || !info->has_metadata)
        return;
    char d[320];
    clnas_weights_info_describe(info, d, sizeof d);
    snprintf(buf, cap, " (the file was saved with %s)", d);
}

/* "CxKxK" of a shape. */
static void shape_text(const int64_t *shape, int ndim, char *out, size_t cap)
{
    out[0] = '\0';
    for (int d = 0; d < ndim; d++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%lld", d ? "x" : "", (long long)shape[d]);
}

/* Every parameter present with its shape. */
static clnas_status check_present(const clnas_param_info *params, int nparams, const clnas_safetensors *f,
                                  const char *path, const char *with, const char *size_hint, clnas_error *err)
{
    for (int i = 0; i < nparams; i++) {
        const clnas_param_info *p = &params[i];
        const clnas_tensor *t = clnas_safetensors_find(f, p->name);
        if (!t)
            return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "%s: tensor '%s' is missing (this network's weights "
                                   "need it)%s", path, p->name, with);
        int64_t want[CLNAS_TENSOR_MAX_DIMS];
        int same = t->ndim == p->ndim;
        for (int d = 0; d < p->ndim && d < CLNAS_TENSOR_MAX_DIMS; d++) {
            want[d] = p->shape[d];
            same = same && t->shape[d] == want[d];
        }
        if (!same) {
            char w[64], got[64];
            shape_text(want, p->ndim, w, sizeof w);
            shape_text(t->shape, t->ndim, got, sizeof got);
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s' has shape [%s], expected [%s]%s", path,
                                   p->name, got, w, *with ? with : size_hint);
        }
    }
    return CLNAS_OK;
}

/* A num_batches_tracked of one of the network's BatchNorms: one finite non-negative whole number. */
static clnas_status read_batches_tracked(const char *path, const clnas_tensor *t, int64_t *value, clnas_error *err)
{
    double v = -1;
    if (clnas_tensor_numel(t) != 1 || clnas_tensor_to_double(t, &v, 1, err) != CLNAS_OK || !(v >= 0) ||
        v != floor(v) || v > 9.2e18)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s' should hold one non-negative whole number "
                               "(PyTorch's int64 scalar)", path, t->name);
    *value = (int64_t)v;
    return CLNAS_OK;
}

/* The entry of the table called name, or -1. */
static int find_param(const clnas_param_info *params, int nparams, const char *name)
{
    for (int i = 0; i < nparams; i++)
        if (strcmp(params[i].name, name) == 0)
            return i;
    return -1;
}

clnas_status clnas_weights_match_params(const clnas_param_info *params, int nparams, const clnas_safetensors *f,
                                        const char *path, const clnas_weights_info *info, const char *size_hint,
                                        int64_t *batches_tracked, clnas_error *err)
{
    char with[400];
    saved_with(info, with, sizeof with);
    clnas_status st = check_present(params, nparams, f, path, with, size_hint ? size_hint : "", err);
    int64_t most = 0;
    for (int i = 0; i < f->count && st == CLNAS_OK; i++) {
        const clnas_tensor *t = &f->tensors[i];
        char bn[256], running_mean[300];
        if (clnas_weights_module_of(t->name, CLNAS_WEIGHTS_NBT_SUFFIX, bn, sizeof bn)) {
            snprintf(running_mean, sizeof running_mean, "%s%s", bn, CLNAS_WEIGHTS_RUNNING_MEAN_SUFFIX);
            if (find_param(params, nparams, running_mean) >= 0) {
                int64_t v = 0;
                st = read_batches_tracked(path, t, &v, err);
                most = v > most ? v : most;
                continue;
            }
        }
        if (find_param(params, nparams, t->name) < 0)
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s' is not a parameter of this network "
                                 "(weights of another architecture or size?)%s", path, t->name, with);
    }
    if (st == CLNAS_OK && batches_tracked)
        *batches_tracked = most;
    return st;
}

clnas_status clnas_weights_match_plan(const clnas_plan *plan, const clnas_safetensors *f, const char *path,
                                      const clnas_weights_info *info, int64_t *batches_tracked, clnas_error *err)
{
    return clnas_weights_match_params(plan->params, plan->nparams, f, path, info,
                                      " (weights of another --channels or --cells?)", batches_tracked, err);
}

clnas_status clnas_weights_check_file(const clnas_net_config *cfg, const char *path, clnas_error *err)
{
    clnas_plan *plan = NULL;
    clnas_status st = clnas_plan_compile(cfg, &plan, err);
    if (st != CLNAS_OK)
        return st;
    clnas_safetensors f;
    st = clnas_safetensors_read(path, &f, err);
    if (st == CLNAS_OK) {
        st = clnas_weights_match_plan(plan, &f, path, NULL, NULL, err);
        clnas_safetensors_free(&f);
    }
    clnas_plan_free(plan);
    return st;
}
