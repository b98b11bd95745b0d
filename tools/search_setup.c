/* clnas tool — search set-up shared by `clnas proxy-check` and `clnas rank-eval`. */
#include "search_setup.h"

#include <string.h>

#include "cli.h"

int search_setup_config(const char *path, const char *const *sets, int nsets, cJSON **root, clnas_search_config *cfg)
{
    clnas_error err;
    clnas_error_clear(&err);
    *root = NULL;
    return clnas_run_config_load(path, sets, nsets, root, cfg, &err) != CLNAS_OK ? cli_fail(&err) : 0;
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
