/* clnas example — embed clnas: open a context, build one NB201 architecture and train it a few steps on
 * Fashion-MNIST, then print its loss and accuracy. Usage: train_one [DATA_DIR [STEPS]]. */
#include <stdio.h>
#include <stdlib.h>

#include "clnas/context.h"
#include "clnas/data.h"
#include "clnas/model.h"
#include "clnas/train.h"

#define ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"

static void progress(const clnas_train_progress *p, void *user)
{
    (void)user;
    printf("step %3d/%d  lr %.4f  loss %.4f  train acc %.3f  %.0f images/s\n", p->step, p->steps, p->lr, p->loss,
           p->train_accuracy, p->images_per_second);
}

static int fail(const char *what, const clnas_error *err)
{
    fprintf(stderr, "train_one: %s: %s\n", what, err->message);
    return 1;
}

int main(int argc, char **argv)
{
    const char *data_dir = argc > 1 ? argv[1] : CLNAS_DEFAULT_DATA_DIR;
    int steps = argc > 2 ? atoi(argv[2]) : 40;
    clnas_error err;
    clnas_error_clear(&err);

    /* The device: $CLNAS_DEVICE, else the first GPU, else the first OpenCL device; kernels are cached on disk. */
    clnas_context *ctx = NULL;
    if (clnas_context_new(NULL, &ctx, &err) != CLNAS_OK)
        return fail("opening the device", &err);
    printf("device: %s\n", clnas_context_device(ctx)->info.name);

    clnas_dataset train = {0}, test = {0}, test_head = {0};
    clnas_model *model = NULL;
    int rc = 1;
    if (clnas_dataset_load_dir(data_dir, CLNAS_SPLIT_TRAIN, &train, &err) != CLNAS_OK ||
        clnas_dataset_load_dir(data_dir, CLNAS_SPLIT_TEST, &test, &err) != CLNAS_OK ||
        clnas_dataset_head(&test, 2000, &test_head, &err) != CLNAS_OK) {
        fail("loading the data", &err);
        goto done;
    }

    /* A small network: C=8 channels, N=1 cell per stage, 64 images a step; the rest as NAS-Bench-201. */
    clnas_model_params mp = clnas_model_default_params();
    mp.arch = ARCH;
    mp.channels = 8;
    mp.cells = 1;
    mp.batch = 64;
    mp.in_channels = train.channels;
    mp.height = train.height;
    mp.width = train.width;
    mp.seed = 1;
    if (clnas_model_new(ctx, &mp, &model, &err) != CLNAS_OK) {
        fail("building the model", &err);
        goto done;
    }
    printf("arch %s: %ld parameters\n", ARCH, clnas_model_param_count(model));

    clnas_train_options opt;
    clnas_train_options_default(&opt);
    opt.steps = steps;
    opt.lr = 0.1;
    opt.mean[0] = CLNAS_FASHION_MNIST_MEAN;
    opt.std[0] = CLNAS_FASHION_MNIST_STD;
    opt.report_every = 10;
    opt.progress = progress;
    clnas_train_result res;
    double accuracy = 0, loss = 0;
    if (clnas_train(model, &train, &opt, &res, &err) != CLNAS_OK ||
        clnas_evaluate(model, &test_head, opt.mean, opt.std, &accuracy, &loss, &err) != CLNAS_OK) {
        fail("training", &err);
        goto done;
    }
    printf("%d steps: train loss %.4f  train acc %.3f  (%.1f s)\n", res.steps, res.final_loss, res.train_accuracy,
           res.seconds);
    printf("test accuracy %.3f  test loss %.4f  (%d images)\n", accuracy, loss, test_head.count);
    rc = 0;
done:
    clnas_model_free(model);
    clnas_dataset_free(&train);
    clnas_dataset_free(&test);
    clnas_dataset_free(&test_head);
    clnas_context_free(ctx);
    return rc;
}
