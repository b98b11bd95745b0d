/* clnas — a stream of whole batches for a network: host buffers in the network's element type, and a batcher
 * whose short epoch tail is skipped (the next epoch, reshuffled, begins). Training, SPOS and DARTS/GDAS read their
 * batches through it. */
#ifndef CLNAS_BATCH_STREAM_H
#define CLNAS_BATCH_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/data.h"
#include "clnas/network.h"

typedef struct clnas_batch_stream {
    clnas_batcher b;
    size_t elem;      /* bytes per element of images: the network's (float or double) */
    size_t image;     /* elements per image */
    void *images;     /* one batch */
    int32_t *labels;
    int batch;
    clnas_augment augment; /* training-time augmentation of each batch (clnas_batch_stream_set_augment; off: 0s) */
    uint64_t augment_seed;
} clnas_batch_stream;

/* Buffers for batches of net c over data (shuffled per epoch from seed when shuffle; normalised by mean and std);
 * data with fewer images than a batch is refused: "the <what> data holds N images, fewer than one batch of B". */
clnas_status clnas_batch_stream_init(clnas_batch_stream *s, const clnas_net_config *c, const clnas_dataset *data,
                                     const char *what, int shuffle, uint64_t seed, const double *mean,
                                     const double *std, clnas_error *err);
/* From the next batch on, each batch is augmented (clnas_augment_batch) from (seed, epoch, batch index in the
 * epoch), the crop padding black in the stream's normalisation; a zeroed a turns augmentation off. */
void clnas_batch_stream_set_augment(clnas_batch_stream *s, const clnas_augment *a, uint64_t seed);
/* The next whole batch into s->images and s->labels; *new_epoch (may be NULL) is set when an epoch ended first. */
clnas_status clnas_batch_stream_next(clnas_batch_stream *s, int *new_epoch, clnas_error *err);
void clnas_batch_stream_free(clnas_batch_stream *s);

#endif
