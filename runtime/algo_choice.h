/* clnas — algorithm choice per (op signature, device): generated kernel, CLBlast or an alternative kernel (Winograd),
 * measured once, then recorded
 * in memory and on disk and reused, so a run never depends on how fast the machine was that minute. */
#ifndef CLNAS_ALGO_CHOICE_H
#define CLNAS_ALGO_CHOICE_H

#include <CL/cl.h>
#include <stddef.h>

#include "clnas/device.h"
#include "clnas/status.h"
#include "gemm_clblast.h"
#include "gemm_desc.h"
#include "kernel_desc.h"
#include "op_conv.h"

typedef enum clnas_algo {
    CLNAS_ALGO_KERNEL = 0, /* the generated kernel */
    CLNAS_ALGO_CLBLAST = 1, /* the launch's GEMM alternative */
    CLNAS_ALGO_WINOGRAD = 2 /* the launch's alternative kernel: Winograd F(2x2,3x3) (codegen/ops/op_conv_winograd.c) */
} clnas_algo;

/* CLNAS_ALGO=kernel|clblast|winograd|auto; unset or empty is auto. */
typedef enum clnas_algo_mode {
    CLNAS_ALGO_MODE_AUTO = 0,   /* recorded choice, else the on-disk cache, else measure */
    CLNAS_ALGO_MODE_KERNEL,     /* always the generated kernels; CLBlast is never called */
    CLNAS_ALGO_MODE_CLBLAST,    /* CLBlast wherever a launch has a GEMM alternative; nothing is measured */
    CLNAS_ALGO_MODE_WINOGRAD    /* Winograd wherever a launch takes it (3x3 stride 1 pad 1 forward and input
                                 * gradient); CLBlast is never called, nothing is measured */
} clnas_algo_mode;

#define CLNAS_ALGO_NOTE_MAX 160

/* A record is the kernel against one alternative: CLBlast for a GEMM signature, the Winograd kernel for a Winograd
 * signature (clnas_conv_winograd_sig: "conv_fwd_winograd ...", "conv_bwd_data_winograd ..."), the kernel's tuned
 * variants for a tuning signature (clnas_conv_tune_target: "tune fwd conv2d_cvec ..."); the clblast_ fields then
 * hold the alternative kernel's figures (for a tuning: the chosen variant's time; clblast_ok 1 when a variant
 * other than the default won) and variant the chosen variant's tunables (codegen/ops/op_conv.h's tuning text). */
#define CLNAS_ALGO_VARIANT_MAX CLNAS_CONV_TUNE_TEXT_MAX
typedef struct clnas_algo_record {
    char sig[CLNAS_GEMM_SIG_MAX];
    clnas_algo algo;
    double kernel_ms, clblast_ms; /* best of the timed runs; negative when not measured */
    int clblast_ok;               /* 0: the alternative failed or its result differed from the kernel's (never chosen) */
    char note[CLNAS_ALGO_NOTE_MAX]; /* why the alternative was rejected, else "" */
    char variant[CLNAS_ALGO_VARIANT_MAX]; /* a tuning signature's chosen variant ("CO_BLOCK=4 ROWS=2 LOCAL=16"), else "" */
} clnas_algo_record;

/* A set of choices, one per signature. Zero-initialise (or clnas_algo_choices_init) before use. */
typedef struct clnas_algo_choices {
    clnas_algo_record *rec;
    int count, cap;
    char warning[320]; /* what clnas_algo_choices_load skipped and why (the first problem), else "" */
} clnas_algo_choices;

const char *clnas_algo_name(clnas_algo algo); /* "kernel", "clblast", "winograd" */

/* Parses "kernel", "clblast", "winograd" or "auto" (NULL or "" is auto); anything else is CLNAS_ERR_INVALID_ARG. */
clnas_status clnas_algo_mode_parse(const char *text, clnas_algo_mode *out, clnas_error *err);
/* The mode the environment variable CLNAS_ALGO asks for. */
clnas_status clnas_algo_mode_from_env(clnas_algo_mode *out, clnas_error *err);

void clnas_algo_choices_init(clnas_algo_choices *c);
void clnas_algo_choices_free(clnas_algo_choices *c);
/* The record of sig, or NULL. */
const clnas_algo_record *clnas_algo_choices_find(const clnas_algo_choices *c, const char *sig);
/* Adds r, replacing the record of the same signature. */
clnas_status clnas_algo_choices_put(clnas_algo_choices *c, const clnas_algo_record *r, clnas_error *err);

/* <cache_root>/algo/<device key>.tsv: the device key names the device and hashes everything that could change
 * which algorithm wins (platform, device, driver, CLBlast version). */
clnas_status clnas_algo_choices_path(const char *cache_root, const clnas_device_info *info, char *out, size_t cap,
                                     clnas_error *err);

/* Adds the records of the file at path to c. A missing file is no error; so is an unusable one (another format or
 * version, garbage): it is read strictly (header CLNAS_ALGO_CHOICES_FORMAT, then lines of exactly 7 tab-separated
 * fields: signature, algorithm, kernel_ms, alternative_ms, alternative_ok, variant ("-" or a tuning), note), its
 * unreadable lines are skipped and counted in *ignored (may be NULL; a foreign header counts 1 and nothing of the
 * file is read), and c->warning says which file, line and field, and what was expected. */
#define CLNAS_ALGO_CHOICES_FORMAT "clnas-algo-choices-2"
clnas_status clnas_algo_choices_load(clnas_algo_choices *c, const char *path, int *ignored, clnas_error *err);
/* Writes c to path (creating its directory) by temporary name + rename, so a kill never leaves a torn file. */
clnas_status clnas_algo_choices_save(const clnas_algo_choices *c, const char *path, clnas_error *err);

/* Measures one launch both ways on scratch buffers of the slots' sizes filled with fixed pseudo-random values:
 * runs the kernel and the GEMM alternative once each from the same contents and compares every output under
 * max err <= tol * max(max |kernel|, 0.01) (tol 1e-4 for float, 1e-10 for double), then times `repeats` runs of
 * each, alternating, and keeps the best of each (CLBlast stops being timed once it is 4 times slower than the
 * kernel). CLBlast wins only when it was right and at least 5% faster. A CLBlast
 * failure or a wrong result is not an error: it is recorded (clblast_ok = 0, note) and the kernel is chosen.
 * kernel is the launch's cl_kernel (its arguments are overwritten), slot_count the elements of each slot; relu the
 * kernel materialising the rectified input where g->relu_elems > 0 (its time counts as the alternative's), else
 * NULL. */
clnas_status clnas_algo_measure(const clnas_device *dev, cl_kernel kernel, const clnas_kernel_desc *kd,
                                const size_t *slot_count, const clnas_gemm_desc *g, const clnas_gemm_relu *relu,
                                int fp64, int repeats, clnas_algo_record *out, clnas_error *err);

/* The same for an alternative kernel (the Winograd variant) of the same slots: both run once from the same contents
 * and the alternative's output slot out_slot is compared under the same rule, then both are timed, alternating; the
 * alternative wins (algo = alt_algo) only when it was right and at least 5% faster. A failing launch of the
 * alternative is recorded and rules it out. The record is keyed by sig. */
clnas_status clnas_algo_measure_alt(const clnas_device *dev, cl_kernel kernel, const clnas_kernel_desc *kd,
                                    cl_kernel alt, const clnas_kernel_desc *alt_kd, clnas_algo alt_algo,
                                    const size_t *slot_count, int out_slot, const char *sig, int fp64, int repeats,
                                    clnas_algo_record *out, clnas_error *err);

/* A candidate of clnas_algo_measure_variants: candidate i's kernel and descriptor (same slots as the kernel's), or
 * an error (a candidate that does not build is ruled out, not fatal). */
typedef clnas_status (*clnas_algo_variant_fn)(void *ctx, int i, cl_kernel *kernel, const clnas_kernel_desc **desc,
                                              clnas_error *err);

/* The tuner's measurement of one signature: the kernel (the default variant) runs once from fixed pseudo-random
 * contents and its output slot out_slot is kept as the reference, then is timed (best of `repeats`); then each
 * candidate 0 .. nvariants-1 in order, while less than budget_s seconds have passed since the first candidate
 * started (their builds included), runs once from the same contents and must agree with the reference under clnas_algo_measure's rule
 * (else it is ruled out), and is timed (best of `repeats`, stopped once it is 4 times slower than the best). The
 * fastest correct candidate wins if at least 5% faster than the default: *chosen = its index, else -1. out gets
 * sig, kernel_ms (the default), clblast_ms (the winner's, else the default's), clblast_ok (1 when a candidate won)
 * and a note ("tried T of N candidates in S s, R ruled out: first reason"); the caller fills variant. */
clnas_status clnas_algo_measure_variants(const clnas_device *dev, cl_kernel kernel, const clnas_kernel_desc *kd,
                                         int nvariants, clnas_algo_variant_fn get, void *ctx, const size_t *slot_count,
                                         int out_slot, const char *sig, int fp64, int repeats, double budget_s,
                                         int *chosen, clnas_algo_record *out, clnas_error *err);

#endif
