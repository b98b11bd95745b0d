/* clnas tool — `clnas rank-eval --supernet DIR --archs K`: Kendall tau and Spearman rho between a one-shot
 * (SPOS or GDAS) supernet's accuracy of K architectures and their stand-alone proxy accuracy (trained from scratch). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "file_io.h"
#include "journal.h"
#include "rank_eval.h"
#include "search_setup.h"
#include "space_nb201.h"
#include "spos_supernet.h"

#define MAX_CACHES 8

static const char *const one_shot_strategies[] = {"spos", "darts", "gdas"};

/* 1 (message printed) when the cache run's proxy budget or data differ from the supernet run's. */
static int same_proxy(const char *cache_dir, const clnas_search_config *a, const clnas_search_config *b)
{
    const char *field = NULL;
    if (a->proxy.channels != b->proxy.channels)
        field = "proxy.channels";
    else if (a->proxy.cells != b->proxy.cells)
        field = "proxy.cells";
    else if (a->proxy.layers != b->proxy.layers)
        field = "proxy.layers";
    else if (strcmp(a->space, b->space) != 0)
        field = "space.name";
    else if (a->proxy.epochs != b->proxy.epochs)
        field = "proxy.epochs";
    else if (a->proxy.batch != b->proxy.batch)
        field = "proxy.batch";
    else if (a->proxy.lr != b->proxy.lr)
        field = "proxy.lr";
    else if (strcmp(a->dataset.dir, b->dataset.dir) != 0)
        field = "dataset.dir";
    else if (a->dataset.validation_size != b->dataset.validation_size)
        field = "dataset.validation_size";
    else if (a->dataset.train_subset != b->dataset.train_subset)
        field = "dataset.train_subset";
    else if (strcmp(a->evaluator.kind, b->evaluator.kind) != 0)
        field = "evaluator.kind";
    if (!field)
        return 0;
    fprintf(stderr, "clnas: --cache %s: its %s differs from the supernet run's, so its accuracies are not the same "
                    "proxy\n", cache_dir, field);
    return 1;
}

/* Appends the ok trials of CACHE_DIR/journal.jsonl to *entries after checking its config matches. */
static int load_cache(const char *cache_dir, const clnas_search_config *want, clnas_journal_entry **entries,
                      int *count)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", cache_dir);
    cJSON *root = NULL;
    clnas_search_config cfg;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_search_config_read(path, &root, &err) != CLNAS_OK)
        return cli_fail(&err);
    clnas_status st = clnas_search_config_parse(root, &cfg, &err);
    cJSON_Delete(root);
    if (st != CLNAS_OK)
        return cli_fail(&err);
    int bad = same_proxy(cache_dir, &cfg, want);
    if (!bad && cfg.seed != want->seed)
        printf("note: --cache %s was trained with seed %llu, the supernet run's is %llu\n", cache_dir,
               (unsigned long long)cfg.seed, (unsigned long long)want->seed);
    clnas_search_config_free(&cfg);
    if (bad)
        return 1;
    snprintf(path, sizeof path, "%s/journal.jsonl", cache_dir);
    clnas_journal_entry *more = NULL;
    int n = 0, torn = 0;
    size_t good = 0;
    if (clnas_journal_read(path, &more, &n, &torn, &good, &err) != CLNAS_OK)
        return cli_fail(&err);
    clnas_journal_entry *all = realloc(*entries, (size_t)(*count + n) * sizeof *all);
    if (!all && *count + n > 0) {
        clnas_journal_entries_free(more, n);
        fprintf(stderr, "clnas: out of memory reading %s\n", path);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        all[*count + i] = more[i];
        all[*count + i].extra = NULL; /* the extra keys stay with `more` and are freed with it */
    }
    *entries = all;
    *count += n;
    clnas_journal_entries_free(more, n);
    return 0;
}

static void print_row(void *state, int index, int count, const clnas_rank_eval_row *row)
{
    (void)state, (void)count;
    const char *arch = row->text;
    if (row->standalone_cached)
        printf("%3d  %-92s  %.4f  %.4f  (journal)\n", index + 1, arch, row->supernet, row->standalone);
    else
        printf("%3d  %-92s  %.4f  %.4f  (%.0f s)\n", index + 1, arch, row->supernet, row->standalone, row->seconds);
    fflush(stdout);
}

static int write_outputs(const char *out_dir, const clnas_rank_eval_result *r, const char *title)
{
    char path[1100];
    cJSON *json = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_rank_eval_to_json(r, &json, &err) != CLNAS_OK)
        return cli_fail(&err);
    snprintf(path, sizeof path, "%s/rank_eval.json", out_dir);
    int rc = cli_write_json(path, json);
    cJSON_Delete(json);
    if (rc)
        return rc;
    printf("json: %s\n", path);
    snprintf(path, sizeof path, "%s/rank_eval.svg", out_dir);
    if (clnas_rank_eval_svg_write(r, path, title, &err) != CLNAS_OK)
        return cli_fail(&err);
    printf("plot: %s\n", path);
    return 0;
}

typedef struct rank_args {
    const char *dir, *device, *out_dir;
    const char *caches[MAX_CACHES];
    int ncaches, archs, have_seed, bn_batches;
    uint64_t seed;
} rank_args;

/* Parses the options into a; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, rank_args *a)
{
    const char *v;
    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            printf("usage: clnas rank-eval --supernet DIR [--archs K] [--seed S] [--cache RUN_DIR ...] [--out DIR]\n"
                   "                        [--bn-batches N] [--device D]\n"
                   "       clnas rank-eval --reference FILE --estimator E ... (estimators against a reference\n"
                   "                        table: clnas rank-eval --reference FILE --help)\n"
                   "Samples K architectures of distinct canonical classes of the run's space (nb201 or darts; a\n"
                   "SPOS or GDAS run on chain: paths of its skeleton, strategy.skeleton; default 20, seed S,\n"
                   "default the run's seed), evaluates each with the supernet of the SPOS or\n"
                   "GDAS run DIR (inherited weights: SPOS' supernet.safetensors, GDAS' gdas_checkpoint.safetensors\n"
                   "of its last epoch, each path as GDAS runs a sampled one: non-affine BatchNorm, edges scaled by\n"
                   "h = 1; BatchNorm recalibrated over N training batches, default the SPOS run's\n"
                   "strategy.bn_batches, %d for GDAS) and trained\n"
                   "from scratch with DIR's proxy budget, and prints Kendall tau and Spearman rho between the two.\n"
                   "--cache RUN_DIR reuses the stand-alone accuracies a multi-trial search with the same proxy\n"
                   "budget and data already measured (by canonical class; up to %d). Writes rank_eval.json and\n"
                   "rank_eval.svg to --out DIR (default the run directory).\n",
                   SPOS_SUPERNET_GDAS_BN_BATCHES, MAX_CACHES);
            return 0;
        } else if ((r = cli_opt(argc, argv, &i, "--supernet", &a->dir)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--device", &a->device)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--out", &a->out_dir)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--archs", &v)) != 0) {
            if (r < 0 || cli_int("--archs", v, 3, 5390, &a->archs))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--bn-batches", &v)) != 0) {
            if (r < 0 || cli_int("--bn-batches", v, 1, 10000, &a->bn_batches))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &v)) != 0) {
            if (r < 0 || cli_seed(v, &a->seed))
                return 2;
            a->have_seed = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--cache", &v)) != 0) {
            if (r < 0)
                return 2;
            if (a->ncaches == MAX_CACHES)
                return cli_usage_error("rank-eval", "at most %d --cache options", MAX_CACHES);
            a->caches[a->ncaches++] = v;
        } else {
            return cli_usage_error("rank-eval", "unknown option '%s'", argv[i]);
        }
    }
    return -1;
}

int cmd_rank_eval(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--reference") == 0)
            return cmd_rank_eval_reference(argc, argv); /* estimators against a ground truth (issue 14) */
    rank_args args;
    memset(&args, 0, sizeof args);
    args.archs = 20;
    int parsed = parse_args(argc, argv, &args);
    if (parsed >= 0)
        return parsed;
    const char *dir = args.dir, *device = args.device, *out_dir = args.out_dir;
    const char *const *caches = args.caches;
    const int ncaches = args.ncaches, archs = args.archs, have_seed = args.have_seed;
    const uint64_t seed = args.seed;
    if (!dir)
        return cli_usage_error("rank-eval", "--supernet DIR (a SPOS, DARTS or GDAS run directory) is required");
    clnas_error made;
    if (out_dir && clnas_dirs_make(out_dir, &made) != CLNAS_OK) /* now, not after the whole evaluation */
        return cli_fail(&made);
    char strategy[32];
    if (spos_run_strategy(dir, strategy, sizeof strategy))
        return 1;
    int one_shot = 0;
    for (size_t i = 0; i < sizeof one_shot_strategies / sizeof one_shot_strategies[0]; i++)
        one_shot |= strcmp(strategy, one_shot_strategies[i]) == 0;
    if (!one_shot) {
        fprintf(stderr, "clnas: %s is not a one-shot run: its config.json has strategy.name \"%s\"; rank-eval needs "
                        "the directory of a spos, darts or gdas search\n",
                dir, strategy[0] ? strategy : "rea");
        return 1;
    }
    if (spos_supernet_refuse(dir, strategy))
        return 1;
    int rc = 1;
    search_setup s0;
    memset(&s0, 0, sizeof s0);
    search_setup *s = &s0;
    clnas_journal_entry *cache = NULL;
    int cache_count = 0;
    clnas_rank_eval_result result;
    memset(&result, 0, sizeof result);
    spos_supernet sup;
    memset(&sup, 0, sizeof sup);
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", dir);
    cJSON *root = NULL;
    if (search_setup_config_space("rank-eval", NULL, path, NULL, 0, &root, &s->cfg)) /* the run's space */
        goto done;
    cJSON_Delete(root);
    for (int i = 0; i < ncaches; i++)
        if (load_cache(caches[i], &s->cfg, &cache, &cache_count))
            goto done;
    if (search_setup_evaluator(s, device, NULL))
        goto done;
    if (spos_supernet_open(dir, strategy, args.bn_batches, s, &sup))
        goto done;
    clnas_rank_eval_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.space = spos_supernet_space(&sup, clnas_search_config_space(&s->cfg));
    cfg.archs = archs;
    cfg.seed = have_seed ? seed : s->cfg.seed;
    cfg.supernet = spos_supernet_accuracy;
    cfg.supernet_state = &sup;
    cfg.standalone = &s->run.evaluator;
    cfg.cache = cache;
    cfg.cache_count = cache_count;
    cfg.progress = print_row;
    cfg.stop = cli_catch_interrupt();
    char size[64];
    if (cfg.space == &clnas_space_darts)
        snprintf(size, sizeof size, "C=%d layers=%d", s->cfg.proxy.channels, s->cfg.proxy.layers);
    else if (sup.paths)
        snprintf(size, sizeof size, "stem width %d", s->cfg.proxy.channels);
    else
        snprintf(size, sizeof size, "C=%d N=%d", s->cfg.proxy.channels, s->cfg.proxy.cells);
    printf("rank-eval: %s (%s, space %s), %d architectures, seed %llu; stand-alone: %s, %d epoch(s), batch %d; %d "
           "journal entries to reuse\n%3s  %-92s  %-6s  %s\n",
           dir, strategy, cfg.space->name, archs, (unsigned long long)cfg.seed, size, s->cfg.proxy.epochs, s->cfg.proxy.batch, cache_count, "#", "arch", "supernet", "stand-alone");
    clnas_error err;
    clnas_error_clear(&err);
    clnas_status st = clnas_rank_eval_run(&cfg, &result, &err);
    cli_release_interrupt();
    if (st != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    printf("\nKendall tau: %.3f   Spearman rho: %.3f   (%d of %d architectures usable, %d from the journal)\n",
           result.kendall_tau, result.spearman_rho, result.usable, result.count, result.cached);
    rc = write_outputs(out_dir ? out_dir : dir, &result, strategy);
    if (rc == 0 && cli_interrupted())
        rc = CLI_EXIT_INTERRUPTED;
done:
    spos_supernet_close(&sup);
    clnas_rank_eval_result_free(&result);
    free(cache);
    search_setup_free(s);
    return rc;
}
