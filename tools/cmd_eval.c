/* clnas tool — `clnas eval`: test accuracy of saved weights, BatchNorm with running statistics. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "file_io.h"
#include "clnas/data.h"
#include "clnas/model.h"
#include "clnas/train.h"
#include "model_build.h"
#include "program_cache.h"
#include "weights_check.h"
#include "weights_cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: clnas eval --weights FILE.safetensors [--space S] [--arch STR] [--channels C] [--cells N]\n"
               "                  [--layers L] [--auxiliary] [--batch B] [--mean M] [--std S] [--ignore-metadata]\n"
               "                  [--data DIR] [--device D] [--family cpu|gpu] [--result FILE]\n"
               "Test accuracy of the weights (running BatchNorm statistics) over every test image.\n"
               "The network (space, arch, C, N or DARTS' layers, classes) and the input normalisation come from the\n"
               "file's metadata (which clnas train writes with the weights); options given override them: --arch,\n"
               "--channels, --cells or --layers that differ are refused unless --ignore-metadata, another --space\n"
               "always, --mean/--std (every channel) with a warning. A file without metadata needs --arch (read in\n"
               "--space, nb201 by default; C=16 N=5, DARTS 8 layers by default) and gets the training set's\n"
               "per-channel statistics. --auxiliary: a DARTS network trained with its auxiliary head.\n"
               "Defaults: batch 256, data /usr/share/datasets/fashion-mnist.\n");
}

/* Everything `clnas eval` takes from the command line. */
typedef struct eval_args {
    cli_common c;
    cli_norm norm;
    int ignore_metadata;
    const char *weights, *result_path;
} eval_args;

/* One option of eval's own at argv[*i]: 1 when taken, 0 when unknown, -1 on a bad value (message printed). */
static int eval_option(int argc, char **argv, int *i, eval_args *a)
{
    const char *v;
    int r;
    if (strcmp(argv[*i], "--ignore-metadata") == 0)
        return a->ignore_metadata = 1;
    if ((r = cli_space_network_option(argc, argv, i, &a->c)) != 0)
        return r;
    if (strcmp(argv[*i], "--auxiliary") == 0)
        return a->c.cfg.auxiliary = 1;
    if ((r = cli_opt(argc, argv, i, "--mean", &v)) != 0)
        return r < 0 || cli_double("--mean", v, -1e3, 1e3, &a->norm.mean) ? -1 : (a->norm.have_mean = 1);
    if ((r = cli_opt(argc, argv, i, "--std", &v)) != 0)
        return r < 0 || cli_double("--std", v, 1e-6, 1e3, &a->norm.std) ? -1 : (a->norm.have_std = 1);
    if ((r = cli_opt(argc, argv, i, "--weights", &a->weights)) != 0 ||
        (r = cli_opt(argc, argv, i, "--result", &a->result_path)) != 0)
        return r;
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    eval_args a;
    memset(&a, 0, sizeof a);
    cli_common_init(&a.c);
    a.c.any_space = 1;
    cli_common c;
    for (int i = 1; i < argc; i++) {
        cli_step step = cli_common_or_help(argc, argv, &i, &a.c, usage);
        if (step == CLI_HELP || step == CLI_BAD)
            return step == CLI_HELP ? 0 : 2;
        if (step == CLI_TAKEN)
            continue;
        int r = eval_option(argc, argv, &i, &a);
        if (r < 0)
            return 2;
        if (r == 0)
            return cli_usage_error("eval", "unknown option '%s'", argv[i]);
    }
    if (!a.weights)
        return cli_usage_error("eval", "--weights is required");
    const char *weights = a.weights, *result_path = a.result_path;
    clnas_weights_info info;
    int rc = cli_weights_network("eval", weights, a.ignore_metadata, &a.c, &info);
    if (rc >= 0)
        return rc;
    c = a.c;
    clnas_error err;
    clnas_error_clear(&err);
    /* before the kernels are built; "-" is stdout */
    if (result_path && strcmp(result_path, "-") != 0 && clnas_file_check_writable(result_path, &err) != CLNAS_OK)
        return cli_fail(&err);
    clnas_dataset test = {0};
    double mean[CLNAS_BATCHER_MAX_CHANNELS], std[CLNAS_BATCHER_MAX_CHANNELS];
    if (clnas_dataset_load_dir(c.data_dir, CLNAS_SPLIT_TEST, &test, &err) != CLNAS_OK)
        return cli_fail(&err);
    if (cli_weights_input(weights, &info, &test)) {
        clnas_dataset_free(&test);
        return 1;
    }
    c.cfg.in_channels = test.channels;
    c.cfg.height = test.height;
    c.cfg.width = test.width;
    if (c.cfg.auxiliary && c.cfg.space != CLNAS_NET_DARTS) {
        clnas_dataset_free(&test);
        return cli_usage_error("eval", "--auxiliary is DARTS' (a head on cell 2L/3): this is not a DARTS network");
    }
    if (clnas_net_config_check(&c.cfg, &err) != CLNAS_OK) {
        clnas_dataset_free(&test);
        return cli_fail(&err);
    }
    /* weights of another size are found on the host, before the device builds any kernel */
    if (clnas_weights_check_file(&c.cfg, weights, &err) != CLNAS_OK) {
        clnas_dataset_free(&test);
        return cli_fail(&err);
    }
    clnas_device *dev = NULL;
    struct clnas_program_cache *cache = NULL;
    if (cli_common_open(&c, &dev, &cache)) {
        clnas_dataset_free(&test);
        return 1;
    }
    if (cli_norm_choose(&a.norm, &info, weights, c.data_dir, NULL, clnas_program_cache_dir(cache), test.channels, mean,
                        std)) {
        clnas_program_cache_free(cache);
        clnas_device_free(dev);
        clnas_dataset_free(&test);
        return 1;
    }
    clnas_model *model = NULL;
    double acc = 0, loss = 0;
    rc = 1;
    if (clnas_model_build(dev, cache, &c.cfg, &model, &err) == CLNAS_OK &&
        clnas_model_load_flags(model, weights, a.ignore_metadata ? CLNAS_LOAD_IGNORE_METADATA : 0, &err) == CLNAS_OK &&
        clnas_evaluate(model, &test, mean, std, &acc, &loss, &err) == CLNAS_OK) {
        printf("test accuracy %.4f (%d images)  test loss %.4f\n", acc, test.count, loss);
        rc = 0;
        if (result_path) {
            cJSON *j = cJSON_CreateObject();
            char arch[CLI_ARCH_MAX];
            cli_arch_string(&c.cfg, arch, sizeof arch);
            cJSON_AddStringToObject(j, "space", c.cfg.space == CLNAS_NET_DARTS   ? "darts"
                                                : c.cfg.space == CLNAS_NET_CHAIN ? "chain" : "nb201");
            cJSON_AddStringToObject(j, "arch", arch);
            cJSON_AddStringToObject(j, "weights", weights);
            cJSON_AddNumberToObject(j, "channels", c.cfg.channels);
            if (c.cfg.space == CLNAS_NET_NB201)
                cJSON_AddNumberToObject(j, "cells", c.cfg.cells);
            if (c.cfg.space == CLNAS_NET_DARTS)
                cJSON_AddNumberToObject(j, "layers", c.cfg.layers);
            cJSON_AddNumberToObject(j, "test_accuracy", acc);
            cJSON_AddNumberToObject(j, "test_loss", loss);
            cJSON_AddNumberToObject(j, "test_images", test.count);
            cJSON *norm = cJSON_AddObjectToObject(j, "normalization"); /* as train's --result records it */
            cJSON_AddItemToObject(norm, "mean", cJSON_CreateDoubleArray(mean, test.channels));
            cJSON_AddItemToObject(norm, "std", cJSON_CreateDoubleArray(std, test.channels));
            rc = cli_write_json(result_path, j);
            cJSON_Delete(j);
        }
    } else {
        cli_fail(&err);
    }
    clnas_model_free(model);
    clnas_program_cache_free(cache);
    clnas_device_free(dev);
    clnas_dataset_free(&test);
    return rc;
}
