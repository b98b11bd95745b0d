/* clnas tool — `clnas proxy-check`: does the config's training proxy rank architectures? K random
 * architectures trained with two seeds; Kendall tau and Spearman rho between the seeds' fitnesses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clnas/rng.h"
#include "rank_stats.h"
#include "search_setup.h"
#include "space_iface.h"
#include "train_evaluator.h"

#define MAX_SETS 64

typedef struct proxy_args {
    const char *config, *device;
    const char *sets[MAX_SETS];
    int nsets, archs;
    const clnas_space_iface *space; /* --space; NULL: the config's space.name */
} proxy_args;

/* Parses the options into a; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, proxy_args *a)
{
    const char *v;
    for (int i = 1; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: clnas proxy-check [--config FILE] [--space S] [--set key=value ...] [--archs K] [--device D]\n"
                   "Trains K random architectures (default 12, isomorphic duplicates skipped) with the config's proxy\n"
                   "under two seeds (seed and seed+1) and prints Kendall tau and Spearman rho between the two seeds'\n"
                   "validation accuracies: near 0, the proxy ranks no better than chance. Put the figure in the config\n"
                   "as proxy.measured_kendall_tau.\n"
                   "  --space S   the search space: nb201, darts or chain (the same as --set space.name=S; default the\n"
                   "              config's, nb201); the network is the space's at the proxy's size (darts:\n"
                   "              proxy.channels and proxy.layers, as clnas search)\n");
            return 0;
        } else if ((r = cli_opt(argc, argv, &i, "--config", &a->config)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--device", &a->device)) != 0 ||
                   (r = cli_space_opt(argc, argv, &i, &a->space)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--archs", &v)) != 0) {
            if (r < 0 || cli_int("--archs", v, 3, 10000, &a->archs))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--set", &v)) != 0) {
            if (r < 0)
                return 2;
            if (a->nsets == MAX_SETS)
                return cli_usage_error("proxy-check", "at most %d --set options", MAX_SETS);
            a->sets[a->nsets++] = v;
        } else {
            return cli_usage_error("proxy-check", "unknown option '%s'", argv[i]);
        }
    }
    return -1;
}

int cmd_proxy_check(int argc, char **argv)
{
    proxy_args args = {NULL, NULL, {NULL}, 0, 12, NULL};
    int parsed = parse_args(argc, argv, &args);
    if (parsed >= 0)
        return parsed;
    const char *config = args.config, *device = args.device;
    const char *const *sets = args.sets;
    const int nsets = args.nsets, archs = args.archs;
    int rc = 1;
    double *fit[2] = {calloc((size_t)archs, sizeof(double)), calloc((size_t)archs, sizeof(double))};
    clnas_space_genotype *picked = calloc((size_t)archs, sizeof *picked);
    uint64_t *hashes = calloc((size_t)archs, sizeof *hashes);
    search_setup s0;
    memset(&s0, 0, sizeof s0);
    search_setup *s = &s0;
    clnas_evaluator second = {NULL, NULL};
    cJSON *root = NULL;
    if ((rc = search_setup_config_space("proxy-check", args.space, config, sets, nsets, &root, &s->cfg)) != 0)
        goto done;
    const clnas_space_iface *space = clnas_search_config_space(&s->cfg);
    rc = 1;
    cJSON_Delete(root);
    if (strcmp(s->cfg.evaluator.kind, "train") != 0) {
        fprintf(stderr, "clnas: proxy-check measures the training proxy: evaluator.kind must be \"train\"\n");
        goto done;
    }
    if (search_setup_evaluator(s, device, NULL))
        goto done;
    /* the same data, split and proxy; initialisation and shuffling from the next seed */
    clnas_train_evaluator_config tc = s->run.train_cfg;
    tc.seed = s->cfg.seed + 1;
    clnas_error err0;
    if (clnas_train_evaluator_new(s->run.dev, s->run.cache, &tc, &second, &err0) != CLNAS_OK) {
        cli_fail(&err0);
        goto done;
    }
    const clnas_evaluator *evaluators[2] = {&s->run.evaluator, &second};
    clnas_rng rng;
    clnas_rng_seed(&rng, s->cfg.seed ^ 0x70726f7879ull);
    for (int i = 0; i < archs;) { /* distinct classes only */
        clnas_space_genotype g;
        space->sample(space, &rng, &g);
        uint64_t h = 0;
        space->canonical(&g, NULL, 0, &h, NULL);
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen |= hashes[j] == h;
        if (!seen) {
            picked[i] = g;
            hashes[i++] = h;
        }
    }
    char size[64];
    if (space == &clnas_space_darts)
        snprintf(size, sizeof size, "C=%d layers=%d", s->cfg.proxy.channels, s->cfg.proxy.layers);
    else if (space == &clnas_space_chain)
        snprintf(size, sizeof size, "C=%d", s->cfg.proxy.channels);
    else
        snprintf(size, sizeof size, "C=%d N=%d", s->cfg.proxy.channels, s->cfg.proxy.cells);
    printf("proxy: space %s, %s, %d epoch(s) on %d images, batch %d; %d architectures, seeds %llu and %llu\n",
           space->name, size, s->cfg.proxy.epochs,
           s->run.subset.count ? s->run.subset.count : s->run.train.count, s->cfg.proxy.batch, archs,
           (unsigned long long)s->cfg.seed, (unsigned long long)tc.seed);
    int usable = 0;
    for (int i = 0; i < archs; i++) {
        char arch[CLNAS_SPACE_STR_MAX];
        space->format(&picked[i], arch, sizeof arch, NULL);
        double f[2];
        double secs = 0;
        for (int k = 0; k < 2; k++) {
            clnas_evaluator_result r;
            clnas_error err;
            clnas_error_clear(&err);
            if (evaluators[k]->iface->evaluate(evaluators[k]->state, &picked[i], &r, &err) != CLNAS_OK) {
                cli_fail(&err);
                goto done;
            }
            f[k] = r.status == CLNAS_TRIAL_OK ? r.fitness : NAN;
            secs += r.seconds;
            cJSON_Delete(r.extra);
        }
        printf("%3d  %-92s  %.4f  %.4f  (%.0f s)\n", i + 1, arch, f[0], f[1], secs);
        fflush(stdout);
        if (isfinite(f[0]) && isfinite(f[1])) {
            fit[0][usable] = f[0];
            fit[1][usable] = f[1];
            usable++;
        }
    }
    printf("\nKendall tau between seeds: %.3f   Spearman rho: %.3f   (%d architectures)\n",
           clnas_kendall_tau(fit[0], fit[1], usable), clnas_spearman_rho(fit[0], fit[1], usable), usable);
    rc = 0;
done:
    if (second.iface)
        second.iface->destroy(second.state);
    search_setup_free(s);
    free(fit[0]);
    free(fit[1]);
    free(picked);
    free(hashes);
    return rc;
}
