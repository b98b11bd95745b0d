/* clnas — SPOS: the supernet trained one uniformly sampled path per step, then searched with paths scored on the
 * validation split after BatchNorm recalibration. */
#include "model_build.h"
#include "spos.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clnas/train.h"
#include "batch_stream.h"
#include "plan.h"
#include "clock.h"
#include "schedule.h"
#include "argmax.h"
#include "chain_paths.h"
#include "grad_shares.h"
#include "space_nb201.h"

void clnas_spos_sample(const clnas_edge_op_set *op_set, clnas_rng *rng, clnas_genotype *out)
{
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        int held[CLNAS_NB201_OPS], n = 0;
        for (int k = 0; k < CLNAS_NB201_OPS; k++)
            if (op_set->op_mask[e] & (1u << k))
                held[n++] = k;
        out->ops[e] = (uint8_t)(n ? held[clnas_rng_below(rng, (uint32_t)n)] : CLNAS_OP_NONE);
    }
}

static int in_op_set(const clnas_space_genotype *g, const void *op_set)
{
    const clnas_genotype cell = clnas_nb201_of(g);
    return clnas_edge_op_set_has(op_set, &cell);
}

int clnas_spos_classes(const clnas_edge_op_set *op_set, uint32_t *index_out)
{
    uint64_t *rep = malloc(CLNAS_NB201_CELLS * sizeof *rep);
    const int64_t n = rep ? clnas_space_class_representatives(&clnas_space_nb201, in_op_set, op_set, rep) : -1;
    for (int64_t i = 0; i < n; i++)
        index_out[i] = (uint32_t)rep[i];
    free(rep);
    return (int)n;
}

/* A path of some space: the genotype of the supernet's space. */
typedef struct spos_path {
    clnas_genotype nb201;
    clnas_darts_genotype darts;
    clnas_chain_genotype chain;
} spos_path;

/* Step t's path: on the DARTS space a uniform genotype (clnas_space_darts.sample's draw); on the chain space one
 * op per layer among those its skeleton's layer holds (chain_mask); else a class of opt->class_index, else one op
 * per edge. */
static void spos_draw(const clnas_edge_op_set *op_set, const clnas_spos_train_options *opt,
                      const clnas_net_config *net, const uint16_t *chain_mask, clnas_rng *rng, spos_path *out)
{
    if (net->space == CLNAS_NET_DARTS)
        clnas_darts_genotype_sample(rng, &out->darts);
    else if (net->space == CLNAS_NET_CHAIN)
        clnas_chain_path_sample(&net->chain_genotype, chain_mask, rng, &out->chain);
    else if (opt->class_index)
        clnas_genotype_from_index(opt->class_index[clnas_rng_below(rng, (uint32_t)opt->classes)], &out->nb201);
    else
        clnas_spos_sample(op_set, rng, &out->nb201);
}

/* The path's model over the supernet's weights. */
static clnas_status path_model(clnas_supernet *sn, const spos_path *p, clnas_model **out, clnas_error *err)
{
    switch (clnas_supernet_config(sn)->space) {
    case CLNAS_NET_DARTS:
        return clnas_supernet_path_darts(sn, &p->darts, out, err);
    case CLNAS_NET_CHAIN:
        return clnas_supernet_path_chain(sn, &p->chain, out, err);
    default:
        return clnas_supernet_path(sn, &p->nb201, out, err);
    }
}

static void path_format(const clnas_net_config *net, const spos_path *p, char *buf, size_t cap)
{
    if (net->space == CLNAS_NET_DARTS)
        clnas_darts_genotype_format(&p->darts, buf, cap, NULL);
    else if (net->space == CLNAS_NET_CHAIN)
        clnas_chain_genotype_format(&p->chain, buf, cap, NULL);
    else
        clnas_genotype_format(&p->nb201, buf, cap, NULL);
}

/* 1 for a BatchNorm running statistic: the STATE tensors recalibration resets and averages. A GDAS path's STATE
 * also holds each edge's h (1) and dL/dh, which are not statistics and must keep their values. */
static int bn_statistic(const clnas_param_info *p)
{
    static const char *const suffix[] = {".running_mean", ".running_var"};
    const size_t n = strlen(p->name);
    for (int i = 0; i < 2; i++) {
        const size_t k = strlen(suffix[i]);
        if (p->arena == CLNAS_ARENA_STATE && p->live && n >= k && strcmp(p->name + n - k, suffix[i]) == 0)
            return 1;
    }
    return 0;
}

clnas_status clnas_path_bn_recalibrate(clnas_model *path, const clnas_dataset *data, int batches, uint64_t seed,
                                       const double *mean, const double *std, clnas_error *err)
{
    const clnas_plan *plan = clnas_model_plan(path);
    const clnas_net_config *c = clnas_model_config(path);
    if (batches < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "BatchNorm recalibration needs at least 1 batch, got %d",
                               batches);
    if (!(c->bn_momentum > 0.0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "BatchNorm recalibration needs a momentum > 0");
    size_t total = 0;
    for (int i = 0; i < plan->nparams; i++)
        if (bn_statistic(&plan->params[i]))
            total += plan->params[i].count;
    double *sum = calloc(total + 1, sizeof *sum), *buf = calloc(total + 1, sizeof *buf);
    clnas_batch_stream src;
    clnas_status st = sum && buf ? clnas_batch_stream_init(&src, c, data, "training", 1, seed, mean, std, err)
                                 : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    /* with running statistics at 0 before a batch, the kernel leaves momentum * the batch statistic */
    for (int k = 0; k < batches && st == CLNAS_OK; k++) {
        size_t at = 0;
        for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
            const clnas_param_info *p = &plan->params[i];
            if (bn_statistic(p)) {
                st = clnas_model_set(path, p->name, buf + at, p->count, err);
                at += p->count;
            }
        }
        if (st == CLNAS_OK)
            st = clnas_batch_stream_next(&src, NULL, err);
        if (st == CLNAS_OK)
            st = clnas_model_set_batch(path, src.images, src.labels, err);
        if (st == CLNAS_OK)
            st = clnas_model_forward(path, err);
        at = 0;
        for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
            const clnas_param_info *p = &plan->params[i];
            if (!bn_statistic(p))
                continue;
            double *got = malloc(p->count * sizeof *got);
            st = got ? clnas_model_get(path, p->name, got, p->count, err)
                     : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
            for (size_t j = 0; st == CLNAS_OK && j < p->count; j++)
                sum[at + j] += got[j] / c->bn_momentum;
            free(got);
            at += p->count;
        }
        memset(buf, 0, (total + 1) * sizeof *buf);
    }
    size_t at = 0;
    for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (!bn_statistic(p))
            continue;
        for (size_t j = 0; j < p->count; j++)
            sum[at + j] /= batches;
        st = clnas_model_set(path, p->name, sum + at, p->count, err);
        at += p->count;
    }
    if (sum && buf)
        clnas_batch_stream_free(&src);
    free(sum);
    free(buf);
    return st;
}

/* Step t's SGD step of path on the stream's batch: whole, or in shares (opt->shares); *hits of the whole batch,
 * *stop in: this process's request, out: the agreed one (with a sum over processes). */
static clnas_status spos_step(clnas_model *path, const clnas_spos_train_options *opt, const clnas_batch_stream *src,
                              double lr, double *logits, double *loss, long *hits, int *stop, clnas_error *err)
{
    const clnas_net_config *c = clnas_model_config(path);
    *hits = 0;
    if (clnas_grad_shares_on(opt->shares)) {
        clnas_share_step io;
        memset(&io, 0, sizeof io);
        io.stop = *stop;
        clnas_status st = clnas_grad_shares_step(path, opt->shares, src->images, src->labels,
                                                 CLNAS_SHARE_GRADS | CLNAS_SHARE_UPDATE, lr, &io, err);
        *loss = io.loss;
        *hits = io.hits;
        *stop = io.stop;
        return st;
    }
    clnas_status st = clnas_model_set_batch(path, src->images, src->labels, err);
    if (st == CLNAS_OK)
        st = clnas_model_step(path, lr, loss, logits, err);
    for (int i = 0; st == CLNAS_OK && i < c->batch; i++)
        *hits += clnas_argmax(logits + (size_t)i * (size_t)c->classes, c->classes) == src->labels[i];
    return st;
}

static void report(clnas_supernet *sn, const clnas_spos_train_options *opt, int t, double lr, double loss,
                   double accuracy, double t0)
{
    clnas_spos_progress p = {0};
    int reused = 0;
    p.step = t + 1;
    p.steps = opt->steps;
    p.lr = lr;
    p.loss = loss;
    p.train_accuracy = accuracy;
    p.seconds = clnas_clock_seconds() - t0;
    p.seconds_left = p.seconds / (t + 1 - opt->start_step) * (opt->steps - t - 1);
    clnas_supernet_path_stats(sn, &p.paths_compiled, &reused);
    opt->progress(&p, opt->user);
}

clnas_status clnas_spos_train(clnas_supernet *sn, const clnas_edge_op_set *op_set, const clnas_dataset *train,
                              const clnas_spos_train_options *opt, int *done, clnas_error *err)
{
    const clnas_net_config *c = clnas_supernet_config(sn);
    *done = opt->start_step;
    if (c->space != CLNAS_NET_NB201 && opt->class_index)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "SPOS training: sampling \"classes\" is NB201's (its "
                               "canonical classes); the %s space samples paths uniformly (\"cells\")",
                               c->space == CLNAS_NET_DARTS ? "DARTS" : "chain");
    uint16_t chain_mask[CLNAS_CHAIN_MAX_LAYERS] = {0};
    if (c->space == CLNAS_NET_CHAIN) {
        clnas_status masked = clnas_chain_path_masks(&c->chain_genotype, chain_mask, err);
        if (masked != CLNAS_OK)
            return masked;
    }
    if (opt->class_index && opt->classes < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "SPOS training: the op set holds no canonical class");
    if (opt->steps < 1 || opt->start_step < 0 || opt->start_step > opt->steps)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "SPOS training: steps %d, start step %d", opt->steps,
                               opt->start_step);
    clnas_net_config whole = *c; /* the stream gives whole batches; a share is batch / K of them */
    whole.batch = c->batch * (clnas_grad_shares_on(opt->shares) ? opt->shares->count : 1);
    const int agreed = clnas_grad_shares_on(opt->shares) && opt->shares->sum; /* stop together, after one step */
    clnas_batch_stream src;
    clnas_status st = clnas_batch_stream_init(&src, &whole, train, "training", 1, opt->seed, opt->mean, opt->std, err);
    double *logits = malloc((size_t)c->batch * (size_t)c->classes * sizeof *logits);
    if (st == CLNAS_OK && !logits)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    clnas_rng rng;
    clnas_rng_seed(&rng, opt->seed);
    spos_path g;
    memset(&g, 0, sizeof g);
    /* resume: replay the path draws and the batch order of the steps already done */
    for (int t = 0; t < opt->start_step && st == CLNAS_OK; t++) {
        spos_draw(op_set, opt, c, chain_mask, &rng, &g);
        st = clnas_batch_stream_next(&src, NULL, err);
    }
    int report_every = opt->report_every > 0 ? opt->report_every : 20, stop = 0;
    double t0 = clnas_clock_seconds(), window_loss = 0;
    long correct = 0, seen = 0;
    int window = 0;
    for (int t = opt->start_step; t < opt->steps && st == CLNAS_OK && !stop; t++) {
        stop = opt->stop && *opt->stop;
        if (stop && !agreed)
            break;
        spos_draw(op_set, opt, c, chain_mask, &rng, &g);
        clnas_model *path = NULL;
        st = path_model(sn, &g, &path, err);
        if (st == CLNAS_OK)
            st = clnas_batch_stream_next(&src, NULL, err);
        double lr = clnas_schedule_cosine(opt->lr, t, opt->steps), loss = 0;
        long hits = 0;
        if (st == CLNAS_OK)
            st = spos_step(path, opt, &src, lr, logits, &loss, &hits, &stop, err);
        if (st != CLNAS_OK)
            break;
        if (!isfinite(loss) || loss > 1e4) {
            char arch[CLNAS_DARTS_GENOTYPE_STR_MAX > CLNAS_CHAIN_GENOTYPE_STR_MAX ? CLNAS_DARTS_GENOTYPE_STR_MAX
                                                                                   : CLNAS_CHAIN_GENOTYPE_STR_MAX];
            path_format(c, &g, arch, sizeof arch);
            st = clnas_error_set(err, CLNAS_ERR_DIVERGED, "supernet training diverged at step %d (path %s): loss %g",
                                 t, arch, loss);
            break;
        }
        correct += hits;
        seen += whole.batch;
        window_loss += loss;
        window++;
        *done = t + 1;
        if ((t + 1) % report_every == 0 || t + 1 == opt->steps) {
            if (opt->progress)
                report(sn, opt, t, lr, window_loss / window, (double)correct / (double)seen, t0);
            if (opt->checkpoint)
                st = opt->checkpoint(t + 1, window_loss / window, opt->user, err);
            window_loss = 0;
            window = 0;
            correct = seen = 0;
        }
    }
    clnas_batch_stream_free(&src);
    free(logits);
    return st;
}

/* ---- the evaluator ---- */

typedef struct supernet_eval {
    clnas_supernet *sn;
    const clnas_dataset *train, *val;
    int bn_batches;
    uint64_t seed;
    double mean[CLNAS_BATCHER_MAX_CHANNELS], std[CLNAS_BATCHER_MAX_CHANNELS];
} supernet_eval;

static clnas_status evaluate(void *state, const clnas_space_genotype *g, clnas_evaluator_result *out,
                             clnas_error *err)
{
    (void)err;
    supernet_eval *se = state;
    spos_path p; /* NB201 cells, or DARTS or chain genotypes: */
    p.nb201 = clnas_nb201_of(g);
    memcpy(&p.darts, g->u.bytes, sizeof p.darts); /* the space adapters keep the value at the blob's start */
    memcpy(&p.chain, g->u.bytes, sizeof p.chain);
    memset(out, 0, sizeof *out);
    out->fitness = NAN;
    double t0 = clnas_clock_seconds(), acc = NAN, loss = NAN, t_bn = 0;
    clnas_error trial_err;
    clnas_error_clear(&trial_err);
    clnas_model *path = NULL;
    clnas_status st = path_model(se->sn, &p, &path, &trial_err);
    if (st == CLNAS_OK) {
        out->params = clnas_model_param_count(path);
        out->flops = clnas_model_forward_flops(path);
        st = clnas_path_bn_recalibrate(path, se->train, se->bn_batches, se->seed, se->mean, se->std, &trial_err);
        t_bn = clnas_clock_seconds() - t0;
    }
    if (st == CLNAS_OK)
        st = clnas_evaluate(path, se->val, se->mean, se->std, &acc, &loss, &trial_err);
    out->seconds = clnas_clock_seconds() - t0;
    /* no step above returns CLNAS_ERR_DIVERGED, so a failure stays a failed trial */
    if (clnas_evaluator_result_end(out, st, acc, loss, &trial_err))
        cJSON_AddNumberToObject(out->extra, "bn_recalibration_seconds", t_bn);
    return CLNAS_OK;
}

static void destroy(void *state)
{
    free(state);
}

static const clnas_evaluator_iface supernet_evaluator_iface = {"supernet", evaluate, destroy, NULL, NULL};

clnas_status clnas_supernet_evaluator_new(clnas_supernet *sn, const clnas_dataset *train, const clnas_dataset *val,
                                          int bn_batches, uint64_t seed, const double *mean, const double *std,
                                          clnas_evaluator *out, clnas_error *err)
{
    void *state = NULL;
    clnas_status st = clnas_evaluator_state_new("supernet", val, sizeof(supernet_eval), &state, err);
    if (st != CLNAS_OK)
        return st;
    supernet_eval *se = state;
    se->sn = sn;
    se->train = train;
    se->val = val;
    se->bn_batches = bn_batches;
    se->seed = seed;
    memcpy(se->mean, mean, sizeof se->mean);
    memcpy(se->std, std, sizeof se->std);
    out->iface = &supernet_evaluator_iface;
    out->state = se;
    return CLNAS_OK;
}
