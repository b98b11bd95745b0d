/* clnas tool — `clnas search` with a DARTS config: first-order DARTS over the NB201 search network (every edge the
 * softmax(alpha)-weighted sum of its ops), one journal line, alpha heat map and checkpoint per epoch, resumable;
 * the derived cell is the run's best architecture. A GDAS config runs the same loop over a supernet of which each
 * step computes only the sampled path, with GDAS' straight-through alpha gradient (gdas.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "clnas/safetensors.h"
#include "darts.h"
#include "darts_params.h"
#include "gdas_params.h"
#include "executor.h"
#include "journal.h"
#include "model_build.h"
#include "plan.h"
#include "search_setup.h"
#include "supernet.h"
#include "svg_plot.h"

typedef struct darts_run {
    const char *dir;
    clnas_model *model;   /* DARTS: the search network */
    clnas_supernet *sn;   /* GDAS: the weights its sampled paths share */
    clnas_journal journal;
    char checkpoint[1100];
    clnas_net_config net; /* the search network's; a derived cell's stand-alone network differs in genotype only */
    const char *method; /* "DARTS" or "GDAS" */
    clnas_gdas *gdas;   /* GDAS: its sampler, with the launches of the training paths so far */
    long launches_before, paths_before; /* at the start of the epoch */
} darts_run;

static const clnas_arena saved_arenas[] = {CLNAS_ARENA_PARAMS, CLNAS_ARENA_MOMENTUM, CLNAS_ARENA_STATE};
static const char *const saved_names[] = {"arena.params", "arena.momentum", "arena.state"};

/* Elements of a saved arena: the search network's, or the supernet's. */
static size_t arena_elems(const darts_run *r, clnas_arena a)
{
    if (!r->sn)
        return clnas_model_plan(r->model)->arena_elems[a];
    const clnas_supernet_layout *l = clnas_supernet_get_layout(r->sn);
    return a == CLNAS_ARENA_STATE ? l->state_elems : l->param_elems;
}

static clnas_status arena_read(darts_run *r, clnas_arena a, double *out, clnas_error *err)
{
    return r->sn ? clnas_supernet_read_arena(r->sn, a, out, err)
                 : clnas_executor_read(clnas_model_executor(r->model), a, 0, out, arena_elems(r, a), err);
}

static clnas_status arena_write(darts_run *r, clnas_arena a, const double *in, clnas_error *err)
{
    return r->sn ? clnas_supernet_write_arena(r->sn, a, in, err)
                 : clnas_executor_write(clnas_model_executor(r->model), a, 0, in, arena_elems(r, a), err);
}

/* Weights, momenta, running statistics and alpha (with Adam's moments) after `epochs` epochs, in one atomic file. */
static clnas_status save_checkpoint(darts_run *r, const clnas_arch_params *alpha, int epochs, clnas_error *err)
{
    clnas_tensor t[3];
    memset(t, 0, sizeof t);
    clnas_status st = CLNAS_OK;
    for (int i = 0; i < 3 && st == CLNAS_OK; i++) {
        size_t n = arena_elems(r, saved_arenas[i]);
        t[i].name = (char *)saved_names[i];
        t[i].dtype = CLNAS_DTYPE_F64;
        t[i].ndim = 1;
        t[i].shape[0] = (int64_t)n;
        t[i].nbytes = n * sizeof(double);
        t[i].data = malloc(n * sizeof(double) + 1);
        st = t[i].data ? arena_read(r, saved_arenas[i], t[i].data, err)
                       : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for the checkpoint");
    }
    cJSON *a = NULL;
    if (st == CLNAS_OK)
        st = clnas_arch_params_to_json(alpha, &a, err);
    char *alpha_text = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    char epochs_text[16];
    snprintf(epochs_text, sizeof epochs_text, "%d", epochs);
    const char *meta[] = {"epochs_done", epochs_text, "alpha", alpha_text ? alpha_text : "", NULL};
    if (st == CLNAS_OK && !alpha_text)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for the checkpoint");
    if (st == CLNAS_OK)
        st = clnas_safetensors_write(r->checkpoint, t, 3, meta, err);
    cJSON_free(alpha_text);
    for (int i = 0; i < 3; i++)
        free(t[i].data);
    return st;
}

static clnas_status load_checkpoint(darts_run *r, clnas_arch_params *alpha, int *epochs, clnas_error *err)
{
    clnas_safetensors f;
    clnas_status st = clnas_safetensors_read(r->checkpoint, &f, err);
    if (st != CLNAS_OK)
        return st;
    for (int i = 0; i < 3 && st == CLNAS_OK; i++) {
        size_t n = arena_elems(r, saved_arenas[i]);
        const clnas_tensor *t = clnas_safetensors_find(&f, saved_names[i]);
        double *v = malloc(n * sizeof(double) + 1);
        if (!t || !v)
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: no tensor %s (not a %s checkpoint?)", r->checkpoint,
                                 saved_names[i], r->method);
        if (st == CLNAS_OK && t->shape[0] != (int64_t)n)
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor %s has %lld elements, this %s network %zu (another "
                                 "size?)", r->checkpoint, saved_names[i], (long long)t->shape[0], r->method, n);
        if (st == CLNAS_OK)
            st = clnas_tensor_to_double(t, v, (int64_t)n, err);
        if (st == CLNAS_OK)
            st = arena_write(r, saved_arenas[i], v, err);
        free(v);
    }
    const char *done = clnas_safetensors_metadata(&f, "epochs_done"), *a = clnas_safetensors_metadata(&f, "alpha");
    if (st == CLNAS_OK && (!done || !a))
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: metadata epochs_done and alpha missing", r->checkpoint);
    cJSON *json = st == CLNAS_OK ? cJSON_Parse(a) : NULL;
    if (st == CLNAS_OK && !json)
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: metadata alpha is not JSON", r->checkpoint);
    if (st == CLNAS_OK)
        st = clnas_arch_params_from_json(json, alpha, err);
    cJSON_Delete(json);
    if (st == CLNAS_OK)
        *epochs = atoi(done);
    clnas_safetensors_free(&f);
    if (st != CLNAS_OK)
        clnas_error_prefix(err, "%s", r->checkpoint);
    return st;
}

/* Bytes of the first `lines` lines of path (the whole file when it has fewer). */
static size_t prefix_bytes(const char *path, int lines)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t bytes = 0;
    int c, seen = 0;
    while (seen < lines && (c = fgetc(f)) != EOF) {
        bytes++;
        seen += c == '\n';
    }
    fclose(f);
    return bytes;
}

/* Parameters and forward FLOPs per image of cell g as a stand-alone network with the proxy's size (what `clnas
 * train --from` trains); -1 and 0 when its plan does not compile. */
static void derived_size(const darts_run *r, const clnas_genotype *g, long *params, double *flops)
{
    clnas_net_config cfg = r->net;
    cfg.genotype = *g;
    cfg.darts = 0;
    cfg.gdas = 0;
    clnas_plan *plan = NULL;
    clnas_error err;
    *params = -1;
    *flops = 0;
    if (clnas_plan_compile(&cfg, &plan, &err) != CLNAS_OK)
        return;
    *params = (long)plan->live_params;
    *flops = clnas_plan_forward_flops(plan);
    clnas_plan_free(plan);
}

/* The epoch's heat map, best.json (from its journal line j: the derived cell, its hash and size) and progress plot. */
static clnas_status write_outputs(darts_run *r, const clnas_darts_epoch *e, const clnas_journal_entry *j,
                                  clnas_error *err)
{
    char path[1100], title[128];
    snprintf(path, sizeof path, "%s/alpha_epoch_%03d.svg", r->dir, e->epoch);
    snprintf(title, sizeof title, "%s, %s", r->method, r->dir);
    clnas_status st = clnas_arch_params_svg_write(e->alpha, path, e->epoch, title, err);
    if (st != CLNAS_OK)
        return st;
    char arch[CLNAS_GENOTYPE_STR_MAX], hex[17];
    clnas_genotype_format(&j->arch, arch, sizeof arch, NULL);
    clnas_hash_to_hex(j->hash, hex);
    cJSON *best = cJSON_CreateObject();
    cJSON_AddStringToObject(best, "arch", arch);
    cJSON_AddNumberToObject(best, "fitness", j->fitness);
    cJSON_AddNumberToObject(best, "trial", j->trial);
    cJSON_AddStringToObject(best, "hash", hex);
    cJSON_AddNumberToObject(best, "params", (double)j->params);
    cJSON_AddStringToObject(best, "rule", "strongest op per edge of the last epoch's alpha, none included");
    snprintf(path, sizeof path, "%s/best.json", r->dir);
    int bad = cli_write_json(path, best);
    cJSON_Delete(best);
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot write", path);
    snprintf(path, sizeof path, "%s/journal.jsonl", r->dir);
    clnas_journal_entry *entries = NULL;
    int n = 0, torn = 0;
    size_t good = 0;
    st = clnas_journal_read(path, &entries, &n, &torn, &good, err);
    if (st == CLNAS_OK) {
        snprintf(path, sizeof path, "%s/progress.svg", r->dir);
        char what[96];
        snprintf(what, sizeof what, "%s: validation accuracy of the search network per epoch", r->method);
        st = clnas_progress_svg_write(path, entries, n, what, err);
        clnas_journal_entries_free(entries, n);
    }
    return st;
}

static clnas_status epoch_done(const clnas_darts_epoch *e, void *user, clnas_error *err)
{
    darts_run *r = user;
    clnas_journal_entry j;
    memset(&j, 0, sizeof j);
    j.trial = e->epoch;
    j.arch = e->derived;
    clnas_genotype_canonical(&e->derived, NULL, 0, &j.hash, NULL);
    j.fitness = e->val_accuracy;
    derived_size(r, &e->derived, &j.params, &j.flops);
    j.seconds = e->seconds;
    j.status = CLNAS_TRIAL_OK;
    cJSON *alpha = NULL;
    clnas_status st = clnas_arch_params_to_json(e->alpha, &alpha, err);
    if (st != CLNAS_OK)
        return st;
    j.extra = cJSON_CreateObject();
    cJSON_AddNumberToObject(j.extra, "epoch", e->epoch);
    cJSON_AddNumberToObject(j.extra, "train_loss", e->train_loss);
    cJSON_AddNumberToObject(j.extra, "train_accuracy", e->train_accuracy);
    cJSON_AddNumberToObject(j.extra, "val_loss", e->val_loss);
    cJSON_AddNumberToObject(j.extra, "skip_share_derived", e->skip_share_derived);
    cJSON_AddNumberToObject(j.extra, "skip_prob_mean", e->skip_prob_mean);
    if (e->tau > 0)
        cJSON_AddNumberToObject(j.extra, "tau", e->tau);
    double launches = 0;
    if (r->gdas && r->gdas->train_paths > r->paths_before) {
        launches = (double)(r->gdas->train_launches - r->launches_before) /
                   (double)(r->gdas->train_paths - r->paths_before);
        cJSON_AddNumberToObject(j.extra, "launches_per_step", launches);
        r->launches_before = r->gdas->train_launches;
        r->paths_before = r->gdas->train_paths;
    }
    cJSON_AddItemToObject(j.extra, "alpha", alpha);
    /* journal first, then the checkpoint: a kill between them redoes this epoch, and resume drops its line */
    st = clnas_journal_append(&r->journal, &j, err);
    cJSON_Delete(j.extra);
    if (st == CLNAS_OK)
        st = save_checkpoint(r, e->alpha, e->epoch + 1, err);
    if (st == CLNAS_OK)
        st = write_outputs(r, e, &j, err);
    if (st != CLNAS_OK)
        return st;
    char arch[CLNAS_GENOTYPE_STR_MAX];
    clnas_genotype_format(&e->derived, arch, sizeof arch, NULL);
    printf("epoch %d/%d  train loss %.4f acc %.3f  val loss %.4f acc %.3f  (%.0f s)\n  derived %s\n  skip_connect: "
           "%.0f%% of derived edges, mean softmax %.3f; heat map %s/alpha_epoch_%03d.svg\n",
           e->epoch + 1, e->epochs, e->train_loss, e->train_accuracy, e->val_loss, e->val_accuracy, e->seconds, arch,
           100.0 * e->skip_share_derived, e->skip_prob_mean, r->dir, e->epoch);
    if (launches > 0) {
        int compiled = 0, reused = 0;
        clnas_supernet_path_stats(r->sn, &compiled, &reused);
        printf("  sampled paths: %.1f launches per training step on average; paths compiled %d, from cache %d\n",
               launches, compiled, reused);
    }
    fflush(stdout);
    return CLNAS_OK;
}

static void show_step(const clnas_darts_step *s, void *user)
{
    const darts_run *r = user;
    fprintf(stderr, "%s step %5d/%d  lr %.4f  train loss %.4f  val loss %.4f  %.0f s, %.0f s left\n", r->method,
            s->step, s->steps, s->lr, s->train_loss, s->val_loss, s->seconds, s->seconds_left);
}

/* Refuses a search network whose arenas do not fit the device, naming the figure and what to shrink. */
static int check_memory(const clnas_net_config *net, const clnas_device *dev, const char *method)
{
    clnas_plan *plan = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_plan_compile(net, &plan, &err) != CLNAS_OK)
        return cli_fail(&err);
    const size_t es = clnas_plan_elem_size(plan);
    double total = 0, largest = 0, weights = 0;
    for (int a = 0; a < CLNAS_ARENA_COUNT; a++) {
        const double bytes = (double)plan->arena_elems[a] * (double)es;
        total += bytes;
        largest = fmax(largest, bytes);
        if (a != CLNAS_ARENA_ACT && a != CLNAS_ARENA_INPUT && a != CLNAS_ARENA_LABELS)
            weights += bytes;
    }
    long nparam = (long)plan->live_params;
    clnas_plan_free(plan);
    printf("%s search network: %ld parameters; arenas %.1f MiB (weights, gradients, momenta, statistics %.1f MiB; "
           "activations %.1f MiB) on %s (%.0f MiB of memory)\n",
           method, nparam, total / 1048576.0, weights / 1048576.0, (total - weights) / 1048576.0, dev->info.name,
           (double)dev->info.global_mem_bytes / 1048576.0);
    if (total > 0.9 * (double)dev->info.global_mem_bytes || largest > (double)dev->info.max_alloc_bytes) {
        fprintf(stderr,
                "clnas: the %s search network needs %.1f MiB of device memory (largest buffer %.1f MiB) but %s "
                "has %.0f MiB (largest buffer %.0f MiB): every edge computes all of its ops, so use fewer channels "
                "(proxy.channels %d), fewer cells (proxy.cells %d) or a smaller batch (proxy.batch %d)\n",
                method, total / 1048576.0, largest / 1048576.0, dev->info.name,
                (double)dev->info.global_mem_bytes / 1048576.0, (double)dev->info.max_alloc_bytes / 1048576.0,
                net->channels, net->cells, net->batch);
        return 1;
    }
    return 0;
}

/* GDAS: the supernet's weights and the largest path's activations (every edge nor_conv_3x3) must fit the
 * device; refused otherwise with the figure and what to shrink. */
static int check_memory_gdas(const clnas_net_config *net, const clnas_device *dev)
{
    clnas_error err;
    clnas_error_clear(&err);
    clnas_supernet_ops ops;
    clnas_supernet_ops_all(&ops);
    clnas_supernet_layout l;
    if (clnas_supernet_layout_build(net, &ops, &l, &err) != CLNAS_OK)
        return cli_fail(&err);
    const double weights = (double)clnas_supernet_weight_bytes(&l, net->fp64);
    const size_t es = net->fp64 ? sizeof(double) : sizeof(float);
    double largest = (double)(l.param_elems > l.state_elems ? l.param_elems : l.state_elems) * (double)es;
    long nparam = 0;
    for (int i = 0; i < l.nparams; i++)
        nparam += l.params[i].info.arena == CLNAS_ARENA_PARAMS ? (long)l.params[i].info.count : 0;
    clnas_supernet_layout_free(&l);
    clnas_net_config worst = *net;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        worst.genotype.ops[e] = CLNAS_OP_NOR_CONV_3X3;
    clnas_plan *plan = NULL;
    if (clnas_plan_compile(&worst, &plan, &err) != CLNAS_OK)
        return cli_fail(&err);
    double scratch = 0;
    static const clnas_arena per_path[] = {CLNAS_ARENA_ACT, CLNAS_ARENA_INPUT, CLNAS_ARENA_LABELS};
    for (int k = 0; k < 3; k++) {
        const double bytes = (double)plan->arena_elems[per_path[k]] * (double)es;
        scratch += bytes;
        largest = fmax(largest, bytes);
    }
    clnas_plan_free(plan);
    const double total = weights + scratch;
    printf("GDAS supernet: %ld parameters; weights, gradients, momenta, statistics %.1f MiB; a path's activations "
           "up to %.1f MiB on %s (%.0f MiB of memory)\n", nparam, weights / 1048576.0, scratch / 1048576.0,
           dev->info.name, (double)dev->info.global_mem_bytes / 1048576.0);
    if (total > 0.9 * (double)dev->info.global_mem_bytes || largest > (double)dev->info.max_alloc_bytes) {
        fprintf(stderr,
                "clnas: the GDAS search network needs %.1f MiB of device memory (largest buffer %.1f MiB) but %s "
                "has %.0f MiB (largest buffer %.0f MiB): use fewer channels (proxy.channels %d), fewer cells "
                "(proxy.cells %d) or a smaller batch (proxy.batch %d)\n",
                total / 1048576.0, largest / 1048576.0, dev->info.name, (double)dev->info.global_mem_bytes / 1048576.0,
                (double)dev->info.max_alloc_bytes / 1048576.0, net->channels, net->cells, net->batch);
        return 1;
    }
    return 0;
}

/* GDAS: the supernet (recorded algorithm choices reused), with warm_up every program its paths can need built,
 * weights initialised. */
static int gdas_supernet(search_setup *s, const clnas_net_config *net, const clnas_gdas_params *gp,
                         const char *choices_path, darts_run *r)
{
    clnas_error err;
    clnas_error_clear(&err);
    clnas_algo_choices recorded;
    clnas_algo_choices_init(&recorded);
    int ignored = 0, programs = 0;
    clnas_supernet_ops ops;
    clnas_supernet_ops_all(&ops);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clnas_status st = clnas_algo_choices_load(&recorded, choices_path, &ignored, &err);
    if (st == CLNAS_OK)
        st = clnas_supernet_new(s->dev, s->cache, net, &ops, gp->max_paths, &recorded, &r->sn, &err);
    clnas_algo_choices_free(&recorded);
    if (st == CLNAS_OK && gp->warm_up)
        st = clnas_supernet_warm_up(r->sn, &programs, &err);
    if (st == CLNAS_OK)
        st = clnas_supernet_init(r->sn, s->cfg.seed, &err);
    if (st != CLNAS_OK)
        return cli_fail(&err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (gp->warm_up)
        printf("warm-up: GDAS paths need %d distinct programs; all built (%.1f s)\n", programs,
               (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    else
        printf("no warm-up (strategy.warm_up false): programs are built as sampled paths first need them\n");
    printf("up to %d compiled paths cached (strategy.max_paths)\n", gp->max_paths);
    return 0;
}

int search_darts(search_setup *s, const char *out, const char *resume_dir, const char *device)
{
    clnas_error err;
    clnas_error_clear(&err);
    clnas_darts_params dp;
    cJSON *resolved = cJSON_CreateObject();
    darts_run r;
    memset(&r, 0, sizeof r);
    char run_dir[1024], path[1100];
    int rc = 1;
    if (strcmp(s->cfg.evaluator.kind, "train") != 0) {
        fprintf(stderr, "clnas: evaluator.kind: %s trains its search network on the data; expected \"train\", got "
                        "\"%s\"\n", s->cfg.strategy_name, s->cfg.evaluator.kind);
        goto done;
    }
    const int is_gdas = strcmp(s->cfg.strategy_name, "gdas") == 0;
    clnas_gdas_params gp;
    clnas_gdas gdas;
    memset(&gdas, 0, sizeof gdas);
    r.method = is_gdas ? "GDAS" : "DARTS";
    if (is_gdas && clnas_gdas_params_parse(s->cfg.strategy, resolved, &gp, &err) == CLNAS_OK) {
        dp.epochs = gp.epochs;
        dp.adam = gp.adam;
        gdas.tau_max = gp.tau_max;
        gdas.tau_min = gp.tau_min;
        gdas.seed = s->cfg.seed;
    } else if (is_gdas || clnas_darts_params_parse(s->cfg.strategy, resolved, &dp, &err) != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    if (resume_dir)
        snprintf(run_dir, sizeof run_dir, "%s", resume_dir);
    else if (search_setup_new_run_dir(s, out, resolved, run_dir, sizeof run_dir))
        goto done;
    r.dir = run_dir;
    snprintf(r.checkpoint, sizeof r.checkpoint, "%s/%s_checkpoint.safetensors", run_dir, is_gdas ? "gdas" : "darts");
    snprintf(path, sizeof path, "%s/algo_choices.tsv", run_dir);
    if (search_setup_evaluator(s, device, path))
        goto done;
    const clnas_dataset *train = s->subset.count ? &s->subset : &s->train;
    clnas_net_config net;
    clnas_net_config_default(&net);
    net.channels = s->cfg.proxy.channels;
    net.cells = s->cfg.proxy.cells;
    net.batch = s->cfg.proxy.batch;
    net.in_channels = train->channels;
    net.height = train->height;
    net.width = train->width;
    net.darts = !is_gdas;
    net.gdas = is_gdas;
    r.net = net;
    if (is_gdas ? check_memory_gdas(&net, s->dev) : check_memory(&net, s->dev, r.method))
        goto done;
    if (is_gdas) {
        if (gdas_supernet(s, &net, &gp, path, &r))
            goto done;
        gdas.supernet = r.sn;
        r.gdas = &gdas;
    } else if (clnas_model_build(s->dev, s->cache, &net, &r.model, &err) != CLNAS_OK ||
               clnas_model_init(r.model, s->cfg.seed, &err) != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    clnas_arch_params alpha;
    int epochs_done = 0;
    struct stat sb;
    if (stat(r.checkpoint, &sb) == 0) {
        if (load_checkpoint(&r, &alpha, &epochs_done, &err) != CLNAS_OK) {
            cli_fail(&err);
            goto done;
        }
    } else if (clnas_arch_params_init(&alpha, CLNAS_NB201_EDGES, CLNAS_NB201_OPS, s->cfg.seed, &err) != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    snprintf(path, sizeof path, "%s/journal.jsonl", run_dir);
    if (clnas_journal_open(path, prefix_bytes(path, epochs_done), &r.journal, &err) != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    clnas_darts_options opt;
    memset(&opt, 0, sizeof opt);
    opt.epochs = dp.epochs;
    opt.start_epoch = epochs_done;
    opt.lr = s->cfg.proxy.lr;
    opt.seed = s->cfg.seed;
    opt.adam = dp.adam;
    memcpy(opt.mean, s->train_cfg.mean, sizeof opt.mean);
    memcpy(opt.std, s->train_cfg.std, sizeof opt.std);
    opt.progress = show_step;
    opt.epoch_done = epoch_done;
    opt.user = &r;
    opt.stop = cli_catch_interrupt();
    opt.gdas = is_gdas ? &gdas : NULL;
    if (is_gdas)
        printf("clnas search: %s, GDAS: one op per edge sampled by hard Gumbel-softmax, tau %g -> %g linear per "
               "epoch\n", run_dir, gp.tau_max, gp.tau_min);
    printf("clnas search: %s, %s first order (search network C=%d N=%d, batch %d), %d epoch(s) of %d steps%s: "
           "weights SGD lr %g on %d training images, alpha Adam lr %g on %d validation images\n",
           run_dir, r.method, net.channels, net.cells, net.batch, dp.epochs, train->count / net.batch,
           epochs_done ? ", resumed" : "", opt.lr, train->count, dp.adam.lr, s->val.count);
    fflush(stdout);
    int finished = 0;
    clnas_status st = clnas_darts_search(r.model, &alpha, train, &s->val, &opt, &finished, &err);
    int stopped = opt.stop && *opt.stop;
    cli_release_interrupt();
    snprintf(path, sizeof path, "%s/algo_choices.tsv", run_dir);
    clnas_error save_err;
    if (clnas_algo_choices_save(r.sn ? clnas_supernet_algo_choices(r.sn) : clnas_model_algo_choices(r.model), path,
                                &save_err) != CLNAS_OK)
        cli_fail(&save_err);
    if (st != CLNAS_OK) {
        cli_fail(&err);
        goto done;
    }
    if (stopped && finished < dp.epochs) {
        printf("\nstopped after %d of %d epochs; continue with: clnas search --resume %s\n", finished, dp.epochs,
               run_dir);
        rc = 0;
        goto done;
    }
    clnas_genotype g;
    clnas_arch_params_derive(&alpha, &g, NULL);
    char arch[CLNAS_GENOTYPE_STR_MAX];
    clnas_genotype_format(&g, arch, sizeof arch, NULL);
    printf("\nbest: %s  (strongest op per edge of alpha after %d epochs; in %s/best.json)\n"
           "retrain it with the full recipe: clnas train --from %s\n",
           arch, dp.epochs, run_dir, run_dir);
    rc = 0;
done:
    if (r.journal.f)
        clnas_journal_close(&r.journal);
    clnas_model_free(r.model);
    clnas_supernet_free(r.sn);
    cJSON_Delete(resolved);
    return rc;
}
