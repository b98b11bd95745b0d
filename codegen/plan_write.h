/* clnas — writing a compiled plan out for people: plan.json, every program's OpenCL C, cell and kernel graphs. */
#ifndef CLNAS_PLAN_WRITE_H
#define CLNAS_PLAN_WRITE_H

#include <stddef.h>

#include "clnas/status.h"
#include "plan.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clnas_plan_stats {
    int ops;               /* nodes of the training graph before fusion */
    int kernels;           /* distinct kernel descriptors (training and evaluation) */
    int launches_per_step; /* launches of one training step */
    int programs;          /* distinct OpenCL programs */
    size_t arena_bytes;    /* all arenas in the plan's element type (labels as int32) */
} clnas_plan_stats;

/* How a kernel uses an argument slot, by the slot's name: outputs are y, dx, dw, db, dgamma, dbeta, dlogits,
 * loss, smean, sinvstd; rmean, rvar (BatchNorm running statistics) and p, v (SGD) are read and written;
 * every other slot is read. */
typedef enum clnas_slot_access {
    CLNAS_SLOT_READ = 1,
    CLNAS_SLOT_WRITE = 2,
    CLNAS_SLOT_READ_WRITE = 3
} clnas_slot_access;

clnas_slot_access clnas_plan_slot_access(const char *slot);

/* Bytes of one arena of the plan. */
size_t clnas_plan_arena_bytes(const clnas_plan *plan, clnas_arena arena);

clnas_status clnas_plan_stats_get(const clnas_plan *plan, clnas_plan_stats *out, clnas_error *err);

/* The file name of program `program` inside a written directory: "<entry>__<program, 3 digits>.cl", where entry is the
 * first kernel of that program. CLNAS_ERR_INVALID_ARG for an index out of range or a buffer too small. */
clnas_status clnas_plan_program_file(const clnas_plan *plan, int program, char *buf, size_t cap, clnas_error *err);

/* Creates dir (and its parents) and writes into it: one .cl file per program (its exact source), plan.json
 * (configuration, arenas, kernels, the training and evaluation launches with their bindings, buffers,
 * parameters, stats), cell.dot (the NB201 cell), graph.dot (the training step's launches by phase and cell) and
 * kernels.tsv (each .cl file's kernels and the launches that run it). Each file is
 * written to a temporary name and renamed, so a reader never sees a torn file. Files from an earlier plan in
 * the same directory are left alone. */
clnas_status clnas_plan_write_dir(const clnas_plan *plan, const char *dir, clnas_error *err);

#ifdef __cplusplus
}
#endif
#endif
