/* clnas tool — `clnas search` options turned into config overrides, and a finished run's budget extended. */
#include "search_options.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int key_is(const char *set, const char *key)
{
    size_t n = strlen(key);
    return strncmp(set, key, n) == 0 && set[n] == '=';
}

static int changes_proxy(const char *set)
{
    if (strncmp(set, "proxy.measured_", 15) == 0)
        return 0;
    return strncmp(set, "proxy", 5) == 0 || strncmp(set, "dataset", 7) == 0 || strncmp(set, "space", 5) == 0;
}

void search_sets_finish(search_sets *s, const char *seed)
{
    int proxy = 0;
    for (int i = 0; i < s->n; i++)
        proxy |= changes_proxy(s->item[i]);
    if (seed) {
        snprintf(s->seed, sizeof s->seed, "seed=%s", seed);
        s->item[s->n++] = s->seed;
    }
    if (proxy) {
        s->item[s->n++] = "proxy.measured_kendall_tau=null";
        s->item[s->n++] = "proxy.measured_note=";
    }
}

#ifndef CLNAS_CONFIG_DIR
#define CLNAS_CONFIG_DIR "/usr/local/share/clnas/configs"
#endif
#ifndef CLNAS_SOURCE_CONFIG_DIR
#define CLNAS_SOURCE_CONFIG_DIR "configs"
#endif

const char *search_config_find(const char *name, char *buf, size_t cap)
{
    if (!name || strchr(name, '/') || access(name, F_OK) == 0)
        return name;
    const char *dirs[] = {CLNAS_CONFIG_DIR, CLNAS_SOURCE_CONFIG_DIR};
    size_t n = strlen(name);
    const char *ext = n > 5 && strcmp(name + n - 5, ".json") == 0 ? "" : ".json";
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(buf, cap, "%s/%s%s", dirs[i], name, ext);
        if (access(buf, F_OK) == 0)
            return buf;
    }
    return name; /* not found: the error names what was given */
}

int search_sets_load(const char *path, const search_sets *s, clnas_config **out)
{
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_config_load_sets(path, s->item, s->n, out, &err) == CLNAS_OK)
        return 0;
    clnas_config *plain = NULL;
    clnas_error plain_err;
    if (s->n == 0 || clnas_config_load_sets(path, NULL, 0, &plain, &plain_err) != CLNAS_OK)
        return cli_fail(&err); /* the file itself is at fault */
    clnas_config_free(plain);
    return cli_set_error("search", path, err.message); /* the file parsed without the overrides */
}

int search_sets_blame(const search_sets *s, const clnas_error *err)
{
    for (int i = 0; i < s->n; i++) {
        const char *eq = strchr(s->item[i], '=');
        size_t n = eq ? (size_t)(eq - s->item[i]) : 0;
        if (n && strncmp(err->message, s->item[i], n) == 0 && err->message[n] == ':')
            return 1;
    }
    return 0;
}

/* strategy.cycles (rea) or strategy.trials (random, reinforce) of a config tree; -1 when absent. */
static double budget_of(const cJSON *root, const char **key)
{
    const cJSON *sg = cJSON_GetObjectItemCaseSensitive(root, "strategy");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(sg, "cycles");
    *key = "strategy.cycles";
    if (!cJSON_IsNumber(v)) {
        v = cJSON_GetObjectItemCaseSensitive(sg, "trials");
        *key = "strategy.trials";
    }
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

int search_resume_extend(const char *dir, const search_sets *s, const clnas_config *cfg)
{
    if (s->n == 0)
        return 0;
    for (int i = 0; i < s->n; i++)
        if (!key_is(s->item[i], "strategy.cycles") && !key_is(s->item[i], "strategy.trials"))
            return cli_usage_error("search", "--resume DIR continues with DIR/config.json; the one --set it takes "
                                   "extends the budget (strategy.cycles or strategy.trials), not \"%s\"",
                                   s->item[i]);
    const char *name = cfg->cfg.strategy_name;
    if (strcmp(name, "rea") && strcmp(name, "random") && strcmp(name, "reinforce"))
        return cli_usage_error("search", "--resume --set extends a multi-trial search (rea, random, reinforce); "
                               "this run's strategy is %s", name);
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", dir);
    clnas_config *old = NULL;
    clnas_error err;
    if (clnas_config_load_sets(path, NULL, 0, &old, &err) != CLNAS_OK)
        return cli_fail(&err);
    const char *key_old, *key_new;
    double before = budget_of(old->root, &key_old), after = budget_of(cfg->root, &key_new);
    clnas_config_free(old);
    if (after < before)
        return cli_usage_error("search", "--resume: %s %.0f is below the run's own %.0f: a budget can only grow",
                               key_new, after, before);
    return cli_write_json(path, cfg->root) ? 1 : 0;
}
