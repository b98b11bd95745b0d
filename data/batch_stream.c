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

clnas_status clnas_batch_stream_next(clnas_batch_stream *s, int *new_epoch, clnas_error *err)
{
    for (int call = 0; call < 3; call++) { /* at worst: the tail, the epoch boundary, then a whole batch */
        int got = 0;
        clnas_status st = clnas_batcher_next(&s->b, s->images, s->elem, s->labels, &got, err);
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
