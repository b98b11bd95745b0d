/* clnas tool — `clnas train`: trains an architecture with the NB201 recipe, shows progress, tests it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "clnas/data.h"
#include "clnas/model.h"
#include "clnas/train.h"
#include "model_build.h"
#include "program_cache.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clnas train --arch STR [options]\n"
            "Trains a NAS-Bench-201 network with the NB201 recipe (SGD, Nesterov momentum 0.9, weight decay 5e-4,\n"
            "per-step cosine learning rate, PyTorch's default initialisation), then reports test accuracy.\n\n"
            "  --from DIR          train the best architecture of the search in DIR (DIR/best.json)\n"
            "  --arch STR          NB201 arch string, e.g. '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
            "|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'\n"
            "  --channels C        channels of the first stage (default 16)\n"
            "  --cells N           cells per stage (default 5; NB201's full size is C=16 N=5)\n"
            "  --epochs E          epochs (default 1)\n"
            "  --steps S           train exactly S steps instead of whole epochs\n"
            "  --batch B           batch size (default 256; a short last batch of an epoch is skipped)\n"
            "  --lr LR             peak learning rate of the cosine schedule (default 0.1)\n"
            "  --seed S            initialisation and shuffling seed (default 0)\n"
            "  --val N             hold out N training images as a validation split and report its accuracy\n"
            "  --train-subset N    train on the first N training images (after the hold-out)\n"
            "  --data DIR          Fashion-MNIST/MNIST IDX or CIFAR-10 binary directory\n"
            "                      (default /usr/share/datasets/fashion-mnist)\n"
            "  --mean M --std S    input normalisation (x/255 - M)/S (default Fashion-MNIST's 0.2860 and 0.3530\n"
            "                      for one-channel data, the training set's own per-channel statistics otherwise)\n"
            "  --device D          OpenCL device index or name substring (default: CLNAS_DEVICE, else the first GPU,\n"
            "                      else the first device; see 'clnas devices')\n"
            "  --init FILE         start from weights (safetensors with the PyTorch module's names)\n"
            "  --save FILE         write the trained weights (safetensors, BatchNorm running statistics included)\n"
            "  --result FILE       write a JSON summary (arch, channels, cells, epochs, steps, params,\n"
            "                      test_accuracy, train_images_per_second, seconds, ...)\n"
            "  --quiet             no progress lines\n"
            "Ctrl-C stops training after the current step; the test and the files are still written.\n");
}

static void print_progress(const clnas_train_progress *p, void *user)
{
    (void)user;
    int left = (int)p->seconds_left;
    fprintf(stderr, "step %6d/%d  epoch %d/%d  loss %.4f  train acc %.4f  lr %.4f  %7.1f img/s  %dm%02ds left\n",
            p->step, p->steps, p->epoch + 1, p->epochs, p->loss, p->train_accuracy, p->lr, p->images_per_second,
            left / 60, left % 60);
}

/* The architecture of DIR/best.json (written by clnas search). */
static int read_best_arch(const char *dir, clnas_genotype *out)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/best.json", dir);
    FILE *f = fopen(path, "rb");
    char text[4096];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    cJSON *j = n ? cJSON_Parse(text) : NULL;
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(j, "arch");
    clnas_error err;
    int rc = 0;
    if (!f) {
        fprintf(stderr, "clnas: %s: cannot read it (is %s a search run directory?)\n", path, dir);
        rc = 1;
    } else if (!cJSON_IsString(arch)) {
        fprintf(stderr, "clnas: %s: expected a JSON object with a string \"arch\"\n", path);
        rc = 1;
    } else if (clnas_genotype_parse(arch->valuestring, out, &err) != CLNAS_OK) {
        fprintf(stderr, "clnas: %s: arch: %s\n", path, err.message);
        rc = 1;
    } else {
        fprintf(stderr, "clnas: retraining the best architecture of %s: %s\n", dir, arch->valuestring);
    }
    cJSON_Delete(j);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    cli_common c;
    cli_common_init(&c);
    clnas_train_options opt;
    clnas_train_options_default(&opt);
    int val = 0, subset = 0, quiet = 0, seed = 0, have_mean = 0, have_std = 0;
    double mean = 0, std = 0;
    const char *init = NULL, *save = NULL, *result_path = NULL, *from = NULL, *v;
    for (int i = 1; i < argc; i++) {
        int r = cli_common_option(argc, argv, &i, &c);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--epochs", &v)) != 0) {
            if (r < 0 || cli_int("--epochs", v, 1, 100000, &opt.epochs))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--steps", &v)) != 0) {
            if (r < 0 || cli_int("--steps", v, 1, 100000000, &opt.steps))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--lr", &v)) != 0) {
            if (r < 0 || cli_double("--lr", v, 0, 100, &opt.lr))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &v)) != 0) {
            if (r < 0 || cli_int("--seed", v, 0, 2147483647, &seed))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--val", &v)) != 0) {
            if (r < 0 || cli_int("--val", v, 0, 100000000, &val))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--train-subset", &v)) != 0) {
            if (r < 0 || cli_int("--train-subset", v, 1, 100000000, &subset))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--mean", &v)) != 0) {
            if (r < 0 || cli_double("--mean", v, -1e3, 1e3, &mean))
                return 2;
            have_mean = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--std", &v)) != 0) {
            if (r < 0 || cli_double("--std", v, 1e-6, 1e3, &std))
                return 2;
            have_std = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--from", &from)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--init", &init)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--save", &save)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--result", &result_path)) != 0) {
            if (r < 0)
                return 2;
        } else {
            return cli_usage_error("train", "unknown option '%s'", argv[i]);
        }
    }
    if (from && c.have_arch)
        return cli_usage_error("train", "--from DIR names the architecture: drop --arch");
    if (from && read_best_arch(from, &c.cfg.genotype))
        return 1;
    if (!c.have_arch && !from)
        return cli_usage_error("train", "--arch (or --from DIR) is required");

    clnas_error err;
    clnas_error_clear(&err);
    clnas_dataset full = {0}, train = {0}, valset = {0}, test = {0}, sub = {0};
    if (clnas_dataset_load_dir(c.data_dir, CLNAS_SPLIT_TRAIN, &full, &err) != CLNAS_OK ||
        clnas_dataset_load_dir(c.data_dir, CLNAS_SPLIT_TEST, &test, &err) != CLNAS_OK ||
        clnas_dataset_split(&full, val, (uint64_t)seed, &train, &valset, &err) != CLNAS_OK)
        return cli_fail(&err);
    const clnas_dataset *train_data = &train;
    if (subset && subset < train.count) {
        if (clnas_dataset_head(&train, subset, &sub, &err) != CLNAS_OK)
            return cli_fail(&err);
        train_data = &sub;
    }
    if (train.channels == 1) {
        opt.mean[0] = CLNAS_FASHION_MNIST_MEAN;
        opt.std[0] = CLNAS_FASHION_MNIST_STD;
    } else if (clnas_dataset_channel_stats(&train, opt.mean, opt.std, &err) != CLNAS_OK) {
        return cli_fail(&err);
    }
    for (int ch = 0; ch < train.channels && ch < CLNAS_BATCHER_MAX_CHANNELS; ch++) {
        if (have_mean)
            opt.mean[ch] = mean;
        if (have_std)
            opt.std[ch] = std;
    }
    c.cfg.in_channels = train.channels;
    c.cfg.height = train.height;
    c.cfg.width = train.width;
    c.cfg.classes = train.classes > 10 ? train.classes : 10;
    opt.seed = (uint64_t)seed;

    clnas_device *dev = NULL;
    struct clnas_program_cache *cache = NULL;
    if (cli_open_device(c.device, &dev, &cache))
        return 1;
    char arch[CLNAS_GENOTYPE_STR_MAX];
    clnas_genotype_format(&c.cfg.genotype, arch, sizeof arch, NULL);
    fprintf(stderr, "clnas: training %s  C=%d N=%d batch %d on %s\n", arch, c.cfg.channels, c.cfg.cells,
            c.cfg.batch, dev->info.name);
    clnas_model *model = NULL;
    int rc = 1;
    clnas_train_result res = {0};
    double test_acc = 0, test_loss = 0, val_acc = -1, val_loss = 0;
    if (clnas_model_build(dev, cache, &c.cfg, &model, &err) != CLNAS_OK ||
        (init ? clnas_model_load(model, init, &err) : clnas_model_init(model, (uint64_t)seed, &err)) != CLNAS_OK)
        goto done;
    clnas_program_cache_stats cs;
    clnas_program_cache_stats_get(cache, &cs);
    fprintf(stderr, "clnas: %ld parameters; kernels ready (%d built, %d from disk, %.1f s)\n",
            clnas_model_param_count(model), cs.builds, cs.disk_hits, cs.build_seconds);
    if (!quiet)
        opt.progress = print_progress;
    opt.stop = cli_catch_interrupt();
    clnas_status st = clnas_train(model, train_data, &opt, &res, &err);
    cli_release_interrupt();
    if (st != CLNAS_OK)
        goto done;
    if (res.stopped)
        fprintf(stderr, "clnas: stopped after %d steps (Ctrl-C)\n", res.steps);
    if (valset.count > 0 && clnas_evaluate(model, &valset, opt.mean, opt.std, &val_acc, &val_loss, &err) != CLNAS_OK)
        goto done;
    if (clnas_evaluate(model, &test, opt.mean, opt.std, &test_acc, &test_loss, &err) != CLNAS_OK)
        goto done;
    if (save && clnas_model_save(model, save, &err) != CLNAS_OK)
        goto done;
    printf("arch %s\n", arch);
    printf("steps %d  train loss %.4f  train acc %.4f  %.1f images/s  %.1f s\n", res.steps, res.final_loss,
           res.train_accuracy, res.train_images_per_second, res.seconds);
    if (valset.count > 0)
        printf("validation accuracy %.4f (%d images)\n", val_acc, valset.count);
    printf("test accuracy %.4f (%d images)  test loss %.4f\n", test_acc, test.count, test_loss);
    rc = 0;
    if (result_path) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "arch", arch);
        cJSON_AddNumberToObject(j, "channels", c.cfg.channels);
        cJSON_AddNumberToObject(j, "cells", c.cfg.cells);
        cJSON_AddNumberToObject(j, "epochs", res.epochs);
        cJSON_AddNumberToObject(j, "steps", res.steps);
        cJSON_AddNumberToObject(j, "batch", c.cfg.batch);
        cJSON_AddNumberToObject(j, "lr", opt.lr);
        cJSON_AddNumberToObject(j, "seed", seed);
        cJSON_AddNumberToObject(j, "params", (double)clnas_model_param_count(model));
        cJSON_AddNumberToObject(j, "test_accuracy", test_acc);
        cJSON_AddNumberToObject(j, "test_loss", test_loss);
        if (valset.count > 0) {
            cJSON_AddNumberToObject(j, "val_accuracy", val_acc);
            cJSON_AddNumberToObject(j, "val_images", valset.count);
        }
        cJSON_AddNumberToObject(j, "train_loss", res.final_loss);
        cJSON_AddNumberToObject(j, "train_accuracy", res.train_accuracy);
        cJSON_AddNumberToObject(j, "train_images", train_data->count);
        cJSON_AddNumberToObject(j, "train_images_per_second", res.train_images_per_second);
        cJSON_AddNumberToObject(j, "seconds", res.seconds);
        cJSON_AddBoolToObject(j, "stopped", res.stopped);
        cJSON *norm = cJSON_AddObjectToObject(j, "normalization");
        cJSON_AddItemToObject(norm, "mean", cJSON_CreateDoubleArray(opt.mean, train.channels));
        cJSON_AddItemToObject(norm, "std", cJSON_CreateDoubleArray(opt.std, train.channels));
        cJSON_AddStringToObject(j, "data", c.data_dir);
        cJSON_AddStringToObject(j, "device", dev->info.name);
        rc = cli_write_json(result_path, j);
        cJSON_Delete(j);
    }
done:
    if (rc && err.message[0])
        cli_fail(&err);
    clnas_model_free(model);
    clnas_program_cache_free(cache);
    clnas_device_free(dev);
    clnas_dataset_free(&full);
    clnas_dataset_free(&train);
    clnas_dataset_free(&valset);
    clnas_dataset_free(&test);
    clnas_dataset_free(&sub);
    return rc;
}
