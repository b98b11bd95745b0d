/* clnas — the executor: a plan's arenas on the device and its launches enqueued in order. */
#ifndef CLNAS_EXECUTOR_H
#define CLNAS_EXECUTOR_H

#include <stdint.h>

#include "algo_choice.h"
#include "clnas/device.h"
#include "plan.h"
#include "program_cache.h"

typedef enum clnas_run_set {
    CLNAS_RUN_FORWARD = 1,  /* training forward (batch statistics) and the loss with its gradient */
    CLNAS_RUN_BACKWARD = 2,
    CLNAS_RUN_UPDATE = 4,
    CLNAS_RUN_STEP = 7,     /* all three: one training step */
    CLNAS_RUN_EVAL = 8      /* evaluation forward (running statistics) */
} clnas_run_set;

typedef struct clnas_executor {
    clnas_device *dev;            /* borrowed */
    clnas_program_cache *cache;   /* borrowed */
    const clnas_plan *plan;       /* borrowed */
    cl_mem arena[CLNAS_ARENA_COUNT];
    size_t arena_bytes[CLNAS_ARENA_COUNT];
    cl_kernel *kernels;           /* per plan kernel, owned by the cache */
    double prepare_seconds;       /* time to get every kernel (compile or cache) */
    int profile;                  /* time every launch (clFinish after each) */
    double *launch_seconds;       /* profile: accumulated per train launch, then per eval launch */
    /* algorithm choice for launches with a GEMM alternative (CLNAS_ALGO, recorded, cached or measured) */
    clnas_algo_mode algo_mode;
    clnas_algo_choices choices;   /* the choice of every distinct GEMM signature of the plan (none in kernel mode) */
    unsigned char *use_gemm;      /* per train launch, then per eval launch: 1 runs the CLBlast alternative */
    int algo_measured;            /* signatures this executor measured (0 when every choice was recorded or cached) */
    double algo_seconds;          /* time spent choosing (measurements, CLBlast's first compiles) */
    cl_mem gemm_scratch, gemm_ones; /* shared by the chosen alternatives; NULL when none needs them */
    clnas_gemm_relu *gemm_relu;   /* per launch: the kernel materialising its alternative's rectified input, where
                                   * CLBlast runs it and its kernel folds a ReLU into the load (else zeroed) */
    /* the alternative kernel of launches that have one (Winograd for 3x3 stride-1 pad-1 convolutions, forward and
     * input gradient), chosen per signature the same way; NULL in kernel and clblast mode */
    unsigned char *use_alt;         /* per train launch, then per eval launch: 1 runs alt_kernels[i] */
    cl_kernel *alt_kernels;         /* per launch: the chosen alternative (owned by the cache), else NULL */
    clnas_kernel_desc *alt_descs;   /* per launch: its descriptor (same slots as the launch's kernel) */
    /* the tuner (runtime/tuner.c; auto mode unless CLNAS_TUNE=off): per plan kernel, the variant that runs */
    int tune_on;                    /* 1 when the tuner chose the variants */
    int tune_measured;              /* tuning signatures this executor measured */
    unsigned char *tuned;           /* per plan kernel: 1 runs tuned_descs[k] (kernels[k] is its kernel) */
    clnas_kernel_desc *tuned_descs; /* per plan kernel: the chosen variant's descriptor where tuned[k] */
    char (*variants)[CLNAS_ALGO_VARIANT_MAX]; /* per plan kernel: "default", the chosen tuning, or "" (not tunable) */
} clnas_executor;

/* The descriptor plan kernel k runs with: the tuned variant's, else the plan's. */
const clnas_kernel_desc *clnas_executor_kernel_desc(const clnas_executor *ex, int k);

/* The kernel of a descriptor other than the plan's (an alternative or a tuning candidate), from the executor's
 * program cache: built on first use. */
clnas_status clnas_executor_desc_kernel(clnas_executor *ex, const clnas_kernel_desc *desc, cl_kernel *out,
                                        clnas_error *err);

/* Allocates the arenas (zero-filled), gets every kernel of the plan from the program cache and chooses, per
 * distinct GEMM signature, the generated kernel or CLBlast, and per distinct Winograd signature, the generated
 * kernel or its Winograd variant: CLNAS_ALGO=kernel|clblast|winograd forces one; auto (the default) takes the
 * choice from <cache dir>/algo/<device>.tsv, else measures both (results cross-checked) and adds the winner to
 * that file. ex->choices holds the choices made, for a run to record. */
clnas_status clnas_executor_new(clnas_device *dev, clnas_program_cache *cache, const clnas_plan *plan,
                                clnas_executor **out, clnas_error *err);
/* As clnas_executor_new, but in auto mode a signature found in `recorded` (may be NULL) uses that choice without
 * looking at the cache file or measuring: a resumed run makes the choices its first part made. */
clnas_status clnas_executor_new_with_choices(clnas_device *dev, clnas_program_cache *cache, const clnas_plan *plan,
                                             const clnas_algo_choices *recorded, clnas_executor **out,
                                             clnas_error *err);
/* Arenas an executor borrows instead of allocating its own (a supernet's weights and scratch, shared by the
 * executors of its paths): a non-NULL mem[a] is retained by the executor (and released by clnas_executor_free),
 * bytes[a] is its size, which must cover what the plan needs. */
typedef struct clnas_shared_arenas {
    cl_mem mem[CLNAS_ARENA_COUNT];
    size_t bytes[CLNAS_ARENA_COUNT];
} clnas_shared_arenas;
/* As clnas_executor_new_with_choices, borrowing the arenas `shared` has (NULL: none). */
clnas_status clnas_executor_new_shared(clnas_device *dev, clnas_program_cache *cache, const clnas_plan *plan,
                                       const clnas_algo_choices *recorded, const clnas_shared_arenas *shared,
                                       clnas_executor **out, clnas_error *err);
void clnas_executor_free(clnas_executor *ex);

/* Enqueues the launches of `set` in plan order; lr is the learning rate of the update. Does not wait. */
clnas_status clnas_executor_run(clnas_executor *ex, unsigned set, double lr, clnas_error *err);
/* The same, leaving out each training launch i with skip[i] set (skip: plan->ntrain entries). */
clnas_status clnas_executor_run_skipping(clnas_executor *ex, unsigned set, double lr, const unsigned char *skip,
                                         clnas_error *err);
clnas_status clnas_executor_finish(clnas_executor *ex, clnas_error *err);

/* Host <-> arena copies in double, converted to the plan's element type; offsets and counts in elements. */
clnas_status clnas_executor_write(clnas_executor *ex, clnas_arena arena, size_t offset, const double *src,
                                  size_t count, clnas_error *err);
clnas_status clnas_executor_read(clnas_executor *ex, clnas_arena arena, size_t offset, double *dst, size_t count,
                                 clnas_error *err);
/* Raw copy of host data already in the element type (the input batch). */
clnas_status clnas_executor_write_raw(clnas_executor *ex, clnas_arena arena, size_t offset, const void *src,
                                      size_t bytes, clnas_error *err);
clnas_status clnas_executor_write_labels(clnas_executor *ex, const int32_t *labels, size_t count, clnas_error *err);
/* Zeroes an arena (momentum before training). */
clnas_status clnas_executor_zero(clnas_executor *ex, clnas_arena arena, clnas_error *err);

#endif
