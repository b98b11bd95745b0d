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

static void usage(FILE *f)
{
    fprintf(f, "usage: clnas eval --arch STR --weights FILE.safetensors [--channels C] [--cells N] [--batch B]\n"
               "                  [--data DIR] [--device D] [--result FILE]\n"
               "Test accuracy of the weights (running BatchNorm statistics) over every test image.\n"
               "Defaults: C=16 N=5 batch 256, data /usr/share/datasets/fashion-mnist, Fashion-MNIST normalisation\n"
               "for one-channel data (the training set's per-channel statistics otherwise).\n");
}

int cmd_eval(int argc, char **argv)
{
    cli_common c;
    cli_common_init(&c);
    const char *weights = NULL, *result_path = NULL;
    for (int i = 1; i < argc; i++) {
        cli_step step = cli_common_or_help(argc, argv, &i, &c, usage);
        if (step == CLI_HELP || step == CLI_BAD)
            return step == CLI_HELP ? 0 : 2;
        if (step == CLI_TAKEN)
            continue;
        int r;
        if ((r = cli_opt(argc, argv, &i, "--weights", &weights)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--result", &result_path)) != 0) {
            if (r < 0)
                return 2;
        } else {
            return cli_usage_error("eval", "unknown option '%s'", argv[i]);
        }
    }
    if (!c.have_arch || !weights)
        return cli_usage_error("eval", "--arch and --weights are required");
    clnas_error err;
    clnas_error_clear(&err);
    /* before the kernels are built; "-" is stdout */
    if (result_path && strcmp(result_path, "-") != 0 && clnas_file_check_writable(result_path, &err) != CLNAS_OK)
        return cli_fail(&err);
    clnas_dataset test = {0}, train = {0};
    double mean[CLNAS_BATCHER_MAX_CHANNELS] = {CLNAS_FASHION_MNIST_MEAN},
           std[CLNAS_BATCHER_MAX_CHANNELS] = {CLNAS_FASHION_MNIST_STD};
    if (clnas_dataset_load_dir(c.data_dir, CLNAS_SPLIT_TEST, &test, &err) != CLNAS_OK)
        return cli_fail(&err);
    if (test.channels > 1 && (clnas_dataset_load_dir(c.data_dir, CLNAS_SPLIT_TRAIN, &train, &err) != CLNAS_OK ||
                              clnas_dataset_channel_stats(&train, mean, std, &err) != CLNAS_OK)) {
        clnas_dataset_free(&test);
        return cli_fail(&err);
    }
    clnas_dataset_free(&train);
    c.cfg.in_channels = test.channels;
    c.cfg.height = test.height;
    c.cfg.width = test.width;
    clnas_device *dev = NULL;
    struct clnas_program_cache *cache = NULL;
    if (cli_common_open(&c, &dev, &cache)) {
        clnas_dataset_free(&test);
        return 1;
    }
    clnas_model *model = NULL;
    double acc = 0, loss = 0;
    int rc = 1;
    if (clnas_model_build(dev, cache, &c.cfg, &model, &err) == CLNAS_OK &&
        clnas_model_load(model, weights, &err) == CLNAS_OK &&
        clnas_evaluate(model, &test, mean, std, &acc, &loss, &err) == CLNAS_OK) {
        printf("test accuracy %.4f (%d images)  test loss %.4f\n", acc, test.count, loss);
        rc = 0;
        if (result_path) {
            cJSON *j = cJSON_CreateObject();
            char arch[CLNAS_GENOTYPE_STR_MAX];
            clnas_genotype_format(&c.cfg.genotype, arch, sizeof arch, NULL);
            cJSON_AddStringToObject(j, "arch", arch);
            cJSON_AddStringToObject(j, "weights", weights);
            cJSON_AddNumberToObject(j, "channels", c.cfg.channels);
            cJSON_AddNumberToObject(j, "cells", c.cfg.cells);
            cJSON_AddNumberToObject(j, "test_accuracy", acc);
            cJSON_AddNumberToObject(j, "test_loss", loss);
            cJSON_AddNumberToObject(j, "test_images", test.count);
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
