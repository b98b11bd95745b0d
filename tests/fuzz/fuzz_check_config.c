/* clnas fuzz targets over search configs: the strategy section parsed, the resolved config loaded back. */
#include "fuzz_check_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darts_config.h"
#include "fuzz_support.h"
#include "gdas_config.h"
#include "search_config.h"
#include "search_entry.h"
#include "spos_config.h"
#include "strategy.h"

/* The strategy's own checks of its section; fills resolved. Returns 1 when the section is valid. */
static int parse_strategy(const clnas_search_config *cfg, cJSON *resolved)
{
    clnas_error err;
    void *state = NULL;
    const clnas_strategy_iface *s = clnas_strategy_find(cfg->strategy_name);
    if (s) {
        if (s->create(cfg->strategy, cfg->seed, clnas_search_config_space(cfg), resolved, &state, &err) != CLNAS_OK)
            return 0;
        clnas_space_genotype g;
        if (s->budget(state) < 1 || s->propose(state, &g, &err) != CLNAS_OK)
            abort(); /* a strategy that accepted its section proposes */
        s->destroy(state);
        return 1;
    }
    clnas_spos_config sp;
    clnas_darts_config dp;
    clnas_gdas_config gp;
    clnas_status st;
    if (strcmp(cfg->strategy_name, "spos") == 0) {
        st = clnas_spos_config_parse(cfg->strategy, cfg->seed, resolved, &sp, &state, &err);
        if (state)
            clnas_strategy_rea.destroy(state);
    } else if (strcmp(cfg->strategy_name, "darts") == 0) {
        st = clnas_darts_config_parse(cfg->strategy, resolved, &dp, &err);
    } else if (strcmp(cfg->strategy_name, "gdas") == 0) {
        st = clnas_gdas_config_parse(cfg->strategy, resolved, &gp, &err);
    } else {
        abort(); /* the config parser let an unknown strategy through */
    }
    return st == CLNAS_OK;
}

void fuzz_check_config(const clnas_config *config)
{
    const clnas_search_config *cfg = clnas_config_settings(config);
    cJSON *resolved = cJSON_CreateObject();
    if (!resolved)
        abort();
    if (parse_strategy(cfg, resolved)) {
        cJSON *whole = clnas_search_config_to_json(cfg, resolved);
        char *text = whole ? cJSON_Print(whole) : NULL;
        if (!text)
            abort();
        clnas_config *back = NULL;
        clnas_error err;
        const char *path = fuzz_file("config.json", (const uint8_t *)text, strlen(text));
        if (clnas_config_load(path, &back, &err) != CLNAS_OK) {
            fprintf(stderr, "a resolved config does not load back: %s\n%s\n", err.message, text);
            abort();
        }
        clnas_config_free(back);
        free(text);
        cJSON_Delete(whole);
    }
    cJSON_Delete(resolved);
}
