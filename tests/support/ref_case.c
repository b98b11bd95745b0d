/* clnas tests — loading the PyTorch reference cases. */
#include "ref_case.h"
#include "scratch_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static int json_int(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valueint : -1;
}

int ref_case_load(ref_case *rc, const char *name, int fp64)
{
    memset(rc, 0, sizeof *rc);
    snprintf(rc->dir, sizeof rc->dir, "%s/reference/%s", CLNAS_TEST_DATA, name);
    char path[600];
    snprintf(path, sizeof path, "%s/meta.json", rc->dir);
    char *text = test_read_file(path, NULL);
    cJSON *meta = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!meta) {
        fprintf(stderr, "cannot read %s\n", path);
        return -1;
    }
    clnas_error err;
    clnas_net_config_default(&rc->cfg);
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(meta, "arch");
    int bad = !cJSON_IsString(arch) || clnas_genotype_parse(arch->valuestring, &rc->cfg.genotype, &err) != CLNAS_OK;
    rc->cfg.channels = json_int(meta, "channels");
    rc->cfg.cells = json_int(meta, "cells");
    rc->cfg.batch = json_int(meta, "batch");
    rc->cfg.height = json_int(meta, "height");
    rc->cfg.width = json_int(meta, "width");
    rc->cfg.in_channels = json_int(meta, "in_channels");
    rc->cfg.classes = json_int(meta, "classes");
    rc->cfg.fp64 = fp64;
    rc->cfg.want_input_grad = 1;
    const cJSON *sgd = cJSON_GetObjectItemCaseSensitive(meta, "sgd");
    const cJSON *lr = cJSON_GetObjectItemCaseSensitive(sgd, "lr");
    rc->lr = cJSON_IsNumber(lr) ? lr->valuedouble : 0.1;
    cJSON_Delete(meta);
    snprintf(path, sizeof path, "%s/expected.safetensors", rc->dir);
    if (bad || clnas_safetensors_read(path, &rc->expected, &err) != CLNAS_OK) {
        fprintf(stderr, "cannot load reference case %s\n", name);
        return -1;
    }
    return 0;
}

void ref_case_free(ref_case *rc)
{
    clnas_safetensors_free(&rc->expected);
}

double *ref_case_tensor(const ref_case *rc, const char *name, size_t *n)
{
    const clnas_tensor *t = clnas_safetensors_find(&rc->expected, name);
    if (!t)
        return NULL;
    *n = (size_t)clnas_tensor_numel(t);
    double *v = malloc((*n ? *n : 1) * sizeof *v);
    clnas_error err;
    if (v && clnas_tensor_to_double(t, v, (int64_t)*n, &err) != CLNAS_OK) {
        free(v);
        return NULL;
    }
    return v;
}

int ref_case_set_batch(const ref_case *rc, clnas_model *model)
{
    size_t n = 0, nl = 0;
    double *x = ref_case_tensor(rc, "input", &n);
    double *l = ref_case_tensor(rc, "labels", &nl);
    int32_t *labels = malloc((nl ? nl : 1) * sizeof *labels);
    void *images = malloc((n ? n : 1) * sizeof(double));
    int ok = x && l && labels && images;
    for (size_t i = 0; ok && i < nl; i++)
        labels[i] = (int32_t)l[i];
    for (size_t i = 0; ok && i < n; i++) {
        if (rc->cfg.fp64)
            ((double *)images)[i] = x[i];
        else
            ((float *)images)[i] = (float)x[i];
    }
    clnas_error err;
    if (ok && clnas_model_set_batch(model, images, labels, &err) != CLNAS_OK) {
        fprintf(stderr, "%s\n", err.message);
        ok = 0;
    }
    free(x);
    free(l);
    free(labels);
    free(images);
    return ok ? 0 : -1;
}
