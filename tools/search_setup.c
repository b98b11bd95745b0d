/* clnas tool — search set-up shared by `clnas search` and `clnas proxy-check`. */
#include "search_setup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "clnas/train.h"
#include "embedded.h"
#include "program_cache.h"
#include "train_eval.h"

int search_setup_config(const char *path, const char *const *sets, int nsets, cJSON **root, clnas_search_config *cfg)
{
    clnas_error err;
    clnas_error_clear(&err);
    *root = NULL;
    if (path) {
        if (clnas_search_config_read(path, root, &err) != CLNAS_OK)
            return cli_fail(&err);
    } else {
        *root = cJSON_Parse(clnas_embedded_find(clnas_embedded_configs, "default"));
        if (!*root) {
            fprintf(stderr, "clnas: the built-in configs/default.json does not parse\n");
            return 1;
        }
    }
    for (int i = 0; i < nsets; i++)
        if (clnas_search_config_apply_set(*root, sets[i], &err) != CLNAS_OK) {
            cJSON_Delete(*root);
            *root = NULL;
            return cli_fail(&err);
        }
    if (clnas_search_config_parse(*root, cfg, &err) != CLNAS_OK) {
        if (path)
            clnas_error_prefix(&err, "%s", path);
        cJSON_Delete(*root);
        *root = NULL;
        return cli_fail(&err);
    }
    return 0;
}

int search_setup_evaluator(search_setup *s, const char *device_override, const char *choices_path)
{
    clnas_error err;
    clnas_error_clear(&err);
    if (strcmp(s->cfg.evaluator.kind, "table") == 0) {
        if (clnas_table_evaluator_new(s->cfg.evaluator.table, &s->evaluator, &err) != CLNAS_OK)
            return cli_fail(&err);
        return 0;
    }
    const clnas_dataset *train = &s->train;
    if (clnas_dataset_load_dir(s->cfg.dataset.dir, CLNAS_SPLIT_TRAIN, &s->full, &err) != CLNAS_OK ||
        clnas_dataset_split(&s->full, s->cfg.dataset.validation_size, s->cfg.seed, &s->train, &s->val, &err) !=
            CLNAS_OK)
        return cli_fail(&err);
    if (s->cfg.dataset.train_subset > 0 && s->cfg.dataset.train_subset < s->train.count) {
        if (clnas_dataset_head(&s->train, s->cfg.dataset.train_subset, &s->subset, &err) != CLNAS_OK)
            return cli_fail(&err);
        train = &s->subset;
    }
    const char *selector = device_override ? device_override : s->cfg.device[0] ? s->cfg.device : NULL;
    if (cli_open_device(selector, &s->dev, &s->cache))
        return 1;
    clnas_train_eval_config *tcp = &s->train_cfg, tc;
    memset(&tc, 0, sizeof tc);
    tc.channels = s->cfg.proxy.channels;
    tc.cells = s->cfg.proxy.cells;
    tc.epochs = s->cfg.proxy.epochs;
    tc.batch = s->cfg.proxy.batch;
    tc.lr = s->cfg.proxy.lr;
    tc.seed = s->cfg.seed;
    tc.train = train;
    tc.val = &s->val;
    tc.choices_path = choices_path;
    if (train->channels == 1) {
        tc.mean[0] = CLNAS_FASHION_MNIST_MEAN;
        tc.std[0] = CLNAS_FASHION_MNIST_STD;
    } else if (clnas_dataset_channel_stats(train, tc.mean, tc.std, &err) != CLNAS_OK) {
        return cli_fail(&err);
    }
    *tcp = tc;
    if (clnas_train_evaluator_new(s->dev, s->cache, &tc, &s->evaluator, &err) != CLNAS_OK)
        return cli_fail(&err);
    return 0;
}

int search_setup_make_dirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

void search_setup_free(search_setup *s)
{
    if (s->evaluator.ops)
        s->evaluator.ops->destroy(s->evaluator.state);
    clnas_program_cache_free(s->cache);
    clnas_device_free(s->dev);
    clnas_dataset_free(&s->full);
    clnas_dataset_free(&s->train);
    clnas_dataset_free(&s->val);
    clnas_dataset_free(&s->subset);
    clnas_search_config_free(&s->cfg);
    memset(s, 0, sizeof *s);
}

int search_setup_new_run_dir(search_setup *s, const char *out, cJSON *resolved_strategy, char *run_dir, size_t cap)
{
    if (out) {
        snprintf(run_dir, cap, "%s", out);
    } else {
        char stamp[32];
        time_t t = time(NULL);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&t));
        snprintf(run_dir, cap, "runs/%s-%s", s->cfg.name, stamp);
    }
    char path[1100];
    struct stat sb;
    snprintf(path, sizeof path, "%s/config.json", run_dir);
    if (stat(path, &sb) == 0) {
        fprintf(stderr, "clnas: %s already holds a search; continue it with --resume %s or choose another --out\n",
                run_dir, run_dir);
        return 1;
    }
    if (search_setup_make_dirs(run_dir) != 0) {
        fprintf(stderr, "clnas: cannot create %s: %s\n", run_dir, strerror(errno));
        return 1;
    }
    cJSON *resolved = clnas_search_config_to_json(&s->cfg, resolved_strategy);
    int bad = cli_write_json(path, resolved);
    cJSON_Delete(resolved);
    return bad;
}
