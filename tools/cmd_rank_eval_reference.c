/* clnas tool — `clnas rank-eval --reference FILE --estimator E ...`: Kendall tau, Spearman rho and top-5 overlap of
 * estimators against a ground-truth reference table, beside the reference's own seed-to-seed agreement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "reference.h"
#include "search_setup.h"
#include "space_nb201.h"
#include "zero_cost.h"

#define MAX_ESTIMATORS 16
#define MAX_SETS 32

typedef struct ref_args {
    const char *path, *estimators[MAX_ESTIMATORS], *config, *device, *sets[MAX_SETS];
    int n_est, nsets;
} ref_args;

static int usage(void)
{
    printf("usage: clnas rank-eval --reference FILE --estimator E [--estimator E ...] [--config FILE]\n"
           "                        [--set key=value ...] [--device D]\n"
           "Scores each estimator against the reference table FILE (%s: the stand-alone\n"
           "accuracies of architectures of distinct canonical classes, two seeds) by Kendall tau, Spearman rho and\n"
           "the overlap of the top 5 against the mean accuracy. An estimator is a CSV file arch,score (matched by\n"
           "canonical class; higher is better), \"params\" or \"flops\" (the reference's own columns), or a zero-cost\n"
           "proxy \"zc:snip\", \"zc:grad_norm\", \"zc:params\", \"zc:flops\", \"zc:synflow\", \"zc:naswot\",\n"
           "\"zc:jacob_cov\" (computed here with the config's proxy sizes, seed and training split, as evaluator.kind\n"
           "\"zero-cost\" does; search/zero_cost.h). The first line is the noise\n"
           "ceiling: accuracy_seed1 as an estimator of accuracy_seed0.\n", CLNAS_REFERENCE_HEADER);
    return 0;
}

static void print_row(const char *name, const clnas_rank_quality *q, int n)
{
    printf("%-40s  %7.3f  %7.3f  %d of %d\n", name, q->tau, q->rho, q->top5_overlap, n < 5 ? n : 5);
}

/* A zero-cost proxy's raw score of every reference architecture (evaluator.kind "zero-cost" of the config). */
static int zero_cost_scores(const clnas_reference *ref, const ref_args *a, const char *proxy, double *scores)
{
    search_setup s;
    memset(&s, 0, sizeof s);
    cJSON *root = NULL;
    int rc = search_setup_config_space("rank-eval", ref->space, a->config, a->sets, a->nsets, &root, &s.cfg);
    cJSON_Delete(root);
    snprintf(s.cfg.evaluator.kind, sizeof s.cfg.evaluator.kind, "zero-cost");
    snprintf(s.cfg.evaluator.proxy, sizeof s.cfg.evaluator.proxy, "%s", proxy);
    if (!rc)
        rc = search_setup_evaluator(&s, a->device, NULL);
    char key[32];
    snprintf(key, sizeof key, "zc_%s", proxy);
    for (int i = 0; i < ref->n && !rc; i++) {
        clnas_evaluator_result r;
        clnas_error err = {0};
        const clnas_space_genotype g = ref->rows[i].arch;
        if (s.run.evaluator.iface->evaluate(s.run.evaluator.state, &g, &r, &err) != CLNAS_OK)
            rc = cli_fail(&err);
        else if (r.status != CLNAS_TRIAL_OK)
            rc = fprintf(stderr, "clnas: reference row %d: %s\n", i + 1, r.error) > 0;
        else
            scores[i] = cJSON_GetObjectItemCaseSensitive(r.extra, key)->valuedouble;
        clnas_evaluator_result_clear(&r);
    }
    search_setup_free(&s);
    return rc;
}

/* The estimator's scores: a built-in column, a zero-cost proxy or a CSV file. */
static int estimator_scores(const clnas_reference *ref, const ref_args *a, const char *name, double *scores)
{
    if (strncmp(name, "zc:", 3) == 0) {
        if (clnas_zero_cost_find(name + 3) < 0)
            return cli_usage_error("rank-eval", "--estimator %s: the zero-cost proxies are zc:snip, zc:grad_norm, "
                                   "zc:params, zc:flops, zc:synflow, zc:naswot and zc:jacob_cov", name);
        return zero_cost_scores(ref, a, name + 3, scores);
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

static int parse(int argc, char **argv, ref_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (cli_is_help(argv[i]))
            return usage();
        if ((r = cli_opt(argc, argv, &i, "--reference", &a->path)) != 0
            || (r = cli_opt(argc, argv, &i, "--config", &a->config)) != 0
            || (r = cli_opt(argc, argv, &i, "--device", &a->device)) != 0) {
            if (r < 0)
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
                                            "\"params\", \"flops\" or zc:<proxy>)");
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
    if (clnas_reference_read(path, &ref, &err) != CLNAS_OK)
        return cli_fail(&err);
    double *scores = malloc((size_t)ref.n * sizeof *scores);
    int rc = scores ? 0 : 1;
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
        rc = estimator_scores(&ref, &a, a.estimators[e], scores);
        clnas_rank_quality q;
        if (!rc)
            clnas_reference_rank_quality(&ref, scores, &q);
        if (!rc)
            print_row(a.estimators[e], &q, ref.n);
    }
    free(scores);
    clnas_reference_free(&ref);
    return rc;
}
