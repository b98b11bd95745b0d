/* clnas tool — `clnas bench train`: training throughput of an architecture, and with --profile the time
 * share of every kernel in a training step; `clnas bench device` lives in cmd_bench_device.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bench_device.h"
#include "bench_report.h"
#include "cli.h"
#include "clnas/model.h"
#include "model_build.h"
#include "executor.h"
#include "plan.h"
#include "clock.h"
#include "program_cache.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: clnas bench train --arch STR [--space S] [--channels C] [--cells N | --layers L] [--batch B]\n"
               "                         [--steps S] [--warmup W] [--device D] [--family cpu|gpu]\n"
               "                         [--recompute | --no-recompute] [--memory-budget SIZE] [--concat-copies]\n"
               "                         [--json] [--profile]\n"
               "       clnas bench device [options]   (clnas bench device --help)\n"
               "Times S training steps (default 20) after W warm-up steps (default 3) on random 1x28x28 inputs and\n"
               "prints training images/s (--json: one object with train_images_per_second). --profile finishes\n"
               "after every launch and prints each kernel's share of a step (forward, backward and update: every\n"
               "launch of the step), then the same summed per kernel kind (e.g. every conv2d_bwd_filter launch\n"
               "together; launches that ran CLBlast are their own kind) and per phase; with --json the profile is\n"
               "in the object under \"profile\" (slower overall; for finding hot spots).\n"
               "--space nb201 (default), darts or chain reads --arch in that space (darts: DARTS_V2 etc., --layers L,\n"
               "default 8). --concat-copies copies every concatenation's inputs as before concat slices (to compare).\n"
               "--recompute recomputes convolution and BatchNorm outputs in the backward pass (less memory, more\n"
               "work) always, --no-recompute never; by default as few as make the network fit the device's memory\n"
               "and --memory-budget SIZE (bytes, or K, M, G: KiB, MiB, GiB), the cheapest to recompute first.\n"
               "Defaults: C=16 N=5 batch 256.\n");
}

typedef struct kernel_share {
    const char *entry;
    const char *first_label; /* the first launch of this kernel, to tell shapes apart */
    int clblast;             /* the launches ran the CLBlast alternative */
    double seconds;
    int launches;
} kernel_share;

static int by_seconds(const void *a, const void *b)
{
    const kernel_share *x = a, *y = b;
    return x->seconds < y->seconds ? 1 : x->seconds > y->seconds ? -1 : 0;
}

/* Shares per plan kernel and algorithm (2 * nkernels rows), per kind (entry and algorithm), and per phase. */
typedef struct step_profile {
    kernel_share *kernels, *kinds;
    int nkinds;
    double phase_seconds[3];
    int phase_launches[3];
    double total;
} step_profile;

static int profile_collect(const clnas_plan *plan, const clnas_executor *ex, step_profile *p)
{
    memset(p, 0, sizeof *p);
    p->kernels = calloc(2 * (size_t)plan->nkernels + 1, sizeof *p->kernels);
    p->kinds = calloc(2 * (size_t)plan->nkernels + 1, sizeof *p->kinds);
    if (!p->kernels || !p->kinds)
        return -1;
    for (int i = 0; i < plan->ntrain; i++) {
        const clnas_plan_launch *l = &plan->train[i];
        int gemm = ex->use_gemm[i] ? 1 : 0;
        kernel_share *s = &p->kernels[2 * l->kernel + gemm];
        /* a launch on its alternative kernel (Winograd) shows that kernel's entry: the choice is per signature,
         * so every launch of one plan kernel makes the same one */
        s->entry = ex->use_alt && ex->use_alt[i] ? ex->alt_descs[i].entry : plan->kernels[l->kernel].desc.entry;
        s->clblast = gemm;
        if (!s->first_label)
            s->first_label = l->label;
        s->seconds += ex->launch_seconds[i];
        s->launches++;
        p->total += ex->launch_seconds[i];
        p->phase_seconds[l->phase] += ex->launch_seconds[i];
        p->phase_launches[l->phase]++;
        int k = 0;
        while (k < p->nkinds && (strcmp(p->kinds[k].entry, s->entry) != 0 || p->kinds[k].clblast != gemm))
            k++;
        if (k == p->nkinds) {
            p->kinds[k].entry = s->entry;
            p->kinds[k].clblast = gemm;
            p->nkinds++;
        }
        p->kinds[k].seconds += ex->launch_seconds[i];
        p->kinds[k].launches++;
    }
    qsort(p->kernels, 2 * (size_t)plan->nkernels, sizeof *p->kernels, by_seconds);
    qsort(p->kinds, (size_t)p->nkinds, sizeof *p->kinds, by_seconds);
    return 0;
}

static void profile_free(step_profile *p)
{
    free(p->kernels);
    free(p->kinds);
}

static const char *const phase_names[3] = {"forward", "backward", "update"};

static void print_profile(const clnas_plan *plan, const step_profile *p, int steps)
{
    double total = p->total > 0 ? p->total : 1.0;
    printf("%-28s %9s %7s %8s  %s\n", "kernel", "ms/step", "share", "launches", "first launch (one shape each row)");
    for (int k = 0; k < 2 * plan->nkernels; k++)
        if (p->kernels[k].launches)
            printf("%-28s %9.3f %6.1f%% %8d  %s\n", p->kernels[k].entry, 1e3 * p->kernels[k].seconds / steps,
                   100.0 * p->kernels[k].seconds / total, p->kernels[k].launches,
                   p->kernels[k].first_label);
    printf("\n%-28s %9s %7s %8s\n", "kernel kind", "ms/step", "share", "launches");
    for (int k = 0; k < p->nkinds; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s%s", p->kinds[k].entry, p->kinds[k].clblast ? " (CLBlast)" : "");
        printf("%-28s %9.3f %6.1f%% %8d\n", name, 1e3 * p->kinds[k].seconds / steps,
               100.0 * p->kinds[k].seconds / total, p->kinds[k].launches);
    }
    printf("\n");
    for (int ph = 0; ph < 3; ph++)
        printf("%-28s %9.3f %6.1f%% %8d\n", phase_names[ph], 1e3 * p->phase_seconds[ph] / steps,
               100.0 * p->phase_seconds[ph] / total, p->phase_launches[ph]);
    printf("total %.2f ms per step (launches timed one by one)\n", 1e3 * p->total / steps);
}

static cJSON *profile_json(const clnas_plan *plan, const step_profile *p, int steps)
{
    double total = p->total > 0 ? p->total : 1.0;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "ms_per_step", 1e3 * p->total / steps);
    cJSON *list = cJSON_AddArrayToObject(j, "kernels");
    for (int k = 0; k < 2 * plan->nkernels; k++) {
        const kernel_share *s = &p->kernels[k];
        if (!s->launches)
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "entry", s->entry);
        cJSON_AddStringToObject(e, "algo", s->clblast ? "clblast" : "kernel");
        cJSON_AddStringToObject(e, "first_label", s->first_label);
        cJSON_AddNumberToObject(e, "ms_per_step", 1e3 * s->seconds / steps);
        cJSON_AddNumberToObject(e, "share", s->seconds / total);
        cJSON_AddNumberToObject(e, "launches_per_step", s->launches);
        cJSON_AddItemToArray(list, e);
    }
    list = cJSON_AddArrayToObject(j, "kinds");
    for (int k = 0; k < p->nkinds; k++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "entry", p->kinds[k].entry);
        cJSON_AddStringToObject(e, "algo", p->kinds[k].clblast ? "clblast" : "kernel");
        cJSON_AddNumberToObject(e, "ms_per_step", 1e3 * p->kinds[k].seconds / steps);
        cJSON_AddNumberToObject(e, "share", p->kinds[k].seconds / total);
        cJSON_AddNumberToObject(e, "launches_per_step", p->kinds[k].launches);
        cJSON_AddItemToArray(list, e);
    }
    cJSON *phases = cJSON_AddObjectToObject(j, "phases");
    for (int ph = 0; ph < 3; ph++) {
        cJSON *e = cJSON_AddObjectToObject(phases, phase_names[ph]);
        cJSON_AddNumberToObject(e, "ms_per_step", 1e3 * p->phase_seconds[ph] / steps);
        cJSON_AddNumberToObject(e, "share", p->phase_seconds[ph] / total);
        cJSON_AddNumberToObject(e, "launches_per_step", p->phase_launches[ph]);
    }
    return j;
}

/* What `clnas bench train` takes from the command line. */
typedef struct bench_args {
    cli_common c;
    int steps, warmup, json, profile;
} bench_args;

/* Parses argv[2..]; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, bench_args *a)
{
    cli_common_init(&a->c);
    a->steps = 20, a->warmup = 3, a->json = 0, a->profile = 0;
    a->c.any_space = 1;
    const char *v;
    for (int i = 2; i < argc; i++) {
        int r = cli_common_option(argc, argv, &i, &a->c);
        if (r == 0)
            r = cli_space_network_option(argc, argv, &i, &a->c);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            a->json = 1;
        } else if (strcmp(argv[i], "--profile") == 0) {
            a->profile = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--steps", &v)) != 0) {
            if (r < 0 || cli_int("--steps", v, 1, 1000000, &a->steps))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--warmup", &v)) != 0) {
            if (r < 0 || cli_int("--warmup", v, 0, 1000000, &a->warmup))
                return 2;
        } else {
            return cli_usage_error("bench", "unknown option '%s'", argv[i]);
        }
    }
    if (!a->c.have_arch)
        return cli_usage_error("bench", "--arch is required");
    int rc = cli_common_space("bench", &a->c);
    return rc != 0 ? rc : -1;
}

/* What one run measured. */
typedef struct bench_outcome {
    double prepare_seconds; /* model + init + first batch */
    clnas_bench_train_result r;
    step_profile prof;      /* with --profile */
} bench_outcome;

static clnas_status run_bench(const bench_args *a, clnas_device *dev, struct clnas_program_cache *cache,
                              clnas_model **model, bench_outcome *o, clnas_error *err)
{
    double t0 = clnas_clock_seconds();
    if (clnas_bench_model_new(dev, cache, &a->c.cfg, model, err) != CLNAS_OK)
        return err->status;
    o->prepare_seconds = clnas_clock_seconds() - t0;
    if (clnas_bench_train_steps(*model, a->warmup, a->steps, a->profile, &o->r, err) != CLNAS_OK)
        return err->status;
    if (a->profile && profile_collect(clnas_model_plan(*model), clnas_model_executor(*model), &o->prof) != 0)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    return CLNAS_OK;
}

static void print_json(const bench_args *a, const char *arch, const char *device, const clnas_plan *plan,
                       const bench_outcome *o)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "arch", arch);
    cJSON_AddNumberToObject(j, "channels", a->c.cfg.channels);
    cJSON_AddNumberToObject(j, "cells", a->c.cfg.cells);
    if (a->c.cfg.space == CLNAS_NET_DARTS)
        cJSON_AddNumberToObject(j, "layers", a->c.cfg.layers);
    cJSON_AddNumberToObject(j, "batch", a->c.cfg.batch);
    cJSON_AddNumberToObject(j, "steps", a->steps);
    cJSON_AddNumberToObject(j, "train_images_per_second", o->r.images_per_second);
    cJSON_AddNumberToObject(j, "seconds_per_step", o->r.seconds_per_step);
    cJSON_AddNumberToObject(j, "launches_per_step", plan->ntrain);
    cJSON_AddBoolToObject(j, "recompute", plan->config.recompute);
    cJSON_AddNumberToObject(j, "recomputed", plan->recompute.recomputed);
    cJSON_AddNumberToObject(j, "recomputed_nodes", plan->recompute.nodes);
    cJSON_AddNumberToObject(j, "prepare_seconds", o->prepare_seconds);
    cJSON_AddStringToObject(j, "device", device);
    cJSON_AddBoolToObject(j, "profiled", a->profile);
    if (a->profile)
        cJSON_AddItemToObject(j, "profile", profile_json(plan, &o->prof, a->steps));
    char *text = cJSON_PrintUnformatted(j);
    printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(j);
}

static void print_text(const bench_args *a, const char *arch, const char *device, const clnas_plan *plan,
                       const bench_outcome *o)
{
    if (a->c.cfg.space == CLNAS_NET_DARTS)
        printf("%s C=%d layers %d batch %d on %s\n", arch, a->c.cfg.channels, a->c.cfg.layers, a->c.cfg.batch, device);
    else
        printf("%s C=%d N=%d batch %d on %s\n", arch, a->c.cfg.channels, a->c.cfg.cells, a->c.cfg.batch, device);
    char recomputed[256];
    cli_recompute_text(plan, &a->c.cfg, recomputed, sizeof recomputed);
    printf("compile + kernels ready: %.2f s; %d launches per step%s%s\n", o->prepare_seconds, plan->ntrain,
           recomputed[0] ? "; " : "", recomputed);
    printf("train images/s: %.1f  (%.1f ms per step over %d steps%s)\n", o->r.images_per_second,
           1e3 * o->r.seconds_per_step, a->steps, a->profile ? ", profiled: slower than unprofiled" : "");
    if (a->profile)
        print_profile(plan, &o->prof, a->steps);
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "device") == 0)
        return cmd_bench_device(argc, argv);
    if (strcmp(argv[1], "train") != 0)
        return cli_usage_error("bench", "unknown benchmark '%s' (available: train, device)", argv[1]);
    bench_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    clnas_device *dev = NULL;
    struct clnas_program_cache *cache = NULL;
    if (cli_common_open(&a.c, &dev, &cache))
        return 1;
    clnas_error err;
    clnas_error_clear(&err);
    clnas_model *model = NULL;
    bench_outcome o;
    memset(&o, 0, sizeof o);
    rc = run_bench(&a, dev, cache, &model, &o, &err) == CLNAS_OK ? 0 : cli_fail(&err);
    if (rc == 0) {
        char arch[CLI_ARCH_MAX];
        cli_arch_string(&a.c.cfg, arch, sizeof arch);
        (a.json ? print_json : print_text)(&a, arch, dev->info.name, clnas_model_plan(model), &o);
    }
    profile_free(&o.prof);
    clnas_model_free(model);
    clnas_program_cache_free(cache);
    clnas_device_free(dev);
    return rc;
}
