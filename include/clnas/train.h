/* clnas — training with the NAS-Bench-201 recipe, and evaluation over a whole dataset. */
#ifndef CLNAS_TRAIN_H
#define CLNAS_TRAIN_H

#include <stdint.h>

#include "clnas/data.h"
#include "clnas/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clnas_train_progress {
    int step, steps;   /* steps done, steps in the run */
    int epoch, epochs; /* 0-based epoch of `step`; epochs in the run (rounded up for --steps) */
    double lr;
    double loss;           /* mean loss over the steps since the last report */
    double train_accuracy; /* fraction correct over the same steps */
    double images_per_second; /* over the steps since the last report, the first step never counted (it carries the
                               * driver's lazy kernel compiles: PoCL builds each kernel for its work-group size there) */
    double seconds, seconds_left; /* seconds_left from the rate of the steps after the first */
} clnas_train_progress;

typedef void (*clnas_train_progress_fn)(const clnas_train_progress *progress, void *user);

typedef struct clnas_train_options {
    int epochs;     /* used when steps is 0 */
    int steps;      /* > 0: exactly this many steps (epochs wrap around) */
    double lr;      /* peak of the cosine schedule lr_t = 0.5 lr (1 + cos(pi t / T)), t = 0..T-1 */
    int lr_per_epoch; /* 0: t counts steps (T steps); 1: t counts epochs (T epochs), the rate held for an epoch,
                       * as DARTS' train.py steps CosineAnnealingLR once per epoch */
    uint64_t seed;  /* shuffling (initialisation is clnas_model_init's) */
    double mean[CLNAS_BATCHER_MAX_CHANNELS], std[CLNAS_BATCHER_MAX_CHANNELS]; /* input normalisation */
    int report_every; /* steps between progress calls (0: 20) */
    clnas_train_progress_fn progress;
    void *user;
    volatile int *stop; /* set non-zero (from a signal handler) to stop after the current step */
    double report_seconds; /* also a progress call once this long has passed since the last (0: 10 s) */
    clnas_augment augment; /* training batches only: random crop, flip, cutout (all 0: none) */
    double drop_path;      /* DARTS: drop-path probability at the end, ramped as DARTS' train.py does: epoch e of E
                            * trains with drop_path * e / E (the network must be compiled with drop_path > 0) */
} clnas_train_options;

typedef struct clnas_train_result {
    int steps, epochs;
    double final_loss;            /* mean loss of the last epoch's steps (or of the last 50 steps) */
    double train_accuracy;        /* over the same steps */
    double train_images_per_second; /* the steps after the first (see first_step_seconds); all of them for one step */
    double seconds;                 /* the whole run, first step included */
    int stopped;                  /* stopped early through options.stop */
    double first_step_seconds;    /* the first step alone: lazy kernel compiles by the driver land there */
    long images;                  /* training images the steps saw: steps x batch */
} clnas_train_result;

/* Fashion-MNIST's training-set mean and std (of pixels / 255). */
#define CLNAS_FASHION_MNIST_MEAN 0.2860
#define CLNAS_FASHION_MNIST_STD 0.3530

void clnas_train_options_default(clnas_train_options *opt);

/* Trains with SGD (the model's config: momentum, Nesterov or not, weight decay, gradient clipping) on `data`, whole batches of the
 * model's batch size per step (a short last batch of an epoch is skipped: batch statistics need the batch the
 * kernels were generated for), shuffled per epoch from the seed. A non-finite loss stops training with
 * CLNAS_ERR_DIVERGED. */
clnas_status clnas_train(clnas_model *model, const clnas_dataset *data, const clnas_train_options *opt,
                         clnas_train_result *result, clnas_error *err);

/* Accuracy (and mean loss) of the model on every image of `data` with running statistics; the last short
 * batch is padded and only its real images count. */
clnas_status clnas_evaluate(clnas_model *model, const clnas_dataset *data, const double *mean, const double *std,
                            double *accuracy, double *loss, clnas_error *err);

/* An evaluation's progress: images done of total, seconds so far. */
typedef void (*clnas_evaluate_progress_fn)(int images, int total, double seconds, void *user);

/* clnas_evaluate that also calls progress (may be NULL) once `every_seconds` have passed since the start or the last
 * call (0: 10 s), and after the last batch. */
clnas_status clnas_evaluate_report(clnas_model *model, const clnas_dataset *data, const double *mean,
                                   const double *std, clnas_evaluate_progress_fn progress, double every_seconds,
                                   void *user, double *accuracy, double *loss, clnas_error *err);

#ifdef __cplusplus
}
#endif
#endif
