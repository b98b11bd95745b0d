/* clnas — a training step over K shares of a batch: forward and backward per share, the shares' gradients, running
 * statistics, loss and hits summed (in turn, or over processes by the caller's sum) and averaged, then one update. */
#include "grad_shares.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "argmax.h"
#include "executor.h"
#include "model_build.h"
#include "plan.h"

int clnas_grad_shares_on(const clnas_grad_shares *sh)
{
    return sh && sh->count > 1;
}

int clnas_grad_shares_writer(const clnas_grad_shares *sh)
{
    return !sh || !sh->sum || sh->index == 0;
}

clnas_status clnas_grad_shares_close(const clnas_grad_shares *sh, clnas_error *err)
{
    return clnas_grad_shares_on(sh) && sh->close ? sh->close(sh->user, err) : CLNAS_OK;
}

clnas_status clnas_grad_shares_batch(const clnas_grad_shares *sh, int batch, int *share, clnas_error *err)
{
    *share = batch;
    if (!clnas_grad_shares_on(sh))
        return CLNAS_OK;
    const int k = sh->count;
    if (batch % k != 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "proxy.batch: %d images do not split into %d equal shares "
                               "(one per process): use a multiple of %d such as %d or %d", batch, k, k, batch / k * k,
                               (batch / k + 1) * k);
    if (batch / k < 2)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "proxy.batch: %d images in %d shares leave %d per share; "
                               "BatchNorm needs at least 2", batch, k, batch / k);
    *share = batch / k;
    return CLNAS_OK;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* BatchNorm's running statistics: the state a training forward moves (not DARTS' edge weights nor GDAS' h). */
static int running_stat(const clnas_param_info *p)
{
    return p->arena == CLNAS_ARENA_STATE && p->live && (ends_with(p->name, "running_mean") ||
                                                        ends_with(p->name, "running_var"));
}

/* What a backward leaves in the state: DARTS' edge-weight gradients, GDAS' dL/dh (averaged too, so that every
 * process keeps the same state, and checkpoints hold the same whatever K and however the shares were computed). */
static int state_grad(const clnas_param_info *p)
{
    return p->arena == CLNAS_ARENA_STATE && p->live && ends_with(p->name, "_grad");
}

static int summed(const clnas_param_info *p, unsigned what)
{
    return running_stat(p) || state_grad(p) ||
           ((what & CLNAS_SHARE_GRADS) && p->arena == CLNAS_ARENA_PARAMS && p->live);
}

/* One transfer of a run of tensors that lie back to back in their arena. */
typedef struct span {
    clnas_arena arena;
    size_t offset, at, count;
} span;

static clnas_status flush(clnas_executor *ex, span *r, double *buf, int write, clnas_error *err)
{
    clnas_status st = CLNAS_OK;
    if (buf && r->count)
        st = write ? clnas_executor_write(ex, r->arena, r->offset, buf + r->at, r->count, err)
                   : clnas_executor_read(ex, r->arena, r->offset, buf + r->at, r->count, err);
    r->count = 0;
    return st;
}

/* The summed tensors to (write = 0) or from (write = 1) buf, in parameter-table order, neighbours in one transfer;
 * *n their elements. */
static clnas_status move(clnas_model *model, unsigned what, int stats_only, double *buf, int write, size_t *n,
                         clnas_error *err)
{
    const clnas_plan *plan = clnas_model_plan(model);
    clnas_executor *ex = clnas_model_executor(model);
    clnas_status st = CLNAS_OK;
    span r = {CLNAS_ARENA_GRADS, 0, 0, 0};
    size_t at = 0;
    for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (!summed(p, what) || (stats_only && !running_stat(p)))
            continue;
        clnas_arena a = p->arena == CLNAS_ARENA_PARAMS ? CLNAS_ARENA_GRADS : CLNAS_ARENA_STATE;
        if (r.count && (a != r.arena || p->offset != r.offset + r.count))
            st = flush(ex, &r, buf, write, err);
        if (!r.count)
            r = (span){a, p->offset, at, 0};
        r.count += p->count;
        at += p->count;
    }
    if (st == CLNAS_OK)
        st = flush(ex, &r, buf, write, err);
    *n = at;
    return st;
}

/* Share s of the batch through forward and backward; its sums into tmp (tensors, extra, loss, hits). */
static clnas_status one_share(clnas_model *model, int s, const void *images, const int32_t *labels, unsigned what,
                              clnas_share_step *io, double *tmp, size_t tensors, double *logits, clnas_error *err)
{
    const clnas_net_config *c = clnas_model_config(model);
    const size_t image = (size_t)c->in_channels * (size_t)c->height * (size_t)c->width *
                         clnas_plan_elem_size(clnas_model_plan(model));
    const int32_t *lab = labels + (size_t)s * (size_t)c->batch;
    size_t n = 0;
    clnas_status st = clnas_model_set_batch(model, (const char *)images + (size_t)s * (size_t)c->batch * image, lab,
                                            err);
    if (st == CLNAS_OK)
        st = clnas_model_forward(model, err);
    /* without CLNAS_SHARE_GRADS nothing reads the trained parameters' gradients: their launches are left out */
    if (st == CLNAS_OK)
        st = what & CLNAS_SHARE_GRADS ? clnas_model_backward(model, err)
                                      : clnas_model_backward_no_param_grads(model, err);
    if (st == CLNAS_OK)
        st = move(model, what, 0, tmp, 0, &n, err);
    if (st == CLNAS_OK && io->after_backward)
        st = io->after_backward(io->user, tmp + tensors, err);
    if (st == CLNAS_OK)
        st = clnas_model_read_loss(model, tmp + tensors + io->n_extra, err);
    if (st == CLNAS_OK)
        st = clnas_model_read_logits(model, logits, err);
    long hits = 0;
    for (int i = 0; st == CLNAS_OK && i < c->batch; i++)
        hits += clnas_argmax(logits + (size_t)i * (size_t)c->classes, c->classes) == lab[i];
    tmp[tensors + io->n_extra + 1] = (double)hits;
    return st;
}

clnas_status clnas_grad_shares_step(clnas_model *model, const clnas_grad_shares *sh, const void *images,
                                    const int32_t *labels, unsigned what, double lr, clnas_share_step *io,
                                    clnas_error *err)
{
    const clnas_net_config *c = clnas_model_config(model);
    size_t tensors = 0, stats = 0;
    move(model, what, 0, NULL, 0, &tensors, err);
    move(model, what, 1, NULL, 0, &stats, err);
    const size_t n = tensors + (size_t)io->n_extra + 2; /* tensors, extra, loss, hits */
    const int first = sh->sum ? sh->index : 0, last = sh->sum ? sh->index + 1 : sh->count;
    double *acc = calloc(n, sizeof *acc), *tmp = calloc(n, sizeof *tmp), *start = calloc(stats + 1, sizeof *start);
    double *logits = malloc((size_t)c->batch * (size_t)c->classes * sizeof *logits);
    const int64_t tracked = clnas_model_batches_tracked(model);
    clnas_status st = acc && tmp && start && logits ? CLNAS_OK
                                                     : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    size_t got = 0;
    if (st == CLNAS_OK && last - first > 1) /* each share moves the running statistics from where the step began */
        st = move(model, what, 1, start, 0, &got, err);
    for (int s = first; s < last && st == CLNAS_OK; s++) {
        if (s > first)
            st = move(model, what, 1, start, 1, &got, err);
        if (st == CLNAS_OK)
            st = one_share(model, s, images, labels, what, io, tmp, tensors, logits, err);
        for (size_t i = 0; st == CLNAS_OK && i < n; i++)
            acc[i] += tmp[i];
    }
    if (st == CLNAS_OK && sh->sum)
        st = sh->sum(sh->user, acc, n, &io->stop, err);
    for (size_t i = 0; st == CLNAS_OK && i + 1 < n; i++) /* hits stay a count */
        acc[i] /= sh->count;
    if (st == CLNAS_OK)
        st = move(model, what, 0, acc, 1, &got, err);
    if (st == CLNAS_OK) {
        if (io->n_extra > 0)
            memcpy(io->extra, acc + tensors, (size_t)io->n_extra * sizeof *acc);
        io->loss = acc[n - 2];
        io->hits = lround(acc[n - 1]);
        clnas_model_set_batches_tracked(model, tracked + 1);
    }
    if (st == CLNAS_OK && (what & CLNAS_SHARE_UPDATE))
        st = clnas_model_update(model, lr, err);
    free(acc);
    free(tmp);
    free(start);
    free(logits);
    return st;
}
