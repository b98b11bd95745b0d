/* clnas — a SPOS run: train the supernet (checkpointed, resumable), then regularized evolution over its paths
 * with the supernet evaluator; same run directory, journal and report as a multi-trial search. */
#include "oneshot_run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "file_io.h"
#include "run_dir.h"
#include "run_provenance.h"
#include "share_state.h"
#include "spos.h"
#include "spos_config.h"
#include "strategy.h"

typedef struct spos_run {
    const clnas_run_request *req;
    const char *dir;
    clnas_supernet *sn;
    char checkpoint[1100], train_log[1100];
    double t0; /* start of this process's part of the run */
} spos_run;

static void show_training(const clnas_spos_progress *p, void *user)
{
    const spos_run *r = user;
    if (!r->req->ev.step)
        return;
    char line[256];
    snprintf(line, sizeof line, "supernet step %5d/%d  lr %.4f  loss %.4f  train acc %.3f  paths compiled %d  %.0f s, "
             "%.0f s left", p->step, p->steps, p->lr, p->loss, p->train_accuracy, p->paths_compiled, p->seconds,
             p->seconds_left);
    r->req->ev.step(line, r->req->ev.user);
}

/* One line per checkpoint in supernet.jsonl (fsync'ed), then the weights with the step in one atomic file. */
static clnas_status checkpoint(int step, double loss, void *user, clnas_error *err)
{
    spos_run *r = user;
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

typedef struct trim {
    FILE *in;
    long step;
} trim;

static int write_trimmed(FILE *o, void *ctx)
{
    trim *t = ctx;
    char line[512];
    while (fgets(line, sizeof line, t->in)) {
        long s = -1;
        if (sscanf(line, "{\"step\":%ld,", &s) == 1 && s <= t->step && strchr(line, '\n'))
            fputs(line, o);
    }
    return 0;
}

/* Drops the supernet.jsonl lines after the checkpoint's step (written before a kill lost the checkpoint). */
static clnas_status trim_train_log(const char *path, long step, clnas_error *err)
{
    trim t = {NULL, step};
    clnas_status opened = clnas_file_fopen_read(path, &t.in, err);
    if (opened != CLNAS_OK)
        return opened == CLNAS_ERR_NOT_FOUND ? CLNAS_OK : opened;
    clnas_status st = clnas_file_write_atomic(path, write_trimmed, &t, err);
    fclose(t.in);
    return st;
}

/* The supernet's weights at the start of training: the checkpoint's (and its step), else initialised; data-parallel,
 * process 0's on every process. */
static clnas_status restore(spos_run *r, long *done, clnas_error *err)
{
    struct stat sb;
    *done = 0;
    clnas_status st;
    if (!clnas_grad_shares_writer(r->req->shares) || stat(r->checkpoint, &sb) != 0) {
        st = clnas_supernet_init(r->sn, r->req->cfg->seed, err);
    } else {
        st = clnas_supernet_load(r->sn, r->checkpoint, done, err);
        if (*done < 0)
            *done = 0;
        if (st == CLNAS_OK)
            st = trim_train_log(r->train_log, *done, err);
    }
    clnas_darts_net net = {NULL, r->sn, "SPOS"};
    return st == CLNAS_OK ? clnas_share_state(r->req->shares, &net, NULL, done, err) : st;
}

/* Trains the supernet to the schedule's end, from its checkpoint when there is one; *stopped when req->stop came
 * first (the steps done are checkpointed). */
static clnas_status train_supernet(spos_run *r, const clnas_run_setup *s, const clnas_edge_op_set *op_set,
                                   const clnas_spos_config *sp, clnas_run_outcome *out, clnas_error *err)
{
    const clnas_search_config *cfg = r->req->cfg;
    const clnas_dataset *train = clnas_run_setup_train_data(s);
    long done = 0;
    clnas_status st = restore(r, &done, err);
    if (st != CLNAS_OK)
        return st;
    clnas_spos_train_options opt;
    memset(&opt, 0, sizeof opt);
    int per_epoch = train->count / cfg->proxy.batch;
    opt.steps = cfg->proxy.epochs * per_epoch;
    opt.start_step = (int)done;
    opt.lr = cfg->proxy.lr;
    opt.seed = cfg->seed;
    memcpy(opt.mean, s->train_cfg.mean, sizeof opt.mean);
    memcpy(opt.std, s->train_cfg.std, sizeof opt.std);
    opt.report_every = sp->checkpoint_every;
    opt.progress = show_training;
    opt.checkpoint = clnas_grad_shares_writer(r->req->shares) ? checkpoint : NULL;
    opt.user = r;
    opt.stop = r->req->stop;
    opt.shares = r->req->shares;
    uint32_t *classes = NULL;
    if (sp->sample_classes) {
        classes = malloc(CLNAS_NB201_CLASSES * sizeof *classes);
        opt.classes = classes ? clnas_spos_classes(op_set, classes) : -1;
        if (opt.classes < 0) {
            free(classes);
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "SPOS: out of memory for the class list");
        }
        opt.class_index = classes;
    }
    if (done >= opt.steps) {
        free(classes);
        clnas_run_info(&r->req->ev, "supernet: trained (%d steps, checkpoint %s)", opt.steps, r->checkpoint);
        return CLNAS_OK;
    }
    char sampling[64] = "";
    if (classes)
        snprintf(sampling, sizeof sampling, " (uniform over %d canonical classes)", opt.classes);
    clnas_run_info(&r->req->ev, "supernet training: %d steps (%d epoch(s) of %d batches of %d), one uniformly "
                   "sampled path per step%s%s", opt.steps, cfg->proxy.epochs, per_epoch, cfg->proxy.batch, sampling,
                   done ? ", resumed" : "");
    int steps_done = 0;
    st = clnas_spos_train(r->sn, op_set, train, &opt, &steps_done, err);
    free(classes);
    const int writer = clnas_grad_shares_writer(r->req->shares);
    char choices[1100];
    snprintf(choices, sizeof choices, "%s/algo_choices.tsv", r->dir);
    clnas_error save_err;
    if (writer && clnas_algo_choices_save(clnas_supernet_algo_choices(r->sn), choices, &save_err) != CLNAS_OK &&
        r->req->ev.failure)
        r->req->ev.failure(&save_err, r->req->ev.user);
    if (st != CLNAS_OK || steps_done >= opt.steps) /* short of the schedule without an error: stopped */
        return st;
    if (writer && steps_done % sp->checkpoint_every && (st = checkpoint(steps_done, NAN, r, err)) != CLNAS_OK)
        return st;
    out->stopped = out->stopped_training = 1;
    out->done = steps_done;
    out->total = opt.steps;
    return CLNAS_OK;
}

/* The supernet over the config's proxy network (recorded algorithm choices reused), with its arena line. */
static clnas_status build_supernet(spos_run *r, const clnas_run_setup *s, const clnas_edge_op_set *op_set,
                                   const clnas_spos_config *sp, void *rea, clnas_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/algo_choices.tsv", r->dir);
    clnas_algo_choices recorded;
    clnas_algo_choices_init(&recorded);
    int ignored = 0;
    clnas_net_config net;
    clnas_run_setup_net(s, &net);
    const int darts_space = clnas_search_config_space(r->req->cfg) == &clnas_space_darts;
    const int chain_space = clnas_search_config_space(r->req->cfg) == &clnas_space_chain;
    if (darts_space) { /* DARTS' genotype networks (NetworkCIFAR) over shared weights, no auxiliary head */
        net.space = CLNAS_NET_DARTS;
        clnas_rng rng; /* any valid genotype, for the config's checks: each path sets its own */
        clnas_rng_seed(&rng, 0);
        clnas_darts_genotype_sample(&rng, &net.darts_genotype);
    }
    if (chain_space) { /* the chain networks of the skeleton's paths over shared weights */
        net.space = CLNAS_NET_CHAIN;
        net.chain_genotype = sp->skeleton;
    }
    net.grad_clip = sp->grad_clip;
    const int batch = net.batch;
    clnas_status st = clnas_grad_shares_batch(r->req->shares, batch, &net.batch, err);
    if (st == CLNAS_OK && clnas_grad_shares_writer(r->req->shares)) /* another process times its own */
        st = clnas_algo_choices_load(&recorded, path, &ignored, err);
    if (st == CLNAS_OK)
        st = clnas_supernet_new(s->dev, s->cache, &net, op_set, sp->max_paths, &recorded, &r->sn, err);
    clnas_algo_choices_free(&recorded);
    if (st != CLNAS_OK)
        return st;
    const clnas_supernet_layout *l = clnas_supernet_get_layout(r->sn);
    long nparam = 0;
    for (int i = 0; i < l->nparams; i++)
        nparam += l->params[i].info.arena == CLNAS_ARENA_PARAMS ? (long)l->params[i].info.count : 0;
    if (chain_space) {
        char skeleton[CLNAS_CHAIN_GENOTYPE_STR_MAX];
        clnas_chain_genotype_format(&sp->skeleton, skeleton, sizeof skeleton, NULL);
        long paths = 1;
        for (int i = 0; i < sp->skeleton.nlayers; i++)
            paths *= __builtin_popcount(sp->paths->mask[i]);
        clnas_run_info(&r->req->ev, "clnas search: %s, one-shot SPOS on space chain (supernet of skeleton %s, stem "
                       "width %d: per layer the ops that keep its output's shape, %ld paths; batch %d), then REA over "
                       "its paths (%d trials)", r->dir, skeleton, net.channels, paths, net.batch,
                       clnas_strategy_rea.budget(rea));
    } else if (darts_space)
        clnas_run_info(&r->req->ev, "clnas search: %s, one-shot SPOS on space darts (supernet C=%d layers=%d: per cell "
                       "14 edges x 7 ops, paths DARTS genotypes; batch %d), then REA over its paths (%d trials)",
                       r->dir, net.channels, net.layers, net.batch, clnas_strategy_rea.budget(rea));
    else
        clnas_run_info(&r->req->ev, "clnas search: %s, one-shot SPOS (supernet C=%d N=%d, batch %d), then REA over "
                       "its paths (%d trials)", r->dir, net.channels, net.cells, net.batch,
                       clnas_strategy_rea.budget(rea));
    if (sp->grad_clip > 0)
        clnas_run_info(&r->req->ev, "gradient clipping: each step's path gradients at global L2 norm %g "
                       "(strategy.grad_clip)", sp->grad_clip);
    if (clnas_grad_shares_on(r->req->shares))
        clnas_run_info(&r->req->ev, "data parallel: each batch of %d in %d shares of %d (%s), gradients and BatchNorm "
                       "running statistics averaged over the shares, batch statistics per share", batch,
                       r->req->shares->count, net.batch, r->req->shares->sum ? "one per process" : "in turn");
    clnas_run_info(&r->req->ev, "supernet arena: %ld parameters in %d tensors, %.1f MiB of weights (parameters, "
                   "gradients, momenta, running statistics) on %s (%.0f MiB of memory)", nparam, l->nparams,
                   (double)clnas_supernet_weight_bytes(l, net.fp64) / 1048576.0, s->dev->info.name,
                   (double)s->dev->info.global_mem_bytes / 1048576.0);
    if (!sp->warm_up)
        return CLNAS_OK;
    int programs = 0;
    st = clnas_supernet_warm_up(r->sn, &programs, err);
    if (st == CLNAS_OK)
        clnas_run_info(&r->req->ev, "warm-up: the supernet's paths need %d distinct programs; all built", programs);
    return st;
}

/* REA over the trained supernet's paths, fitness from the supernet evaluator. */
static clnas_status search_paths(spos_run *r, const clnas_run_setup *s, const clnas_spos_config *sp, void *rea,
                                 clnas_run_outcome *out, clnas_error *err)
{
    const clnas_search_config *cfg = r->req->cfg;
    clnas_evaluator ev;
    const int k = clnas_grad_shares_on(r->req->shares) ? r->req->shares->count : 1; /* shares of the same images */
    clnas_status st = clnas_supernet_evaluator_new(r->sn, clnas_run_setup_train_data(s), &s->val, sp->bn_batches * k,
                                                   cfg->seed, s->train_cfg.mean, s->train_cfg.std, &ev, err);
    if (st != CLNAS_OK)
        return st;
    clnas_run_info(&r->req->ev, "search: fitness = accuracy on %d validation images of each path with the "
                   "supernet's weights, after BatchNorm recalibration over %d training batches", s->val.count,
                   sp->bn_batches);
    clnas_run_request on_device = *r->req; /* the device the set-up opened, recorded per trial */
    on_device.dev = s->dev;
    st = clnas_run_trials_loop(&on_device, &clnas_strategy_rea, rea, &ev, out, err);
    ev.iface->destroy(ev.state);
    return st;
}

clnas_status clnas_run_spos(const clnas_run_request *req, clnas_run_outcome *out, clnas_error *err)
{
    const clnas_search_config *cfg = req->cfg;
    out->kind = CLNAS_RUN_SPOS;
    if (req->resume_dir)
        snprintf(out->run_dir, sizeof out->run_dir, "%s", req->resume_dir);
    if (strcmp(cfg->evaluator.kind, "train") != 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "evaluator.kind: a one-shot search scores supernet paths "
                               "on the data; expected \"train\", got \"%s\"", cfg->evaluator.kind);
    clnas_spos_config sp;
    memset(&sp, 0, sizeof sp);
    void *rea = NULL;
    cJSON *resolved = cJSON_CreateObject();
    spos_run r;
    memset(&r, 0, sizeof r);
    r.req = req;
    r.dir = out->run_dir;
    r.t0 = clnas_clock_seconds();
    clnas_run_setup s;
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    s.dev = req->dev;
    s.cache = req->cache;
    const int writer = clnas_grad_shares_writer(req->shares);
    const clnas_space_iface *space = clnas_search_config_space(cfg);
    clnas_status st = clnas_spos_config_parse_space(cfg->strategy, cfg->seed, space, resolved, &sp, &rea, err);
    if (st == CLNAS_OK && space != &clnas_space_nb201 && sp.sample_classes)
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.sampling \"classes\": NB201's canonical classes; "
                             "on space %s SPOS samples paths uniformly (\"cells\", the default)", space->name);
    if (st == CLNAS_OK && space != &clnas_space_nb201 && sp.warm_up)
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.warm_up: builds every path's programs, which "
                             "space %s has too many of to enumerate; set it false", space->name);
    if (st == CLNAS_OK && !req->resume_dir && writer) {
        clnas_run_dir_name(cfg->name, req->out, out->run_dir, sizeof out->run_dir);
        st = clnas_run_dir_create(out->run_dir, "config.json", cfg, resolved, err);
    }
    snprintf(r.checkpoint, sizeof r.checkpoint, "%s/supernet.safetensors", out->run_dir);
    snprintf(r.train_log, sizeof r.train_log, "%s/supernet.jsonl", out->run_dir);
    char path[1100];
    snprintf(path, sizeof path, "%s/algo_choices.tsv", out->run_dir);
    if (st == CLNAS_OK)
        st = clnas_run_setup_evaluator(&s, req->device, writer ? path : NULL, err);
    clnas_run_build_watch builds; /* the supernet's warm-up builds its paths' kernels: not in silence */
    clnas_run_watch_builds(&builds, &req->ev, st == CLNAS_OK ? s.cache : NULL);
    if (st == CLNAS_OK && s.dev && writer)
        st = clnas_run_record_device(out->run_dir, s.dev, err);
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    if (st == CLNAS_OK)
        st = build_supernet(&r, &s, &op_set, &sp, rea, err);
    if (st == CLNAS_OK)
        st = train_supernet(&r, &s, &op_set, &sp, out, err);
    if (st == CLNAS_OK) /* data parallel: the processes' last collective; what follows is process 0's alone */
        st = clnas_grad_shares_close(req->shares, err);
    out->top_k = sp.top_k;
    if (st == CLNAS_OK && !out->stopped_training && writer) /* the search over paths: process 0 alone */
        st = search_paths(&r, &s, &sp, rea, out, err);
    if (rea)
        clnas_strategy_rea.destroy(rea);
    clnas_spos_config_free(&sp); /* after REA, which samples from its paths */
    clnas_supernet_free(r.sn);
    clnas_run_watch_builds_end(&builds);
    clnas_run_setup_free(&s);
    cJSON_Delete(resolved);
    return st;
}
