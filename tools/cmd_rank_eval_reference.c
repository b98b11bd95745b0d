/* clnas tool — `clnas rank-eval --reference FILE --estimator E ...`: Kendall tau, Spearman rho and top-5 overlap of
 * estimators against a ground-truth reference table, beside the reference's own seed-to-seed agreement. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "file_io.h"
#include "reference.h"
#include "search_setup.h"
#include "space_iface.h"
#include "spos_supernet.h"
#include "zero_cost.h"

#define MAX_ESTIMATORS 16
#define MAX_SETS 32

typedef struct ref_args {
    const char *path, *estimators[MAX_ESTIMATORS], *config, *device, *sets[MAX_SETS], *scores_dir;
    int n_est, nsets, bn_batches;
} ref_args;

static int usage(void)
{
    printf("usage: clnas rank-eval --reference FILE --estimator E [--estimator E ...] [--config FILE]\n"
           "                        [--set key=value ...] [--scores DIR] [--bn-batches N] [--device D]\n"
           "Scores each estimator against the reference table FILE (%s: the stand-alone\n"
           "accuracies of architectures of distinct canonical classes, two seeds) by Kendall tau, Spearman rho and\n"
           "the overlap of the top 5 against the mean accuracy. The first line is the noise ceiling: accuracy_seed1\n"
           "as an estimator of accuracy_seed0. Estimators score the reference's space (its \"# space:\" line, else\n"
           "nb201). An estimator E is one of\n"
           "  FILE.csv            arch,score lines (matched by canonical class; higher is better)\n"
           "  params, flops       the reference's own columns\n"
           "  proxy               the config's evaluator (evaluator.kind, proxy.*, dataset.*, seed: --config and\n"
           "                      --set as for clnas search) run on every reference architecture: its fitness\n"
           "  zc:PROXY            a zero-cost proxy computed here with the config's proxy sizes, seed and training\n"
           "                      split, as evaluator.kind \"zero-cost\" does: snip, grad_norm, params, flops,\n"
           "                      synflow, naswot, jacob_cov (search/zero_cost.h)\n"
           "  supernet:DIR        the path accuracy of the SPOS or GDAS run DIR's trained supernet (its config and\n"
           "                      validation split; an nb201 or darts run, of the reference's space; GDAS: the\n"
           "                      weights of its last epoch, each path as GDAS runs a sampled one, non-affine\n"
           "                      BatchNorm and edges scaled by h = 1), after BatchNorm recalibration over N\n"
           "                      training batches (--bn-batches N; default the SPOS run's strategy.bn_batches,\n"
           "                      %d for GDAS)\n"
           "  supernet-loss:DIR   minus the path's validation loss in that supernet\n"
           "--scores DIR writes each estimator's scores to DIR/<estimator>.csv (arch,score), which --estimator\n"
           "reads back, so an estimator that trains is computed once. Ctrl-C stops after the architecture in\n"
           "progress (exit 130).\n", CLNAS_REFERENCE_HEADER, SPOS_SUPERNET_GDAS_BN_BATCHES);
    return 0;
}

static void print_row(const char *name, const clnas_rank_quality *q, int n)
{
    printf("%-40s  %7.3f  %7.3f  %d of %d\n", name, q->tau, q->rho, q->top5_overlap, n < 5 ? n : 5);
}

/* Scores every reference architecture with an evaluator: score_of picks the number from each result (higher is
 * better). Rows go to stderr as they finish when verbose (training takes seconds to minutes per row). Ctrl-C stops
 * after the row in progress (exit 130). */
typedef double (*result_score_fn)(const clnas_evaluator_result *r, const char *key);

static double result_fitness(const clnas_evaluator_result *r, const char *key)
{
    (void)key;
    return r->fitness;
}

static double result_extra(const clnas_evaluator_result *r, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->extra, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static double result_minus_extra(const clnas_evaluator_result *r, const char *key)
{
    return -result_extra(r, key);
}

/* One score an evaluation gives each reference row: which number of the result, into which array. */
typedef struct score_column {
    result_score_fn of;
    const char *key; /* of's key: the result's extra field, NULL for the fitness */
    double *scores;
} score_column;

/* Evaluates every reference row once, filling each of the ncols columns. */
static int evaluator_scores(const clnas_reference *ref, const clnas_evaluator *ev, const char *name,
                            const score_column *cols, int ncols, int verbose)
{
    int rc = 0;
    volatile int *stop = cli_catch_interrupt();
    for (int i = 0; i < ref->n && !rc; i++) {
        clnas_evaluator_result r;
        memset(&r, 0, sizeof r);
        clnas_error err = {0};
        if (ev->iface->evaluate(ev->state, &ref->rows[i].arch, &r, &err) != CLNAS_OK) {
            rc = cli_fail(&err);
        } else if (r.status != CLNAS_TRIAL_OK) {
            fprintf(stderr, "clnas: %s: reference row %d: %s\n", name, i + 1, r.error);
            rc = 1;
        }
        for (int c = 0; c < ncols && !rc; c++) {
            cols[c].scores[i] = cols[c].of(&r, cols[c].key);
            if (isnan(cols[c].scores[i]))
                rc = fprintf(stderr, "clnas: %s: reference row %d: the evaluator gave no %s\n", name, i + 1,
                             cols[c].key ? cols[c].key : "fitness") > 0;
        }
        if (!rc && verbose) {
            char arch[CLNAS_SPACE_STR_MAX] = "";
            ref->space->format(&ref->rows[i].arch, arch, sizeof arch, NULL);
            fprintf(stderr, "%s %3d/%d  %-92s ", name, i + 1, ref->n, arch);
            for (int c = 0; c < ncols; c++)
                fprintf(stderr, " %.4f", cols[c].scores[i]);
            fprintf(stderr, "  (%.0f s)\n", r.seconds);
        }
        clnas_evaluator_result_clear(&r);
        if (!rc && *stop && i + 1 < ref->n) {
            fprintf(stderr, "clnas: %s: interrupted after %d of %d rows\n", name, i + 1, ref->n);
            rc = CLI_EXIT_INTERRUPTED;
        }
    }
    cli_release_interrupt();
    return rc;
}

/* The config's evaluator (zero-cost with the given proxy when zero_cost is not NULL) over the reference. */
static int config_scores(const clnas_reference *ref, const ref_args *a, const char *name, const char *zero_cost,
                         double *scores)
{
    search_setup s;
    memset(&s, 0, sizeof s);
    cJSON *root = NULL;
    int rc = search_setup_config_space("rank-eval", ref->space, a->config, a->sets, a->nsets, &root, &s.cfg);
    cJSON_Delete(root);
    char key[32] = "";
    if (zero_cost) {
        snprintf(s.cfg.evaluator.kind, sizeof s.cfg.evaluator.kind, "zero-cost");
        snprintf(s.cfg.evaluator.proxy, sizeof s.cfg.evaluator.proxy, "%s", zero_cost);
        snprintf(key, sizeof key, "zc_%s", zero_cost);
    } else if (!rc) {
        char images[32] = "all the";
        if (s.cfg.dataset.train_subset)
            snprintf(images, sizeof images, "%d", s.cfg.dataset.train_subset);
        fprintf(stderr, "%s: evaluator %s, C=%d N=%d, %d epoch(s) on %s training images at batch %d, seed %llu\n",
                name, s.cfg.evaluator.kind, s.cfg.proxy.channels, s.cfg.proxy.cells, s.cfg.proxy.epochs, images,
                s.cfg.proxy.batch, (unsigned long long)s.cfg.seed);
    }
    if (!rc)
        rc = search_setup_evaluator(&s, a->device, NULL);
    const score_column col = {zero_cost ? result_extra : result_fitness, zero_cost ? key : NULL, scores};
    if (!rc)
        rc = evaluator_scores(ref, &s.run.evaluator, name, &col, 1, !zero_cost);
    search_setup_free(&s);
    return rc;
}

/* The scores of the last supernet evaluated: accuracy and minus the validation loss come from one evaluation of
 * each path, so --estimator supernet:DIR --estimator supernet-loss:DIR evaluates the paths once. */
typedef struct supernet_memo {
    char dir[1024]; /* "" when nothing is kept */
    double *accuracy, *minus_loss;
} supernet_memo;

/* A SPOS or GDAS run's supernet over the reference: path accuracy, or minus the path's validation loss (Ning et al.
 * found the loss ranking better where cells differ little). The run's own config and data, BatchNorm recalibrated
 * over --bn-batches (default SPOS' strategy.bn_batches). Both go to memo. */
static int supernet_scores(const clnas_reference *ref, const ref_args *a, const char *name, const char *dir,
                           int by_loss, supernet_memo *memo, double *scores)
{
    if (memo->dir[0] && strcmp(memo->dir, dir) == 0) {
        memcpy(scores, by_loss ? memo->minus_loss : memo->accuracy, (size_t)ref->n * sizeof *scores);
        fprintf(stderr, "%s: the paths' scores of the evaluation above\n", name);
        return 0;
    }
    memo->dir[0] = '\0';
    char strategy[32];
    if (spos_run_strategy(dir, strategy, sizeof strategy))
        return 1;
    if (strcmp(strategy, "darts") == 0)
        return spos_supernet_refuse(dir, strategy);
    if (strcmp(strategy, "spos") != 0 && strcmp(strategy, "gdas") != 0)
        return fprintf(stderr, "clnas: --estimator %s: %s is not a SPOS or GDAS run (its config.json has "
                               "strategy.name \"%s\")\n", name, dir, strategy[0] ? strategy : "rea") > 0;
    search_setup s;
    memset(&s, 0, sizeof s);
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", dir);
    cJSON *root = NULL;
    int rc = search_setup_config_space("rank-eval", NULL, path, NULL, 0, &root, &s.cfg); /* the run's space */
    cJSON_Delete(root);
    if (!rc && clnas_search_config_space(&s.cfg) == &clnas_space_chain)
        rc = fprintf(stderr, "clnas: --estimator %s: the %s run %s is a supernet of one chain skeleton, whose paths a "
                             "reference of the chain space does not hold; score it with clnas rank-eval --supernet %s, "
                             "which samples its paths\n", name, strategy, dir, dir) > 0;
    else if (!rc && clnas_search_config_space(&s.cfg) != ref->space)
        rc = fprintf(stderr, "clnas: --estimator %s: the %s run %s searched space %s; the reference is of space "
                             "%s\n", name, strategy, dir, clnas_search_config_space(&s.cfg)->name,
                     ref->space->name) > 0;
    if (!rc)
        rc = search_setup_evaluator(&s, a->device, NULL);
    spos_supernet sup;
    memset(&sup, 0, sizeof sup);
    if (!rc)
        rc = spos_supernet_open(dir, strategy, a->bn_batches, &s, &sup);
    const score_column cols[2] = {{result_fitness, NULL, memo->accuracy}, {result_minus_extra, "val_loss",
                                                                            memo->minus_loss}};
    if (!rc)
        rc = evaluator_scores(ref, &sup.ev, name, cols, 2, 1);
    spos_supernet_close(&sup);
    search_setup_free(&s);
    if (!rc) {
        snprintf(memo->dir, sizeof memo->dir, "%s", dir);
        memcpy(scores, by_loss ? memo->minus_loss : memo->accuracy, (size_t)ref->n * sizeof *scores);
    }
    return rc;
}

/* The estimator's scores: a built-in column, the config's evaluator, a zero-cost proxy, a supernet or a CSV. */
static int estimator_scores(const clnas_reference *ref, const ref_args *a, const char *name, supernet_memo *memo,
                            double *scores)
{
    if (strncmp(name, "zc:", 3) == 0) {
        if (clnas_zero_cost_find(name + 3) < 0)
            return cli_usage_error("rank-eval", "--estimator %s: the zero-cost proxies are zc:snip, zc:grad_norm, "
                                   "zc:params, zc:flops, zc:synflow, zc:naswot and zc:jacob_cov", name);
        return config_scores(ref, a, name, name + 3, scores);
    }
    if (strcmp(name, "proxy") == 0)
        return config_scores(ref, a, name, NULL, scores);
    if (strncmp(name, "supernet:", 9) == 0 || strncmp(name, "supernet-loss:", 14) == 0) {
        const int by_loss = name[8] == '-';
        return supernet_scores(ref, a, name, name + (by_loss ? 14 : 9), by_loss, memo, scores);
    }
    const int params = strcmp(name, "params") == 0, flops = strcmp(name, "flops") == 0;
    if (params || flops) {
        for (int i = 0; i < ref->n; i++)
            scores[i] = params ? ref->rows[i].params : ref->rows[i].flops;
        return 0;
    }
    clnas_error err = {0};
    return clnas_reference_scores_csv(ref, name, scores, &err) == CLNAS_OK ? 0 : cli_fail(&err);
}

/* DIR/<estimator>.csv (arch,score; characters other than letters, digits, '-' and '_' of the name as '_'), which
 * --estimator FILE reads back: an expensive estimator is computed once. */
static int write_scores(const clnas_reference *ref, const char *dir, const char *name, const double *scores)
{
    char slug[128], path[1400];
    size_t n = 0;
    for (const char *c = name; *c && n + 1 < sizeof slug; c++)
        slug[n++] = (isalnum((unsigned char)*c) || *c == '-' || *c == '_') ? *c : '_';
    slug[n] = 0;
    snprintf(path, sizeof path, "%s/%s.csv", dir, slug);
    clnas_error err = {0};
    if (clnas_reference_scores_write(path, ref, scores, &err) != CLNAS_OK)
        return cli_fail(&err);
    fprintf(stderr, "scores: %s\n", path);
    return 0;
}

static int parse(int argc, char **argv, ref_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (cli_is_help(argv[i]))
            return usage();
        if ((r = cli_opt(argc, argv, &i, "--reference", &a->path)) != 0
            || (r = cli_opt(argc, argv, &i, "--config", &a->config)) != 0
            || (r = cli_opt(argc, argv, &i, "--device", &a->device)) != 0
            || (r = cli_opt(argc, argv, &i, "--scores", &a->scores_dir)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--bn-batches", &v)) != 0) {
            if (r < 0 || cli_int("--bn-batches", v, 1, 10000, &a->bn_batches))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--set", &v)) != 0) {
            if (r < 0)
                return 2;
            if (a->nsets == MAX_SETS)
                return cli_usage_error("rank-eval", "at most %d --set options", MAX_SETS);
            a->sets[a->nsets++] = v;
        } else if ((r = cli_opt(argc, argv, &i, "--estimator", &v)) != 0) {
            if (r < 0)
                return 2;
            if (a->n_est == MAX_ESTIMATORS)
                return cli_usage_error("rank-eval", "at most %d --estimator options", MAX_ESTIMATORS);
            a->estimators[a->n_est++] = v;
        } else {
            return cli_usage_error("rank-eval", "unknown option '%s' (with --reference: --estimator E)", argv[i]);
        }
    }
    if (!a->path || a->n_est == 0)
        return cli_usage_error("rank-eval", "--reference FILE needs at least one --estimator (a CSV arch,score, "
                                            "params, flops, proxy, zc:PROXY, supernet:DIR or supernet-loss:DIR)");
    return -1;
}

int cmd_rank_eval_reference(int argc, char **argv)
{
    ref_args a;
    memset(&a, 0, sizeof a);
    const int parsed = parse(argc, argv, &a);
    if (parsed >= 0)
        return parsed;
    const char *path = a.path;
    clnas_reference ref;
    clnas_error err = {0};
    if (a.scores_dir && clnas_dirs_make(a.scores_dir, &err) != CLNAS_OK) /* now, not after hours of training */
        return cli_fail(&err);
    if (clnas_reference_read(path, &ref, &err) != CLNAS_OK)
        return cli_fail(&err);
    double *scores = malloc((size_t)ref.n * sizeof *scores);
    supernet_memo memo = {"", malloc((size_t)ref.n * sizeof *scores), malloc((size_t)ref.n * sizeof *scores)};
    int rc = scores && memo.accuracy && memo.minus_loss ? 0 : 1;
    if (rc)
        fprintf(stderr, "clnas: out of memory\n");
    printf("reference: %s, %d architectures\n%-40s  %7s  %7s  %s\n", path, ref.n, "estimator", "tau", "rho",
           "top-5 overlap");
    if (!rc) {
        /* the noise ceiling: seed 1 against seed 0 (the reference's mean replaced by seed 0 for this row) */
        clnas_reference one = ref;
        clnas_reference_row *rows = malloc((size_t)ref.n * sizeof *rows);
        rc = !rows;
        for (int i = 0; rows && i < ref.n; i++) {
            rows[i] = ref.rows[i];
            rows[i].mean = ref.rows[i].accuracy[0];
            scores[i] = ref.rows[i].accuracy[1];
        }
        one.rows = rows;
        clnas_rank_quality q;
        if (rows)
            clnas_reference_rank_quality(&one, scores, &q);
        if (rows)
            print_row("seed 1 vs seed 0 (noise ceiling)", &q, ref.n);
        free(rows);
    }
    for (int e = 0; e < a.n_est && !rc; e++) {
        rc = estimator_scores(&ref, &a, a.estimators[e], &memo, scores);
        clnas_rank_quality q;
        if (!rc)
            clnas_reference_rank_quality(&ref, scores, &q);
        if (!rc)
            print_row(a.estimators[e], &q, ref.n);
        fflush(stdout);
        if (!rc && a.scores_dir)
            rc = write_scores(&ref, a.scores_dir, a.estimators[e], scores);
    }
    free(scores);
    free(memo.accuracy);
    free(memo.minus_loss);
    clnas_reference_free(&ref);
    return rc;
}
