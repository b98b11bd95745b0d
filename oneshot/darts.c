/* clnas — the DARTS search loop: weight steps on training batches, alpha steps on validation batches. */
#include "darts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_build.h"
#include "plan.h"
#include "clock.h"
#include "schedule.h"

#define MIXED_OPS (CLNAS_NB201_OPS - 1) /* the ops a mixed edge computes: all but none */

static void edge_name(int e, const char *suffix, char *out, size_t cap)
{
    snprintf(out, cap, "darts.edges.%d_%d.%s", clnas_nb201_edge_to[e], clnas_nb201_edge_from[e], suffix);
}

clnas_status clnas_darts_set_edge_weights(clnas_model *model, const clnas_arch_params *alpha, clnas_error *err)
{
    if (alpha->edges != CLNAS_NB201_EDGES || alpha->ops != CLNAS_NB201_OPS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS: alpha must be %d edges x %d ops, got %d x %d",
                               CLNAS_NB201_EDGES, CLNAS_NB201_OPS, alpha->edges, alpha->ops);
    double probs[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];
    clnas_status st = clnas_arch_params_softmax(alpha, probs, err);
    for (int e = 0; e < CLNAS_NB201_EDGES && st == CLNAS_OK; e++) {
        char name[64];
        edge_name(e, "weight", name, sizeof name);
        st = clnas_model_set(model, name, probs + e * CLNAS_NB201_OPS + 1, MIXED_OPS, err);
    }
    return st;
}

/* d loss / d alpha from the edge weights' gradients the backward left (none's is 0: its output is zero). */
static clnas_status alpha_gradient(clnas_model *model, const clnas_arch_params *alpha, double *dalpha,
                                   clnas_error *err)
{
    double probs[CLNAS_NB201_EDGES * CLNAS_NB201_OPS], dprobs[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];
    clnas_status st = clnas_arch_params_softmax(alpha, probs, err);
    for (int e = 0; e < CLNAS_NB201_EDGES && st == CLNAS_OK; e++) {
        char name[64];
        edge_name(e, "weight_grad", name, sizeof name);
        dprobs[e * CLNAS_NB201_OPS] = 0.0;
        st = clnas_model_get(model, name, dprobs + e * CLNAS_NB201_OPS + 1, MIXED_OPS, err);
    }
    if (st == CLNAS_OK)
        st = clnas_arch_params_softmax_backward(alpha, probs, dprobs, dalpha, err);
    return st;
}

typedef struct batch_stream {
    clnas_batcher b;
    size_t elem;
    void *images;
    int32_t *labels;
    int batch;
} batch_stream;

static void stream_free(batch_stream *s)
{
    clnas_batcher_free(&s->b);
    free(s->images);
    free(s->labels);
}

static clnas_status stream_init(batch_stream *s, const clnas_net_config *c, const clnas_dataset *data,
                                const char *what, uint64_t seed, const clnas_darts_options *opt, clnas_error *err)
{
    memset(s, 0, sizeof *s);
    if (data->count < c->batch)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS: the %s data holds %d images, fewer than one batch "
                                                          "of %d", what, data->count, c->batch);
    s->elem = c->fp64 ? sizeof(double) : sizeof(float);
    s->batch = c->batch;
    s->images = calloc((size_t)c->batch * (size_t)c->in_channels * (size_t)c->height * (size_t)c->width, s->elem);
    s->labels = calloc((size_t)c->batch, sizeof *s->labels);
    if (!s->images || !s->labels)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for a batch of %d", c->batch);
    return clnas_batcher_init(&s->b, data, c->batch, 1, seed, opt->mean, opt->std, err);
}

/* The next whole batch (an epoch's short tail is skipped). */
static clnas_status stream_next(batch_stream *s, clnas_error *err)
{
    for (int call = 0; call < 3; call++) {
        int got = 0;
        clnas_status st = clnas_batcher_next(&s->b, s->images, s->elem, s->labels, &got, err);
        if (st != CLNAS_OK || got == s->batch)
            return st;
    }
    return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: no whole batch of %d in the data", s->batch);
}

static int correct(const double *logits, const int32_t *labels, int batch, int classes)
{
    int n = 0;
    for (int i = 0; i < batch; i++) {
        const double *z = logits + (size_t)i * (size_t)classes;
        int best = 0;
        for (int k = 1; k < classes; k++)
            if (z[k] > z[best])
                best = k;
        n += best == labels[i];
    }
    return n;
}

static void epoch_summary(const clnas_arch_params *alpha, clnas_darts_epoch *e)
{
    clnas_arch_params_derive(alpha, &e->derived, NULL);
    double probs[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];
    clnas_arch_params_softmax(alpha, probs, NULL);
    int skips = 0;
    double p = 0.0;
    for (int k = 0; k < CLNAS_NB201_EDGES; k++) {
        skips += e->derived.ops[k] == CLNAS_OP_SKIP_CONNECT;
        p += probs[k * CLNAS_NB201_OPS + CLNAS_OP_SKIP_CONNECT];
    }
    e->skip_share_derived = skips / (double)CLNAS_NB201_EDGES;
    e->skip_prob_mean = p / CLNAS_NB201_EDGES;
}

clnas_status clnas_darts_search(clnas_model *model, clnas_arch_params *alpha, const clnas_dataset *train,
                                const clnas_dataset *val, const clnas_darts_options *opt, int *done,
                                clnas_error *err)
{
    *done = opt->start_epoch;
    if (opt->gdas ? !opt->gdas->supernet : !model)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS: no search network (GDAS: no supernet)");
    const clnas_net_config *c = opt->gdas ? clnas_supernet_config(opt->gdas->supernet) : clnas_model_config(model);
    if (opt->gdas ? !c->gdas : !c->darts)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: the network is not a %s", opt->gdas ? "GDAS" : "DARTS",
                               opt->gdas ? "GDAS supernet (net.gdas)" : "DARTS search network (net.darts)");
    if (opt->epochs < 1 || opt->start_epoch < 0 || opt->start_epoch > opt->epochs)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS: epochs %d, start epoch %d", opt->epochs,
                               opt->start_epoch);
    batch_stream tr, va;
    memset(&va, 0, sizeof va);
    clnas_status st = stream_init(&tr, c, train, "training", opt->seed, opt, err);
    if (st == CLNAS_OK)
        st = stream_init(&va, c, val, "validation", opt->seed ^ 0x76616cull, opt, err);
    const int per_epoch = train->count / c->batch, steps = per_epoch * opt->epochs;
    double *logits = malloc((size_t)c->batch * (size_t)c->classes * sizeof *logits);
    if (st == CLNAS_OK && !logits)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    /* resume: the batch order of the epochs already done */
    for (int t = 0; t < opt->start_epoch * per_epoch && st == CLNAS_OK; t++) {
        st = stream_next(&tr, err);
        if (st == CLNAS_OK)
            st = stream_next(&va, err);
    }
    const int report = opt->report_every > 0 ? opt->report_every : 20;
    const double t_run = clnas_clock_seconds();
    for (int ep = opt->start_epoch; ep < opt->epochs && st == CLNAS_OK; ep++) {
        clnas_darts_epoch e;
        memset(&e, 0, sizeof e);
        e.epoch = ep;
        e.epochs = opt->epochs;
        const double t0 = clnas_clock_seconds();
        if (opt->gdas)
            st = clnas_gdas_epoch_begin(opt->gdas, ep, opt->epochs, err);
        long train_hits = 0, val_hits = 0;
        double window_train = 0, window_val = 0;
        int window = 0;
        for (int i = 0; i < per_epoch && st == CLNAS_OK; i++) {
            if (opt->stop && *opt->stop)
                break;
            const int t = ep * per_epoch + i;
            const double lr = clnas_schedule_cosine(opt->lr, t, steps);
            double train_loss = 0, val_loss = 0;
            /* weights, on a training batch (GDAS: of the sampled path only) */
            clnas_model *m = model;
            st = opt->gdas ? clnas_gdas_sample(opt->gdas, alpha, &m, err)
                           : clnas_darts_set_edge_weights(model, alpha, err);
            if (st == CLNAS_OK && opt->gdas) {
                opt->gdas->train_launches += clnas_model_plan(m)->ntrain;
                opt->gdas->train_paths++;
            }
            if (st == CLNAS_OK)
                st = stream_next(&tr, err);
            if (st == CLNAS_OK)
                st = clnas_model_set_batch(m, tr.images, tr.labels, err);
            if (st == CLNAS_OK)
                st = clnas_model_step(m, lr, &train_loss, logits, err);
            if (st != CLNAS_OK)
                break;
            train_hits += correct(logits, tr.labels, c->batch, c->classes);
            /* alpha, on a validation batch, at the weights just stepped (first order) */
            st = opt->gdas ? clnas_gdas_sample(opt->gdas, alpha, &m, err) : CLNAS_OK;
            if (st == CLNAS_OK)
                st = stream_next(&va, err);
            if (st == CLNAS_OK)
                st = clnas_model_set_batch(m, va.images, va.labels, err);
            if (st == CLNAS_OK)
                st = clnas_model_forward(m, err);
            if (st == CLNAS_OK)
                st = clnas_model_backward(m, err);
            if (st == CLNAS_OK)
                st = clnas_model_read_loss(m, &val_loss, err);
            if (st == CLNAS_OK)
                st = clnas_model_read_logits(m, logits, err);
            double dalpha[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];
            if (st == CLNAS_OK)
                st = opt->gdas ? clnas_gdas_alpha_gradient(opt->gdas, alpha, dalpha, err)
                               : alpha_gradient(model, alpha, dalpha, err);
            if (st == CLNAS_OK)
                st = clnas_arch_params_adam_step(alpha, &opt->adam, dalpha, err);
            if (st != CLNAS_OK)
                break;
            if (!isfinite(train_loss) || !isfinite(val_loss) || train_loss > 1e4) {
                st = clnas_error_set(err, CLNAS_ERR_DIVERGED, "DARTS diverged at step %d: training loss %g, validation "
                                                             "loss %g", t, train_loss, val_loss);
                break;
            }
            val_hits += correct(logits, va.labels, c->batch, c->classes);
            e.train_loss += train_loss;
            e.val_loss += val_loss;
            window_train += train_loss;
            window_val += val_loss;
            window++;
            if (opt->progress && ((t + 1) % report == 0 || i + 1 == per_epoch)) {
                clnas_darts_step s = {t + 1, steps, lr, window_train / window, window_val / window, 0, 0};
                s.seconds = clnas_clock_seconds() - t_run;
                s.seconds_left = s.seconds / (t + 1 - opt->start_epoch * per_epoch) * (steps - t - 1);
                opt->progress(&s, opt->user);
                window_train = window_val = 0;
                window = 0;
            }
        }
        if (st != CLNAS_OK || (opt->stop && *opt->stop))
            break;
        const double seen = (double)per_epoch * c->batch;
        e.train_loss /= per_epoch;
        e.val_loss /= per_epoch;
        e.train_accuracy = train_hits / seen;
        e.val_accuracy = val_hits / seen;
        e.alpha = alpha;
        epoch_summary(alpha, &e);
        e.seconds = clnas_clock_seconds() - t0;
        e.tau = opt->gdas ? opt->gdas->tau : 0.0;
        if (opt->epoch_done)
            st = opt->epoch_done(&e, opt->user, err);
        if (st == CLNAS_OK)
            *done = ep + 1;
    }
    stream_free(&tr);
    stream_free(&va);
    free(logits);
    return st;
}
