/* clnas — training evaluator: compile, initialise, train with the proxy recipe, score on the validation split.
 * A network that fails to build or to fit, or whose loss diverges, is a failed trial, not an error. */
#include "model_build.h"
#include "train_evaluator.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clnas/model.h"
#include "clnas/train.h"
#include "arch_cost.h"
#include "clock.h"
#include "net_genotype.h"
#include "space_nb201.h"

typedef struct train_evaluator {
    clnas_device *dev;
    struct clnas_program_cache *cache;
    clnas_train_evaluator_config cfg;
    clnas_algo_choices choices; /* every choice made so far in this run */
    clnas_workspace *workspace; /* activation memory every trial's model reuses */
    char choices_path[1024];
    clnas_train_evaluator_step_fn step; /* may be NULL */
    void *step_user;
} train_evaluator;

/* Adds the model's choices to the run's record and saves it when something was new. */
static clnas_status record_choices(train_evaluator *te, const clnas_algo_choices *made, clnas_error *err)
{
    int added = 0;
    for (int i = 0; i < made->count; i++)
        if (!clnas_algo_choices_find(&te->choices, made->rec[i].sig)) {
            clnas_status st = clnas_algo_choices_put(&te->choices, &made->rec[i], err);
            if (st != CLNAS_OK)
                return st;
            added = 1;
        }
    if (added && te->choices_path[0])
        return clnas_algo_choices_save(&te->choices, te->choices_path, err);
    return CLNAS_OK;
}

/* The trial's training, told on the timer only (the trial line follows when it ends). */
static void trial_progress(const clnas_train_progress *p, void *user)
{
    const train_evaluator *te = user;
    if (!te->step || p->step == p->steps)
        return;
    char line[160];
    int left = (int)p->seconds_left;
    snprintf(line, sizeof line, "          training: step %d/%d  loss %.4f  %.0f img/s  %dm%02ds left", p->step,
             p->steps, p->loss, p->images_per_second, left / 60, left % 60);
    te->step(line, te->step_user);
}

/* Trains `fraction` of the proxy's steps (epochs x whole batches of the training split), at least one step, with
 * the cosine schedule over the shortened run, as a shorter training would. */
static clnas_status evaluate_at(void *state, const clnas_space_genotype *arch, double fraction,
                                clnas_evaluator_result *out, clnas_error *err)
{
    train_evaluator *te = state;
    memset(out, 0, sizeof *out);
    out->fitness = NAN;
    double t0 = clnas_clock_seconds();
    clnas_net_config nc;
    clnas_error trial_err;
    clnas_error_clear(&trial_err);
    clnas_status st = clnas_train_evaluator_net(&te->cfg, arch, &nc, &trial_err);
    clnas_train_options opt;
    clnas_train_options_default(&opt);
    opt.epochs = te->cfg.epochs;
    if (fraction < 1.0) {
        const double full = (double)te->cfg.epochs * (double)(te->cfg.train->count / te->cfg.batch);
        opt.steps = full * fraction >= 1.0 ? (int)lround(full * fraction) : 1;
    }
    opt.lr = te->cfg.lr;
    opt.seed = te->cfg.seed;
    opt.report_every = 1 << 30; /* on the timer only */
    opt.progress = trial_progress;
    opt.user = te;
    memcpy(opt.mean, te->cfg.mean, sizeof opt.mean);
    memcpy(opt.std, te->cfg.std, sizeof opt.std);
    clnas_model *model = NULL;
    clnas_train_result res;
    memset(&res, 0, sizeof res);
    double acc = NAN, loss = NAN, t_compile = 0;
    if (st == CLNAS_OK)
        st = clnas_model_build_in(te->dev, te->cache, &nc, &te->choices, te->workspace, &model, &trial_err);
    if (st == CLNAS_OK) {
        t_compile = clnas_clock_seconds() - t0;
        out->params = clnas_model_param_count(model);
        out->flops = clnas_model_forward_flops(model);
        st = clnas_model_init(model, te->cfg.seed, &trial_err);
    }
    if (st == CLNAS_OK)
        st = clnas_train(model, te->cfg.train, &opt, &res, &trial_err);
    if (st == CLNAS_OK)
        st = clnas_evaluate(model, te->cfg.val, opt.mean, opt.std, &acc, &loss, &trial_err);
    clnas_status rec = model ? record_choices(te, clnas_model_algo_choices(model), err) : CLNAS_OK;
    clnas_model_free(model);
    if (rec != CLNAS_OK)
        return rec;
    out->seconds = clnas_clock_seconds() - t0;
    if (clnas_evaluator_result_end(out, st, acc, loss, &trial_err)) {
        cJSON_AddNumberToObject(out->extra, "train_loss", res.final_loss);
        cJSON_AddNumberToObject(out->extra, "compile_seconds", t_compile);
        cJSON_AddNumberToObject(out->extra, "first_step_seconds", res.first_step_seconds); /* PoCL compiles here */
        cJSON_AddNumberToObject(out->extra, "train_seconds", res.seconds);
        cJSON_AddNumberToObject(out->extra, "train_images_per_second", res.train_images_per_second);
        if (fraction < 1.0)
            cJSON_AddNumberToObject(out->extra, "train_steps", res.steps);
    }
    return CLNAS_OK;
}

static clnas_status evaluate(void *state, const clnas_space_genotype *arch, clnas_evaluator_result *out,
                             clnas_error *err)
{
    return evaluate_at(state, arch, 1.0, out, err);
}

static void destroy(void *state)
{
    train_evaluator *te = state;
    clnas_algo_choices_free(&te->choices);
    clnas_workspace_free(te->workspace);
    free(te);
}

clnas_status clnas_train_evaluator_net(const clnas_train_evaluator_config *cfg, const clnas_space_genotype *arch,
                                       clnas_net_config *nc, clnas_error *err)
{
    clnas_net_config_default(nc);
    nc->channels = cfg->channels;
    nc->cells = cfg->cells;
    nc->layers = cfg->layers > 0 ? cfg->layers : nc->layers;
    nc->batch = cfg->batch;
    nc->memory_budget = cfg->memory_budget;
    nc->in_channels = cfg->train->channels;
    nc->height = cfg->train->height;
    nc->width = cfg->train->width;
    return clnas_net_config_set_genotype(nc, clnas_space_or_nb201(cfg->space), arch, err);
}

static clnas_status cost(void *state, const clnas_space_genotype *arch, long *params, double *flops, clnas_error *err)
{
    const train_evaluator *te = state;
    clnas_net_config nc;
    clnas_status st = clnas_train_evaluator_net(&te->cfg, arch, &nc, err);
    return st == CLNAS_OK ? clnas_arch_cost(&nc, params, flops, err) : st;
}

static const clnas_evaluator_iface train_evaluator_iface = {"train", evaluate, destroy, evaluate_at, cost};

void clnas_train_evaluator_set_step(clnas_evaluator *ev, clnas_train_evaluator_step_fn fn, void *user)
{
    if (!ev || ev->iface != &train_evaluator_iface)
        return;
    train_evaluator *te = ev->state;
    te->step = fn;
    te->step_user = user;
}

clnas_status clnas_train_evaluator_new(clnas_device *dev, struct clnas_program_cache *cache,
                                       const clnas_train_evaluator_config *cfg, clnas_evaluator *out, clnas_error *err)
{
    void *state = NULL;
    /* no training split counts as no validation split, as ever */
    clnas_status st = clnas_evaluator_state_new("training", cfg->train ? cfg->val : NULL, sizeof(train_evaluator),
                                                &state, err);
    if (st != CLNAS_OK)
        return st;
    train_evaluator *te = state;
    te->dev = dev;
    te->cache = cache;
    te->cfg = *cfg;
    clnas_algo_choices_init(&te->choices);
    clnas_status made = clnas_workspace_new(dev, &te->workspace, err);
    if (made != CLNAS_OK) {
        destroy(te);
        return made;
    }
    if (cfg->choices_path) {
        snprintf(te->choices_path, sizeof te->choices_path, "%s", cfg->choices_path);
        int ignored = 0;
        clnas_status st = clnas_algo_choices_load(&te->choices, cfg->choices_path, &ignored, err);
        if (st != CLNAS_OK) {
            destroy(te);
            return st;
        }
    }
    out->iface = &train_evaluator_iface;
    out->state = te;
    return CLNAS_OK;
}
