/* clnas tool — `clnas bench train`: training throughput of an architecture, and with --profile the time
 * share of every kernel in a training step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "executor.h"
#include "plan.h"
#include "program_cache.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: clnas bench train --arch STR [--channels C] [--cells N] [--batch B] [--steps S]\n"
               "                         [--warmup W] [--device D] [--json] [--profile]\n"
               "Times S training steps (default 20) after W warm-up steps (default 3) on random 1x28x28 inputs and\n"
               "prints training images/s (--json: one object with train_images_per_second). --profile finishes\n"
               "after every launch and prints each kernel's share of a step (slower overall; for finding hot spots).\n"
               "Defaults: C=16 N=5 batch 256.\n");
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct kernel_share {
    const char *entry;
    const char *first_label; /* the first launch of this kernel, to tell shapes apart */
    double seconds;
    int launches;
} kernel_share;

static int by_seconds(const void *a, const void *b)
{
    const kernel_share *x = a, *y = b;
    return x->seconds < y->seconds ? 1 : x->seconds > y->seconds ? -1 : 0;
}

static void print_profile(const clnas_plan *plan, const clnas_executor *ex, int steps)
{
    kernel_share *share = calloc((size_t)plan->nkernels, sizeof *share);
    double total = 0;
    for (int i = 0; i < plan->ntrain; i++) {
        kernel_share *s = &share[plan->train[i].kernel];
        s->entry = plan->kernels[plan->train[i].kernel].desc.entry;
        if (!s->first_label)
            s->first_label = plan->train[i].label;
        s->seconds += ex->launch_seconds[i];
        s->launches++;
        total += ex->launch_seconds[i];
    }
    qsort(share, (size_t)plan->nkernels, sizeof *share, by_seconds);
    printf("%-20s %9s %7s %8s  %s\n", "kernel", "ms/step", "share", "launches", "first launch (one shape each row)");
    for (int k = 0; k < plan->nkernels; k++)
        if (share[k].launches)
            printf("%-20s %9.3f %6.1f%% %8d  %s\n", share[k].entry, 1e3 * share[k].seconds / steps,
                   100.0 * share[k].seconds / total, share[k].launches, share[k].first_label);
    printf("total %.2f ms per step (launches timed one by one)\n", 1e3 * total / steps);
    free(share);
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "train") != 0)
        return cli_usage_error("bench", "unknown benchmark '%s' (available: train)", argv[1]);
    cli_common c;
    cli_common_init(&c);
    int steps = 20, warmup = 3, json = 0, profile = 0;
    const char *v;
    for (int i = 2; i < argc; i++) {
        int r = cli_common_option(argc, argv, &i, &c);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--profile") == 0) {
            profile = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--steps", &v)) != 0) {
            if (r < 0 || cli_int("--steps", v, 1, 1000000, &steps))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--warmup", &v)) != 0) {
            if (r < 0 || cli_int("--warmup", v, 0, 1000000, &warmup))
                return 2;
        } else {
            return cli_usage_error("bench", "unknown option '%s'", argv[i]);
        }
    }
    if (!c.have_arch)
        return cli_usage_error("bench", "--arch is required");
    clnas_device *dev = NULL;
    struct clnas_program_cache *cache = NULL;
    if (cli_open_device(c.device, &dev, &cache))
        return 1;
    clnas_error err;
    clnas_error_clear(&err);
    clnas_model *model = NULL;
    int rc = 1;
    size_t n = (size_t)c.cfg.batch * (size_t)c.cfg.in_channels * (size_t)c.cfg.height * (size_t)c.cfg.width;
    float *images = malloc(n * sizeof *images);
    int32_t *labels = malloc((size_t)c.cfg.batch * sizeof *labels);
    clnas_rng rng;
    clnas_rng_seed(&rng, 1);
    for (size_t i = 0; i < n; i++)
        images[i] = (float)clnas_rng_normal(&rng);
    for (int i = 0; i < c.cfg.batch; i++)
        labels[i] = (int32_t)clnas_rng_below(&rng, 10);
    double t_compile = now_seconds();
    if (clnas_model_new(dev, cache, &c.cfg, &model, &err) != CLNAS_OK || clnas_model_init(model, 0, &err) != CLNAS_OK ||
        clnas_model_set_batch(model, images, labels, &err) != CLNAS_OK)
        goto done;
    t_compile = now_seconds() - t_compile;
    clnas_executor *ex = clnas_model_executor(model);
    for (int s = 0; s < warmup; s++)
        if (clnas_model_step(model, 0.01, NULL, NULL, &err) != CLNAS_OK)
            goto done;
    if (clnas_executor_finish(ex, &err) != CLNAS_OK)
        goto done;
    ex->profile = profile;
    double t0 = now_seconds();
    for (int s = 0; s < steps; s++)
        if (clnas_model_step(model, 0.01, NULL, NULL, &err) != CLNAS_OK)
            goto done;
    if (clnas_executor_finish(ex, &err) != CLNAS_OK)
        goto done;
    double seconds = now_seconds() - t0;
    double ips = (double)steps * c.cfg.batch / seconds;
    const clnas_plan *plan = clnas_model_plan(model);
    char arch[CLNAS_GENOTYPE_STR_MAX];
    clnas_genotype_format(&c.cfg.genotype, arch, sizeof arch, NULL);
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "arch", arch);
        cJSON_AddNumberToObject(j, "channels", c.cfg.channels);
        cJSON_AddNumberToObject(j, "cells", c.cfg.cells);
        cJSON_AddNumberToObject(j, "batch", c.cfg.batch);
        cJSON_AddNumberToObject(j, "steps", steps);
        cJSON_AddNumberToObject(j, "train_images_per_second", ips);
        cJSON_AddNumberToObject(j, "seconds_per_step", seconds / steps);
        cJSON_AddNumberToObject(j, "launches_per_step", plan->ntrain);
        cJSON_AddNumberToObject(j, "prepare_seconds", t_compile);
        cJSON_AddStringToObject(j, "device", dev->info.name);
        cJSON_AddBoolToObject(j, "profiled", profile);
        char *text = cJSON_PrintUnformatted(j);
        printf("%s\n", text);
        cJSON_free(text);
        cJSON_Delete(j);
    } else {
        printf("%s C=%d N=%d batch %d on %s\n", arch, c.cfg.channels, c.cfg.cells, c.cfg.batch, dev->info.name);
        printf("compile + kernels ready: %.2f s; %d launches per step\n", t_compile, plan->ntrain);
        printf("train images/s: %.1f  (%.1f ms per step over %d steps%s)\n", ips, 1e3 * seconds / steps, steps,
               profile ? ", profiled: slower than unprofiled" : "");
        if (profile)
            print_profile(plan, ex, steps);
    }
    rc = 0;
done:
    if (rc)
        cli_fail(&err);
    free(images);
    free(labels);
    clnas_model_free(model);
    clnas_program_cache_free(cache);
    clnas_device_free(dev);
    return rc;
}
