/* clnas tool — `clnas groundtruth`: train K architectures of distinct canonical classes stand-alone with two seeds
 * and write the reference table rank-eval --reference scores estimators against; resumable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "file_io.h"
#include "groundtruth.h"
#include "search_setup.h"
#include "space_iface.h"
#include "train_evaluator.h"

#define MAX_SETS 32

typedef struct gt_args {
    const char *config, *device, *out, *sets[MAX_SETS];
    int nsets, archs, seeds, have_seed;
    uint64_t seed;
    const clnas_space_iface *space; /* --space; NULL: the config's space.name */
} gt_args;

static int usage(void)
{
    printf("usage: clnas groundtruth --archs K --out FILE.csv [--space S] [--seeds 2] [--seed S] [--config FILE]\n"
           "                         [--set key=value ...] [--device D]\n"
           "Trains K architectures of distinct canonical classes (seed S, default the config's) stand-alone, each\n"
           "with the config's seed and with that seed + 1, with the budget of the config's proxy and dataset\n"
           "sections (--set proxy.epochs=4 --set dataset.train_subset=0 ...), and writes FILE.csv:\n"
           "arch,hash,accuracy_seed0,accuracy_seed1,mean,params,flops (validation accuracy).\n"
           "  --space S   the search space: nb201, darts or chain (the same as --set space.name=S; default the\n"
           "              config's, nb201). The network is the space's at the proxy's size (darts: proxy.channels\n"
           "              and proxy.layers, as clnas search). nb201 is sampled uniformly over its canonical\n"
           "              classes (all are enumerated, each class drawn once); darts and chain are not enumerable:\n"
           "              genotypes are drawn uniformly and a draw of a class already drawn is skipped, so a class\n"
           "              with more genotypes is likelier. A table of another space than nb201 starts with the\n"
           "              line '# space: S'; archs with commas or quotes (DARTS', chain) are quoted as RFC 4180.\n"
           "Rerun the same command to resume: rows already in FILE are kept and not trained again.\n");
    return 0;
}

static int parse(int argc, char **argv, gt_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (cli_is_help(argv[i]))
            return usage();
        if ((r = cli_opt(argc, argv, &i, "--config", &a->config)) != 0
            || (r = cli_opt(argc, argv, &i, "--device", &a->device)) != 0
            || (r = cli_opt(argc, argv, &i, "--out", &a->out)) != 0
            || (r = cli_space_opt(argc, argv, &i, &a->space)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--archs", &v)) != 0 || (r = cli_opt(argc, argv, &i, "--seeds", &v))) {
            if (r < 0)
                return 2;
            const int is_archs = strcmp(argv[i - 1], "--archs") == 0;
            char *end;
            const long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 100000)
                return cli_usage_error("groundtruth", "%s: expected a positive integer, got '%s'", argv[i - 1], v);
            *(is_archs ? &a->archs : &a->seeds) = (int)n;
        } else if ((r = cli_opt(argc, argv, &i, "--set", &v)) != 0) {
            if (r < 0)
                return 2;
            if (a->nsets == MAX_SETS)
                return cli_usage_error("groundtruth", "at most %d --set options", MAX_SETS);
            a->sets[a->nsets++] = v;
        } else if ((r = cli_seed_opt(argc, argv, &i, &a->seed)) != 0) {
            if (r < 0)
                return 2;
            a->have_seed = 1;
        } else {
            return cli_usage_error("groundtruth", "unknown option '%s'", argv[i]);
        }
    }
    if (a->archs == 0 || !a->out)
        return cli_usage_error("groundtruth", "--archs K and --out FILE.csv are required");
    if (a->seeds != 2)
        return cli_usage_error("groundtruth", "--seeds: only 2 is supported (the table has two accuracy columns)");
    return -1;
}

static void on_row(const clnas_reference_row *row, int done, int total, int skipped, void *user)
{
    const clnas_space_iface *space = user;
    char arch[CLNAS_SPACE_STR_MAX];
    space->format(&row->arch, arch, sizeof arch, NULL);
    printf("%4d/%d  %-92s  %.4f  %.4f%s\n", done, total, arch, row->accuracy[0], row->accuracy[1],
           skipped ? "  (in the file)" : "");
    fflush(stdout);
}

int cmd_groundtruth(int argc, char **argv)
{
    gt_args a;
    memset(&a, 0, sizeof a);
    a.seeds = 2;
    const int parsed = parse(argc, argv, &a);
    if (parsed >= 0)
        return parsed;
    search_setup s;
    memset(&s, 0, sizeof s);
    cJSON *root = NULL;
    clnas_evaluator second = {0};
    clnas_error err = {0};
    int rc = 1;
    if (search_setup_config_space("groundtruth", a.space, a.config, a.sets, a.nsets, &root, &s.cfg))
        goto done;
    snprintf(s.cfg.evaluator.kind, sizeof s.cfg.evaluator.kind, "train"); /* stand-alone training, whatever else */
    if (clnas_file_check_writable(a.out, &err) != CLNAS_OK || search_setup_evaluator(&s, a.device, NULL)) {
        if (err.message[0])
            cli_fail(&err);
        goto done;
    }
    clnas_train_evaluator_config tc = s.run.train_cfg;
    tc.seed = s.cfg.seed + 1;
    tc.choices_path = NULL;
    if (clnas_train_evaluator_new(s.run.dev, s.run.cache, &tc, &second, &err) != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    const clnas_space_iface *space = clnas_search_config_space(&s.cfg);
    clnas_groundtruth_config gc = {a.archs, a.have_seed ? a.seed : s.cfg.seed, {&s.run.evaluator, &second}, a.out,
                                   cli_catch_interrupt(), on_row, (void *)space, space};
    char size[64];
    if (space == &clnas_space_darts)
        snprintf(size, sizeof size, "C=%d layers=%d", s.cfg.proxy.channels, s.cfg.proxy.layers);
    else if (space == &clnas_space_chain)
        snprintf(size, sizeof size, "C=%d", s.cfg.proxy.channels);
    else
        snprintf(size, sizeof size, "C=%d N=%d", s.cfg.proxy.channels, s.cfg.proxy.cells);
    printf("groundtruth: %d architectures of space %s into %s; %s, %d epoch(s) on %d images at batch %d, seeds %llu "
           "and %llu, validation on %d images\n", a.archs, space->name, a.out, size, s.cfg.proxy.epochs,
           clnas_run_setup_train_data(&s.run)->count, s.cfg.proxy.batch, (unsigned long long)s.cfg.seed,
           (unsigned long long)tc.seed, s.run.val.count);
    clnas_status st = clnas_groundtruth_run(&gc, &err);
    cli_release_interrupt();
    rc = st == CLNAS_OK ? 0 : cli_fail(&err);
done:
    if (second.iface)
        second.iface->destroy(second.state);
    cJSON_Delete(root);
    search_setup_free(&s);
    return rc;
}
