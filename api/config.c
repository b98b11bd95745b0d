/* clnas — search configs for the embedding API: a file or text, "key=value" overrides, validated settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search_entry.h"
#include "text_input.h"

static clnas_status config_new(cJSON *root, const char *path, clnas_config **out, clnas_error *err)
{
    clnas_config *c = calloc(1, sizeof *c);
    if (!c) {
        cJSON_Delete(root);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for a config");
    }
    c->root = root;
    snprintf(c->path, sizeof c->path, "%s", path ? path : "");
    clnas_status st = clnas_search_config_parse(root, &c->cfg, err);
    if (st != CLNAS_OK) {
        if (path)
            clnas_error_prefix(err, "%s", path);
        cJSON_Delete(root);
        free(c);
        return st;
    }
    *out = c;
    return CLNAS_OK;
}

clnas_status clnas_config_load_sets(const char *path, const char *const *sets, int nsets, clnas_config **out,
                                    clnas_error *err)
{
    *out = NULL;
    cJSON *root = NULL;
    clnas_search_config cfg;
    clnas_status st = clnas_run_config_load(path, sets, nsets, &root, &cfg, err);
    if (st != CLNAS_OK)
        return st;
    clnas_search_config_free(&cfg);
    return config_new(root, path, out, err);
}

clnas_status clnas_config_load(const char *path, clnas_config **out, clnas_error *err)
{
    return clnas_config_load_sets(path, NULL, 0, out, err);
}

clnas_status clnas_config_parse(const char *text, const char *name, clnas_config **out, clnas_error *err)
{
    *out = NULL;
    const char *what = name ? name : "config";
    clnas_status st = text ? clnas_json_text_check(text, strlen(text), CJSON_NESTING_LIMIT, what, err) : CLNAS_OK;
    if (st != CLNAS_OK)
        return st;
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    if (!root)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: not JSON", name ? name : "config");
    return config_new(root, name, out, err);
}

clnas_status clnas_config_set(clnas_config *c, const char *assignment, clnas_error *err)
{
    cJSON *trial = cJSON_Duplicate(c->root, 1);
    if (!trial)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for a config");
    clnas_search_config parsed;
    clnas_status st = clnas_search_config_apply_set(trial, assignment, err);
    if (st == CLNAS_OK)
        st = clnas_search_config_parse(trial, &parsed, err);
    if (st != CLNAS_OK) {
        cJSON_Delete(trial); /* the config keeps its settings */
        return st;
    }
    cJSON_Delete(c->root);
    clnas_search_config_free(&c->cfg);
    c->root = trial;
    c->cfg = parsed;
    return CLNAS_OK;
}

void clnas_config_free(clnas_config *c)
{
    if (!c)
        return;
    cJSON_Delete(c->root);
    clnas_search_config_free(&c->cfg);
    free(c);
}

const clnas_search_config *clnas_config_settings(const clnas_config *c)
{
    return &c->cfg;
}
