/* clnas — training throughput of a network on random inputs, and the time to get a new network ready to train
 * with an empty or a filled program cache. */
#include <stdlib.h>
#include <time.h>

#include "bench_device.h"
#include "clnas/model.h"
#include "model_build.h"
#include "clnas/rng.h"
#include "executor.h"
#include "plan.h"
#include "clock.h"

clnas_status clnas_bench_random_batch(clnas_model *model, clnas_error *err)
{
    const clnas_net_config *cfg = clnas_model_config(model);
    size_t n = (size_t)cfg->batch * (size_t)cfg->in_channels * (size_t)cfg->height * (size_t)cfg->width;
    float *images = malloc(n * sizeof *images);
    int32_t *labels = malloc((size_t)cfg->batch * sizeof *labels);
    clnas_status st = images && labels ? CLNAS_OK : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    clnas_rng rng;
    clnas_rng_seed(&rng, 1);
    for (size_t i = 0; i < n && st == CLNAS_OK; i++)
        images[i] = (float)clnas_rng_normal(&rng);
    for (int i = 0; i < cfg->batch && st == CLNAS_OK; i++)
        labels[i] = (int32_t)clnas_rng_below(&rng, (uint32_t)cfg->classes);
    if (st == CLNAS_OK)
        st = clnas_model_set_batch(model, images, labels, err);
    free(images);
    free(labels);
    return st;
}

clnas_status clnas_bench_model_new(clnas_device *dev, clnas_program_cache *cache, const clnas_net_config *cfg,
                                   clnas_model **out, clnas_error *err)
{
    clnas_status st = clnas_model_build(dev, cache, cfg, out, err);
    if (st == CLNAS_OK)
        st = clnas_model_init(*out, 0, err);
    if (st == CLNAS_OK)
        st = clnas_bench_random_batch(*out, err);
    return st;
}

clnas_status clnas_bench_train_steps(clnas_model *model, int warmup, int steps, int profile,
                                     clnas_bench_train_result *out, clnas_error *err)
{
    if (steps < 1 || warmup < 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "training benchmark: %d steps, %d warm-up (expected at "
                               "least 1 step)", steps, warmup);
    clnas_executor *ex = clnas_model_executor(model);
    clnas_status st = CLNAS_OK;
    for (int s = 0; s < warmup && st == CLNAS_OK; s++)
        st = clnas_model_step(model, 0.01, NULL, NULL, err);
    if (st == CLNAS_OK)
        st = clnas_executor_finish(ex, err);
    ex->profile = profile;
    double t1 = clnas_clock_seconds();
    for (int s = 0; s < steps && st == CLNAS_OK; s++)
        st = clnas_model_step(model, 0.01, NULL, NULL, err);
    if (st == CLNAS_OK)
        st = clnas_executor_finish(ex, err);
    if (st == CLNAS_OK) {
        double seconds = clnas_clock_seconds() - t1;
        out->seconds_per_step = seconds / steps;
        out->images_per_second = (double)steps * clnas_model_config(model)->batch / seconds;
        out->launches_per_step = clnas_model_plan(model)->ntrain;
    }
    return st;
}

clnas_status clnas_bench_train(clnas_device *dev, clnas_program_cache *cache, const clnas_net_config *cfg, int warmup,
                               int steps, clnas_bench_train_result *out, clnas_error *err)
{
    if (steps < 1 || warmup < 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "training benchmark: %d steps, %d warm-up (expected at "
                               "least 1 step)", steps, warmup);
    clnas_model *model = NULL;
    double t0 = clnas_clock_seconds();
    clnas_status st = clnas_bench_model_new(dev, cache, cfg, &model, err);
    out->setup_seconds = clnas_clock_seconds() - t0;
    if (st == CLNAS_OK)
        st = clnas_bench_train_steps(model, warmup, steps, 0, out, err);
    clnas_model_free(model);
    return st;
}

clnas_status clnas_bench_setup(clnas_device *dev, const char *cache_dir, const clnas_net_config *cfg,
                               clnas_workspace *ws, clnas_bench_setup_result *out, clnas_error *err)
{
    clnas_program_cache *cache = NULL;
    clnas_status st = clnas_program_cache_new(dev, cache_dir, &cache, err);
    if (st != CLNAS_OK)
        return st;
    clnas_model *model = NULL;
    double t[5] = {clnas_clock_seconds()};
    st = clnas_model_build_in(dev, cache, cfg, NULL, ws, &model, err);
    t[1] = clnas_clock_seconds();
    if (st == CLNAS_OK)
        st = clnas_model_init(model, 0, err);
    if (st == CLNAS_OK)
        st = clnas_bench_random_batch(model, err);
    t[2] = clnas_clock_seconds();
    for (int s = 0; s < 2; s++) {
        if (st == CLNAS_OK)
            st = clnas_model_step(model, 0.01, NULL, NULL, err);
        if (st == CLNAS_OK)
            st = clnas_executor_finish(clnas_model_executor(model), err);
        t[3 + s] = clnas_clock_seconds();
    }
    if (st == CLNAS_OK) {
        const clnas_executor *ex = clnas_model_executor(model);
        out->model_seconds = t[1] - t[0];
        out->kernels_seconds = ex->prepare_seconds;
        out->algo_seconds = ex->algo_seconds;
        out->plan_seconds = out->model_seconds - out->kernels_seconds - out->algo_seconds;
        out->init_seconds = t[2] - t[1];
        out->first_step_seconds = t[3] - t[2];
        out->step_seconds = t[4] - t[3];
        double extra = out->first_step_seconds - out->step_seconds;
        out->ready_seconds = t[2] - t[0] + (extra > 0 ? extra : 0);
        out->total_seconds = t[3] - t[0];
        out->algo_measured = ex->algo_measured;
        clnas_program_cache_stats_get(cache, &out->cache);
    }
    clnas_model_free(model);
    clnas_program_cache_free(cache);
    return st;
}
