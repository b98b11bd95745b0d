/* clnas tool — `clnas simulate`: a strategy on a table evaluator with W simulated asynchronous workers (no MPI). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "file_io.h"
#include "run_dir.h"
#include "run_setup.h"
#include "simulate.h"

#define MAX_SETS 64
#define MAX_W 16

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clnas simulate --workers W[,W...] --trial-seconds FILE|DIST --config FILE [--set key=value ...]\n"
            "                      [--out DIR] [--no-sync]\n"
            "Runs the config's strategy on its table evaluator with W simulated workers, for each W: the master is\n"
            "real (journal with fsync, best.json, the strategy's proposals, timed), the workers and the clock are\n"
            "simulated. A free worker gets the next proposal at once (asynchronous; REA samples its population as it\n"
            "stands); for comparison each W > 1 runs again in synchronous generations of W trials. Prints, per run,\n"
            "the simulated time to spend the budget (speedup: against the first W), the best fitness and when it was\n"
            "reached, the master's real cost per result and how busy it and the workers were; writes\n"
            "DIR/simulate.tsv, DIR/simulate.svg (best fitness against simulated time) and each run's directory\n"
            "DIR/w<W>-<async|sync>/.\n\n"
            "  --workers W,...       simulated worker counts, e.g. 1,8,64,512 (1 .. %d)\n"
            "  --trial-seconds SPEC  trial durations: const:S, uniform:A:B, exp:MEAN, lognormal:MEDIAN:SIGMA, a file\n"
            "                        of seconds (one a line) or a journal.jsonl (its trials' seconds), drawn from\n"
            "  --config FILE         a search config whose evaluator.kind is \"table\" (e.g. configs/table-rea.json)\n"
            "  --set key=value       override a field, e.g. --set strategy.cycles=2000\n"
            "  --out DIR             where the runs go (default runs/simulate-<timestamp>; must not exist)\n"
            "  --no-sync             skip the synchronous runs\n", CLNAS_STRATEGY_MAX_IN_FLIGHT);
}

/* "1,8,64" into w[]; returns the count, or -1 after printing a usage error. */
static int parse_workers(const char *text, int *w)
{
    int n = 0;
    for (const char *p = text; *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > CLNAS_STRATEGY_MAX_IN_FLIGHT || n == MAX_W || (*end && *end != ','))
            return cli_usage_error("simulate", "--workers %s: expected up to %d comma-separated counts from 1 to %d",
                                   text, MAX_W, CLNAS_STRATEGY_MAX_IN_FLIGHT), -1;
        w[n++] = (int)v;
        p = *end ? end + 1 : end;
    }
    return n;
}

/* One simulated run of the config's strategy (fresh state) in dir. */
static clnas_status one_run(const clnas_search_config *cfg, const clnas_sim_durations *d, int workers, int barrier,
                            const char *dir, clnas_sim_result *r, clnas_error *err)
{
    const clnas_strategy_iface *s = clnas_strategy_find(cfg->strategy_name);
    if (!s)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.name: \"%s\": simulate runs the multi-trial "
                               "strategies rea, random and reinforce", cfg->strategy_name);
    void *state = NULL;
    clnas_evaluator ev = {NULL, NULL};
    if (clnas_search_config_space(cfg) != &clnas_space_nb201) /* it scores with a table of NB201 cells */
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "space.name \"%s\": clnas simulate works on space nb201 "
                               "only (it evaluates with evaluator.table)", cfg->space);
    clnas_status st = s->create(cfg->strategy, cfg->seed, &clnas_space_nb201, NULL, &state, err);
    if (st == CLNAS_OK)
        st = clnas_table_evaluator_new(cfg->evaluator.table, &ev, err);
    if (st == CLNAS_OK)
        st = clnas_dirs_make(dir, err);
    if (st == CLNAS_OK)
        st = clnas_simulate(s, state, &ev, d, cfg->seed, workers, barrier, dir, r, err);
    if (ev.iface)
        ev.iface->destroy(ev.state);
    if (state)
        s->destroy(state);
    return st;
}

static void print_row(FILE *f, const clnas_sim_result *r, double base, int tsv)
{
    const char *mode = r->barrier ? "sync" : "async";
    if (tsv)
        fprintf(f, "%d\t%s\t%d\t%.6g\t%.4f\t%.6f\t%.6g\t%.6f\t%.6f\t%.4f\t%.4f\n", r->workers, mode, r->trials,
                r->finish, base / r->finish, r->best, r->best_at, r->master_mean, r->master_max, r->master_busy,
                r->worker_busy);
    else
        fprintf(f, "%7d  %-5s  %6d  %11.0f  %7.1fx  %.4f  %11.0f  %8.2f  %8.2f  %6.1f%%  %6.1f%%\n", r->workers,
                mode, r->trials, r->finish, base / r->finish, r->best, r->best_at, 1e3 * r->master_mean,
                1e3 * r->master_max, 100 * r->master_busy, 100 * r->worker_busy);
}

/* Runs every W (async, then sync unless no_sync), printing a row each; writes the TSV and the plot. */
static int run_all(const clnas_search_config *cfg, const clnas_sim_durations *d, const char *spec, const int *w,
                   int nw, int no_sync, const char *out)
{
    char title[256];
    snprintf(title, sizeof title, "%s (%s): best fitness against simulated time, trials of %s s", cfg->name,
             cfg->strategy_name, spec);
    clnas_sim_result r[2 * MAX_W];
    int n = 0;
    clnas_error err;
    clnas_status st = CLNAS_OK;
    printf("workers  mode   trials  simulated s  speedup  best    reached at s  master ms/result (mean, max)  "
           "master busy  workers busy\n");
    for (int i = 0; i < nw && st == CLNAS_OK; i++)
        for (int barrier = 0; barrier <= (no_sync || w[i] == 1 ? 0 : 1) && st == CLNAS_OK; barrier++) {
            char dir[1200];
            snprintf(dir, sizeof dir, "%s/w%d-%s", out, w[i], barrier ? "sync" : "async");
            st = one_run(cfg, d, w[i], barrier, dir, &r[n], &err);
            if (st == CLNAS_OK)
                print_row(stdout, &r[n++], r[0].finish, 0);
            fflush(stdout);
        }
    char path[1200];
    snprintf(path, sizeof path, "%s/simulate.tsv", out);
    FILE *f = st == CLNAS_OK ? fopen(path, "w") : NULL;
    if (f) {
        fprintf(f, "workers\tmode\ttrials\tsimulated_seconds\tspeedup\tbest\tbest_reached_s\tmaster_mean_s\t"
                   "master_max_s\tmaster_busy\tworkers_busy\n");
        for (int i = 0; i < n; i++)
            print_row(f, &r[i], r[0].finish, 1);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/simulate.svg", out);
    if (st == CLNAS_OK)
        st = clnas_sim_plot_write(path, r, n, title, &err);
    double mean_cost = 0;
    for (int i = 0; i < n; i++)
        mean_cost += r[i].master_mean / n;
    if (st == CLNAS_OK)
        printf("\none master handles about %.0f results/s (%.2f ms each, measured here); trials of T seconds keep "
               "it busy at about %.0f*T workers\n%s/simulate.tsv, %s/simulate.svg\n", 1 / mean_cost,
               1e3 * mean_cost, 1 / mean_cost, out, out);
    for (int i = 0; i < n; i++)
        clnas_sim_result_free(&r[i]);
    return st == CLNAS_OK ? 0 : cli_fail(&err);
}

int cmd_simulate(int argc, char **argv)
{
    const char *config = NULL, *out = NULL, *workers = NULL, *seconds = NULL, *sets[MAX_SETS], *v;
    int nsets = 0, no_sync = 0;
    for (int i = 1; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--no-sync") == 0) {
            no_sync = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--config", &config)) != 0
                   || (r = cli_opt(argc, argv, &i, "--out", &out)) != 0
                   || (r = cli_opt(argc, argv, &i, "--workers", &workers)) != 0
                   || (r = cli_opt(argc, argv, &i, "--trial-seconds", &seconds)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--set", &v)) != 0) {
            if (r < 0 || nsets == MAX_SETS)
                return r < 0 ? 2 : cli_usage_error("simulate", "at most %d --set options", MAX_SETS);
            sets[nsets++] = v;
        } else {
            return cli_usage_error("simulate", "unknown option '%s'", argv[i]);
        }
    }
    if (!workers || !seconds || !config)
        return cli_usage_error("simulate", "--workers, --trial-seconds and --config are required");
    int w[MAX_W];
    const int nw = parse_workers(workers, w);
    if (nw < 0)
        return 2;
    clnas_error err;
    clnas_search_config cfg;
    clnas_sim_durations d;
    if (clnas_run_config_load(config, sets, nsets, NULL, &cfg, &err) != CLNAS_OK)
        return cli_fail(&err);
    int rc = 1;
    char dir[1024];
    clnas_run_dir_name("simulate", out, dir, sizeof dir);
    struct stat sb;
    if (strcmp(cfg.evaluator.kind, "table") != 0)
        rc = cli_usage_error("simulate", "%s: evaluator.kind is \"%s\"; simulate needs a table evaluator", config,
                             cfg.evaluator.kind);
    else if (stat(dir, &sb) == 0)
        rc = cli_usage_error("simulate", "%s already exists: choose another --out", dir);
    else if (clnas_sim_durations_parse(seconds, &d, &err) != CLNAS_OK)
        rc = cli_fail(&err);
    else {
        rc = run_all(&cfg, &d, seconds, w, nw, no_sync, dir);
        clnas_sim_durations_free(&d);
    }
    clnas_search_config_free(&cfg);
    return rc;
}
