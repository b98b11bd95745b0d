/* clnas tests — loading the PyTorch reference cases of the DARTS space. */
#include "ref_case_darts.h"
#include "scratch_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static double json_num(const cJSON *o, const char *key, double missing)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : missing;
}

/* config and hyper of meta.json into rc->cfg and rc->lr; 0 on success. */
static int read_meta(ref_case *rc, const cJSON *meta, int fp64)
{
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(meta, "config");
    const cJSON *hyper = cJSON_GetObjectItemCaseSensitive(meta, "hyper");
    const cJSON *genotype = cJSON_GetObjectItemCaseSensitive(meta, "genotype");
    clnas_error err;
    clnas_net_config *cfg = &rc->cfg;
    clnas_net_config_default(cfg);
    cfg->space = CLNAS_NET_DARTS;
    if (!cJSON_IsString(genotype) ||
        clnas_darts_genotype_parse(genotype->valuestring, &cfg->darts_genotype, &err) != CLNAS_OK) {
        fprintf(stderr, "%s: meta.json genotype: %s\n", rc->dir, cJSON_IsString(genotype) ? err.message : "missing");
        return -1;
    }
    cfg->channels = (int)json_num(config, "C", -1);
    cfg->layers = (int)json_num(config, "layers", -1);
    cfg->classes = (int)json_num(config, "classes", -1);
    cfg->in_channels = (int)json_num(config, "in_ch", -1);
    cfg->height = cfg->width = (int)json_num(config, "hw", -1);
    cfg->batch = (int)json_num(config, "batch", -1);
    cfg->auxiliary = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(config, "aux"));
    cfg->drop_path = json_num(config, "drop_path_prob", 0.0);
    cfg->fp64 = fp64;
    cfg->bn_eps = json_num(hyper, "bn_eps", 1e-5);
    cfg->bn_momentum = json_num(hyper, "bn_momentum", 0.1);
    cfg->sgd_momentum = json_num(hyper, "momentum", 0.9);
    cfg->weight_decay = json_num(hyper, "weight_decay", 3e-4);
    cfg->nesterov = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(hyper, "nesterov"));
    rc->lr = json_num(hyper, "lr", 0.025);
    return 0;
}

int ref_case_darts_load(ref_case *rc, const char *name, int fp64)
{
    memset(rc, 0, sizeof *rc);
    snprintf(rc->dir, sizeof rc->dir, "%s/darts/%s", CLNAS_TEST_DATA, name);
    char path[600];
    snprintf(path, sizeof path, "%s/meta.json", rc->dir);
    char *text = test_read_file(path, NULL);
    cJSON *meta = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!meta) {
        fprintf(stderr, "cannot read %s\n", path);
        return -1;
    }
    int bad = read_meta(rc, meta, fp64);
    cJSON_Delete(meta);
    clnas_error err;
    snprintf(path, sizeof path, "%s/expected.safetensors", rc->dir);
    if (bad || clnas_safetensors_read(path, &rc->expected, &err) != CLNAS_OK) {
        fprintf(stderr, "cannot load reference case %s\n", name);
        return -1;
    }
    return 0;
}

int ref_case_darts_weights(const ref_case *rc, clnas_safetensors *out)
{
    char path[600];
    snprintf(path, sizeof path, "%s/weights.safetensors", rc->dir);
    clnas_error err;
    if (clnas_safetensors_read(path, out, &err) != CLNAS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    return 0;
}
