/* clnas tool — search set-up shared by `clnas proxy-check`, `clnas groundtruth` and `clnas rank-eval`. */
#include "search_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The config with the overrides; nb201_only refuses a config of another space. */
static int load_config(const char *command, int nb201_only, const char *path, const char *const *sets, int nsets,
                       cJSON **root, clnas_search_config *cfg)
{
    clnas_error err;
    clnas_error_clear(&err);
    *root = NULL;
    if (clnas_run_config_load(path, sets, nsets, root, cfg, &err) == CLNAS_OK) {
        if (!nb201_only || clnas_search_config_space(cfg) == &clnas_space_nb201)
            return 0;
        /* their samples, tables and supernets are NB201 cells */
        clnas_error_set(&err, CLNAS_ERR_INVALID_ARG, "%s: space.name \"%s\": clnas %s works on space nb201 only",
                        path ? path : "the built-in config", cfg->space, command);
        cJSON_Delete(*root);
        *root = NULL;
        clnas_search_config_free(cfg);
        return cli_fail(&err);
    }
    clnas_search_config plain;
    clnas_error plain_err;
    if (nsets == 0 || clnas_run_config_load(path, NULL, 0, NULL, &plain, &plain_err) != CLNAS_OK)
        return cli_fail(&err); /* the file itself is at fault */
    clnas_search_config_free(&plain);
    return cli_set_error(command, path, err.message); /* the file parses without the overrides */
}

int search_setup_config(const char *command, const char *path, const char *const *sets, int nsets, cJSON **root,
                        clnas_search_config *cfg)
{
    return load_config(command, 1, path, sets, nsets, root, cfg);
}

int search_setup_config_space(const char *command, const clnas_space_iface *space, const char *path,
                              const char *const *sets, int nsets, cJSON **root, clnas_search_config *cfg)
{
    if (!space)
        return load_config(command, 0, path, sets, nsets, root, cfg);
    const char **all = malloc((size_t)(nsets + 1) * sizeof *all);
    if (!all) {
        *root = NULL;
        fprintf(stderr, "clnas: out of memory\n");
        return 1;
    }
    char set[64];
    snprintf(set, sizeof set, "space.name=%s", space->name); /* after every --set: the space wins */
    for (int i = 0; i < nsets; i++)
        all[i] = sets[i];
    all[nsets] = set;
    const int rc = load_config(command, 0, path, all, nsets + 1, root, cfg);
    free(all);
    return rc;
}

int search_setup_evaluator(search_setup *s, const char *device_override, const char *choices_path)
{
    clnas_error err;
    clnas_error_clear(&err);
    s->run.cfg = &s->cfg;
    return clnas_run_setup_evaluator(&s->run, device_override, choices_path, &err) != CLNAS_OK ? cli_fail(&err) : 0;
}

void search_setup_free(search_setup *s)
{
    clnas_run_setup_free(&s->run);
    clnas_search_config_free(&s->cfg);
    memset(s, 0, sizeof *s);
}
