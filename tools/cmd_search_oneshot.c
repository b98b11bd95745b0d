/* clnas tool — `clnas search` with a one-shot config: train a SPOS supernet (checkpointed, resumable), then run
 * regularized evolution over its paths with the supernet evaluator; same run directory, journal and report as a
 * multi-trial search. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clnas/train.h"
#include "trials.h"
#include "search_setup.h"
#include "search_view.h"
#include "spos.h"
#include "spos_params.h"
#include "strategy.h"
#include "clock.h"

typedef struct oneshot_run {
    const char *dir;
    clnas_supernet *sn;
    char checkpoint[1100], train_log[1100];
    double t0; /* start of this process's part of the run */
} oneshot_run;

static void show_training(const clnas_spos_progress *p, void *user)
{
    (void)user;
    fprintf(stderr, "supernet step %5d/%d  lr %.4f  loss %.4f  train acc %.3f  paths compiled %d  %.0f s, %.0f s "
            "left\n", p->step, p->steps, p->lr, p->loss, p->train_accuracy, p->paths_compiled, p->seconds,
            p->seconds_left);
}

/* One line per checkpoint in supernet.jsonl (fsync'ed), then the weights with the step in one atomic file. */
static clnas_status checkpoint(int step, double loss, void *user, clnas_error *err)
{
    oneshot_run *r = user;
    FILE *f = fopen(r->train_log, "a");
    char loss_text[32];
    snprintf(loss_text, sizeof loss_text, isfinite(loss) ? "%.17g" : "null", loss);
    int ok = f && fprintf(f, "{\"step\":%d,\"loss\":%s,\"seconds\":%.3f}\n", step, loss_text,
                          clnas_clock_seconds() - r->t0) > 0;
    ok = f && fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    if (f)
        ok = fclose(f) == 0 && ok;
    if (!ok)
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot append: %s", r->train_log, strerror(errno));
    return clnas_supernet_save(r->sn, r->checkpoint, 1, step, err);
}

/* Drops the supernet.jsonl lines after the checkpoint's step (written before a kill lost the checkpoint). */
static int trim_train_log(const char *path, long step)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[512], tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *o = fopen(tmp, "w");
    while (o && fgets(line, sizeof line, f)) {
        long s = -1;
        if (sscanf(line, "{\"step\":%ld,", &s) == 1 && s <= step && strchr(line, '\n')) {
            fputs(line, o);
        }
    }
    fclose(f);
    if (!o || fclose(o) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "clnas: cannot rewrite %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

/* Trains the supernet to the schedule's end, from its checkpoint when there is one. */
static int train_supernet(search_setup *s, oneshot_run *r, const clnas_supernet_ops *ops, const clnas_dataset *train,
                          const clnas_spos_params *sp)
{
    clnas_error err;
    clnas_error_clear(&err);
    long done = 0;
    struct stat sb;
    if (stat(r->checkpoint, &sb) == 0) {
        if (clnas_supernet_load(r->sn, r->checkpoint, &done, &err) != CLNAS_OK)
            return cli_fail(&err);
        if (done < 0)
            done = 0;
        if (trim_train_log(r->train_log, done))
            return 1;
    } else if (clnas_supernet_init(r->sn, s->cfg.seed, &err) != CLNAS_OK) {
        return cli_fail(&err);
    }
    clnas_spos_train_options opt;
    memset(&opt, 0, sizeof opt);
    int per_epoch = train->count / s->cfg.proxy.batch;
    opt.steps = s->cfg.proxy.epochs * per_epoch;
    opt.start_step = (int)done;
    opt.lr = s->cfg.proxy.lr;
    opt.seed = s->cfg.seed;
    memcpy(opt.mean, s->train_cfg.mean, sizeof opt.mean);
    memcpy(opt.std, s->train_cfg.std, sizeof opt.std);
    opt.report_every = sp->checkpoint_every;
    opt.progress = show_training;
    opt.checkpoint = checkpoint;
    opt.user = r;
    opt.stop = cli_catch_interrupt();
    if (done >= opt.steps) {
        printf("supernet: trained (%d steps, checkpoint %s)\n", opt.steps, r->checkpoint);
        cli_release_interrupt();
        return 0;
    }
    printf("supernet training: %d steps (%d epoch(s) of %d batches of %d), one uniformly sampled path per step%s\n",
           opt.steps, s->cfg.proxy.epochs, per_epoch, s->cfg.proxy.batch, done ? ", resumed" : "");
    fflush(stdout);
    int steps_done = 0;
    clnas_status st = clnas_spos_train(r->sn, ops, train, &opt, &steps_done, &err);
    int stopped = opt.stop && *opt.stop;
    cli_release_interrupt();
    char choices[1100];
    snprintf(choices, sizeof choices, "%s/algo_choices.tsv", r->dir);
    clnas_error save_err;
    if (clnas_algo_choices_save(clnas_supernet_algo_choices(r->sn), choices, &save_err) != CLNAS_OK)
        cli_fail(&save_err);
    if (st != CLNAS_OK)
        return cli_fail(&err);
    if (stopped) {
        if (steps_done % sp->checkpoint_every && checkpoint(steps_done, NAN, r, &err) != CLNAS_OK)
            return cli_fail(&err);
        printf("\nstopped after %d of %d supernet steps; continue with: clnas search --resume %s\n", steps_done,
               opt.steps, r->dir);
        return 2;
    }
    return 0;
}

static void warn(const char *message, void *user)
{
    (void)user;
    fprintf(stderr, "clnas: warning: %s\n", message);
}

int search_oneshot(search_setup *s, const char *out, const char *resume_dir, const char *device)
{
    clnas_error err;
    clnas_error_clear(&err);
    clnas_spos_params sp;
    void *rea = NULL;
    cJSON *resolved = cJSON_CreateObject();
    clnas_algo_choices recorded;
    clnas_algo_choices_init(&recorded);
    oneshot_run r;
    memset(&r, 0, sizeof r);
    char run_dir[1024];
    int rc = 1;
    if (strcmp(s->cfg.evaluator.kind, "train") != 0) {
        fprintf(stderr, "clnas: evaluator.kind: a one-shot search scores supernet paths on the data; expected "
                        "\"train\", got \"%s\"\n", s->cfg.evaluator.kind);
        goto done;
    }
    if (clnas_spos_params_parse(s->cfg.strategy, s->cfg.seed, resolved, &sp, &rea, &err) != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    if (resume_dir)
        snprintf(run_dir, sizeof run_dir, "%s", resume_dir);
    else if (search_setup_new_run_dir(s, out, resolved, run_dir, sizeof run_dir))
        goto done;
    r.dir = run_dir;
    r.t0 = clnas_clock_seconds();
    snprintf(r.checkpoint, sizeof r.checkpoint, "%s/supernet.safetensors", run_dir);
    snprintf(r.train_log, sizeof r.train_log, "%s/supernet.jsonl", run_dir);
    char path[1100];
    snprintf(path, sizeof path, "%s/algo_choices.tsv", run_dir);
    if (search_setup_evaluator(s, device, path))
        goto done;
    int ignored = 0;
    if (clnas_algo_choices_load(&recorded, path, &ignored, &err) != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    const clnas_dataset *train = s->subset.count ? &s->subset : &s->train;
    clnas_net_config net;
    clnas_net_config_default(&net);
    net.channels = s->cfg.proxy.channels;
    net.cells = s->cfg.proxy.cells;
    net.batch = s->cfg.proxy.batch;
    net.in_channels = train->channels;
    net.height = train->height;
    net.width = train->width;
    clnas_supernet_ops ops;
    clnas_supernet_ops_all(&ops);
    if (clnas_supernet_new(s->dev, s->cache, &net, &ops, sp.max_paths, &recorded, &r.sn, &err) != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    const clnas_supernet_layout *l = clnas_supernet_get_layout(r.sn);
    long nparam = 0;
    for (int i = 0; i < l->nparams; i++)
        nparam += l->params[i].info.arena == CLNAS_ARENA_PARAMS ? (long)l->params[i].info.count : 0;
    printf("clnas search: %s, one-shot SPOS (supernet C=%d N=%d, batch %d), then REA over its paths (%d trials)\n",
           run_dir, net.channels, net.cells, net.batch, clnas_strategy_rea.budget(rea));
    printf("supernet arena: %ld parameters in %d tensors, %.1f MiB of weights (parameters, gradients, momenta, "
           "running statistics) on %s (%.0f MiB of memory)\n",
           nparam, l->nparams, (double)clnas_supernet_weight_bytes(l, net.fp64) / 1048576.0, s->dev->info.name,
           (double)s->dev->info.global_mem_bytes / 1048576.0);
    fflush(stdout);
    if (sp.warm_up) {
        int programs = 0;
        if (clnas_supernet_warm_up(r.sn, &programs, &err) != CLNAS_OK) {
            cli_fail(&err);
            goto done;
        }
        printf("warm-up: the supernet's paths need %d distinct programs; all built\n", programs);
    }
    int trained = train_supernet(s, &r, &ops, train, &sp);
    if (trained) {
        rc = trained == 2 ? 0 : 1;
        goto done;
    }
    clnas_evaluator ev;
    if (clnas_supernet_evaluator_new(r.sn, train, &s->val, sp.bn_batches, s->cfg.seed, s->train_cfg.mean,
                                     s->train_cfg.std, &ev, &err) != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    printf("search: fitness = accuracy on %d validation images of each path with the supernet's weights, after "
           "BatchNorm recalibration over %d training batches\n", s->val.count, sp.bn_batches);
    fflush(stdout);
    clnas_trials_options opt;
    memset(&opt, 0, sizeof opt);
    opt.run_dir = run_dir;
    opt.title = s->cfg.name;
    opt.stop = cli_catch_interrupt();
    opt.progress = search_view_trial;
    opt.warning = warn;
    clnas_trials_summary sum;
    clnas_status st = clnas_trials_run(&clnas_strategy_rea, rea, &ev, &opt, &sum, &err);
    cli_release_interrupt();
    ev.ops->destroy(ev.state);
    if (st != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    snprintf(path, sizeof path, "%s/journal.jsonl", run_dir);
    clnas_journal_entry *entries = NULL;
    int n = 0, torn = 0;
    size_t good = 0;
    if (clnas_journal_read(path, &entries, &n, &torn, &good, &err) == CLNAS_OK) {
        printf("\ntop %d architectures by supernet fitness (retrain them: clnas train --arch ARCH):\n", sp.top_k);
        search_view_top(entries, n, sp.top_k);
        clnas_journal_entries_free(entries, n);
    }
    if (sum.stopped)
        printf("\nstopped after %d of %d trials; continue with: clnas search --resume %s\n", sum.trials_done,
               clnas_strategy_rea.budget(rea), run_dir);
    if (sum.best_trial >= 0)
        printf("\nbest: %s  fitness %.4f (trial %d; supernet validation accuracy, in %s/journal.jsonl)\n"
               "retrain it with the full recipe: clnas train --from %s\n",
               sum.best_arch, sum.best_fitness, sum.best_trial, run_dir, run_dir);
    rc = 0;
done:
    if (rea)
        clnas_strategy_rea.destroy(rea);
    clnas_supernet_free(r.sn);
    clnas_algo_choices_free(&recorded);
    cJSON_Delete(resolved);
    return rc;
}
