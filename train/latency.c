/* clnas — the median training-step and inference time of a model on its device. */
#include "latency.h"

#include <stdlib.h>
#include <string.h>

#include "clnas/rng.h"
#include "clock.h"

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Sorts t and returns its median (the mean of the middle two for an even count). */
static double median_sorted(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, by_value);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* A random batch of the model's shape, in its element type. */
static clnas_status set_random_batch(clnas_model *model, uint64_t seed, clnas_error *err)
{
    const clnas_net_config *cfg = clnas_model_config(model);
    const size_t n = (size_t)cfg->batch * (size_t)cfg->in_channels * (size_t)cfg->height * (size_t)cfg->width;
    const size_t elem = cfg->fp64 ? sizeof(double) : sizeof(float);
    void *images = malloc(n * elem);
    int32_t *labels = malloc((size_t)cfg->batch * sizeof *labels);
    if (!images || !labels) {
        free(images);
        free(labels);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "latency: out of memory for a batch of %d images",
                               cfg->batch);
    }
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++) {
        const double v = clnas_rng_normal(&rng);
        if (cfg->fp64)
            ((double *)images)[i] = v;
        else
            ((float *)images)[i] = (float)v;
    }
    for (int i = 0; i < cfg->batch; i++)
        labels[i] = (int32_t)clnas_rng_below(&rng, (uint32_t)cfg->classes);
    clnas_status st = clnas_model_set_batch(model, images, labels, err);
    free(images);
    free(labels);
    return st;
}

clnas_status clnas_latency_measure(clnas_model *model, int launches, uint64_t seed, clnas_latency *out,
                                   clnas_error *err)
{
    if (!model || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "latency: model and out are required");
    if (launches < 1 || launches > CLNAS_LATENCY_MAX_LAUNCHES)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "latency: launches: expected 1 to %d, got %d",
                               CLNAS_LATENCY_MAX_LAUNCHES, launches);
    const clnas_net_config *cfg = clnas_model_config(model);
    double *train = calloc((size_t)launches, sizeof *train);
    double *infer = calloc((size_t)launches, sizeof *infer);
    double *logits = calloc((size_t)cfg->batch * (size_t)cfg->classes, sizeof *logits);
    clnas_status st = train && infer && logits
                          ? CLNAS_OK
                          : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "latency: out of memory");
    if (st == CLNAS_OK)
        st = set_random_batch(model, seed, err);
    double loss = 0;
    /* Launch -1 is the untimed warm-up of each kind. */
    for (int i = -1; st == CLNAS_OK && i < launches; i++) {
        const double t0 = clnas_clock_seconds();
        st = clnas_model_step(model, 0.0, &loss, NULL, err);
        const double t1 = clnas_clock_seconds();
        if (st == CLNAS_OK)
            st = clnas_model_eval(model, logits, err);
        const double t2 = clnas_clock_seconds();
        if (i >= 0) {
            train[i] = 1e3 * (t1 - t0);
            infer[i] = 1e3 * (t2 - t1);
        }
    }
    if (st == CLNAS_OK) {
        memset(out, 0, sizeof *out);
        out->launches = launches;
        out->batch = cfg->batch;
        out->train_step_ms = median_sorted(train, launches);
        out->train_min_ms = train[0];
        out->train_max_ms = train[launches - 1];
        out->inference_ms = median_sorted(infer, launches);
        out->inference_min_ms = infer[0];
        out->inference_max_ms = infer[launches - 1];
    }
    free(train);
    free(infer);
    free(logits);
    return st;
}
