/* clnas — a DARTS or GDAS run: one journal line, alpha heat map and checkpoint per epoch, resumable; the derived
 * cell is the run's best architecture. DARTS trains the search network (every edge the softmax(alpha)-weighted sum
 * of its ops); GDAS a supernet of which each step computes only the sampled path (gdas.h). */
#include "oneshot_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "darts.h"
#include "darts_admit.h"
#include "darts_checkpoint.h"
#include "chain_skeleton.h"
#include "darts_chain.h"
#include "darts_config.h"
#include "darts_space.h"
#include "gdas_config.h"
#include "model_build.h"
#include "plan.h"
#include "run_dir.h"
#include "space_chain.h"
#include "space_nb201.h"
#include "run_provenance.h"
#include "share_state.h"
#include "svg_plot.h"

typedef struct darts_run {
    const clnas_run_request *req;
    const char *dir;
    const clnas_device *dev; /* the run's, named in config.json and in each journal line */
    clnas_darts_net net;  /* the search network (DARTS) or the supernet (GDAS) */
    clnas_journal journal;
    char checkpoint[1100];
    clnas_net_config cfg; /* the search network's; a derived cell's stand-alone network differs in genotype only */
    clnas_gdas *gdas;     /* GDAS: its sampler, with the launches of the training paths so far */
    long launches_before, paths_before; /* at the start of the epoch */
    double last_accuracy; /* the last finished epoch's validation accuracy */
    int space_darts;      /* DARTS over the DARTS cell space: journal lines of DARTS genotypes, its best.json */
    int space_chain;      /* over the chain space: alpha per layer of `skeleton`, journal lines of chain networks */
    clnas_chain_genotype skeleton; /* the chain space's strategy.skeleton */
    int derive_without_none, derive_epochs; /* the derivation rule (strategy.derive, strategy.derive_epochs) */
    char last_arch[CLNAS_SPACE_STR_MAX];   /* the cell derived at the last epoch this process finished */
} darts_run;

/* How the epoch's cell was derived, for best.json. */
static void rule_text(const darts_run *r, int derived_from, char *buf, size_t cap)
{
    char alpha[96];
    if (derived_from > 1)
        snprintf(alpha, sizeof alpha, "softmax(alpha) averaged over the last %d epochs", derived_from);
    else
        snprintf(alpha, sizeof alpha, "the last epoch's softmax(alpha)");
    if (r->space_darts)
        snprintf(buf, cap, "DARTS' genotype(): per node the two edges of strongest non-none op weight of %s, that "
                 "op; concat 2..5", alpha);
    else if (r->space_chain)
        snprintf(buf, cap, "the skeleton with every layer's strongest op of %s", alpha);
    else
        snprintf(buf, cap, "strongest op per edge of %s, none %s", alpha,
                 r->derive_without_none ? "excluded" : "included");
}

/* Parameters and forward FLOPs per image of the stand-alone network cfg; -1 and 0 when its plan does not compile. */
static void network_size(const clnas_net_config *cfg, long *params, double *flops)
{
    clnas_plan *plan = NULL;
    clnas_error err;
    *params = -1;
    *flops = 0;
    if (clnas_plan_compile(cfg, &plan, &err) != CLNAS_OK)
        return;
    *params = (long)plan->live_params;
    *flops = clnas_plan_forward_flops(plan);
    clnas_plan_free(plan);
}

/* The search's config as the stand-alone network of the epoch's derived cell (what `clnas train --from` trains:
 * the proxy's size; DARTS' NetworkCIFAR of the search's layers; the chain network of the skeleton's shape). */
static clnas_net_config derived_config(const darts_run *r, const clnas_darts_epoch *e)
{
    clnas_net_config cfg = r->cfg;
    cfg.darts = cfg.gdas = cfg.darts_search = 0;
    cfg.genotype = e->derived;
    cfg.darts_genotype = e->derived_darts;
    cfg.chain_genotype = e->chain_space ? e->derived_chain : r->cfg.chain_genotype;
    return cfg;
}

/* DARTS space: best.json of the epoch's journal line j, with the sizes `clnas train --from` reads beside the arch
 * in DARTS' printed form and "space": "darts". */
static clnas_status write_best_darts_space(const darts_run *r, const clnas_journal_entry *j, const char *rule,
                                           clnas_error *err)
{
    char arch[CLNAS_SPACE_STR_MAX], hex[17], path[1100];
    clnas_status st = clnas_space_darts.format(&j->arch, arch, sizeof arch, err);
    if (st != CLNAS_OK)
        return st;
    clnas_hash_to_hex(j->hash, hex);
    cJSON *best = cJSON_CreateObject();
    cJSON_AddStringToObject(best, "space", "darts");
    cJSON_AddStringToObject(best, "arch", arch);
    cJSON_AddNumberToObject(best, "fitness", j->fitness);
    cJSON_AddNumberToObject(best, "trial", j->trial);
    cJSON_AddStringToObject(best, "hash", hex);
    cJSON_AddNumberToObject(best, "params", (double)j->params);
    cJSON_AddNumberToObject(best, "layers", r->cfg.layers);
    cJSON_AddNumberToObject(best, "channels", r->cfg.channels);
    cJSON_AddStringToObject(best, "rule", rule);
    snprintf(path, sizeof path, "%s/best.json", r->dir);
    st = clnas_run_json_write(path, best, err);
    cJSON_Delete(best);
    return st;
}

/* The space of the run's journal lines (NULL: NB201). */
static const clnas_space_iface *journal_space(const darts_run *r)
{
    return r->space_darts ? &clnas_space_darts : r->space_chain ? &clnas_space_chain : NULL;
}

/* The run's journal lines (*count of them, free with clnas_journal_entries_free), read as its space's. */
static clnas_status read_journal(const darts_run *r, clnas_journal_entry **entries, int *count, clnas_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/journal.jsonl", r->dir);
    int torn = 0;
    size_t good = 0;
    return clnas_journal_read_space(path, journal_space(r), entries, count, &torn, &good, err);
}

/* The epoch's heat map, best.json (from its journal line j: the derived cell, its hash and size) and progress plot. */
static clnas_status write_outputs(darts_run *r, const clnas_darts_epoch *e, const clnas_journal_entry *j,
                                  clnas_error *err)
{
    char path[1100], title[160];
    snprintf(path, sizeof path, "%s/alpha_epoch_%03d.svg", r->dir, e->epoch);
    if (r->space_darts)
        snprintf(title, sizeof title, "%s (DARTS space: normal 0-13, reduce 0-13), %s", r->net.method, r->dir);
    else if (r->space_chain)
        snprintf(title, sizeof title, "%s (chain space: a row per skeleton layer), %s", r->net.method, r->dir);
    else
        snprintf(title, sizeof title, "%s, %s", r->net.method, r->dir);
    clnas_status st = clnas_alpha_svg_write(e->alpha, path, e->epoch, title, err);
    char rule[200];
    rule_text(r, e->derived_from, rule, sizeof rule);
    if (st == CLNAS_OK && r->space_darts)
        st = write_best_darts_space(r, j, rule, err);
    else if (st == CLNAS_OK)
        st = clnas_run_best_write(r->dir, j, rule, err);
    if (st != CLNAS_OK)
        return st;
    clnas_journal_entry *entries = NULL;
    int n = 0;
    st = read_journal(r, &entries, &n, err);
    if (st == CLNAS_OK) {
        snprintf(path, sizeof path, "%s/progress.svg", r->dir);
        char what[96];
        snprintf(what, sizeof what, "%s: validation accuracy of the search network per epoch", r->net.method);
        st = clnas_progress_svg_write(path, entries, n, what, err);
        clnas_journal_entries_free(entries, n);
    }
    return st;
}

/* The derived cell of the epoch as a genotype of the run's space (DARTS' cell space, chain or NB201), with its
 * hash and size. */
static clnas_status derived_entry(const darts_run *r, const clnas_darts_epoch *e, clnas_journal_entry *j,
                                  clnas_error *err)
{
    const clnas_net_config cfg = derived_config(r, e);
    network_size(&cfg, &j->params, &j->flops);
    if (!r->space_darts && !r->space_chain) {
        clnas_nb201_to(&e->derived, &j->arch);
        clnas_genotype_canonical(&e->derived, NULL, 0, &j->hash, NULL);
        return CLNAS_OK;
    }
    char text[CLNAS_SPACE_STR_MAX];
    j->space = r->space_chain ? &clnas_space_chain : &clnas_space_darts;
    _Static_assert(CLNAS_DARTS_GENOTYPE_STR_MAX <= CLNAS_SPACE_STR_MAX, "a DARTS genotype fits");
    _Static_assert(CLNAS_CHAIN_GENOTYPE_STR_MAX <= CLNAS_SPACE_STR_MAX, "a chain genotype fits");
    clnas_status st = r->space_chain ? clnas_chain_genotype_format(&e->derived_chain, text, sizeof text, err)
                                     : clnas_darts_genotype_format(&e->derived_darts, text, sizeof text, err);
    if (st == CLNAS_OK) /* through the string: the space's own value of the genotype */
        st = j->space->parse(text, &j->arch, err);
    if (st == CLNAS_OK)
        st = j->space->canonical(&j->arch, NULL, 0, &j->hash, err);
    return st;
}

/* The epoch's journal line: the derived cell, its size and the epoch's figures (GDAS: launches per step; DARTS'
 * cell space: "space": "darts", the arch in DARTS' printed form). */
static clnas_status journal_epoch(darts_run *r, const clnas_darts_epoch *e, clnas_journal_entry *j, double *launches,
                                  clnas_error *err)
{
    memset(j, 0, sizeof *j);
    j->trial = e->epoch;
    clnas_status st = derived_entry(r, e, j, err);
    if (st != CLNAS_OK)
        return st;
    j->fitness = e->val_accuracy;
    j->seconds = e->seconds;
    j->status = CLNAS_TRIAL_OK;
    cJSON *alpha = NULL;
    st = clnas_alpha_to_json(e->alpha, &alpha, err);
    if (st != CLNAS_OK)
        return st;
    j->extra = cJSON_CreateObject();
    cJSON_AddNumberToObject(j->extra, "epoch", e->epoch);
    if (j->space)
        cJSON_AddStringToObject(j->extra, "space", j->space->name);
    cJSON_AddNumberToObject(j->extra, "train_loss", e->train_loss);
    cJSON_AddNumberToObject(j->extra, "train_accuracy", e->train_accuracy);
    cJSON_AddNumberToObject(j->extra, "val_loss", e->val_loss);
    cJSON_AddNumberToObject(j->extra, "skip_share_derived", e->skip_share_derived);
    cJSON_AddNumberToObject(j->extra, "skip_prob_mean", e->skip_prob_mean);
    if (e->derived_from > 1)
        cJSON_AddNumberToObject(j->extra, "derived_from_epochs", e->derived_from);
    if (e->tau > 0)
        cJSON_AddNumberToObject(j->extra, "tau", e->tau);
    *launches = 0;
    if (r->gdas && r->gdas->train_paths > r->paths_before) {
        *launches = (double)(r->gdas->train_launches - r->launches_before) /
                    (double)(r->gdas->train_paths - r->paths_before);
        cJSON_AddNumberToObject(j->extra, "launches_per_step", *launches);
        r->launches_before = r->gdas->train_launches;
        r->paths_before = r->gdas->train_paths;
    }
    cJSON_AddItemToObject(j->extra, "alpha", alpha);
    st = clnas_run_stamp(&j->extra, r->dev ? r->dev->info.name : NULL, r->dev ? r->dev->info.driver_version : NULL,
                         err);
    /* journal first, then the checkpoint: a kill between them redoes this epoch, and resume drops its line */
    if (st == CLNAS_OK)
        st = clnas_journal_append(&r->journal, j, err);
    cJSON_Delete(j->extra);
    j->extra = NULL;
    return st;
}

static void report_epoch(const darts_run *r, const clnas_darts_epoch *e, const char *arch, double launches)
{
    const clnas_run_events *ev = &r->req->ev;
    /* epochs count from 0, as the journal, the heat maps' names and their titles do; [k/N]: k of N done */
    clnas_run_info(ev, "epoch %d [%d/%d]  train loss %.4f acc %.3f  val loss %.4f acc %.3f  (%.0f s)\n  derived %s\n  "
                   "%s: %.0f%% of derived %s, mean softmax %.3f; heat map %s/alpha_epoch_%03d.svg",
                   e->epoch, e->epoch + 1, e->epochs, e->train_loss, e->train_accuracy, e->val_loss, e->val_accuracy, e->seconds,
                   arch, e->chain_space ? "identity" : "skip_connect", 100.0 * e->skip_share_derived,
                   e->chain_space ? "layers" : "edges", e->skip_prob_mean, r->dir, e->epoch);
    if (launches > 0) {
        int compiled = 0, reused = 0;
        clnas_supernet_path_stats(r->net.sn, &compiled, &reused);
        clnas_run_info(ev, "  sampled paths: %.1f launches per training step on average; paths compiled %d, from "
                       "cache %d", launches, compiled, reused);
    }
    if (!ev->report)
        return;
    clnas_search_report rep;
    memset(&rep, 0, sizeof rep);
    rep.done = e->epoch + 1;
    rep.total = e->epochs;
    rep.arch = rep.best_arch = arch;
    rep.fitness = rep.best_fitness = e->val_accuracy;
    rep.status = "ok";
    rep.best_index = e->epoch;
    rep.seconds = e->seconds;
    rep.seconds_left = e->seconds * (e->epochs - e->epoch - 1);
    ev->report(&rep, ev->user);
}

static clnas_status epoch_done(const clnas_darts_epoch *e, void *user, clnas_error *err)
{
    darts_run *r = user;
    clnas_journal_entry j;
    double launches = 0;
    clnas_status st = journal_epoch(r, e, &j, &launches, err);
    if (st == CLNAS_OK)
        st = clnas_darts_checkpoint_save(r->checkpoint, &r->net, e->alpha, e->epoch + 1, err);
    if (st == CLNAS_OK)
        st = write_outputs(r, e, &j, err);
    if (st != CLNAS_OK)
        return st;
    char arch[CLNAS_SPACE_STR_MAX];
    clnas_journal_entry_arch(&j, arch, sizeof arch);
    snprintf(r->last_arch, sizeof r->last_arch, "%s", arch);
    r->last_accuracy = e->val_accuracy;
    report_epoch(r, e, arch, launches);
    return CLNAS_OK;
}

static void show_step(const clnas_darts_step *s, void *user)
{
    const darts_run *r = user;
    if (!r->req->ev.step)
        return;
    char line[256];
    snprintf(line, sizeof line, "%s step %5d/%d  lr %.4f  train loss %.4f  val loss %.4f  %.0f s, %.0f s left",
             r->net.method, s->step, s->steps, s->lr, s->train_loss, s->val_loss, s->seconds, s->seconds_left);
    r->req->ev.step(line, r->req->ev.user);
}

static void admit_line(const char *text, void *user)
{
    const darts_run *r = user;
    clnas_run_info(&r->req->ev, "%s", text);
}

/* The network the run trains: GDAS' supernet (recorded algorithm choices reused; with warm_up every program its
 * paths can need built), or DARTS' search network; weights initialised. */
static clnas_status build_network(darts_run *r, const clnas_run_setup *s, const clnas_gdas_config *gp,
                                  const char *choices_path, clnas_error *err)
{
    const clnas_search_config *cfg = r->req->cfg;
    if (!r->cfg.gdas) {
        clnas_status st = clnas_model_build(s->dev, s->cache, &r->cfg, &r->net.model, err);
        return st == CLNAS_OK ? clnas_model_init(r->net.model, cfg->seed, err) : st;
    }
    clnas_algo_choices recorded;
    clnas_algo_choices_init(&recorded);
    int ignored = 0, programs = 0;
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    const double t0 = clnas_clock_seconds();
    clnas_status st = choices_path ? clnas_algo_choices_load(&recorded, choices_path, &ignored, err) : CLNAS_OK;
    if (st == CLNAS_OK)
        st = clnas_supernet_new(s->dev, s->cache, &r->cfg, &op_set, gp->max_paths, &recorded, &r->net.sn, err);
    clnas_algo_choices_free(&recorded);
    if (st == CLNAS_OK && gp->warm_up)
        st = clnas_supernet_warm_up(r->net.sn, &programs, err);
    if (st == CLNAS_OK)
        st = clnas_supernet_init(r->net.sn, cfg->seed, err);
    if (st != CLNAS_OK)
        return st;
    if (gp->warm_up)
        clnas_run_info(&r->req->ev, "warm-up: GDAS paths need %d distinct programs; all built (%.1f s)", programs,
                       clnas_clock_seconds() - t0);
    else
        clnas_run_info(&r->req->ev, "no warm-up (%s%s): programs are built as sampled paths first need them",
                       r->space_darts ? "space darts" : r->space_chain ? "space chain" : "strategy.warm_up false",
                       r->space_darts || r->space_chain ? ": its paths cannot be enumerated" : "");
    clnas_run_info(&r->req->ev, "up to %d compiled paths cached (strategy.max_paths)", gp->max_paths);
    return CLNAS_OK;
}

/* Alpha and the epochs done: the checkpoint's when there is one, else fresh (data-parallel: process 0's on every
 * process); the journal reopened after them. */
static clnas_status restore(darts_run *r, clnas_alpha *alpha, int *epochs_done, clnas_error *err)
{
    struct stat sb;
    clnas_status st;
    *epochs_done = 0;
    const int writer = clnas_grad_shares_writer(r->req->shares);
    if (writer && stat(r->checkpoint, &sb) == 0)
        st = clnas_darts_checkpoint_load(r->checkpoint, &r->net, alpha, epochs_done, err);
    else if (r->space_darts)
        st = clnas_alpha_init(alpha, CLNAS_DARTS_SPACE_ALPHA_EDGES, CLNAS_DARTS_OPS, r->req->cfg->seed, err);
    else if (r->space_chain)
        st = clnas_darts_chain_alpha_init(alpha, &r->skeleton, r->req->cfg->seed, err);
    else
        st = clnas_alpha_init(alpha, CLNAS_NB201_EDGES, CLNAS_NB201_OPS, r->req->cfg->seed, err);
    long done = *epochs_done;
    if (st == CLNAS_OK)
        st = clnas_share_state(r->req->shares, &r->net, alpha, &done, err);
    *epochs_done = (int)done;
    if (st != CLNAS_OK || !writer)
        return st;
    char path[1100], old[1100];
    snprintf(path, sizeof path, "%s/journal.jsonl", r->dir);
    snprintf(old, sizeof old, "%s/epochs.jsonl", r->dir);
    if (r->space_darts && *epochs_done > 0 && stat(path, &sb) != 0 && stat(old, &sb) == 0)
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "%s: this DARTS-space run was begun by an older clnas, "
                               "which wrote its epochs there and not into journal.jsonl: resume it with that clnas, "
                               "or start a new run", old);
    if (st == CLNAS_OK)
        st = clnas_journal_open(path, clnas_run_file_prefix_bytes(path, *epochs_done), &r->journal, err);
    return st;
}

/* The strategy section: DARTS' or GDAS' (with the sampler's settings). */
static clnas_status parse_params(darts_run *r, cJSON *resolved, clnas_darts_config *dp, clnas_gdas_config *gp,
                                 clnas_error *err)
{
    const clnas_search_config *cfg = r->req->cfg;
    int found = 0;
    clnas_status st = r->gdas ? clnas_gdas_config_parse(cfg->strategy, resolved, gp, err)
                              : clnas_darts_config_parse(cfg->strategy, resolved, dp, err);
    if (st == CLNAS_OK)
        st = clnas_chain_skeleton_parse(cfg->strategy, clnas_search_config_space(cfg), resolved, &r->skeleton,
                                        &found, err);
    r->space_chain = found;
    if (!r->gdas || st != CLNAS_OK)
        return st;
    dp->derive = -1;
    dp->derive_epochs = 1;
    dp->epochs = gp->epochs;
    dp->adam = gp->adam;
    r->gdas->tau_max = gp->tau_max;
    r->gdas->tau_min = gp->tau_min;
    r->gdas->seed = cfg->seed;
    return st;
}

/* A resumed run's alpha after each of its epochs done, from its journal lines (oldest first), for the derivation's
 * average: *n of them into *out (malloc'ed; NULL and 0 when not needed). */
static clnas_status alpha_history(const darts_run *r, int epochs_done, clnas_alpha **out, int *n, clnas_error *err)
{
    *out = NULL;
    *n = 0;
    if (r->derive_epochs < 2 || epochs_done < 1 || !r->journal.f)
        return CLNAS_OK;
    clnas_journal_entry *entries = NULL;
    int count = 0;
    clnas_status st = read_journal(r, &entries, &count, err);
    if (st != CLNAS_OK)
        return st;
    *out = malloc((size_t)(count ? count : 1) * sizeof **out);
    if (!*out)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (int i = 0; i < count && st == CLNAS_OK; i++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(entries[i].extra, "alpha");
        st = a ? clnas_alpha_from_json(a, &(*out)[i], err)
               : clnas_error_set(err, CLNAS_ERR_FORMAT, "%s/journal.jsonl: epoch %d's line has no alpha "
                                 "(strategy.derive_epochs averages the last epochs' alpha)", r->dir, i);
        *n = i + 1;
    }
    clnas_journal_entries_free(entries, count);
    if (st != CLNAS_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return st;
}

/* The arch of the journal's last line into buf ("" when the process has no journal or it has no line). */
static void journaled_arch(const darts_run *r, char *buf, size_t cap)
{
    buf[0] = 0;
    if (!r->journal.f)
        return;
    clnas_journal_entry *entries = NULL;
    int count = 0;
    if (read_journal(r, &entries, &count, NULL) != CLNAS_OK)
        return;
    if (count > 0)
        clnas_journal_entry_arch(&entries[count - 1], buf, cap);
    clnas_journal_entries_free(entries, count);
}

/* Runs the epochs left; fills out on success. */
static clnas_status search(darts_run *r, const clnas_run_setup *s, const clnas_darts_config *dp,
                           const clnas_gdas_config *gp, clnas_run_outcome *out, clnas_error *err)
{
    const clnas_run_request *req = r->req;
    const clnas_dataset *train = clnas_run_setup_train_data(s);
    clnas_alpha alpha;
    int epochs_done = 0;
    clnas_status st = restore(r, &alpha, &epochs_done, err);
    if (st != CLNAS_OK)
        return st;
    clnas_darts_options opt;
    memset(&opt, 0, sizeof opt);
    opt.epochs = dp->epochs;
    opt.start_epoch = epochs_done;
    opt.lr = req->cfg->proxy.lr;
    opt.seed = req->cfg->seed;
    opt.adam = dp->adam;
    opt.beta_decay = dp->beta_decay;
    opt.beta_decay_linear = dp->beta_decay_linear;
    opt.derive_without_none = dp->derive == 1;
    opt.derive_epochs = dp->derive_epochs;
    clnas_alpha *history = NULL;
    st = alpha_history(r, epochs_done, &history, &opt.nhistory, err);
    if (st != CLNAS_OK)
        return st;
    opt.history = history;
    memcpy(opt.mean, s->train_cfg.mean, sizeof opt.mean);
    memcpy(opt.std, s->train_cfg.std, sizeof opt.std);
    opt.progress = show_step;
    opt.epoch_done = clnas_grad_shares_writer(req->shares) ? epoch_done : NULL;
    opt.user = r;
    opt.stop = req->stop;
    opt.gdas = r->gdas;
    opt.shares = req->shares;
    opt.chain_skeleton = r->space_chain ? &r->skeleton : NULL;
    const int whole = r->cfg.batch * (clnas_grad_shares_on(req->shares) ? req->shares->count : 1);
    if (clnas_grad_shares_on(req->shares))
        clnas_run_info(&req->ev, "data parallel: each batch of %d in %d shares of %d (%s), gradients, d loss / d alpha "
                       "and BatchNorm running statistics averaged over the shares, batch statistics per share", whole,
                       req->shares->count, r->cfg.batch, req->shares->sum ? "one per process" : "in turn");
    if (r->gdas)
        clnas_run_info(&req->ev, "clnas search: %s, GDAS: one op per edge sampled by hard Gumbel-softmax, tau %g -> "
                       "%g linear per epoch", r->dir, gp->tau_max, gp->tau_min);
    char size[96];
    if (r->space_darts)
        snprintf(size, sizeof size, "DARTS space: C=%d layers=%d; SGD as DARTS': wd 3e-4, clip 5", r->cfg.channels,
                 r->cfg.layers);
    else if (r->space_chain)
        snprintf(size, sizeof size, "chain space: a skeleton of %d layers, stem C=%d; SGD as DARTS': wd 3e-4, clip 5",
                 r->skeleton.nlayers, r->cfg.channels);
    else
        snprintf(size, sizeof size, "C=%d N=%d", r->cfg.channels, r->cfg.cells);
    clnas_run_info(&req->ev, "clnas search: %s, %s first order (search network %s, batch %d), %d epoch(s) of "
                   "%d steps%s: weights SGD lr %g on %d training images, alpha Adam lr %g on %d validation images",
                   r->dir, r->net.method, size, whole, dp->epochs,
                   train->count / whole, epochs_done ? ", resumed" : "", opt.lr, train->count, dp->adam.lr,
                   s->val.count);
    int finished = 0;
    st = clnas_darts_search(r->net.model, &alpha, train, &s->val, &opt, &finished, err);
    if (st == CLNAS_OK) /* data parallel: the processes' last collective */
        st = clnas_grad_shares_close(req->shares, err);
    char path[1100];
    snprintf(path, sizeof path, "%s/algo_choices.tsv", r->dir);
    clnas_error save_err;
    const clnas_algo_choices *made = r->net.sn ? clnas_supernet_algo_choices(r->net.sn)
                                               : clnas_model_algo_choices(r->net.model);
    if (clnas_grad_shares_writer(req->shares) && clnas_algo_choices_save(made, path, &save_err) != CLNAS_OK &&
        req->ev.failure)
        req->ev.failure(&save_err, req->ev.user);
    out->done = finished;
    out->total = dp->epochs;
    out->resumed_from = epochs_done;
    out->stopped = st == CLNAS_OK && finished < dp->epochs; /* short of the budget without an error: stopped */
    free(history);
    /* the cell of the last epoch as journaled: by this process, else (a finished run resumed) the journal's last
     * line; a process that writes no journal (data parallel, ranks past 0) derives it from the last alpha alone */
    if (!r->last_arch[0])
        journaled_arch(r, r->last_arch, sizeof r->last_arch);
    _Static_assert(CLNAS_DARTS_GENOTYPE_STR_MAX <= sizeof out->best_arch, "the outcome holds a DARTS genotype");
    if (r->last_arch[0]) {
        snprintf(out->best_arch, sizeof out->best_arch, "%s", r->last_arch);
    } else if (r->space_darts) {
        clnas_darts_genotype dg;
        clnas_darts_space_derive(&alpha, &dg, NULL);
        clnas_darts_genotype_format(&dg, out->best_arch, sizeof out->best_arch, NULL);
    } else if (r->space_chain) {
        clnas_chain_genotype cg;
        clnas_darts_chain_derive(&alpha, &r->skeleton, &cg, NULL);
        clnas_chain_genotype_format(&cg, out->best_arch, sizeof out->best_arch, NULL);
    } else {
        clnas_genotype g;
        clnas_alpha_derive_rule(&alpha, dp->derive == 1, &g, NULL);
        clnas_genotype_format(&g, out->best_arch, sizeof out->best_arch, NULL);
    }
    out->best_index = finished - 1;
    out->best_fitness = finished > epochs_done ? r->last_accuracy : NAN;
    return st;
}

clnas_status clnas_run_differentiable(const clnas_run_request *req, clnas_run_outcome *out, clnas_error *err)
{
    const clnas_search_config *cfg = req->cfg;
    out->kind = CLNAS_RUN_DIFFERENTIABLE;
    if (req->resume_dir)
        snprintf(out->run_dir, sizeof out->run_dir, "%s", req->resume_dir);
    if (strcmp(cfg->evaluator.kind, "train") != 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "evaluator.kind: %s trains its search network on the "
                               "data; expected \"train\", got \"%s\"", cfg->strategy_name, cfg->evaluator.kind);
    const int is_gdas = strcmp(cfg->strategy_name, "gdas") == 0;
    clnas_darts_config dp;
    clnas_gdas_config gp;
    clnas_gdas gdas;
    memset(&dp, 0, sizeof dp);
    memset(&gp, 0, sizeof gp);
    memset(&gdas, 0, sizeof gdas);
    darts_run r;
    memset(&r, 0, sizeof r);
    r.req = req;
    r.dir = out->run_dir;
    r.net.method = is_gdas ? "GDAS" : "DARTS";
    r.gdas = is_gdas ? &gdas : NULL;
    r.space_darts = strcmp(cfg->space, "darts") == 0; /* space.name: DARTS' search network, proxy.layers cells */
    clnas_run_setup s;
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    s.dev = req->dev;
    s.cache = req->cache;
    cJSON *resolved = cJSON_CreateObject();
    const int writer = clnas_grad_shares_writer(req->shares); /* data-parallel: process 0 alone writes files */
    clnas_status st = parse_params(&r, resolved, &dp, &gp, err);
    r.derive_without_none = dp.derive == 1;
    r.derive_epochs = dp.derive_epochs;
    if (st == CLNAS_OK && (r.space_darts || r.space_chain) && is_gdas && gp.warm_up) { /* its paths cannot be
                                                                                      * enumerated */
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(cfg->strategy, "warm_up");
        if (cJSON_IsTrue(w))
            st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.warm_up: builds every path's programs, which "
                                 "GDAS on space %s has too many of to enumerate; set it false", cfg->space);
        gp.warm_up = 0; /* the default (true) is NB201's; config.json says false, so a resume reads it back */
        if (cJSON_GetObjectItemCaseSensitive(resolved, "warm_up"))
            cJSON_ReplaceItemInObjectCaseSensitive(resolved, "warm_up", cJSON_CreateFalse());
    }
    if (st == CLNAS_OK && r.space_darts && dp.derive == 0)
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.derive \"with_none\": the DARTS space derives as "
                             "DARTS does, never choosing none (leave derive out or give \"without_none\")");
    if (st == CLNAS_OK && r.space_chain && dp.derive >= 0)
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.derive: a rule about none edges; the chain space "
                             "has no none op (every layer takes its strongest op): leave derive out");
    if (st == CLNAS_OK && !req->resume_dir && writer) {
        clnas_run_dir_name(cfg->name, req->out, out->run_dir, sizeof out->run_dir);
        st = clnas_run_dir_create(out->run_dir, "config.json", cfg, resolved, err);
    }
    snprintf(r.checkpoint, sizeof r.checkpoint, "%s/%s_checkpoint.safetensors", out->run_dir,
             is_gdas ? "gdas" : "darts");
    char path[1100];
    snprintf(path, sizeof path, "%s/algo_choices.tsv", out->run_dir);
    if (st == CLNAS_OK)
        st = clnas_run_setup_evaluator(&s, req->device, writer ? path : NULL, err);
    clnas_run_build_watch builds; /* the supernet's warm-up builds its paths' kernels: not in silence */
    clnas_run_watch_builds(&builds, &req->ev, st == CLNAS_OK ? s.cache : NULL);
    r.dev = s.dev;
    if (st == CLNAS_OK && s.dev && writer)
        st = clnas_run_record_device(out->run_dir, s.dev, err);
    if (st == CLNAS_OK) {
        clnas_run_setup_net(&s, &r.cfg);
        st = clnas_grad_shares_batch(req->shares, r.cfg.batch, &r.cfg.batch, err);
    }
    if (st == CLNAS_OK && (r.space_darts || r.space_chain)) {
        /* the space's search network (DARTS space: r.cfg.layers is proxy.layers, clnas_run_setup_net; chain: the
         * skeleton's); GDAS: a supernet whose paths are that network with one op per edge or layer */
        r.cfg.space = r.space_chain ? CLNAS_NET_CHAIN : CLNAS_NET_DARTS;
        if (r.space_chain)
            r.cfg.chain_genotype = r.skeleton;
        r.cfg.darts_search = 1;
        r.cfg.gdas = is_gdas;
        /* DARTS' train_search.py: SGD momentum 0.9 without Nesterov, weight decay 3e-4, gradient norm clipped at 5 */
        r.cfg.nesterov = 0;
        r.cfg.weight_decay = 3e-4;
        r.cfg.grad_clip = 5.0;
        st = clnas_darts_admit(&r.cfg, s.dev, admit_line, &r, err);
    } else if (st == CLNAS_OK) {
        r.cfg.darts = !is_gdas;
        r.cfg.gdas = is_gdas;
        st = clnas_darts_admit(&r.cfg, s.dev, admit_line, &r, err);
    }
    if (st == CLNAS_OK)
        st = build_network(&r, &s, &gp, writer ? path : NULL, err);
    gdas.supernet = r.net.sn;
    if (st == CLNAS_OK)
        st = search(&r, &s, &dp, &gp, out, err);
    if (r.journal.f)
        clnas_journal_close(&r.journal);
    clnas_model_free(r.net.model);
    clnas_supernet_free(r.net.sn);
    clnas_run_watch_builds_end(&builds);
    clnas_run_setup_free(&s);
    cJSON_Delete(resolved);
    return st;
}
