/* clnas tool — `clnas search`: a multi-trial architecture search, resumable, one journal line per trial. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "trials.h"
#include "search_setup.h"
#include "search_view.h"

#define MAX_SETS 64

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clnas search [--config FILE] [--out DIR] [--resume DIR] [--device D] [--set key=value ...]\n"
            "Searches NAS-Bench-201 cells. With no arguments it runs the built-in configs/default.json (regularized\n"
            "evolution on Fashion-MNIST with a proxy training budget). Output goes to runs/<name>-<timestamp>/ (or\n"
            "--out DIR): config.json (resolved), journal.jsonl (one line per trial, fsync'ed), best.json, progress.svg,\n"
            "algo_choices.tsv. Ctrl-C stops after the trial in progress; --resume DIR continues it with the same result\n"
            "as an uninterrupted run.\n\n"
            "  --config FILE       a search config (configs/*.json; fields documented in configs/README.md)\n"
            "  --set key=value     override a field, e.g. --set proxy.epochs=2 --set strategy.cycles=50\n"
            "  --out DIR           run directory (must not hold a journal yet)\n"
            "  --resume DIR        continue the search in DIR with its own config.json\n"
            "  --device D          OpenCL device index or name substring (overrides the config's)\n");
}

static int write_json(const char *path, const cJSON *j)
{
    char *text = cJSON_Print(j);
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = text ? fopen(tmp, "w") : NULL;
    int ok = f && fprintf(f, "%s\n", text) > 0;
    if (f)
        ok = (fclose(f) == 0) && ok;
    cJSON_free(text);
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "clnas: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

static void warn(const char *message, void *user)
{
    (void)user;
    fprintf(stderr, "clnas: warning: %s\n", message);
}

int cmd_search(int argc, char **argv)
{
    const char *config = NULL, *out = NULL, *resume = NULL, *device = NULL, *v;
    const char *sets[MAX_SETS];
    int nsets = 0;
    for (int i = 1; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if ((r = cli_opt(argc, argv, &i, "--config", &config)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--out", &out)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--resume", &resume)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--device", &device)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--set", &v)) != 0) {
            if (r < 0)
                return 2;
            if (nsets == MAX_SETS)
                return cli_usage_error("search", "at most %d --set options", MAX_SETS);
            sets[nsets++] = v;
        } else {
            return cli_usage_error("search", "unknown option '%s'", argv[i]);
        }
    }
    if (resume && (config || nsets || out))
        return cli_usage_error("search", "--resume DIR continues with DIR/config.json: it takes no --config, --set "
                                         "or --out");
    char run_dir[1024], path[1100];
    if (resume) {
        snprintf(run_dir, sizeof run_dir, "%s", resume);
        snprintf(path, sizeof path, "%s/config.json", run_dir);
        config = path;
    }
    search_setup s;
    memset(&s, 0, sizeof s);
    cJSON *root = NULL;
    if (search_setup_config(config, sets, nsets, &root, &s.cfg))
        return 1;
    cJSON_Delete(root);
    if (strcmp(s.cfg.strategy_name, "spos") == 0 || strcmp(s.cfg.strategy_name, "darts") == 0 ||
        strcmp(s.cfg.strategy_name, "gdas") == 0) { /* one-shot */
        int rc = strcmp(s.cfg.strategy_name, "spos") != 0 ? search_darts(&s, out, resume ? run_dir : NULL, device)
                                                          : search_oneshot(&s, out, resume ? run_dir : NULL, device);
        search_setup_free(&s);
        return rc;
    }
    const clnas_strategy_ops *strategy = clnas_strategy_find(s.cfg.strategy_name);
    clnas_error err;
    clnas_error_clear(&err);
    cJSON *resolved_strategy = cJSON_CreateObject();
    void *state = NULL;
    int rc = 1;
    if (!strategy) {
        fprintf(stderr, "clnas: strategy.name: unknown strategy \"%s\" (known: rea, random, reinforce, spos, darts, gdas)\n",
                s.cfg.strategy_name);
        goto done;
    }
    if (strategy->create(s.cfg.strategy, s.cfg.seed, resolved_strategy, &state, &err) != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    if (!resume) {
        if (out) {
            snprintf(run_dir, sizeof run_dir, "%s", out);
        } else {
            char stamp[32];
            time_t t = time(NULL);
            strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&t));
            snprintf(run_dir, sizeof run_dir, "runs/%s-%s", s.cfg.name, stamp);
        }
        snprintf(path, sizeof path, "%s/journal.jsonl", run_dir);
        struct stat sb;
        if (stat(path, &sb) == 0) {
            fprintf(stderr, "clnas: %s already holds a search (journal.jsonl); continue it with --resume %s or choose "
                            "another --out\n", run_dir, run_dir);
            goto done;
        }
        if (search_setup_make_dirs(run_dir) != 0) {
            fprintf(stderr, "clnas: cannot create %s: %s\n", run_dir, strerror(errno));
            goto done;
        }
        cJSON *resolved = clnas_search_config_to_json(&s.cfg, resolved_strategy);
        snprintf(path, sizeof path, "%s/config.json", run_dir);
        int bad = write_json(path, resolved);
        cJSON_Delete(resolved);
        if (bad)
            goto done;
    }
    snprintf(path, sizeof path, "%s/algo_choices.tsv", run_dir);
    if (search_setup_evaluator(&s, device, path))
        goto done;
    printf("clnas search: %s, strategy %s (%d trials), evaluator %s\n", run_dir, strategy->name,
           strategy->budget(state), s.cfg.evaluator.kind);
    if (strcmp(s.cfg.evaluator.kind, "train") == 0) {
        printf("proxy: C=%d N=%d, %d epoch(s) on %d images at batch %d, lr %g; fitness = accuracy on %d held-out "
               "validation images; device %s\n",
               s.cfg.proxy.channels, s.cfg.proxy.cells, s.cfg.proxy.epochs,
               s.subset.count ? s.subset.count : s.train.count, s.cfg.proxy.batch, s.cfg.proxy.lr, s.val.count,
               s.dev->info.name);
        if (isfinite(s.cfg.proxy.measured_kendall_tau))
            printf("proxy rank quality: seed-to-seed Kendall tau %.2f (%s)\n", s.cfg.proxy.measured_kendall_tau,
                   s.cfg.proxy.measured_note[0] ? s.cfg.proxy.measured_note : "measured with clnas proxy-check");
        else
            printf("proxy rank quality: not measured for this config (clnas proxy-check measures it)\n");
    }
    fflush(stdout);
    clnas_trials_options opt;
    memset(&opt, 0, sizeof opt);
    opt.run_dir = run_dir;
    opt.title = s.cfg.name;
    opt.stop = cli_catch_interrupt();
    opt.progress = search_view_trial;
    opt.warning = warn;
    clnas_trials_summary sum;
    clnas_status st = clnas_trials_run(strategy, state, &s.evaluator, &opt, &sum, &err);
    cli_release_interrupt();
    if (st != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    snprintf(path, sizeof path, "%s/journal.jsonl", run_dir);
    clnas_journal_entry *entries = NULL;
    int n = 0, torn = 0;
    size_t good = 0;
    if (clnas_journal_read(path, &entries, &n, &torn, &good, &err) == CLNAS_OK) {
        search_view_top(entries, n, 10);
        clnas_journal_entries_free(entries, n);
    }
    if (sum.stopped)
        printf("\nstopped after %d of %d trials; continue with: clnas search --resume %s\n", sum.trials_done,
               strategy->budget(state), run_dir);
    if (sum.best_trial >= 0)
        printf("\nbest: %s  fitness %.4f (trial %d; %s, in %s/journal.jsonl)\n"
               "retrain it with the full recipe: clnas train --from %s\n",
               sum.best_arch, sum.best_fitness, sum.best_trial,
               strcmp(s.cfg.evaluator.kind, "train") == 0 ? "validation accuracy" : "table accuracy", run_dir,
               run_dir);
    else
        printf("\nno trial succeeded\n");
    rc = 0;
done:
    if (state)
        strategy->destroy(state);
    cJSON_Delete(resolved_strategy);
    search_setup_free(&s);
    return rc;
}
