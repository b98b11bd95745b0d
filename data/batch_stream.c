/* clnas — whole batches for a network, one epoch's short tail skipped. */
#include "batch_stream.h"

#include <stdlib.h>
#include <string.h>

clnas_status clnas_batch_stream_init(clnas_batch_stream *s, const clnas_net_config *c, const clnas_dataset *data,
                                     const char *what, int shuffle, uint64_t seed, const double *mean,
                                     const double *std, clnas_error *err)
{
    memset(s, 0, sizeof *s);
    if (data->count < c->batch)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "the %s data holds %d images, fewer than one batch of %d",
                               what, data->count, c->batch);
    s->elem = c->fp64 ? sizeof(double) : sizeof(float);
    s->image = (size_t)c->in_channels * (size_t)c->height * (size_t)c->width;
    s->batch = c->batch;
    s->images = calloc((size_t)c->batch * s->image, s->elem);
    s->labels = calloc((size_t)c->batch, sizeof *s->labels);
    if (!s->images || !s->labels)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for a batch of %d", c->batch);
    return clnas_batcher_init(&s->b, data, c->batch, shuffle, seed, mean, std, err);
}

void clnas_batch_stream_set_augment(clnas_batch_stream *s, const clnas_augment *a, uint64_t seed)
{
    memset(&s->augment, 0, sizeof s->augment);
    if (a)
        s->augment = *a;
    s->augment_seed = seed;
}

/* The batch just read, augmented: its index in the epoch from the batcher's position after it. */
static clnas_status augment(clnas_batch_stream *s, clnas_error *err)
{
    const clnas_dataset *ds = s->b.ds;
    double pad[CLNAS_BATCHER_MAX_CHANNELS];
    for (int c = 0; c < ds->channels; c++)
        pad[c] = -s->b.mean[c] / s->b.std[c]; /* a black pixel, normalised */
    return clnas_augment_batch(&s->augment, s->augment_seed, s->b.epoch, s->b.pos / s->batch - 1, s->images, s->elem,
                               s->batch, ds->channels, ds->height, ds->width, pad, err);
}

clnas_status clnas_batch_stream_next(clnas_batch_stream *s, int *new_epoch, clnas_error *err)
{
    for (int call = 0; call < 3; call++) { /* at worst: the tail, the epoch boundary, then a whole batch */
        int got = 0;
        clnas_status st = clnas_batcher_next(&s->b, s->images, s->elem, s->labels, &got, err);
        if (st == CLNAS_OK && got == s->batch && clnas_augment_active(&s->augment))
            return augment(s, err);
        if (st != CLNAS_OK || got == s->batch)
            return st;
        if (new_epoch)
            *new_epoch = 1;
    }
    return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: no whole batch of %d in the data", s->batch);
}

void clnas_batch_stream_free(clnas_batch_stream *s)
{
    clnas_batcher_free(&s->b);
    free(s->images);
    free(s->labels);
    memset(s, 0, sizeof *s);
}
