/* clnas tool — `clnas tune`: fills the device's tuning cache ahead of a search (the convolution kernels' variants
 * of one network, or of K genotypes drawn from a space), and prints the variant chosen per kernel shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "clock.h"
#include "executor.h"
#include "model_build.h"
#include "net_genotype.h"
#include "plan.h"
#include "program_cache.h"
#include "space_iface.h"
#include "tuner.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clnas tune (--arch STR | --space-sample K) [--space nb201|darts|chain] [--seed S]\n"
            "                  [--budget S] [--max-candidates K] [--channels C] [--cells N] [--layers L]\n"
            "                  [--batch B] [--device D] [--family cpu|gpu]\n"
            "Fills the device's tuning cache ahead of a search. For the network of --arch (a genotype of the\n"
            "--space, NB201 by default), or of each of K genotypes drawn from the --space with --seed\n"
            "(default 1), every tunable convolution kernel (forward, input and weight gradient) that the cache\n"
            "does not hold yet is tuned: each candidate variant (work-group size; channels, rows and columns per\n"
            "work-item; tiles) is checked against the default variant's result and timed, for at most --budget\n"
            "seconds per kernel shape (default 2, builds included) and --max-candidates candidates besides the\n"
            "default (default 20), and the fastest correct one is kept. The choices go to\n"
            "<cache>/algo/<device>.tsv beside the program cache (with the CLBlast and Winograd choices, which are\n"
            "measured too), where train, search and bench find them; then the variant chosen for each kernel\n"
            "shape is printed. Kernel shapes depend on --channels, --cells or --layers and --batch: give those of\n"
            "the search (defaults: C=16 N=5, batch 256).\n"
            "The environment variables CLNAS_TUNE_BUDGET and CLNAS_TUNE_MAX set the same for every command;\n"
            "CLNAS_TUNE=off (each family's default variants) and CLNAS_ALGO other than auto are refused here.\n");
}

typedef struct tune_args {
    cli_common c;
    int sample;      /* --space-sample K, else 0 */
    uint64_t seed;
    const char *budget, *max;
} tune_args;

/* Parses argv[1..]; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, tune_args *a)
{
    memset(a, 0, sizeof *a);
    cli_common_init(&a->c);
    a->c.any_space = 1;
    a->seed = 1;
    const char *v;
    for (int i = 1; i < argc; i++) {
        cli_step step = cli_common_or_help(argc, argv, &i, &a->c, usage);
        if (step == CLI_BAD)
            return 2;
        if (step == CLI_HELP)
            return 0;
        if (step == CLI_TAKEN)
            continue;
        int r;
        double d;
        if ((r = cli_space_network_option(argc, argv, &i, &a->c)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_seed_opt(argc, argv, &i, &a->seed)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--space-sample", &v)) != 0) {
            if (r < 0 || cli_int("--space-sample", v, 1, 100000, &a->sample))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--budget", &v)) != 0) {
            if (r < 0 || cli_double("--budget", v, 1e-3, 3600.0, &d))
                return 2;
            a->budget = v;
        } else if ((r = cli_opt(argc, argv, &i, "--max-candidates", &v)) != 0) {
            int k;
            if (r < 0 || cli_int("--max-candidates", v, 1, 64, &k))
                return 2;
            a->max = v;
        } else {
            return cli_usage_error("tune", "unknown option '%s'", argv[i]);
        }
    }
    if (!a->c.arch == !a->sample)
        return cli_usage_error("tune", "give either --arch STR or --space-sample K");
    int rc = cli_common_space("tune", &a->c);
    return rc ? rc : -1;
}

/* Tunes one network: builds its model (the executor tunes what the cache lacks) and prints its kernels' variants. */
static int tune_one(clnas_device *dev, struct clnas_program_cache *cache, const clnas_net_config *cfg, int *measured,
                    int *kernels)
{
    char arch[CLI_ARCH_MAX];
    cli_arch_string(cfg, arch, sizeof arch);
    fprintf(stderr, "clnas tune: %s\n", arch);
    clnas_error err;
    clnas_error_clear(&err);
    clnas_model *m = NULL;
    double t0 = clnas_clock_seconds();
    if (clnas_model_build(dev, cache, cfg, &m, &err) != CLNAS_OK)
        return cli_fail(&err);
    const clnas_executor *ex = clnas_model_executor(m);
    const clnas_plan *plan = clnas_model_plan(m);
    printf("%s: %d kernel shapes tuned now, in %.1f s\n", arch, ex->tune_measured, clnas_clock_seconds() - t0);
    for (int k = 0; ex->variants && k < plan->nkernels; k++) {
        if (!ex->variants[k][0])
            continue;
        char sig[CLNAS_GEMM_SIG_MAX];
        clnas_conv_pass pass;
        clnas_conv_params p;
        int has = 0;
        if (clnas_conv_tune_target(&plan->kernels[k].desc, plan->config.fp64, &pass, &p, sig, sizeof sig, &has,
                                   &err) != CLNAS_OK || !has)
            continue;
        const clnas_algo_record *r = clnas_algo_choices_find(&ex->choices, sig);
        if (r)
            printf("  %-72s %-40s default %8.3f ms, chosen %8.3f ms\n", sig, ex->variants[k], r->kernel_ms,
                   r->clblast_ms);
        (*kernels)++;
    }
    *measured += ex->tune_measured;
    clnas_model_free(m);
    return 0;
}

int cmd_tune(int argc, char **argv)
{
    tune_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    rc = 0;
    const char *algo = getenv("CLNAS_ALGO"), *tune = getenv("CLNAS_TUNE");
    if (algo && algo[0] && strcmp(algo, "auto") != 0)
        return cli_usage_error("tune", "CLNAS_ALGO=%s: the tuner runs only when the algorithms are measured (unset "
                               "CLNAS_ALGO or set it to auto)", algo);
    if (tune && strcmp(tune, "off") == 0)
        return cli_usage_error("tune", "CLNAS_TUNE=off: nothing would be tuned (unset it)");
    /* the executor reads the budget from the environment, like every other command */
    if (a.budget)
        setenv("CLNAS_TUNE_BUDGET", a.budget, 1);
    if (a.max)
        setenv("CLNAS_TUNE_MAX", a.max, 1);
    clnas_tune_config cfg;
    clnas_error err;
    if (clnas_tune_config_from_env(&cfg, &err) != CLNAS_OK)
        return cli_fail(&err);
    clnas_device *dev = NULL;
    struct clnas_program_cache *cache = NULL;
    if (cli_common_open(&a.c, &dev, &cache))
        return 1;
    int measured = 0, kernels = 0, nets = a.sample ? a.sample : 1;
    const clnas_space_iface *space = a.c.space ? a.c.space : &clnas_space_nb201;
    clnas_rng rng;
    clnas_rng_seed(&rng, a.seed);
    double t0 = clnas_clock_seconds();
    for (int n = 0; n < nets && rc == 0; n++) {
        clnas_net_config net = a.c.cfg;
        if (a.sample) {
            clnas_space_genotype g;
            space->sample(space, &rng, &g);
            if (clnas_net_config_set_genotype(&net, space, &g, &err) != CLNAS_OK) {
                rc = cli_fail(&err);
                break;
            }
        }
        rc = tune_one(dev, cache, &net, &measured, &kernels);
        if (rc == 0 && cli_interrupted())
            rc = CLI_EXIT_INTERRUPTED;
    }
    if (rc == 0)
        printf("%d network%s, %d tunable kernels, %d kernel shapes tuned now (budget %.3g s, at most %d candidates "
               "each) in %.1f s; the choices are in the device's cache\n",
               nets, nets == 1 ? "" : "s", kernels, measured, cfg.budget_s, cfg.max_candidates,
               clnas_clock_seconds() - t0);
    clnas_program_cache_free(cache);
    clnas_device_free(dev);
    return rc;
}
