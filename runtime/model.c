/* clnas — model: a plan and its executor, with parameters addressed by their PyTorch names. */
#include "clnas/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/rng.h"
#include "context_internal.h"
#include "executor.h"
#include "model_build.h"
#include "param_grad_launches.h"
#include "plan.h"
#include "weights_check.h"
#include "profile_query.h"

struct clnas_model {
    clnas_plan *plan;
    clnas_executor *ex;
    int64_t batches_tracked; /* training forwards, as PyTorch's BatchNorm num_batches_tracked counts them */
    double drop_p;           /* DARTS drop-path probability of the next training forwards (plan->ndrop_masks rows) */
    clnas_rng drop_rng;      /* draws the drop-path masks */
    unsigned char *param_grad_launches; /* clnas_model_backward_no_param_grads' launches left out, made on first use */
};

#define DROP_PATH_SEED 0x64726f7070617468ull /* the masks' stream until clnas_model_set_drop_path gives a seed */

clnas_status clnas_model_set_drop_path(clnas_model *model, double p, uint64_t seed, clnas_error *err)
{
    if (!(p >= 0.0 && p < 1.0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "drop-path probability: expected 0 <= p < 1, got %g", p);
    if (p > 0.0 && model->plan->ndrop_masks == 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "drop-path: the network was compiled without it (a DARTS network with drop_path > 0)");
    model->drop_p = p;
    clnas_rng_seed(&model->drop_rng, seed);
    return CLNAS_OK;
}

/* Before a training forward: each dropped op's per-sample scale, 0 with probability p, else 1/(1-p), as DARTS'
 * drop_path (x / (1-p) * Bernoulli(1-p) mask) with its rows in DARTS' draw order. */
static clnas_status draw_drop_masks(clnas_model *model, clnas_error *err)
{
    const clnas_plan *plan = model->plan;
    if (plan->ndrop_masks == 0)
        return CLNAS_OK;
    const size_t batch = (size_t)plan->config.batch, stride = plan->drop_mask_stride;
    const size_t count = (size_t)(plan->ndrop_masks - 1) * stride + batch;
    double *rows = calloc(count, sizeof *rows);
    if (!rows)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    const double p = model->drop_p;
    for (int r = 0; r < plan->ndrop_masks; r++)
        for (size_t n = 0; n < batch; n++)
            rows[(size_t)r * stride + n] = p > 0.0 ? (clnas_rng_uniform(&model->drop_rng) < 1.0 - p) / (1.0 - p) : 1.0;
    clnas_status st = clnas_executor_write(model->ex, CLNAS_ARENA_INPUT, plan->drop_masks_offset, rows, count, err);
    free(rows);
    return st;
}

int64_t clnas_model_batches_tracked(const clnas_model *model)
{
    return model->batches_tracked;
}

void clnas_model_set_batches_tracked(clnas_model *model, int64_t count)
{
    model->batches_tracked = count;
}

clnas_status clnas_model_build(clnas_device *dev, struct clnas_program_cache *cache, const clnas_net_config *cfg,
                             clnas_model **out, clnas_error *err)
{
    return clnas_model_build_with_choices(dev, cache, cfg, NULL, out, err);
}

clnas_status clnas_model_build_with_choices(clnas_device *dev, struct clnas_program_cache *cache,
                                          const clnas_net_config *cfg, const struct clnas_algo_choices *recorded,
                                          clnas_model **out, clnas_error *err)
{
    *out = NULL;
    clnas_plan *plan = NULL;
    clnas_status st = clnas_plan_compile_on(dev, cfg, &plan, err);
    return st == CLNAS_OK ? clnas_model_build_shared(dev, cache, plan, recorded, NULL, out, err) : st;
}

clnas_status clnas_model_build_shared(clnas_device *dev, struct clnas_program_cache *cache, clnas_plan *plan,
                                    const struct clnas_algo_choices *recorded, const clnas_shared_arenas *shared,
                                    clnas_model **out, clnas_error *err)
{
    *out = NULL;
    clnas_model *m = calloc(1, sizeof *m);
    if (!m) {
        clnas_plan_free(plan);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    }
    m->plan = plan;
    m->drop_p = plan->config.drop_path;
    clnas_rng_seed(&m->drop_rng, DROP_PATH_SEED);
    clnas_status st = clnas_executor_new_shared(dev, cache, plan, recorded, shared, &m->ex, err);
    if (st != CLNAS_OK) {
        clnas_model_free(m);
        return st;
    }
    *out = m;
    return CLNAS_OK;
}

clnas_model_params clnas_model_default_params(void)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    clnas_model_params p;
    memset(&p, 0, sizeof p);
    p.channels = cfg.channels;
    p.cells = cfg.cells;
    p.in_channels = cfg.in_channels;
    p.height = cfg.height;
    p.width = cfg.width;
    p.classes = cfg.classes;
    p.batch = cfg.batch;
    p.fp64 = cfg.fp64;
    p.want_input_grad = cfg.want_input_grad;
    p.bn_eps = cfg.bn_eps;
    p.bn_momentum = cfg.bn_momentum;
    p.sgd_momentum = cfg.sgd_momentum;
    p.weight_decay = cfg.weight_decay;
    p.nesterov = cfg.nesterov;
    return p;
}

/* The network config the params describe (the search-only darts and gdas networks stay off). */
static clnas_status params_config(const clnas_model_params *p, clnas_net_config *cfg, clnas_error *err)
{
    clnas_net_config_default(cfg);
    if (!p->arch)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_model_new: params.arch (an NB201 arch string) is "
                               "required");
    if (clnas_genotype_parse(p->arch, &cfg->genotype, err) != CLNAS_OK)
        return clnas_error_prefix(err, "clnas_model_new: params.arch");
    cfg->channels = p->channels;
    cfg->cells = p->cells;
    cfg->in_channels = p->in_channels;
    cfg->height = p->height;
    cfg->width = p->width;
    cfg->classes = p->classes;
    cfg->batch = p->batch;
    cfg->fp64 = p->fp64;
    cfg->want_input_grad = p->want_input_grad;
    cfg->bn_eps = p->bn_eps;
    cfg->bn_momentum = p->bn_momentum;
    cfg->sgd_momentum = p->sgd_momentum;
    cfg->weight_decay = p->weight_decay;
    cfg->nesterov = p->nesterov;
    if (clnas_net_config_check(cfg, err) != CLNAS_OK)
        return clnas_error_prefix(err, "clnas_model_new");
    return CLNAS_OK;
}

clnas_status clnas_model_new(clnas_context *ctx, const clnas_model_params *params, clnas_model **out,
                             clnas_error *err)
{
    if (!out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_model_new: out must not be NULL");
    *out = NULL;
    if (!ctx || !params)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_model_new: ctx and params must not be NULL");
    clnas_net_config cfg;
    clnas_status st = params_config(params, &cfg, err);
    clnas_model *m = NULL;
    if (st == CLNAS_OK)
        st = clnas_model_build_in(clnas_context_device_mut(ctx), clnas_context_program_cache(ctx), &cfg, NULL,
                                  params->workspace, &m, err);
    if (st == CLNAS_OK)
        st = clnas_model_init(m, params->seed, err);
    if (st != CLNAS_OK) {
        clnas_model_free(m);
        return st;
    }
    *out = m;
    return CLNAS_OK;
}

void clnas_model_free(clnas_model *model)
{
    if (!model)
        return;
    clnas_executor_free(model->ex);
    clnas_plan_free(model->plan);
    free(model->param_grad_launches);
    free(model);
}

const clnas_net_config *clnas_model_config(const clnas_model *model)
{
    return &model->plan->config;
}

const struct clnas_plan *clnas_model_plan(const clnas_model *model)
{
    return model->plan;
}

struct clnas_executor *clnas_model_executor(clnas_model *model)
{
    return model->ex;
}

const struct clnas_algo_choices *clnas_model_algo_choices(const clnas_model *model)
{
    return &model->ex->choices;
}

double clnas_model_forward_flops(const clnas_model *model)
{
    return clnas_plan_forward_flops(model->plan);
}

long clnas_model_param_count(const clnas_model *model)
{
    long n = 0;
    for (int i = 0; i < model->plan->nparams; i++)
        if (model->plan->params[i].arena == CLNAS_ARENA_PARAMS && model->plan->params[i].live)
            n += (long)model->plan->params[i].count;
    return n;
}

static const clnas_param_info *find(clnas_model *m, const char *name, size_t count, clnas_error *err)
{
    int i = clnas_plan_find_param(m->plan, name);
    if (i < 0) {
        clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "the network has no parameter '%s'", name);
        return NULL;
    }
    const clnas_param_info *p = &m->plan->params[i];
    if (p->count != count) {
        clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "parameter '%s' has %zu elements, not %zu", name, p->count,
                        count);
        return NULL;
    }
    return p;
}

clnas_status clnas_model_get(clnas_model *model, const char *name, double *out, size_t count, clnas_error *err)
{
    const clnas_param_info *p = find(model, name, count, err);
    return p ? clnas_executor_read(model->ex, p->arena, p->offset, out, count, err) : err->status;
}

clnas_status clnas_model_set(clnas_model *model, const char *name, const double *in, size_t count, clnas_error *err)
{
    const clnas_param_info *p = find(model, name, count, err);
    return p ? clnas_executor_write(model->ex, p->arena, p->offset, in, count, err) : err->status;
}

clnas_status clnas_model_get_grad(clnas_model *model, const char *name, double *out, size_t count, clnas_error *err)
{
    const clnas_param_info *p = find(model, name, count, err);
    if (p && p->arena != CLNAS_ARENA_PARAMS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "'%s' is a running statistic: it has no gradient", name);
    return p ? clnas_executor_read(model->ex, CLNAS_ARENA_GRADS, p->offset, out, count, err) : err->status;
}

clnas_status clnas_model_set_grad(clnas_model *model, const char *name, const double *in, size_t count,
                                  clnas_error *err)
{
    const clnas_param_info *p = find(model, name, count, err);
    if (p && p->arena != CLNAS_ARENA_PARAMS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "'%s' is a running statistic: it has no gradient", name);
    return p ? clnas_executor_write(model->ex, CLNAS_ARENA_GRADS, p->offset, in, count, err) : err->status;
}

clnas_status clnas_model_init(clnas_model *model, uint64_t seed, clnas_error *err)
{
    const clnas_plan *plan = model->plan;
    model->batches_tracked = 0;
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    double *host[2] = {calloc(plan->arena_elems[CLNAS_ARENA_PARAMS] + 1, sizeof(double)),
                       calloc(plan->arena_elems[CLNAS_ARENA_STATE] + 1, sizeof(double))};
    clnas_status st = host[0] && host[1] ? CLNAS_OK : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
        const clnas_param_info *p = &plan->params[i];
        double *dst = host[p->arena == CLNAS_ARENA_STATE] + p->offset;
        double bound = p->fan_in > 0 ? 1.0 / sqrt((double)p->fan_in) : 0.0;
        for (size_t k = 0; k < p->count; k++) {
            switch (p->init) {
            case CLNAS_INIT_KAIMING_UNIFORM:
            case CLNAS_INIT_FAN_IN_UNIFORM:
                dst[k] = bound * (2.0 * clnas_rng_uniform(&rng) - 1.0);
                break;
            case CLNAS_INIT_ONES:
                dst[k] = 1.0;
                break;
            case CLNAS_INIT_ZEROS:
                dst[k] = 0.0;
                break;
            }
        }
    }
    if (st == CLNAS_OK)
        st = clnas_executor_write(model->ex, CLNAS_ARENA_PARAMS, 0, host[0], plan->arena_elems[CLNAS_ARENA_PARAMS],
                                  err);
    if (st == CLNAS_OK)
        st = clnas_executor_write(model->ex, CLNAS_ARENA_STATE, 0, host[1], plan->arena_elems[CLNAS_ARENA_STATE], err);
    if (st == CLNAS_OK)
        st = clnas_executor_zero(model->ex, CLNAS_ARENA_MOMENTUM, err);
    free(host[0]);
    free(host[1]);
    return st;
}

clnas_status clnas_model_set_batch(clnas_model *model, const void *images, const int32_t *labels, clnas_error *err)
{
    const clnas_net_config *c = &model->plan->config;
    size_t n = (size_t)c->batch * (size_t)c->in_channels * (size_t)c->height * (size_t)c->width;
    clnas_status st =
        clnas_executor_write_raw(model->ex, CLNAS_ARENA_INPUT, 0, images, n * clnas_plan_elem_size(model->plan), err);
    if (st == CLNAS_OK && labels) {
        for (int i = 0; i < c->batch; i++)
            if (labels[i] < 0 || labels[i] >= c->classes)
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "label %d of image %d is outside 0..%d",
                                       labels[i], i, c->classes - 1);
        st = clnas_executor_write_labels(model->ex, labels, (size_t)c->batch, err);
    }
    return st;
}

clnas_status clnas_model_forward(clnas_model *model, clnas_error *err)
{
    clnas_status st = draw_drop_masks(model, err);
    if (st == CLNAS_OK)
        st = clnas_executor_run(model->ex, CLNAS_RUN_FORWARD, 0.0, err);
    model->batches_tracked += st == CLNAS_OK;
    return st;
}

clnas_status clnas_model_backward(clnas_model *model, clnas_error *err)
{
    return clnas_executor_run(model->ex, CLNAS_RUN_BACKWARD, 0.0, err);
}

clnas_status clnas_model_backward_no_param_grads(clnas_model *model, clnas_error *err)
{
    if (!model->param_grad_launches) {
        model->param_grad_launches = malloc((size_t)model->plan->ntrain + 1);
        if (!model->param_grad_launches)
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        clnas_plan_param_grad_launches(model->plan, model->param_grad_launches);
    }
    return clnas_executor_run_skipping(model->ex, CLNAS_RUN_BACKWARD, 0.0, model->param_grad_launches, err);
}

clnas_status clnas_model_update(clnas_model *model, double lr, clnas_error *err)
{
    return clnas_executor_run(model->ex, CLNAS_RUN_UPDATE, lr, err);
}

clnas_status clnas_model_read_logits(clnas_model *model, double *logits, clnas_error *err)
{
    const clnas_net_config *c = &model->plan->config;
    return clnas_executor_read(model->ex, CLNAS_ARENA_ACT, model->plan->logits_offset, logits,
                               (size_t)c->batch * (size_t)c->classes, err);
}

clnas_status clnas_model_read_loss(clnas_model *model, double *loss, clnas_error *err)
{
    return clnas_executor_read(model->ex, CLNAS_ARENA_ACT, model->plan->loss_offset, loss, 1, err);
}

clnas_status clnas_model_read_input_grad(clnas_model *model, double *grad, clnas_error *err)
{
    const clnas_net_config *c = &model->plan->config;
    if (!model->plan->has_input_grad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "the network was compiled without want_input_grad");
    size_t n = (size_t)c->batch * (size_t)c->in_channels * (size_t)c->height * (size_t)c->width;
    return clnas_executor_read(model->ex, CLNAS_ARENA_ACT, model->plan->input_grad_offset, grad, n, err);
}

clnas_status clnas_model_step(clnas_model *model, double lr, double *loss, double *logits, clnas_error *err)
{
    clnas_status st = draw_drop_masks(model, err);
    if (st == CLNAS_OK)
        st = clnas_executor_run(model->ex, CLNAS_RUN_STEP, lr, err);
    model->batches_tracked += st == CLNAS_OK;
    if (st == CLNAS_OK && loss)
        st = clnas_model_read_loss(model, loss, err);
    if (st == CLNAS_OK && logits)
        st = clnas_model_read_logits(model, logits, err);
    return st;
}

clnas_status clnas_model_eval(clnas_model *model, double *logits, clnas_error *err)
{
    const clnas_net_config *c = &model->plan->config;
    clnas_status st = clnas_executor_run(model->ex, CLNAS_RUN_EVAL, 0.0, err);
    if (st == CLNAS_OK)
        st = clnas_executor_read(model->ex, CLNAS_ARENA_ACT, model->plan->eval_logits_offset, logits,
                                 (size_t)c->batch * (size_t)c->classes, err);
    return st;
}

clnas_status clnas_model_backward_from(clnas_model *model, const double *dlogits, clnas_error *err)
{
    const clnas_plan *plan = model->plan;
    const clnas_net_config *c = &plan->config;
    if (c->space == CLNAS_NET_DARTS && c->auxiliary)
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "backward from chosen logit gradients: the network has an "
                               "auxiliary head, whose loss the backward pass would add");
    const size_t n = (size_t)c->batch * (size_t)c->classes;
    for (int b = 0; b < plan->nbuffers; b++) {
        const clnas_plan_buffer *t = &plan->buffers[b];
        if (strcmp(t->name, "logits:grad") != 0)
            continue;
        if (t->count != n)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "the plan's logits:grad has %zu elements, not batch x "
                                   "classes = %zu", t->count, n);
        /* the loss node wrote its gradient here in the forward pass; the backward pass starts from it */
        clnas_status st = clnas_executor_write(model->ex, t->arena, t->offset, dlogits, n, err);
        return st == CLNAS_OK ? clnas_executor_run(model->ex, CLNAS_RUN_BACKWARD, 0.0, err) : st;
    }
    return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "the plan has no tensor logits:grad (not a training plan?)");
}
