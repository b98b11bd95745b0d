/* clnas — measurements of an OpenCL device for training (`clnas bench device`): peak float32 multiply-add rate,
 * copy bandwidth, CLBlast SGEMM at the NB201 convolution shapes, every NB201 op forward and backward per stage,
 * training throughput and model setup time. The library measures and returns numbers; tools/ prints them. */
#ifndef CLNAS_BENCH_DEVICE_H
#define CLNAS_BENCH_DEVICE_H

#include <stddef.h>

#include "clnas/device.h"
#include "clnas/network.h"
#include "clnas/status.h"
#include "program_cache.h"

/* ---- peak multiply-add rate and bandwidth (bench_peak.c) ---- */

typedef struct clnas_bench_fma_config {
    int width;    /* float vector width: 4, 8 or 16 */
    int chains;   /* independent multiply-add chains per work-item: 4, 8 or 16 */
    size_t local; /* work-group size */
} clnas_bench_fma_config;

/* Loop trips of the FMA kernel (fixed, so every configuration is one program per width and chains): a work-item
 * does 2 * width * chains * CLNAS_BENCH_FMA_ITERS flops. */
#define CLNAS_BENCH_FMA_ITERS 256

typedef struct clnas_bench_fma_result {
    clnas_bench_fma_config config;
    size_t global;  /* work-items of the timed launch */
    double seconds; /* best timed launch (device profiling) */
    double gflops;
} clnas_bench_fma_result;

/* Times the FMA kernel (kernels/bench_fma.cl) in one configuration: grows the global size until a launch takes
 * at least target_seconds, then keeps the best of three launches. */
clnas_status clnas_bench_fma(clnas_device *dev, clnas_program_cache *cache, const clnas_bench_fma_config *config,
                             double target_seconds, clnas_bench_fma_result *out, clnas_error *err);

typedef struct clnas_bench_copy_result {
    size_t bytes;   /* copied per launch (read once, written once) */
    double seconds; /* best launch */
    double gbps;    /* 2 * bytes / seconds / 1e9: bytes read plus bytes written */
} clnas_bench_copy_result;

/* Copies `bytes` (rounded down to 16, capped to the device's largest buffer) between two buffers `repeats`
 * times with the float4 copy kernel and keeps the best. */
clnas_status clnas_bench_copy(clnas_device *dev, clnas_program_cache *cache, size_t bytes, int repeats,
                              clnas_bench_copy_result *out, clnas_error *err);

/* ---- CLBlast SGEMM at convolution shapes (bench_gemm.c) ---- */

#define CLNAS_BENCH_NAME_MAX 64

/* Row-major C[m][n] = op(A) op(B): a convolution as a GEMM (im2col form). */
typedef struct clnas_bench_gemm_shape {
    char name[CLNAS_BENCH_NAME_MAX]; /* "stage 1 conv3x3 16->16 28x28 forward" */
    size_t m, n, k;
    int trans_a, trans_b;
} clnas_bench_gemm_shape;

typedef struct clnas_bench_gemm_result {
    clnas_bench_gemm_shape shape;
    double first_seconds; /* the first call (on a fresh process: CLBlast compiles its kernels here) */
    double seconds;       /* best of the warm calls */
    double gflops;        /* 2 m n k / seconds */
} clnas_bench_gemm_result;

/* The GEMMs of the distinct convolutions of an NB201 network of cfg's channels, input size and batch: per stage the
 * 3x3 and 1x1 convs, and the reduction blocks' stride-2 3x3 and shortcut 1x1; each forward (W x im2col),
 * backward data (W^T x dY) and backward filter (dY x im2col^T). Returns the count written (at most cap). */
int clnas_bench_conv_gemm_shapes(const clnas_net_config *cfg, clnas_bench_gemm_shape *out, int cap);

/* Runs CLBlastSgemm at one shape on buffers of pseudo-random values: one first call (timed separately), then
 * `repeats` warm calls, keeping the best. A CLBlast failure is CLNAS_ERR_CLBLAST naming the shape and status. */
clnas_status clnas_bench_sgemm(clnas_device *dev, const clnas_bench_gemm_shape *shape, int repeats,
                               clnas_bench_gemm_result *out, clnas_error *err);

/* ---- every NB201 op per stage (bench_ops.c) ---- */

typedef struct clnas_bench_op_result {
    char name[CLNAS_BENCH_NAME_MAX]; /* "nor_conv_3x3 stage 1", "reduction 1 conv_a" */
    char op[24];                     /* "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect", or the
                                      * reduction block part: "conv_a", "conv_b", "shortcut" */
    int stage;                       /* 1..3 for cell ops; for reduction parts the stage they lead into (2, 3) */
    int in_channels, out_channels, height, width; /* input of the op */
    int instances;                   /* edges of this op at this stage that were timed (the figures are per one) */
    int forward_launches, backward_launches; /* per instance */
    double forward_ms, backward_ms;  /* per instance, mean over the timed steps */
    double forward_flop, backward_flop; /* per instance: 2 x multiply-adds (convs), adds (pools); 0 for no work */
    char algo[96];                   /* "kernel", "clblast", "winograd", or per launch kind "conv2d_fwd=winograd ..." */
    char variant[400];               /* the tuner's variant per convolution pass that ran a kernel ("fwd CO_BLOCK=8
                                      * ROWS=1 LOCAL=16; bwd_data ...; bwd_filter ..."; "mixed" when its launches
                                      * differ); "" when the tuner was off or the op has no convolution */
} clnas_bench_op_result;

#define CLNAS_BENCH_MAX_OPS 24

/* Compiles a one-cell-per-stage network of cfg's channels, input and batch whose cell holds every NB201 op that
 * does work (none does none), runs `warmup` steps, then times every launch of `steps` steps (clFinish after each,
 * as `bench train --profile`) and sums the launches by edge op and stage and by reduction block part. The
 * algorithm of each launch is what the executor chose (CLNAS_ALGO, cached or measured). */
clnas_status clnas_bench_ops(clnas_device *dev, clnas_program_cache *cache, const clnas_net_config *cfg, int warmup,
                             int steps, clnas_bench_op_result *out, int *count, clnas_error *err);

/* ---- training throughput and setup time (bench_train.c) ---- */

struct clnas_model;
struct clnas_workspace;
/* Uploads normal images and uniform labels from a fixed seed as the model's batch. */
clnas_status clnas_bench_random_batch(struct clnas_model *model, clnas_error *err);
/* A model of cfg ready to train for a benchmark: clnas_model_new, init from seed 0, the random batch. On failure
 * *out may hold a model to free. */
clnas_status clnas_bench_model_new(clnas_device *dev, clnas_program_cache *cache, const clnas_net_config *cfg,
                                   struct clnas_model **out, clnas_error *err);

typedef struct clnas_bench_train_result {
    double images_per_second;
    double seconds_per_step;
    double setup_seconds; /* clnas_model_new + init + first batch upload */
    int launches_per_step;
} clnas_bench_train_result;

/* Trains cfg on random inputs: `warmup` steps, then `steps` timed steps (wall clock, no per-launch waits). */
clnas_status clnas_bench_train(clnas_device *dev, clnas_program_cache *cache, const clnas_net_config *cfg, int warmup,
                               int steps, clnas_bench_train_result *out, clnas_error *err);

/* The steps of clnas_bench_train on a model whose batch is set: `warmup` steps, then `steps` timed steps, each run
 * finished; fills all of out but setup_seconds. profile != 0 leaves the executor timing every launch from the
 * timed steps on (its launch_seconds, for a per-kernel profile). */
clnas_status clnas_bench_train_steps(struct clnas_model *model, int warmup, int steps, int profile,
                                     clnas_bench_train_result *out, clnas_error *err);

typedef struct clnas_bench_setup_result {
    double model_seconds;      /* clnas_model_build_in: plan compile, kernels from the cache, algorithm choices */
    double plan_seconds;       /* of which: the rest (plan compile, arena allocation) */
    double kernels_seconds;    /* of which: getting every kernel (memory, disk binary or build) */
    double algo_seconds;       /* of which: algorithm choices (cached, or measured) */
    double init_seconds;       /* clnas_model_init + the batch upload */
    double first_step_seconds; /* the first training step, finished (includes the driver's first-launch work) */
    double step_seconds;       /* the second step: the step's own compute */
    double ready_seconds;      /* model + init + (first step - second step): until the network trains at speed */
    double total_seconds;      /* model + init + first step, wall clock */
    clnas_program_cache_stats cache; /* the fresh cache object's counts: builds, disk hits */
    int algo_measured;         /* GEMM signatures timed (0 when every choice came from the choice file) */
} clnas_bench_setup_result;

/* Opens a fresh program cache object on cache_dir (nothing in memory; NULL: the default directory) and times
 * getting a model of cfg ready to train: clnas_model_build_in ws, init and batch upload, then two training steps,
 * each to its end (the first pays the driver's first launches). Run it on an empty directory for the cold figure,
 * again on the same directory and workspace for the warm one (a new architecture in a running search). */
clnas_status clnas_bench_setup(clnas_device *dev, const char *cache_dir, const clnas_net_config *cfg,
                               struct clnas_workspace *ws, clnas_bench_setup_result *out, clnas_error *err);

#endif
