/* clnas — search set-up: config, data splits, device and evaluator (every strategy, and proxy-check, rank-eval). */
#include "run_setup.h"
#include "data_norm.h"
#include "zero_cost_evaluator.h"

#include <string.h>

#include "clnas/train.h"
#include "embedded.h"
#include "program_cache.h"

/* Which input a config error comes from: -1 for the file (or the built-in config), else the index of the first
 * --set after which the config fails with the same message (parsing is cheap: each prefix of the sets is tried). */
static int config_error_source(const cJSON *base, const char *const *sets, int nsets, const char *message)
{
    cJSON *tree = cJSON_Duplicate(base, 1);
    int source = -1;
    for (int k = 0; tree && k <= nsets; k++) {
        clnas_error e;
        clnas_error_clear(&e);
        clnas_search_config cfg;
        clnas_status st = k == 0 ? CLNAS_OK : clnas_search_config_apply_set(tree, sets[k - 1], &e);
        if (st == CLNAS_OK && clnas_search_config_parse(tree, &cfg, &e) == CLNAS_OK) {
            clnas_search_config_free(&cfg);
            continue;
        }
        if (strcmp(e.message, message) == 0) {
            source = k - 1;
            break;
        }
    }
    cJSON_Delete(tree);
    return source;
}

clnas_status clnas_run_config_load(const char *path, const char *const *sets, int nsets, cJSON **root,
                                   clnas_search_config *cfg, clnas_error *err)
{
    cJSON *tree = NULL, *base = NULL;
    clnas_status st = CLNAS_OK;
    if (path) {
        st = clnas_search_config_read(path, &tree, err);
    } else {
        tree = cJSON_Parse(clnas_embedded_find(clnas_embedded_configs, "default"));
        if (!tree)
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "the built-in configs/default.json does not parse");
    }
    if (st == CLNAS_OK && nsets > 0)
        base = cJSON_Duplicate(tree, 1); /* to tell a bad --set from a bad file */
    for (int i = 0; i < nsets && st == CLNAS_OK; i++)
        st = clnas_search_config_apply_set(tree, sets[i], err);
    if (st == CLNAS_OK) {
        st = clnas_search_config_parse(tree, cfg, err);
        int source = st != CLNAS_OK && base && err ? config_error_source(base, sets, nsets, err->message) : -1;
        if (source >= 0)
            clnas_error_prefix(err, "--set %.400s", sets[source]);
        else if (st != CLNAS_OK && path)
            clnas_error_prefix(err, "%s", path);
    }
    cJSON_Delete(base);
    if (st == CLNAS_OK && root)
        *root = tree;
    else
        cJSON_Delete(tree);
    return st;
}

clnas_status clnas_run_setup_check_space(const clnas_search_config *cfg, clnas_error *err)
{
    const clnas_space_iface *space = clnas_search_config_space(cfg);
    if (strcmp(cfg->evaluator.kind, "table") == 0 && space != &clnas_space_nb201) /* its rows are NB201 cells */
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "evaluator.kind \"table\": works on space nb201 only (this "
                               "run's space is %s); use evaluator.kind \"train\" or \"zero-cost\"", space->name);
    return CLNAS_OK;
}

static clnas_status open_device(clnas_run_setup *s, const char *selector, clnas_error *err)
{
    if (s->dev)
        return CLNAS_OK;
    clnas_status st = clnas_device_open(selector, &s->dev, err);
    if (st == CLNAS_OK && (st = clnas_program_cache_new(s->dev, NULL, &s->cache, err)) != CLNAS_OK) {
        clnas_device_free(s->dev);
        s->dev = NULL;
    }
    s->owns_device = st == CLNAS_OK;
    return st;
}

clnas_status clnas_run_setup_evaluator(clnas_run_setup *s, const char *selector, const char *choices_path,
                                       clnas_error *err)
{
    const clnas_search_config *cfg = s->cfg;
    const clnas_space_iface *space = clnas_search_config_space(cfg);
    clnas_status st = clnas_run_setup_check_space(cfg, err);
    if (st != CLNAS_OK)
        return st;
    if (strcmp(cfg->evaluator.kind, "table") == 0)
        return clnas_table_evaluator_new(cfg->evaluator.table, &s->evaluator, err);
    st = clnas_dataset_load_dir(cfg->dataset.dir, CLNAS_SPLIT_TRAIN, &s->full, err);
    if (st == CLNAS_OK)
        st = clnas_dataset_split(&s->full, cfg->dataset.validation_size, cfg->seed, &s->train, &s->val, err);
    if (st == CLNAS_OK && cfg->dataset.train_subset > 0 && cfg->dataset.train_subset < s->train.count)
        st = clnas_dataset_head(&s->train, cfg->dataset.train_subset, &s->subset, err);
    if (st == CLNAS_OK)
        st = open_device(s, selector ? selector : cfg->device[0] ? cfg->device : NULL, err);
    if (st != CLNAS_OK)
        return st;
    const clnas_dataset *train = clnas_run_setup_train_data(s);
    clnas_train_evaluator_config tc;
    memset(&tc, 0, sizeof tc);
    tc.space = space;
    tc.channels = cfg->proxy.channels;
    tc.cells = cfg->proxy.cells;
    tc.layers = cfg->proxy.layers;
    tc.epochs = cfg->proxy.epochs;
    tc.batch = cfg->proxy.batch;
    tc.lr = cfg->proxy.lr;
    tc.memory_budget = cfg->memory_budget;
    tc.seed = cfg->seed;
    tc.train = train;
    tc.val = &s->val;
    tc.choices_path = choices_path;
    int channels; /* the training split's statistics (Fashion-MNIST's published ones for its files), as train's */
    clnas_norm_source source;
    if ((st = clnas_dataset_dir_norm(cfg->dataset.dir, &s->full, NULL, tc.mean, tc.std, &channels, &source, err)))
        return st;
    s->train_cfg = tc;
    if (strcmp(cfg->evaluator.kind, "zero-cost") == 0)
        return clnas_zero_cost_evaluator_new(s->dev, s->cache, &tc, clnas_zero_cost_find(cfg->evaluator.proxy),
                                             &s->evaluator, err);
    return clnas_train_evaluator_new(s->dev, s->cache, &tc, &s->evaluator, err);
}

const clnas_dataset *clnas_run_setup_train_data(const clnas_run_setup *s)
{
    return s->subset.count ? &s->subset : &s->train;
}

void clnas_run_setup_net(const clnas_run_setup *s, clnas_net_config *net)
{
    const clnas_dataset *train = clnas_run_setup_train_data(s);
    clnas_net_config_default(net);
    net->channels = s->cfg->proxy.channels;
    net->cells = s->cfg->proxy.cells;
    net->layers = s->cfg->proxy.layers;
    net->batch = s->cfg->proxy.batch;
    net->in_channels = train->channels;
    net->height = train->height;
    net->width = train->width;
}

void clnas_run_setup_free(clnas_run_setup *s)
{
    if (s->evaluator.iface)
        s->evaluator.iface->destroy(s->evaluator.state);
    if (s->owns_device) {
        clnas_program_cache_free(s->cache);
        clnas_device_free(s->dev);
    }
    clnas_dataset_free(&s->full);
    clnas_dataset_free(&s->train);
    clnas_dataset_free(&s->val);
    clnas_dataset_free(&s->subset);
    memset(s, 0, sizeof *s);
}
