/* clnas — search set-up: config, data splits, device and evaluator (every strategy, and proxy-check, rank-eval). */
#include "run_setup.h"
#include "zero_cost_evaluator.h"

#include <string.h>

#include "clnas/train.h"
#include "embedded.h"
#include "program_cache.h"

clnas_status clnas_run_config_load(const char *path, const char *const *sets, int nsets, cJSON **root,
                                   clnas_search_config *cfg, clnas_error *err)
{
    cJSON *tree = NULL;
    clnas_status st = CLNAS_OK;
    if (path) {
        st = clnas_search_config_read(path, &tree, err);
    } else {
        tree = cJSON_Parse(clnas_embedded_find(clnas_embedded_configs, "default"));
        if (!tree)
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "the built-in configs/default.json does not parse");
    }
    for (int i = 0; i < nsets && st == CLNAS_OK; i++)
        st = clnas_search_config_apply_set(tree, sets[i], err);
    if (st == CLNAS_OK) {
        st = clnas_search_config_parse(tree, cfg, err);
        if (st != CLNAS_OK && path)
            clnas_error_prefix(err, "%s", path);
    }
    if (st == CLNAS_OK && root)
        *root = tree;
    else
        cJSON_Delete(tree);
    return st;
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
    if (strcmp(cfg->evaluator.kind, "table") == 0)
        return clnas_table_evaluator_new(cfg->evaluator.table, &s->evaluator, err);
    clnas_status st = clnas_dataset_load_dir(cfg->dataset.dir, CLNAS_SPLIT_TRAIN, &s->full, err);
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
    tc.channels = cfg->proxy.channels;
    tc.cells = cfg->proxy.cells;
    tc.epochs = cfg->proxy.epochs;
    tc.batch = cfg->proxy.batch;
    tc.lr = cfg->proxy.lr;
    tc.seed = cfg->seed;
    tc.train = train;
    tc.val = &s->val;
    tc.choices_path = choices_path;
    if (train->channels == 1) {
        tc.mean[0] = CLNAS_FASHION_MNIST_MEAN;
        tc.std[0] = CLNAS_FASHION_MNIST_STD;
    } else if ((st = clnas_dataset_channel_stats(train, tc.mean, tc.std, err)) != CLNAS_OK) {
        return st;
    }
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
