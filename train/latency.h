/* clnas — on-device latency of a network: the median time of a training step and of an inference pass of the
 * generated plan, measured on the device the model runs on (issue 14's latency objective). */
#ifndef CLNAS_LATENCY_H
#define CLNAS_LATENCY_H

#include <stdint.h>

#include "clnas/model.h"

/* Times in milliseconds over `launches` timed launches each, after one untimed launch of each (the driver's lazy
 * kernel builds land there). */
typedef struct clnas_latency {
    double train_step_ms;            /* median of a training step: forward, backward and update of one batch */
    double train_min_ms, train_max_ms;
    double inference_ms;             /* median of an evaluation forward pass of one batch (running statistics) */
    double inference_min_ms, inference_max_ms;
    int launches;                    /* timed launches of each */
    int batch;                       /* the model's batch: the images every launch processes */
} clnas_latency;

/* The most timed launches of each kind. */
#define CLNAS_LATENCY_MAX_LAUNCHES 1000

/* Measures the model on a random batch drawn from seed (normal images, uniform labels), launches 1 ..
 * CLNAS_LATENCY_MAX_LAUNCHES. Each launch is timed from its first enqueue to the read of its result (the step's loss,
 * the pass's logits), so a launch is the whole plan finished on the device. The training steps run at learning rate
 * 0, so the weights keep their values; the BatchNorm running statistics do move, and the model's batch and gradients
 * are overwritten. */
clnas_status clnas_latency_measure(clnas_model *model, int launches, uint64_t seed, clnas_latency *out,
                                   clnas_error *err);

#endif
