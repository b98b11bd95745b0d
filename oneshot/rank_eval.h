/* clnas — rank quality of a one-shot supernet: Kendall tau and Spearman rho between the supernet's accuracy of K
 * architectures (inherited weights) and their stand-alone proxy accuracy (trained from scratch). */
#ifndef CLNAS_RANK_EVAL_H
#define CLNAS_RANK_EVAL_H

#include <stdint.h>
#include <stdio.h>

#include "clnas/rng.h"
#include "clnas/space.h"
#include "clnas/status.h"
#include "evaluator.h"
#include "journal.h"
#include "space_iface.h"

/* The supernet side: accuracy (0..1) of architecture g (of the config's space) with the supernet's weights (for
 * SPOS after BatchNorm recalibration). An error return stops the evaluation. */
typedef clnas_status (*clnas_supernet_accuracy_fn)(void *state, const clnas_space_genotype *g, double *accuracy,
                                                   clnas_error *err);

/* One architecture's row; NAN where a side has no accuracy (a failed or diverged stand-alone run). */
typedef struct clnas_rank_eval_row {
    clnas_space_genotype arch;       /* of the config's space */
    char text[CLNAS_SPACE_STR_MAX]; /* arch as the space writes it */
    uint64_t hash;          /* canonical */
    double supernet;        /* supernet accuracy */
    double standalone;      /* stand-alone proxy accuracy */
    int standalone_cached;  /* 1: taken from an earlier journal instead of trained */
    double seconds;         /* wall time of this row's two evaluations (0 for a cached stand-alone) */
} clnas_rank_eval_row;

/* Called after each row (the tool prints progress; the library never prints). May be NULL. */
typedef void (*clnas_rank_eval_progress_fn)(void *state, int index, int count, const clnas_rank_eval_row *row);

typedef struct clnas_rank_eval_config {
    const clnas_space_iface *space;   /* NULL: nb201 */
    int archs;                        /* K >= 3 */
    uint64_t seed;                    /* sampling seed */
    clnas_supernet_accuracy_fn supernet;
    void *supernet_state;
    const clnas_evaluator *standalone; /* the proxy trainer (or any evaluator) */
    const clnas_journal_entry *cache; /* earlier stand-alone results with the same proxy budget; may be NULL */
    int cache_count;
    clnas_rank_eval_progress_fn progress;
    void *progress_state;
    const volatile int *stop;         /* when not NULL and set, stops after the row in progress: the result then
                                       * holds the rows done (count < archs) and their correlations */
} clnas_rank_eval_config;

typedef struct clnas_rank_eval_result {
    clnas_rank_eval_row *rows; /* archs rows, in sampling order (owned) */
    int count;
    int usable;                /* rows with both accuracies */
    int cached;                /* rows whose stand-alone accuracy came from the cache */
    double kendall_tau, spearman_rho; /* over the usable rows; NAN when fewer than 2 or a side is constant */
} clnas_rank_eval_result;

/* K cells drawn uniformly from the 15,625 with clnas_rng_below, a cell whose canonical class was drawn before is
 * skipped (so K distinct classes). K from 1 to 5,390 (the number of classes). */
clnas_status clnas_rank_eval_sample(int k, uint64_t seed, clnas_genotype *out, clnas_error *err);

/* Samples cfg->archs architectures (nb201: clnas_rank_eval_sample; another space: clnas_groundtruth_sample's
 * draws of distinct classes), evaluates both sides for each (the stand-alone side from the first ok entry of
 * the cache with the same canonical hash when there is one), then the rank correlations. */
clnas_status clnas_rank_eval_run(const clnas_rank_eval_config *cfg, clnas_rank_eval_result *out, clnas_error *err);
void clnas_rank_eval_result_free(clnas_rank_eval_result *r);

/* {"archs", "usable", "cached", "kendall_tau", "spearman_rho", "rows": [{arch, hash, supernet, standalone,
 * standalone_cached, seconds}]}; non-finite numbers are null. *out owned by the caller. */
clnas_status clnas_rank_eval_to_json(const clnas_rank_eval_result *r, cJSON **out, clnas_error *err);

/* The scatter as an <svg> element of the given size into f (what clnas_rank_eval_svg_write writes, 600 x 540). */
void clnas_rank_eval_svg_put(FILE *f, const clnas_rank_eval_result *r, const char *title, int width, int height);
/* arch as a CSV field: as it is, or in double quotes (a quote doubled) when it holds a comma, quote or line break. */
void clnas_rank_eval_csv_arch(FILE *f, const char *arch);
/* Scatter plot: stand-alone accuracy (x) against supernet accuracy (y), tau and rho in the title. Written to a
 * temporary name, then renamed; the rows beside it as CSV (path with .csv for .svg). */
clnas_status clnas_rank_eval_svg_write(const clnas_rank_eval_result *r, const char *path, const char *title,
                                       clnas_error *err);

#endif
