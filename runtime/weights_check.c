/* clnas — whether a weights file fits a network, on the host. */
#include "weights_check.h"

#include <stdio.h>
#include <string.h>

#include "plan.h"

/* "CxKxK" of a shape. */
static void shape_text(const int64_t *shape, int ndim, char *out, size_t cap)
{
    out[0] = '\0';
    for (int d = 0; d < ndim; d++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%lld", d ? "x" : "", (long long)shape[d]);
}

clnas_status clnas_weights_match_plan(const clnas_plan *plan, const clnas_safetensors *f, const char *path,
                                      clnas_error *err)
{
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        const clnas_tensor *t = clnas_safetensors_find(f, p->name);
        if (!t)
            return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "%s: tensor '%s' is missing (this network's weights "
                                   "need it)", path, p->name);
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
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s' has shape [%s], expected [%s] (weights "
                                   "of another --channels or --cells?)", path, p->name, got, w);
        }
    }
    for (int i = 0; i < f->count; i++)
        if (clnas_plan_find_param(plan, f->tensors[i].name) < 0)
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s' is not a parameter of this network "
                                   "(weights of another architecture or size?)", path, f->tensors[i].name);
    return CLNAS_OK;
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
        st = clnas_weights_match_plan(plan, &f, path, err);
        clnas_safetensors_free(&f);
    }
    clnas_plan_free(plan);
    return st;
}
