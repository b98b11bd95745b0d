/* clnas tool — `clnas rank-eval --reference FILE --estimator E ...`: Kendall tau, Spearman rho and top-5 overlap of
 * estimators against a ground-truth reference table, beside the reference's own seed-to-seed agreement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "reference.h"

#define MAX_ESTIMATORS 16

static int usage(void)
{
    printf("usage: clnas rank-eval --reference FILE --estimator E [--estimator E ...]\n"
           "Scores each estimator against the reference table FILE (%s: the stand-alone\n"
           "accuracies of architectures of distinct canonical classes, two seeds) by Kendall tau, Spearman rho and\n"
           "the overlap of the top 5 against the mean accuracy. An estimator is a CSV file arch,score (matched by\n"
           "canonical class; higher is better), or \"params\" or \"flops\" (the reference's own columns). The first\n"
           "line is the noise ceiling: accuracy_seed1 as an estimator of accuracy_seed0.\n", CLNAS_REFERENCE_HEADER);
    return 0;
}

static void print_row(const char *name, const clnas_rank_quality *q, int n)
{
    printf("%-40s  %7.3f  %7.3f  %d of %d\n", name, q->tau, q->rho, q->top5_overlap, n < 5 ? n : 5);
}

/* The estimator's scores: a built-in column or a CSV file. */
static int estimator_scores(const clnas_reference *ref, const char *name, double *scores)
{
    const int params = strcmp(name, "params") == 0, flops = strcmp(name, "flops") == 0;
    if (params || flops) {
        for (int i = 0; i < ref->n; i++)
            scores[i] = params ? ref->rows[i].params : ref->rows[i].flops;
        return 0;
    }
    clnas_error err = {0};
    return clnas_reference_scores_csv(ref, name, scores, &err) == CLNAS_OK ? 0 : cli_fail(&err);
}

int cmd_rank_eval_reference(int argc, char **argv)
{
    const char *path = NULL, *estimators[MAX_ESTIMATORS];
    int n_est = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (cli_is_help(argv[i]))
            return usage();
        if ((r = cli_opt(argc, argv, &i, "--reference", &v)) != 0) {
            if (r < 0)
                return 2;
            path = v;
        } else if ((r = cli_opt(argc, argv, &i, "--estimator", &v)) != 0) {
            if (r < 0)
                return 2;
            if (n_est == MAX_ESTIMATORS)
                return cli_usage_error("rank-eval", "at most %d --estimator options", MAX_ESTIMATORS);
            estimators[n_est++] = v;
        } else {
            return cli_usage_error("rank-eval", "unknown option '%s' (with --reference: --estimator E)", argv[i]);
        }
    }
    if (!path || n_est == 0)
        return cli_usage_error("rank-eval", "--reference FILE needs at least one --estimator (a CSV arch,score, "
                                            "\"params\" or \"flops\")");
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
    for (int e = 0; e < n_est && !rc; e++) {
        rc = estimator_scores(&ref, estimators[e], scores);
        clnas_rank_quality q;
        if (!rc)
            clnas_reference_rank_quality(&ref, scores, &q);
        if (!rc)
            print_row(estimators[e], &q, ref.n);
    }
    free(scores);
    clnas_reference_free(&ref);
    return rc;
}
