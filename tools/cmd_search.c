/* clnas tool — `clnas search`: a multi-trial architecture search, resumable, one journal line per trial. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "scale.h"
#include "search_entry.h"
#include "search_options.h"
#include "search_view.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clnas search [--config FILE] [--space S] [--out DIR] [--resume DIR] [--device D] [--family F]\n"
            "                    [--seed S] [--memory-budget SIZE] [--json] [--set key=value ...]\n"
            "Searches the cells of a search space (space.name: nb201, the default; darts; chain). Strategies\n"
            "(strategy.name): rea (regularized evolution), random, reinforce, bo (Bayesian optimisation), hyperband\n"
            "(multi-trial: each trial trains the proxy network, or looks it up in a table), spos (a weight-sharing\n"
            "supernet, then evolution over its paths), darts and gdas (differentiable, one search network). With no\n"
            "arguments it runs the built-in configs/default.json (rea on Fashion-MNIST with a proxy training budget);\n"
            "configs/{rea,random,reinforce,bo,hyperband,spos,darts,gdas,table-rea,rea-darts}.json are the others.\n"
            "rea, random, reinforce, bo and hyperband search any space; spos, darts and gdas search all three too,\n"
            "the chain space over the paths of one skeleton (strategy.skeleton).\n"
            "Output goes to runs/<name>-<timestamp>/ (or --out DIR): config.json (resolved), journal.jsonl (one line\n"
            "per trial, fsync'ed), best.json (with the space), progress.svg, algo_choices.tsv. Progress goes to\n"
            "stderr, results (the best architectures) to stdout. Trials count from 0 as in the journal ([k/N]: k of\n"
            "N done). Ctrl-C stops after the trial in progress; --resume DIR continues it with the same result as an\n"
            "uninterrupted run. Under mpirun -np K (or srun) rank 0 runs the strategy and ranks 1..K-1 evaluate\n"
            "trials asynchronously, each on its own device (docs/SCALE.md).\n\n"
            "  --config FILE       a search config (configs/*.json; fields documented in configs/README.md); a bare\n"
            "                      name such as darts.json is also looked up in the installed share/clnas/configs\n"
            "  --space S           the search space: nb201, darts or chain (the same as --set space.name=S); the\n"
            "                      network is the space's (darts: proxy.channels and proxy.layers)\n"
            "  --set key=value     override a field, e.g. --set proxy.epochs=2 --set strategy.cycles=50\n"
            "  --seed S            the search's seed (the same as --set seed=S)\n"
            "  --memory-budget SZ  device memory each trial's network may take: bytes, or K, M, G (KiB, MiB, GiB),\n"
            "                      e.g. 512M; BatchNorm and convolution outputs are recomputed to fit it, cheapest\n"
            "                      first (the same as --set memory_budget=BYTES; default: no budget but the device's)\n"
            "  --out DIR           run directory (must not hold a journal yet)\n"
            "  --resume DIR        continue the search in DIR with its own config.json; with --set strategy.cycles=N\n"
            "                      (rea) or --set strategy.trials=N (random, reinforce), extend a finished run's\n"
            "                      budget\n"
            "  --device D          OpenCL device index or name substring (overrides the config's); under MPI a\n"
            "                      comma-separated list (0,2,3) that the workers of a node share out\n"
            "  --family F          kernel family: cpu or gpu (default: CLNAS_FAMILY, else the device's type)\n"
            "  --json              results as one JSON object on stdout {run_dir, strategy, done, total, stopped,\n"
            "                      best, top} instead of the table\n"
            "  --grad-shares K     spos, darts, gdas: each step's batch in K shares of batch/K, their gradients and\n"
            "                      BatchNorm statistics averaged before the update: in one process what\n"
            "                      mpirun -np K does across K (docs/SCALE.md)\n");
}

static void warn(const char *message, void *user)
{
    (void)user;
    fprintf(stderr, "clnas: warning: %s\n", message);
}

static void info(const char *line, void *user)
{
    (void)user;
    fprintf(stderr, "%s\n", line); /* the run's account is progress: stderr */
}

static void failure(const clnas_error *err, void *user)
{
    (void)user;
    cli_fail(err);
}

static void step(const char *line, void *user)
{
    (void)user;
    fprintf(stderr, "%s\n", line);
}

/* The exit status of a finished run: 130 when stopped (Ctrl-C, SIGTERM), 1 when every trial failed, else 0. */
static int outcome_status(const clnas_run_outcome *o)
{
    if (o->stopped || o->stopped_training || cli_interrupted())
        return CLI_EXIT_INTERRUPTED;
    return o->kind == CLNAS_RUN_TRIALS && o->best_index < 0 && o->done > 0;
}

/* The run's closing lines: the best architectures, how to continue a stopped run, how to retrain the best. Returns
 * the exit status: 130 when stopped (Ctrl-C, SIGTERM), 1 when every trial failed (the causes counted), else 0. */
static int closing(const clnas_run_outcome *o, const clnas_search_config *cfg)
{
    const char *dir = o->run_dir;
    int stopped = o->stopped || o->stopped_training || cli_interrupted() ? CLI_EXIT_INTERRUPTED : 0;
    if (o->kind == CLNAS_RUN_DIFFERENTIABLE) {
        if (o->stopped)
            printf("\nstopped after %d of %d epochs; continue with: clnas search --resume %s\n", o->done, o->total,
                   dir);
        else
            printf("\nbest: %s  (derived from alpha after %d epochs, best.json's \"rule\" says how; in %s/best.json)\n"
                   "retrain it with the full recipe: clnas train --from %s\n", o->best_arch, o->total, dir, dir);
        return stopped;
    }
    if (o->stopped_training) {
        printf("\nstopped after %d of %d supernet steps; continue with: clnas search --resume %s\n", o->done, o->total,
               dir);
        return stopped;
    }
    char path[1100];
    clnas_journal_entry *entries = NULL;
    int n = 0, torn = 0, all_failed = 0;
    clnas_error err;
    if (search_view_read_journal(dir, path, sizeof path, &entries, &n, &torn, &err) == CLNAS_OK) {
        const clnas_space_iface *space = clnas_search_config_space(cfg);
        char space_flag[48] = ""; /* nb201 is train's default */
        if (space != &clnas_space_nb201)
            snprintf(space_flag, sizeof space_flag, "--space %s ", space->name);
        if (o->kind == CLNAS_RUN_SPOS)
            printf("\ntop %d architectures by supernet fitness (retrain them: clnas train %s--arch ARCH):\n",
                   o->top_k, space_flag);
        search_view_top(entries, n, o->kind == CLNAS_RUN_SPOS ? o->top_k : 10);
        all_failed = o->kind == CLNAS_RUN_TRIALS && o->best_index < 0 && n > 0 && !stopped;
        if (all_failed)
            search_view_failure_causes(entries, n);
        clnas_journal_entries_free(entries, n);
    }
    if (o->stopped)
        printf("\nstopped after %d of %d trials; continue with: clnas search --resume %s\n", o->done, o->total, dir);
    const char *what = o->kind == CLNAS_RUN_SPOS                     ? "supernet validation accuracy"
                       : strcmp(cfg->evaluator.kind, "train") == 0 ? "validation accuracy"
                       : strcmp(cfg->evaluator.kind, "zero-cost") == 0 ? "zero-cost proxy s / (1 + s)"
                                                                   : "table accuracy";
    if (o->best_index >= 0)
        printf("\nbest: %s  fitness %.4f (trial %d; %s, in %s/journal.jsonl)\n"
               "retrain it with the full recipe: clnas train --from %s\n",
               o->best_arch, o->best_fitness, o->best_index, what, dir, dir);
    else if (o->kind == CLNAS_RUN_TRIALS)
        printf("\nno trial succeeded\n");
    return stopped ? stopped : all_failed;
}

/* --grad-shares K into shares (K 1..256; one-shot strategies, one process); -1 to go on, else the exit status. */
static int search_grad_shares(const char *text, int mpi, const clnas_search_config *cfg, clnas_grad_shares *shares)
{
    int k = 1;
    if (text && cli_int("--grad-shares", text, 1, 256, &k))
        return 2;
    if (k > 1 && mpi)
        return cli_usage_error("search", "--grad-shares: under mpirun each process computes one share already");
    if (k > 1 && cfg && strcmp(cfg->strategy_name, "spos") && strcmp(cfg->strategy_name, "darts") &&
        strcmp(cfg->strategy_name, "gdas"))
        return cli_usage_error("search", "--grad-shares: strategy %s trains no shared network (spos, darts, gdas do)",
                               cfg->strategy_name);
    shares->count = k;
    return -1;
}

/* What the command line asks. */
typedef struct search_args {
    const char *config, *out, *resume, *device, *seed, *grad_shares;
    const clnas_space_iface *space; /* --space */
    char space_set[48];             /* "space.name=S" */
    char budget_set[64];            /* "memory_budget=BYTES" */
    const char *budget;             /* --memory-budget */
    int json;
    search_sets sets;
} search_args;

/* Appends the override text (kept alive by the caller) to a's --set list; returns -1, or 2 with a message when the
 * list is full. */
static int add_set(search_args *a, const char *text)
{
    if (a->sets.n == SEARCH_MAX_SETS)
        return cli_usage_error("search", "at most %d --set options", SEARCH_MAX_SETS);
    a->sets.item[a->sets.n++] = text;
    return -1;
}

/* Parses the options; returns -1 to go on, else the exit status. */
static int parse(int argc, char **argv, search_args *a)
{
    const char *v;
    for (int i = 1; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            a->json = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--config", &a->config)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--out", &a->out)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--resume", &a->resume)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--device", &a->device)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--grad-shares", &a->grad_shares)) != 0 ||
                   (r = cli_family_opt(argc, argv, &i)) != 0 || (r = cli_space_opt(argc, argv, &i, &a->space)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--memory-budget", &a->budget)) != 0) {
            double bytes;
            if (r < 0 || cli_bytes("--memory-budget", a->budget, CLNAS_MEMORY_BUDGET_MAX, &bytes))
                return 2;
            snprintf(a->budget_set, sizeof a->budget_set, "memory_budget=%.0f", bytes);
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &a->seed)) != 0) {
            uint64_t seed;
            if (r < 0 || cli_seed(a->seed, &seed))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--set", &v)) != 0) {
            if (r < 0)
                return 2;
            if ((r = add_set(a, v)) >= 0)
                return r;
        } else {
            return cli_usage_error("search", "unknown option '%s'", argv[i]);
        }
    }
    if (a->resume && (a->config || a->out || a->seed || a->space || a->budget))
        return cli_usage_error("search", "--resume DIR continues with DIR/config.json: it takes no --config, --seed, "
                                         "--space, --memory-budget or --out (and --set only to extend the budget)");
    /* after every --set: the options win */
    int r = a->budget ? add_set(a, a->budget_set) : -1;
    if (r < 0 && a->space) {
        snprintf(a->space_set, sizeof a->space_set, "space.name=%s", a->space->name);
        r = add_set(a, a->space_set);
    }
    return r;
}

int cmd_search(int argc, char **argv)
{
    search_args a;
    memset(&a, 0, sizeof a);
    int rc = parse(argc, argv, &a);
    if (rc >= 0)
        return rc;
    char path[1100];
    const char *config = search_config_find(a.config, path, sizeof path);
    if (a.resume) {
        snprintf(path, sizeof path, "%s/config.json", a.resume);
        config = path;
    } else {
        search_sets_finish(&a.sets, a.seed);
    }
    clnas_error err;
    clnas_error_clear(&err);
    clnas_config *cfg = NULL;
    const int mpi = clnas_scale_env_size() > 1, worker = mpi && clnas_scale_env_rank() > 0; /* the master sends it */
    if (!worker && (rc = search_sets_load(config, &a.sets, &cfg)) != 0)
        return rc;
    if (!worker && a.resume && (rc = search_resume_extend(a.resume, &a.sets, cfg)) != 0) {
        clnas_config_free(cfg);
        return rc;
    }
    clnas_grad_shares shares = {0};
    if ((rc = search_grad_shares(a.grad_shares, mpi, cfg ? clnas_config_settings(cfg) : NULL, &shares)) >= 0) {
        clnas_config_free(cfg);
        return rc;
    }
    clnas_run_request req;
    memset(&req, 0, sizeof req);
    req.shares = shares.count > 1 ? &shares : NULL;
    req.cfg = cfg ? clnas_config_settings(cfg) : NULL;
    req.out = a.out;
    req.resume_dir = a.resume;
    req.device = a.device;
    req.stop = cli_catch_interrupt();
    req.ev.info = info;
    req.ev.warning = warn;
    req.ev.failure = failure;
    req.ev.step = step;
    req.ev.trial = search_view_trial;
    clnas_run_outcome o;
    int master = 1;
    clnas_status st = mpi ? clnas_scale_search(&req, &o, &master, &err) : clnas_search_dispatch(&req, &o, &err);
    cli_release_interrupt();
    if (st != CLNAS_OK) {
        cli_fail(&err);
        /* a --set the strategy refused: bad usage, as a --set the config parser refuses */
        rc = search_sets_blame(&a.sets, &err) ? 2 : 1;
    } else if (!master) {
        rc = 0;
    } else if (a.json) {
        search_view_outcome_json(&o, req.cfg->strategy_name);
        rc = outcome_status(&o);
    } else {
        rc = closing(&o, req.cfg);
    }
    clnas_config_free(cfg);
    return rc;
}
