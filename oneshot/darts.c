/* clnas — the DARTS search loop: weight steps on training batches, alpha steps on validation batches. */
#include "darts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch_stream.h"
#include "darts_chain.h"
#include "darts_space.h"
#include "model_build.h"
#include "plan.h"
#include "clock.h"
#include "schedule.h"

#define MIXED_OPS (CLNAS_NB201_OPS - 1) /* the ops a mixed edge computes: all but none */

static void edge_name(int e, const char *suffix, char *out, size_t cap)
{
    snprintf(out, cap, "darts.edges.%d_%d.%s", clnas_nb201_edge_to[e], clnas_nb201_edge_from[e], suffix);
}

clnas_status clnas_darts_set_edge_weights(clnas_model *model, const clnas_alpha *alpha, clnas_error *err)
{
    if (clnas_model_config(model)->darts_search && clnas_model_config(model)->space == CLNAS_NET_CHAIN)
        return clnas_darts_chain_set_edge_weights(model, alpha, err);
    if (clnas_model_config(model)->darts_search)
        return clnas_darts_space_set_edge_weights(model, alpha, err);
    if (alpha->edges != CLNAS_NB201_EDGES || alpha->ops != CLNAS_NB201_OPS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS: alpha must be %d edges x %d ops, got %d x %d",
                               CLNAS_NB201_EDGES, CLNAS_NB201_OPS, alpha->edges, alpha->ops);
    double probs[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];
    clnas_status st = clnas_alpha_softmax(alpha, probs, err);
    for (int e = 0; e < CLNAS_NB201_EDGES && st == CLNAS_OK; e++) {
        char name[64];
        edge_name(e, "weight", name, sizeof name);
        st = clnas_model_set(model, name, probs + e * CLNAS_NB201_OPS + 1, MIXED_OPS, err);
    }
    return st;
}

/* d loss / d alpha from the edge weights' gradients the backward left (none's is 0: its output is zero). */
static clnas_status alpha_gradient(clnas_model *model, const clnas_alpha *alpha, double *dalpha,
                                   clnas_error *err)
{
    if (clnas_model_config(model)->darts_search && clnas_model_config(model)->space == CLNAS_NET_CHAIN)
        return clnas_darts_chain_alpha_gradient(model, alpha, dalpha, err);
    if (clnas_model_config(model)->darts_search)
        return clnas_darts_space_alpha_gradient(model, alpha, dalpha, err);
    double probs[CLNAS_NB201_EDGES * CLNAS_NB201_OPS], dprobs[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];
    clnas_status st = clnas_alpha_softmax(alpha, probs, err);
    for (int e = 0; e < CLNAS_NB201_EDGES && st == CLNAS_OK; e++) {
        char name[64];
        edge_name(e, "weight_grad", name, sizeof name);
        dprobs[e * CLNAS_NB201_OPS] = 0.0;
        st = clnas_model_get(model, name, dprobs + e * CLNAS_NB201_OPS + 1, MIXED_OPS, err);
    }
    if (st == CLNAS_OK)
        st = clnas_alpha_softmax_backward(alpha, probs, dprobs, dalpha, err);
    return st;
}

/* The DARTS rule: every forward runs the search network, its edges weighted by softmax(alpha). */
static clnas_status darts_config(void *state, const clnas_net_config **cfg, clnas_error *err)
{
    clnas_model *model = state;
    if (!model)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS: no search network (GDAS: no supernet)");
    *cfg = clnas_model_config(model);
    if (!(*cfg)->darts && !(*cfg)->darts_search)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS: the network is not a DARTS search network "
                                                           "(net.darts, or net.darts_search in the DARTS space)");
    return CLNAS_OK;
}

static clnas_status darts_network(void *state, const clnas_alpha *alpha, int training, clnas_model **net,
                                  clnas_error *err)
{
    *net = state;
    /* alpha changes only in its own step, after the weight step's forward: set once per step */
    return training ? clnas_darts_set_edge_weights(state, alpha, err) : CLNAS_OK;
}

static clnas_status darts_gradient(void *state, const clnas_alpha *alpha, double *dalpha, clnas_error *err)
{
    return alpha_gradient(state, alpha, dalpha, err);
}

const clnas_arch_rule_iface clnas_arch_rule_darts = {"DARTS", darts_config, NULL, darts_network, darts_gradient, NULL};

/* A stream of the search's batches: DARTS' error names the split. */
static clnas_status stream_init(clnas_batch_stream *s, const clnas_net_config *c, const clnas_dataset *data,
                                const char *what, uint64_t seed, const clnas_darts_options *opt, clnas_error *err)
{
    clnas_status st = clnas_batch_stream_init(s, c, data, what, 1, seed, opt->mean, opt->std, err);
    if (st == CLNAS_ERR_INVALID_ARG)
        clnas_error_prefix(err, "DARTS");
    return st;
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

static void epoch_summary(const clnas_alpha *alpha, const clnas_darts_options *opt, clnas_darts_epoch *e)
{
    const int without_none = opt->derive_without_none;
    if (opt->chain_skeleton) {
        e->chain_space = 1;
        clnas_darts_chain_derive(alpha, opt->chain_skeleton, &e->derived_chain, NULL);
        clnas_darts_chain_identity_stats(alpha, &e->derived_chain, &e->skip_share_derived, &e->skip_prob_mean);
        return;
    }
    if (alpha->edges == CLNAS_DARTS_SPACE_ALPHA_EDGES) {
        e->darts_space = 1;
        clnas_darts_space_derive(alpha, &e->derived_darts, NULL);
        clnas_darts_space_skip_stats(alpha, &e->derived_darts, &e->skip_share_derived, &e->skip_prob_mean);
        return;
    }
    clnas_alpha_derive_rule(alpha, without_none, &e->derived, NULL);
    double probs[CLNAS_NB201_EDGES * CLNAS_NB201_OPS];
    clnas_alpha_softmax(alpha, probs, NULL);
    int skips = 0;
    double p = 0.0;
    for (int k = 0; k < CLNAS_NB201_EDGES; k++) {
        skips += e->derived.ops[k] == CLNAS_OP_SKIP_CONNECT;
        p += probs[k * CLNAS_NB201_OPS + CLNAS_OP_SKIP_CONNECT];
    }
    e->skip_share_derived = skips / (double)CLNAS_NB201_EDGES;
    e->skip_prob_mean = p / CLNAS_NB201_EDGES;
}

/* One search: the rule, its network's config, the two batch streams and the schedule. */
typedef struct darts_loop {
    clnas_arch_rule rule;
    const clnas_net_config *c;
    const clnas_darts_options *opt;
    clnas_alpha *alpha;
    clnas_batch_stream tr, va;
    double *logits;
    int per_epoch, steps;
    int whole;   /* images per step: the network's batch, times K with opt->shares */
    int stopped; /* a stop agreed by every process (opt->shares with a sum), after the step that saw it */
    double t_run;
} darts_loop;

/* Whether the loop stops before its next step: the agreed stop over processes, else this process's flag. */
static int stopping(const darts_loop *L)
{
    const clnas_grad_shares *sh = L->opt->shares;
    if (clnas_grad_shares_on(sh) && sh->sum)
        return L->stopped;
    return L->opt->stop && *L->opt->stop;
}

/* After a share's backward: GDAS' dL/dh are summed by the backward, so they are zeroed for the next share's. */
static clnas_status clear_after_share(void *user, double *none, clnas_error *err)
{
    (void)none;
    darts_loop *L = user;
    return L->opt->gdas ? clnas_gdas_clear_dh(L->opt->gdas, err) : CLNAS_OK;
}

/* A share's d loss / d alpha, then as clear_after_share. */
static clnas_status rule_gradient(void *user, double *dalpha, clnas_error *err)
{
    darts_loop *L = user;
    clnas_status st = L->rule.iface->gradient(L->rule.state, L->alpha, dalpha, err);
    return st == CLNAS_OK ? clear_after_share(user, NULL, err) : st;
}

/* Step t on K shares (grad_shares.h): the weights' step on the training batch, then alpha's gradient averaged over
 * the shares of the validation batch. */
static clnas_status shared_step(darts_loop *L, double lr, double loss[2], long hits[2], double *dalpha,
                                clnas_error *err)
{
    const clnas_arch_rule *r = &L->rule;
    clnas_share_step io;
    memset(&io, 0, sizeof io);
    io.stop = L->opt->stop && *L->opt->stop;
    io.after_backward = clear_after_share;
    io.user = L;
    clnas_model *m = NULL;
    clnas_status st = r->iface->network(r->state, L->alpha, 1, &m, err);
    if (st == CLNAS_OK)
        st = clnas_batch_stream_next(&L->tr, NULL, err);
    if (st == CLNAS_OK)
        st = clnas_grad_shares_step(m, L->opt->shares, L->tr.images, L->tr.labels,
                                    CLNAS_SHARE_GRADS | CLNAS_SHARE_UPDATE, lr, &io, err);
    loss[0] = io.loss;
    hits[0] += io.hits;
    L->stopped = io.stop;
    if (st == CLNAS_OK)
        st = r->iface->network(r->state, L->alpha, 0, &m, err);
    if (st == CLNAS_OK)
        st = clnas_batch_stream_next(&L->va, NULL, err);
    io.extra = dalpha;
    io.n_extra = L->alpha->edges * L->alpha->ops;
    io.after_backward = rule_gradient;
    if (st == CLNAS_OK)
        st = clnas_grad_shares_step(m, L->opt->shares, L->va.images, L->va.labels, 0, 0.0, &io, err);
    loss[1] = io.loss;
    hits[1] += io.hits;
    return st;
}

/* Step t, in NB201's order: the weights on a training batch, then alpha on a validation batch at the weights just
 * stepped (first order; alpha's backward computes no weight gradient: nothing reads them before the next step's
 * backward writes them). */
static clnas_status search_step(darts_loop *L, int t, double lr, double loss[2], long hits[2], clnas_error *err)
{
    const clnas_arch_rule *r = &L->rule;
    const int batch = L->c->batch, classes = L->c->classes;
    double dalpha[CLNAS_ARCH_MAX_EDGES * CLNAS_ARCH_MAX_OPS];
    clnas_model *m = NULL;
    clnas_status st = CLNAS_OK;
    if (clnas_grad_shares_on(L->opt->shares)) {
        st = shared_step(L, lr, loss, hits, dalpha, err);
    } else {
        st = r->iface->network(r->state, L->alpha, 1, &m, err);
        if (st == CLNAS_OK)
            st = clnas_batch_stream_next(&L->tr, NULL, err);
        if (st == CLNAS_OK)
            st = clnas_model_set_batch(m, L->tr.images, L->tr.labels, err);
        if (st == CLNAS_OK)
            st = clnas_model_step(m, lr, &loss[0], L->logits, err);
        if (st != CLNAS_OK)
            return st;
        hits[0] += correct(L->logits, L->tr.labels, batch, classes);
        st = r->iface->network(r->state, L->alpha, 0, &m, err);
        if (st == CLNAS_OK)
            st = clnas_batch_stream_next(&L->va, NULL, err);
        if (st == CLNAS_OK)
            st = clnas_model_set_batch(m, L->va.images, L->va.labels, err);
        if (st == CLNAS_OK)
            st = clnas_model_forward(m, err);
        if (st == CLNAS_OK)
            st = clnas_model_backward_no_param_grads(m, err);
        if (st == CLNAS_OK)
            st = clnas_model_read_loss(m, &loss[1], err);
        if (st == CLNAS_OK)
            st = clnas_model_read_logits(m, L->logits, err);
        if (st == CLNAS_OK)
            st = r->iface->gradient(r->state, L->alpha, dalpha, err);
        if (st == CLNAS_OK)
            hits[1] += correct(L->logits, L->va.labels, batch, classes);
    }
    if (st == CLNAS_OK && L->opt->beta_decay > 0) {
        const int ep = t / L->per_epoch, epochs = L->opt->epochs;
        const double w = L->opt->beta_decay *
                         (L->opt->beta_decay_linear && epochs > 1 ? (double)ep / (double)(epochs - 1) : 1.0);
        clnas_alpha_beta_decay(L->alpha, w, dalpha);
    }
    if (st == CLNAS_OK)
        st = clnas_alpha_adam_step(L->alpha, &L->opt->adam, dalpha, err);
    if (st != CLNAS_OK)
        return st;
    if (!isfinite(loss[0]) || !isfinite(loss[1]) || loss[0] > 1e4)
        return clnas_error_set(err, CLNAS_ERR_DIVERGED, "DARTS diverged at step %d: training loss %g, validation "
                                                       "loss %g", t, loss[0], loss[1]);
    return CLNAS_OK;
}

/* The steps of epoch ep into e (losses summed, hits counted); progress every report steps. */
static clnas_status search_epoch(darts_loop *L, int ep, clnas_darts_epoch *e, long hits[2], clnas_error *err)
{
    const clnas_darts_options *opt = L->opt;
    const int report = opt->report_every > 0 ? opt->report_every : 20;
    double window_train = 0, window_val = 0;
    int window = 0;
    clnas_status st = CLNAS_OK;
    for (int i = 0; i < L->per_epoch && st == CLNAS_OK; i++) {
        if (stopping(L))
            break;
        const int t = ep * L->per_epoch + i;
        const double lr = clnas_schedule_cosine(opt->lr, t, L->steps);
        double loss[2] = {0, 0};
        st = search_step(L, t, lr, loss, hits, err);
        if (st != CLNAS_OK)
            break;
        e->train_loss += loss[0];
        e->val_loss += loss[1];
        window_train += loss[0];
        window_val += loss[1];
        window++;
        if (opt->progress && ((t + 1) % report == 0 || i + 1 == L->per_epoch)) {
            clnas_darts_step s = {t + 1, L->steps, lr, window_train / window, window_val / window, 0, 0};
            s.seconds = clnas_clock_seconds() - L->t_run;
            s.seconds_left = s.seconds / (t + 1 - opt->start_epoch * L->per_epoch) * (L->steps - t - 1);
            opt->progress(&s, opt->user);
            window_train = window_val = 0;
            window = 0;
        }
    }
    return st;
}

/* The alpha of the epoch just finished joins the last epochs' (recent, *n of them, at most keep, oldest first); the
 * alpha to derive the epoch's cell from is their average. */
static clnas_status derive_from(const clnas_alpha *alpha, clnas_alpha *recent, int *n, int keep, clnas_alpha *out,
                                clnas_error *err)
{
    if (*n == keep) {
        memmove(recent, recent + 1, (size_t)(keep - 1) * sizeof *recent);
        (*n)--;
    }
    recent[(*n)++] = *alpha;
    return clnas_alpha_average(recent, *n, out, err);
}

/* Epochs start_epoch .. epochs-1 of the rule's search; *done counts those finished. */
static clnas_status search_epochs(darts_loop *L, int *done, clnas_error *err)
{
    const clnas_darts_options *opt = L->opt;
    const int keep = opt->derive_epochs > 1 ? opt->derive_epochs : 1;
    clnas_alpha *recent = malloc((size_t)keep * sizeof *recent), derived_alpha;
    int nrecent = 0;
    clnas_status st = recent ? CLNAS_OK : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (int i = opt->nhistory - (keep - 1) > 0 ? opt->nhistory - (keep - 1) : 0; recent && i < opt->nhistory; i++)
        recent[nrecent++] = opt->history[i];
    for (int ep = opt->start_epoch; ep < opt->epochs && st == CLNAS_OK; ep++) {
        clnas_darts_epoch e;
        memset(&e, 0, sizeof e);
        e.epoch = ep;
        e.epochs = opt->epochs;
        const double t0 = clnas_clock_seconds();
        if (L->rule.iface->epoch_begin)
            st = L->rule.iface->epoch_begin(L->rule.state, ep, opt->epochs, err);
        long hits[2] = {0, 0};
        if (st == CLNAS_OK)
            st = search_epoch(L, ep, &e, hits, err);
        if (st != CLNAS_OK || stopping(L))
            break;
        const double seen = (double)L->per_epoch * L->whole;
        e.train_loss /= L->per_epoch;
        e.val_loss /= L->per_epoch;
        e.train_accuracy = hits[0] / seen;
        e.val_accuracy = hits[1] / seen;
        e.alpha = L->alpha;
        st = derive_from(L->alpha, recent, &nrecent, keep, &derived_alpha, err);
        if (st != CLNAS_OK)
            break;
        e.derived_from = nrecent;
        epoch_summary(&derived_alpha, opt, &e);
        e.seconds = clnas_clock_seconds() - t0;
        e.tau = L->rule.iface->tau ? L->rule.iface->tau(L->rule.state) : 0.0;
        if (opt->epoch_done)
            st = opt->epoch_done(&e, opt->user, err);
        if (st == CLNAS_OK)
            *done = ep + 1;
    }
    free(recent);
    return st;
}

clnas_status clnas_darts_search(clnas_model *model, clnas_alpha *alpha, const clnas_dataset *train,
                                const clnas_dataset *val, const clnas_darts_options *opt, int *done,
                                clnas_error *err)
{
    *done = opt->start_epoch;
    darts_loop L;
    memset(&L, 0, sizeof L);
    L.rule.iface = opt->gdas ? &clnas_arch_rule_gdas : &clnas_arch_rule_darts;
    L.rule.state = opt->gdas ? (void *)opt->gdas : (void *)model;
    L.opt = opt;
    L.alpha = alpha;
    clnas_status st = L.rule.iface->config(L.rule.state, &L.c, err);
    if (st != CLNAS_OK)
        return st;
    if (opt->epochs < 1 || opt->start_epoch < 0 || opt->start_epoch > opt->epochs)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS: epochs %d, start epoch %d", opt->epochs,
                               opt->start_epoch);
    clnas_net_config whole = *L.c; /* the streams give whole batches; a share is batch / K of them */
    whole.batch = L.whole = L.c->batch * (clnas_grad_shares_on(opt->shares) ? opt->shares->count : 1);
    st = stream_init(&L.tr, &whole, train, "training", opt->seed, opt, err);
    if (st == CLNAS_OK)
        st = stream_init(&L.va, &whole, val, "validation", opt->seed ^ 0x76616cull, opt, err);
    L.per_epoch = train->count / L.whole;
    L.steps = L.per_epoch * opt->epochs;
    L.logits = malloc((size_t)L.c->batch * (size_t)L.c->classes * sizeof *L.logits);
    if (st == CLNAS_OK && !L.logits)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    /* resume: the batch order of the epochs already done */
    for (int t = 0; t < opt->start_epoch * L.per_epoch && st == CLNAS_OK; t++) {
        st = clnas_batch_stream_next(&L.tr, NULL, err);
        if (st == CLNAS_OK)
            st = clnas_batch_stream_next(&L.va, NULL, err);
    }
    L.t_run = clnas_clock_seconds();
    if (st == CLNAS_OK)
        st = search_epochs(&L, done, err);
    clnas_batch_stream_free(&L.tr);
    clnas_batch_stream_free(&L.va);
    free(L.logits);
    return st;
}
