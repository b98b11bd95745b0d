/* clnas — a compiled network on a device: its parameters, one training step, evaluation, weights files. */
#ifndef CLNAS_MODEL_H
#define CLNAS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/context.h"
#include "clnas/device.h"
#include "clnas/network.h"
#include "clnas/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clnas_model clnas_model;

/* Device memory that models made one after another reuse: the activation arena, kept at the largest size asked
 * for (a step writes every activation before reading it). A search makes each trial's model in one workspace, so a
 * new architecture whose kernels are cached starts without allocating and first-touching its activations. Models
 * made in one workspace must not run interleaved: finish with one before stepping another. */
typedef struct clnas_workspace clnas_workspace;

/* What clnas_model_new builds: an NB201 network (the cell from `arch`, repeated in the macro skeleton) and its
 * training settings. clnas_model_default_params gives clnas_net_config_default's values with no arch. */
typedef struct clnas_model_params {
    const char *arch;           /* required: an NB201 arch string, as clnas_genotype_parse reads it */
    int channels;               /* C: channels of the first stage (16) */
    int cells;                  /* N: cells per stage (5) */
    int in_channels;            /* image channels: 1 for Fashion-MNIST (the default), 3 for CIFAR-10 */
    int height, width;          /* image size, each divisible by 4 (28 x 28) */
    int classes;                /* 10 */
    int batch;                  /* images per step, at least 2 (256); kernels are generated for this size */
    int fp64;                   /* 0: float32 (the default); 1: float64 (clnas_model_set_batch takes double) */
    int want_input_grad;        /* 1: also compute the gradient w.r.t. the input (clnas_model_read_input_grad) */
    double bn_eps, bn_momentum; /* BatchNorm (1e-5, 0.1) */
    double sgd_momentum, weight_decay; /* SGD (0.9, 5e-4) */
    int nesterov;               /* Nesterov momentum (1) */
    uint64_t seed;              /* the model is initialised as clnas_model_init(model, seed) does (0) */
    clnas_workspace *workspace; /* NULL (the default): activation memory of the model's own */
} clnas_model_params;

clnas_model_params clnas_model_default_params(void);

/* Compiles the network of params on the context's device (kernels from and into its program cache) and
 * initialises its parameters from params->seed. A malformed arch is CLNAS_ERR_PARSE naming the position. */
clnas_status clnas_model_new(clnas_context *ctx, const clnas_model_params *params, clnas_model **out,
                             clnas_error *err);
void clnas_model_free(clnas_model *model);

/* A workspace on a device: clnas_context_device(ctx). */
clnas_status clnas_workspace_new(const clnas_device *dev, clnas_workspace **out, clnas_error *err);
/* Models made in the workspace may outlive it (they hold their own reference to the buffer). */
void clnas_workspace_free(clnas_workspace *ws);
/* Bytes of the activation buffer the workspace holds now. */
size_t clnas_workspace_bytes(const clnas_workspace *ws);

/* Forward floating-point operations per image (2 x multiply-adds of the convolutions and the classifier). */
double clnas_model_forward_flops(const clnas_model *model);

/* PyTorch's default initialisation from a seed: conv and linear weights and the linear bias uniform in
 * +-1/sqrt(fan_in); BatchNorm weight 1, bias 0, running mean 0, running variance 1. Momenta are zeroed. */
clnas_status clnas_model_init(clnas_model *model, uint64_t seed, clnas_error *err);

/* Weights as safetensors with the PyTorch module's names (BatchNorm running statistics and num_batches_tracked,
 * an int64 scalar per BatchNorm counting training steps, included), so files move between clnas and PyTorch both
 * ways; share/clnas/nb201.py is that module. Loading checks every name and shape and says which is missing or
 * wrong; tensors the network does not have are an error too (a file of another architecture); so are NaN and
 * infinite values, and metadata naming another network (clnas_model_load_flags). */
clnas_status clnas_model_save(clnas_model *model, const char *path, clnas_error *err);
clnas_status clnas_model_load(clnas_model *model, const char *path, clnas_error *err);

/* ---- what a weights file says about itself ----
 * clnas_model_save writes into the file's safetensors metadata (all values strings, as safetensors requires):
 *   format "clnas", clnas_version, space ("nb201", "darts" or "chain"), arch (the genotype in its space's string
 *   form), channels, cells (nb201) or layers (darts), in_channels, height, width, classes, and, when saved with a normalisation, mean and std (JSON arrays, one value per input channel,
 *   of the input transform "(pixel / 255 - mean[c]) / std[c]" written under the key normalisation).
 * Loading compares arch (exactly: pool and skip differ, and a canonical form that merges cells is not used because
 * clnas' canonical form also merges cells that differ in a BatchNorm shift), channels, cells, in_channels and
 * classes with the network and refuses a mismatch unless CLNAS_LOAD_IGNORE_METADATA; files without clnas metadata
 * (older files, PyTorch state_dicts) load as before. */
#define CLNAS_WEIGHTS_MAX_CHANNELS 4

typedef struct clnas_weights_info {
    int has_metadata;             /* 1: the file holds clnas metadata (format "clnas"); 0: none, all else empty */
    char version[32];             /* clnas version that wrote it ("" for files before versions were recorded) */
    char space[16];               /* "nb201", "darts" or "chain" ("" when not recorded: nb201) */
    int has_arch;                 /* 1: arch and genotype hold an NB201 architecture */
    int has_space_arch;           /* 1: arch holds a darts or chain genotype in its space's string form (validated) */
    char arch[CLNAS_CHAIN_GENOTYPE_STR_MAX];
    clnas_genotype genotype;
    int channels, cells;          /* 0 when not recorded */
    int layers;                   /* DARTS: cells in all; 0 when not recorded */
    int in_channels, height, width, classes; /* 0 when not recorded */
    int norm_channels;            /* values in mean and std; 0 when the file records no normalisation */
    double mean[CLNAS_WEIGHTS_MAX_CHANNELS], std[CLNAS_WEIGHTS_MAX_CHANNELS];
} clnas_weights_info;

/* Reads the metadata of a weights file; a malformed value of a clnas key is CLNAS_ERR_FORMAT naming file and key. */
clnas_status clnas_weights_info_read(const char *path, clnas_weights_info *info, clnas_error *err);

/* CLNAS_ERR_MISMATCH when the info records an arch, channels, cells, in_channels or classes other than cfg's; the
 * message names path, what the file was saved with and what the network is. OK for a file without metadata. */
clnas_status clnas_weights_info_match(const clnas_weights_info *info, const clnas_net_config *cfg, const char *path,
                                      clnas_error *err);

/* As clnas_model_save, recording the input normalisation (in_channels values each; both NULL: none recorded). */
clnas_status clnas_model_save_with_norm(clnas_model *model, const char *path, const double *mean, const double *std,
                                        clnas_error *err);

/* clnas_model_load's checks with flags: CLNAS_LOAD_IGNORE_METADATA loads a file whose metadata names another
 * network when its tensors fit (names, shapes); non-finite values are refused always, naming the tensor and the
 * first bad index. */
#define CLNAS_LOAD_IGNORE_METADATA 1u
clnas_status clnas_model_load_flags(clnas_model *model, const char *path, unsigned flags, clnas_error *err);

/* One parameter or running statistic by name, in double. */
clnas_status clnas_model_get(clnas_model *model, const char *name, double *out, size_t count, clnas_error *err);
clnas_status clnas_model_set(clnas_model *model, const char *name, const double *in, size_t count, clnas_error *err);
/* The gradient of a trained parameter after clnas_model_backward. */
clnas_status clnas_model_get_grad(clnas_model *model, const char *name, double *out, size_t count, clnas_error *err);
clnas_status clnas_model_set_grad(clnas_model *model, const char *name, const double *in, size_t count,
                                  clnas_error *err);

/* Uploads a batch: images already normalised, in the element type (float, or double for fp64 networks),
 * batch * in_channels * height * width of them, and labels (ignored for evaluation). */
clnas_status clnas_model_set_batch(clnas_model *model, const void *images, const int32_t *labels, clnas_error *err);

/* Training forward (batch statistics; updates running statistics) and the loss; logits and loss readable after. */
clnas_status clnas_model_forward(clnas_model *model, clnas_error *err);
clnas_status clnas_model_backward(clnas_model *model, clnas_error *err);
/* The backward without the launches that compute nothing but trained parameters' gradients (weight gradients of the
 * convolutions and the classifier): for a caller that reads only other gradients, such as DARTS' and GDAS'
 * architecture gradients or the input gradient. The trained parameters' gradients are undefined after it. */
clnas_status clnas_model_backward_no_param_grads(clnas_model *model, clnas_error *err);
clnas_status clnas_model_update(clnas_model *model, double lr, clnas_error *err);
/* forward + backward + update, then reads the loss and the logits of the step. */
clnas_status clnas_model_step(clnas_model *model, double lr, double *loss, double *logits, clnas_error *err);
/* Evaluation forward (running statistics) of the current batch; logits: batch * classes. */
clnas_status clnas_model_eval(clnas_model *model, double *logits, clnas_error *err);
/* After clnas_model_forward: the training logits, the loss, the input gradient (want_input_grad). */
clnas_status clnas_model_read_logits(clnas_model *model, double *logits, clnas_error *err);
clnas_status clnas_model_read_loss(clnas_model *model, double *loss, clnas_error *err);
clnas_status clnas_model_read_input_grad(clnas_model *model, double *grad, clnas_error *err);

/* ---- for the zero-cost proxies (search/zero_cost.h) ----
 * After clnas_model_forward: the backward pass seeded with a chosen gradient of the logits (batch * classes values,
 * image-major) instead of the loss's, so the parameter gradients (and the input gradient with want_input_grad) are
 * those of sum(dlogits * logits); dlogits all ones gives the gradients of the sum of the logits. Networks with a
 * second loss (DARTS' auxiliary head) are refused. */
clnas_status clnas_model_backward_from(clnas_model *model, const double *dlogits, clnas_error *err);
/* The ReLU units per image: the elements of every ReLU's input, each ReLU the network applies counted (a node that
 * feeds two ReLU-conv edges counts twice, as hooks on PyTorch's ReLU modules see it; ReLUs of pruned edges and of
 * all-zero nodes are not computed and not counted). */
clnas_status clnas_model_relu_units(clnas_model *model, size_t *units, clnas_error *err);
/* After clnas_model_forward: the binary code of every ReLU unit (input > 0) of each image of the batch, bit u of
 * image n at bits[n * words + u / 64] >> (u % 64), units in network order, the unused high bits zero; words is at
 * least (units + 63) / 64. Reads the ReLU inputs (or outputs: same sign) the training plan keeps for its backward
 * pass; a plan that does not keep one is CLNAS_ERR_UNSUPPORTED naming it. */
clnas_status clnas_model_relu_codes(clnas_model *model, uint64_t *bits, size_t words, clnas_error *err);

const clnas_net_config *clnas_model_config(const clnas_model *model);
/* Trained parameters (elements) and the network's forward multiply-adds per image. */
long clnas_model_param_count(const clnas_model *model);

#ifdef __cplusplus
}
#endif
#endif
