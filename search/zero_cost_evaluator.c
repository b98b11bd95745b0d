/* clnas — the zero-cost evaluator: build, initialise, one batch forward and backward, the proxy as fitness. */
#include "zero_cost_evaluator.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "model_build.h"

typedef struct zc_evaluator {
    clnas_device *dev;
    struct clnas_program_cache *cache;
    clnas_train_evaluator_config cfg;
    clnas_zero_cost_proxy proxy;
    clnas_workspace *workspace;
    float *images; /* the scoring batch, the same for every trial */
    int32_t *labels;
} zc_evaluator;

static void zc_destroy(void *state)
{
    zc_evaluator *z = state;
    if (!z)
        return;
    clnas_workspace_free(z->workspace);
    free(z->images);
    free(z->labels);
    free(z);
}

/* Builds, initialises and scores the network; a failure of the architecture goes to trial_err. */
static clnas_status score(zc_evaluator *z, const clnas_space_genotype *arch, double *scores, long *params,
                          clnas_error *trial_err)
{
    clnas_net_config nc;
    clnas_model *model = NULL;
    clnas_status st = clnas_train_evaluator_net(&z->cfg, arch, &nc, trial_err); /* any space's network */
    if (st == CLNAS_OK)
        st = clnas_model_build_in(z->dev, z->cache, &nc, NULL, z->workspace, &model, trial_err);
    if (st == CLNAS_OK)
        st = clnas_model_init(model, z->cfg.seed, trial_err);
    if (st == CLNAS_OK)
        st = clnas_model_set_batch(model, z->images, z->labels, trial_err);
    if (st == CLNAS_OK)
        st = clnas_zero_cost_scores_of(model, CLNAS_ZC_ONE_PASS | CLNAS_ZC_BIT(z->proxy), scores, trial_err);
    if (st == CLNAS_OK)
        *params = clnas_model_param_count(model);
    clnas_model_free(model);
    return st;
}

static clnas_status zc_evaluate(void *state, const clnas_space_genotype *arch, clnas_evaluator_result *out,
                                clnas_error *err)
{
    zc_evaluator *z = state;
    memset(out, 0, sizeof *out);
    out->fitness = NAN;
    const double t0 = clnas_clock_seconds();
    double scores[CLNAS_ZC_COUNT];
    clnas_error trial_err = {0};
    clnas_status st = score(z, arch, scores, &out->params, &trial_err);
    out->seconds = clnas_clock_seconds() - t0;
    if (st != CLNAS_OK || !isfinite(scores[z->proxy])) {
        out->status = st == CLNAS_OK ? CLNAS_TRIAL_DIVERGED : CLNAS_TRIAL_FAILED;
        snprintf(out->error, sizeof out->error, "%s",
                 st == CLNAS_OK ? "the proxy's score is not finite" : trial_err.message);
        return CLNAS_OK;
    }
    out->status = CLNAS_TRIAL_OK;
    out->fitness = clnas_zero_cost_fitness(z->proxy, scores[z->proxy]);
    out->flops = scores[CLNAS_ZC_FLOPS];
    out->extra = cJSON_CreateObject();
    for (int p = 0; out->extra && p < CLNAS_ZC_COUNT; p++) {
        char key[32];
        snprintf(key, sizeof key, "zc_%s", clnas_zero_cost_name(p));
        if (!cJSON_AddNumberToObject(out->extra, key, scores[p])) {
            cJSON_Delete(out->extra);
            out->extra = NULL;
        }
    }
    if (!out->extra)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "zero-cost evaluator: out of memory");
    return CLNAS_OK;
}

double clnas_zero_cost_fitness(clnas_zero_cost_proxy proxy, double s)
{
    if (proxy < CLNAS_ZC_SYNFLOW) /* snip, grad_norm, params, flops: never negative */
        return s > 0.0 ? s / (1.0 + s) : 0.0;
    /* synflow spans 1e6..1e11 (s / (1 + s) would round every one to 1), jacob_cov and NASWOT may be negative */
    const double squashed = s >= 0 ? log1p(s) : -log1p(-s);
    return 0.5 + atan(squashed) / 3.14159265358979323846;
}

static const clnas_evaluator_iface zc_iface = {"zero-cost", zc_evaluate, zc_destroy, NULL, NULL};

/* The first batch of the training split in the order of clnas_batcher shuffled with the seed. */
static clnas_status first_batch(zc_evaluator *z, clnas_error *err)
{
    const clnas_dataset *ds = z->cfg.train;
    const size_t n = (size_t)z->cfg.batch * (size_t)ds->channels * (size_t)ds->height * (size_t)ds->width;
    z->images = malloc(n * sizeof *z->images);
    z->labels = malloc((size_t)z->cfg.batch * sizeof *z->labels);
    if (!z->images || !z->labels)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "zero-cost evaluator: out of memory");
    clnas_batcher b;
    clnas_status st = clnas_batcher_init(&b, ds, z->cfg.batch, 1, z->cfg.seed, z->cfg.mean, z->cfg.std, err);
    if (st != CLNAS_OK)
        return st;
    int got = 0;
    st = clnas_batcher_next(&b, z->images, sizeof *z->images, z->labels, &got, err);
    clnas_batcher_free(&b);
    if (st == CLNAS_OK && got < z->cfg.batch)
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                             "the zero-cost evaluator needs a whole batch: the training split has %d images, "
                             "proxy.batch is %d", ds->count, z->cfg.batch);
    return st;
}

clnas_status clnas_zero_cost_evaluator_new(clnas_device *dev, struct clnas_program_cache *cache,
                                           const clnas_train_evaluator_config *cfg, clnas_zero_cost_proxy proxy,
                                           clnas_evaluator *out, clnas_error *err)
{
    if (!cfg->train || cfg->train->count == 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "the zero-cost evaluator needs a training split");
    zc_evaluator *z = calloc(1, sizeof *z);
    if (!z)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "zero-cost evaluator: out of memory");
    z->dev = dev;
    z->cache = cache;
    z->cfg = *cfg;
    z->proxy = proxy;
    clnas_status st = clnas_workspace_new(dev, &z->workspace, err);
    if (st == CLNAS_OK)
        st = first_batch(z, err);
    if (st != CLNAS_OK) {
        zc_destroy(z);
        return st;
    }
    out->iface = &zc_iface;
    out->state = z;
    return CLNAS_OK;
}
