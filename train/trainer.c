/* clnas — the training loop (per-step cosine schedule, progress, divergence check) and evaluation. */
#include "clnas/train.h"
#include "clock.h"
#include "batch_stream.h"
#include "schedule.h"
#include "argmax.h"
#include "model_build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void clnas_train_options_default(clnas_train_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->epochs = 1;
    opt->lr = 0.1;
    for (int c = 0; c < CLNAS_BATCHER_MAX_CHANNELS; c++) {
        opt->mean[c] = CLNAS_FASHION_MNIST_MEAN;
        opt->std[c] = CLNAS_FASHION_MNIST_STD;
    }
    opt->report_every = 20;
}

/* Host buffers for one batch in the network's element type, its labels and its logits. */
typedef struct batch_buffers {
    size_t elem, image;
    void *images;
    int32_t *labels;
    double *logits;
} batch_buffers;

static clnas_status batch_buffers_new(const clnas_net_config *c, batch_buffers *bb, clnas_error *err)
{
    bb->elem = c->fp64 ? sizeof(double) : sizeof(float);
    bb->image = (size_t)c->in_channels * (size_t)c->height * (size_t)c->width;
    bb->images = calloc((size_t)c->batch * bb->image, bb->elem);
    bb->labels = calloc((size_t)c->batch, sizeof *bb->labels);
    bb->logits = malloc((size_t)c->batch * (size_t)c->classes * sizeof *bb->logits);
    if (!bb->images || !bb->labels || !bb->logits)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for a batch of %d", c->batch);
    return CLNAS_OK;
}

static void batch_buffers_free(batch_buffers *bb)
{
    free(bb->images);
    free(bb->labels);
    free(bb->logits);
}

static clnas_status check_data(const clnas_net_config *c, const clnas_dataset *data, clnas_error *err)
{
    if (data->channels != c->in_channels || data->height != c->height || data->width != c->width)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "the data has %dx%dx%d images but the network was generated for %dx%dx%d",
                               data->channels, data->height, data->width, c->in_channels, c->height, c->width);
    if (data->classes > c->classes)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "the data has %d classes, the network %d", data->classes,
                               c->classes);
    return CLNAS_OK;
}

/* The steps since the last progress report. */
typedef struct report_window {
    double loss;
    long correct, images, timed; /* timed: images of the steps after the first, which rates count */
    int steps;
    double t_start;
} report_window;

/* Fills the window's figures into p and starts a new window at t. */
static void window_report(report_window *w, double t, clnas_train_progress *p)
{
    p->loss = w->loss / w->steps;
    p->train_accuracy = (double)w->correct / (double)w->images;
    p->images_per_second = w->timed && t > w->t_start ? (double)w->timed / (t - w->t_start) : 0;
    *w = (report_window){0, 0, 0, 0, 0, t};
}

clnas_status clnas_train(clnas_model *model, const clnas_dataset *data, const clnas_train_options *opt,
                         clnas_train_result *result, clnas_error *err)
{
    const clnas_net_config *c = clnas_model_config(model);
    memset(result, 0, sizeof *result);
    clnas_status st = check_data(c, data, err);
    if (st != CLNAS_OK)
        return st;
    int per_epoch = data->count / c->batch;
    if (per_epoch < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "the training data holds %d images, fewer than one batch of %d", data->count, c->batch);
    int steps = opt->steps > 0 ? opt->steps : opt->epochs * per_epoch;
    if (steps < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "nothing to train: epochs and steps are 0");
    int epochs = (steps + per_epoch - 1) / per_epoch;
    clnas_batch_stream src;
    st = clnas_batch_stream_init(&src, c, data, "training", 1, opt->seed, opt->mean, opt->std, err);
    if (st == CLNAS_OK)
        clnas_batch_stream_set_augment(&src, &opt->augment, opt->seed);
    const int32_t *labels = src.labels;
    double *logits = malloc((size_t)c->batch * (size_t)c->classes * sizeof *logits);
    if (st == CLNAS_OK && !logits)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for a batch of %d", c->batch);

    int report = opt->report_every > 0 ? opt->report_every : 20;
    double report_seconds = opt->report_seconds > 0 ? opt->report_seconds : 10;
    double t0 = clnas_clock_seconds(), t1 = t0, epoch_loss = 0;
    report_window w = {0, 0, 0, 0, 0, t0};
    long epoch_correct = 0, epoch_images = 0;
    int epoch_steps = 0, step = 0;
    for (step = 0; step < steps && st == CLNAS_OK; step++) {
        if (opt->stop && *opt->stop) {
            result->stopped = 1;
            break;
        }
        int new_epoch = 0;
        st = clnas_batch_stream_next(&src, &new_epoch, err);
        if (st != CLNAS_OK)
            break;
        if (new_epoch) {
            epoch_loss = 0;
            epoch_correct = epoch_images = 0;
            epoch_steps = 0;
        }
        const int epoch = step / per_epoch;
        if (opt->drop_path > 0 && step % per_epoch == 0) { /* DARTS: drop_prob * epoch / epochs, per epoch */
            st = clnas_model_set_drop_path(model, opt->drop_path * epoch / epochs, opt->seed + (uint64_t)epoch, err);
            if (st != CLNAS_OK)
                break;
        }
        double lr = opt->lr_per_epoch ? clnas_schedule_cosine(opt->lr, epoch, epochs)
                                      : clnas_schedule_cosine(opt->lr, step, steps), loss = 0;
        st = clnas_model_set_batch(model, src.images, src.labels, err);
        if (st == CLNAS_OK)
            st = clnas_model_step(model, lr, &loss, logits, err);
        if (st != CLNAS_OK)
            break;
        if (!isfinite(loss) || loss > 1e4) {
            st = clnas_error_set(err, CLNAS_ERR_DIVERGED, "training diverged at step %d: loss %g (lr %g)", step, loss,
                                 lr);
            break;
        }
        long correct = 0;
        for (int i = 0; i < c->batch; i++)
            correct += clnas_argmax(logits + (size_t)i * (size_t)c->classes, c->classes) == labels[i];
        w.loss += loss;
        epoch_loss += loss;
        w.correct += correct;
        epoch_correct += correct;
        w.images += c->batch;
        epoch_images += c->batch;
        w.steps++;
        epoch_steps++;
        double t = clnas_clock_seconds();
        if (step == 0) {
            t1 = w.t_start = t; /* rates start after the first step */
            result->first_step_seconds = t - t0;
        } else {
            w.timed += c->batch;
        }
        double since = t - (step == 0 ? t0 : w.t_start); /* a slow first step is reported too */
        int due = (step + 1) % report == 0 || step + 1 == steps || since >= report_seconds;
        if (opt->progress && due) {
            clnas_train_progress p = {0};
            p.step = step + 1;
            p.steps = steps;
            p.epoch = step / per_epoch;
            p.epochs = epochs;
            p.lr = lr;
            p.seconds = t - t0;
            p.seconds_left = step > 0 ? (t - t1) / step * (steps - step - 1) : 0;
            window_report(&w, t, &p);
            opt->progress(&p, opt->user);
        }
    }
    result->steps = step;
    result->epochs = epochs;
    result->seconds = clnas_clock_seconds() - t0;
    result->images = (long)step * c->batch;
    double timed = step > 1 ? result->seconds - result->first_step_seconds : result->seconds;
    long timed_images = step > 1 ? (long)(step - 1) * c->batch : result->images;
    result->train_images_per_second = timed > 0 ? (double)timed_images / timed : 0;
    result->final_loss = epoch_steps ? epoch_loss / epoch_steps : 0;
    result->train_accuracy = epoch_images ? (double)epoch_correct / (double)epoch_images : 0;
    clnas_batch_stream_free(&src);
    free(logits);
    return st;
}

clnas_status clnas_evaluate(clnas_model *model, const clnas_dataset *data, const double *mean, const double *std,
                            double *accuracy, double *loss, clnas_error *err)
{
    return clnas_evaluate_report(model, data, mean, std, NULL, 0, NULL, accuracy, loss, err);
}

clnas_status clnas_evaluate_report(clnas_model *model, const clnas_dataset *data, const double *mean,
                                   const double *std, clnas_evaluate_progress_fn progress, double every_seconds,
                                   void *user, double *accuracy, double *loss, clnas_error *err)
{
    const clnas_net_config *c = clnas_model_config(model);
    clnas_status st = check_data(c, data, err);
    if (st != CLNAS_OK)
        return st;
    batch_buffers bb;
    clnas_batcher b;
    memset(&b, 0, sizeof b);
    st = batch_buffers_new(c, &bb, err);
    size_t elem = bb.elem, image = bb.image;
    void *images = bb.images;
    int32_t *labels = bb.labels;
    double *logits = bb.logits;
    if (st == CLNAS_OK)
        st = clnas_batcher_init(&b, data, c->batch, 0, 0, mean, std, err);
    long correct = 0, seen = 0;
    double loss_sum = 0, t0 = clnas_clock_seconds(), t_last = t0;
    double every = every_seconds > 0 ? every_seconds : 10;
    while (st == CLNAS_OK) {
        int got = 0;
        st = clnas_batcher_next(&b, images, elem, labels, &got, err);
        if (st != CLNAS_OK || got == 0)
            break;
        if (got < c->batch) /* pad the short last batch; with running statistics images do not interact */
            memset((char *)images + (size_t)got * image * elem, 0, (size_t)(c->batch - got) * image * elem);
        st = clnas_model_set_batch(model, images, NULL, err);
        if (st == CLNAS_OK)
            st = clnas_model_eval(model, logits, err);
        for (int i = 0; i < got && st == CLNAS_OK; i++) {
            const double *l = logits + (size_t)i * (size_t)c->classes;
            correct += clnas_argmax(l, c->classes) == labels[i];
            double mx = l[clnas_argmax(l, c->classes)], s = 0;
            for (int k = 0; k < c->classes; k++)
                s += exp(l[k] - mx);
            loss_sum += mx + log(s) - l[labels[i]];
        }
        seen += got;
        double t = clnas_clock_seconds();
        if (progress && st == CLNAS_OK && (t - t_last >= every || seen == data->count)) {
            progress((int)seen, data->count, t - t0, user);
            t_last = t;
        }
    }
    if (st == CLNAS_OK) {
        *accuracy = seen ? (double)correct / (double)seen : 0;
        if (loss)
            *loss = seen ? loss_sum / (double)seen : 0;
    }
    clnas_batcher_free(&b);
    batch_buffers_free(&bb);
    return st;
}
