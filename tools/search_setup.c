/* clnas tool — search set-up shared by `clnas proxy-check` and `clnas rank-eval`. */
#include "search_setup.h"

#include <string.h>

#include "cli.h"

int search_setup_config(const char *command, const char *path, const char *const *sets, int nsets, cJSON **root,
                        clnas_search_config *cfg)
{
    clnas_error err;
    clnas_error_clear(&err);
    *root = NULL;
    if (clnas_run_config_load(path, sets, nsets, root, cfg, &err) == CLNAS_OK) {
        if (clnas_search_config_space(cfg) == &clnas_space_nb201)
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
