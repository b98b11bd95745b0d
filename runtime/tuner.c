/* clnas — the tuner: the convolution kernels' variants measured per signature and device, the fastest correct one
 * kept (see tuner.h). */
#include "tuner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "op_conv.h"

/* Timed runs of the default and of each candidate (the best counts). */
#define TUNE_REPEATS 3

clnas_status clnas_tune_config_from_env(clnas_tune_config *out, clnas_error *err)
{
    out->on = 1;
    out->budget_s = CLNAS_TUNE_DEFAULT_BUDGET;
    out->max_candidates = CLNAS_TUNE_DEFAULT_MAX;
    const char *mode = getenv("CLNAS_TUNE"), *budget = getenv("CLNAS_TUNE_BUDGET"), *max = getenv("CLNAS_TUNE_MAX");
    if (mode && mode[0] && strcmp(mode, "on") != 0 && strcmp(mode, "off") != 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "CLNAS_TUNE=\"%.64s\": expected on or off (unset means on)",
                               mode);
    out->on = !(mode && strcmp(mode, "off") == 0);
    if (budget && budget[0]) {
        char *end;
        double v = strtod(budget, &end);
        if (end == budget || *end || !(v > 0.0) || v > 3600.0)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "CLNAS_TUNE_BUDGET=\"%.64s\": expected seconds per "
                                   "signature, more than 0 and at most 3600", budget);
        out->budget_s = v;
    }
    if (max && max[0]) {
        char *end;
        long v = strtol(max, &end, 10);
        if (end == max || *end || v < 1 || v > 64)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "CLNAS_TUNE_MAX=\"%.64s\": expected candidates per "
                                   "signature, 1 .. 64", max);
        out->max_candidates = (int)v;
    }
    return CLNAS_OK;
}

void clnas_algo_disk_load(clnas_executor *ex, clnas_algo_disk *disk)
{
    if (disk->loaded)
        return;
    disk->loaded = 1;
    clnas_error load_err;
    /* an unreadable choice file only costs measuring again */
    if (clnas_algo_choices_load(&disk->set, disk->path, NULL, &load_err) != CLNAS_OK) {
        clnas_algo_choices_free(&disk->set);
        clnas_program_cache_notice(ex->cache, load_err.message);
    } else if (disk->set.warning[0]) {
        clnas_program_cache_notice(ex->cache, disk->set.warning);
    }
}

/* The candidates of one signature while they are measured: their tunings, descriptors and kernels. */
typedef struct tune_ctx {
    clnas_executor *ex;
    clnas_conv_pass pass;
    clnas_conv_params p;
    const clnas_conv_tuning *cand; /* cand[0] the default, the measured ones from cand[1] */
    clnas_kernel_desc desc;
} tune_ctx;

static clnas_status candidate(void *vctx, int i, cl_kernel *kernel, const clnas_kernel_desc **desc, clnas_error *err)
{
    tune_ctx *c = vctx;
    clnas_status st = clnas_op_conv_desc_tuned(c->pass, &c->p, &c->ex->plan->profile, &c->cand[i + 1], &c->desc, NULL,
                                               err);
    if (st == CLNAS_OK && c->desc.local[0] > c->ex->dev->info.max_work_group_size)
        st = clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "work-group of %zu, the device allows %zu", c->desc.local[0],
                             c->ex->dev->info.max_work_group_size);
    if (st == CLNAS_OK)
        st = clnas_executor_desc_kernel(c->ex, &c->desc, kernel, err);
    *desc = &c->desc;
    return st;
}

/* Measures signature sig of plan kernel k (pass, params p) run by launch li: the default against its candidates. */
static clnas_status measure(clnas_executor *ex, const clnas_tune_config *cfg, int k, int li, clnas_conv_pass pass,
                            const clnas_conv_params *p, const char *sig, clnas_algo_record *out, clnas_error *err)
{
    const clnas_plan *plan = ex->plan;
    const clnas_plan_launch *launch = li < plan->ntrain ? &plan->train[li] : &plan->eval[li - plan->ntrain];
    clnas_conv_tuning *cand = malloc((size_t)(cfg->max_candidates + 1) * sizeof *cand);
    if (!cand)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "tuning %s: out of memory", sig);
    int n = 0;
    clnas_status st = clnas_conv_tune_candidates(pass, p, &plan->profile, cfg->max_candidates + 1, cand, &n, err);
    size_t count[CLNAS_MAX_KERNEL_ARGS];
    for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++)
        count[a] = launch->arg[a].count;
    const clnas_kernel_desc *kd = &plan->kernels[k].desc;
    tune_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.ex = ex;
    ctx.pass = pass;
    ctx.p = *p;
    ctx.cand = cand;
    int chosen = -1;
    if (st == CLNAS_OK) {
        if (ex->tune_measured == 0)
            clnas_program_cache_notice(ex->cache, "tuning the convolution kernels' variants on this device (at most "
                                       "CLNAS_TUNE_BUDGET seconds per shape; the choices are cached; CLNAS_TUNE=off "
                                       "skips it)");
        /* the output slot: the last one (y, dx, dw) in every convolution template */
        st = clnas_algo_measure_variants(ex->dev, ex->kernels[k], kd, n - 1, candidate, &ctx, count, kd->nargs - 1,
                                         sig, plan->config.fp64, TUNE_REPEATS, cfg->budget_s, &chosen, out, err);
    }
    if (st == CLNAS_OK) {
        clnas_conv_tuning_format(&cand[chosen >= 0 ? chosen + 1 : 0], out->variant, sizeof out->variant);
        ex->tune_measured++;
    } else {
        clnas_error_prefix(err, "tuning %s (%s)", launch->label, sig);
    }
    free(cand);
    return st;
}

/* Makes plan kernel k run the variant of record r (pass, params p, default descriptor def). A variant this clnas
 * does not accept (a choice file of an older lowering) keeps the default, with a notice. */
static clnas_status apply(clnas_executor *ex, int k, clnas_conv_pass pass, const clnas_conv_params *p,
                          const clnas_kernel_desc *def, const clnas_algo_record *r, clnas_error *err)
{
    clnas_conv_tuning t;
    clnas_kernel_desc d;
    clnas_error why;
    snprintf(ex->variants[k], sizeof ex->variants[k], "default");
    if (clnas_conv_tuning_parse(r->variant, &t, &why) != CLNAS_OK ||
        clnas_op_conv_desc_tuned(pass, p, &ex->plan->profile, &t, &d, NULL, &why) != CLNAS_OK ||
        d.local[0] > ex->dev->info.max_work_group_size) {
        char note[CLNAS_ALGO_NOTE_MAX + CLNAS_ALGO_VARIANT_MAX + 160];
        snprintf(note, sizeof note, "tuning %s: variant \"%s\" not usable here (%.120s); the default runs", r->sig,
                 r->variant, why.message);
        clnas_program_cache_notice(ex->cache, note);
        return CLNAS_OK;
    }
    if (clnas_kernel_desc_same(&d, def))
        return CLNAS_OK;
    cl_kernel kernel;
    clnas_status st = clnas_executor_desc_kernel(ex, &d, &kernel, err);
    if (st != CLNAS_OK)
        return st;
    ex->kernels[k] = kernel;
    ex->tuned_descs[k] = d;
    ex->tuned[k] = 1;
    snprintf(ex->variants[k], sizeof ex->variants[k], "%s", r->variant);
    return CLNAS_OK;
}

clnas_status clnas_tuner_choose(clnas_executor *ex, const clnas_tune_config *cfg, const clnas_algo_choices *recorded,
                                clnas_algo_disk *disk, clnas_error *err)
{
    const clnas_plan *plan = ex->plan;
    const int nlaunch = plan->ntrain + plan->neval;
    clnas_status st = CLNAS_OK;
    for (int k = 0; k < plan->nkernels && st == CLNAS_OK; k++) {
        const clnas_kernel_desc *kd = &plan->kernels[k].desc;
        clnas_conv_pass pass;
        clnas_conv_params p;
        char sig[CLNAS_GEMM_SIG_MAX];
        int has = 0;
        st = clnas_conv_tune_target(kd, plan->config.fp64, &pass, &p, sig, sizeof sig, &has, err);
        if (st != CLNAS_OK || !has)
            continue;
        /* only kernels the tuner's lowering gives by default (the plan's profile, no tuning) */
        clnas_kernel_desc def;
        clnas_error not_mine;
        if (clnas_op_conv_desc_tuned(pass, &p, &plan->profile, NULL, &def, NULL, &not_mine) != CLNAS_OK ||
            !clnas_kernel_desc_same(&def, kd))
            continue;
        int li = -1;
        for (int i = 0; i < nlaunch && li < 0; i++)
            if ((i < plan->ntrain ? plan->train[i].kernel : plan->eval[i - plan->ntrain].kernel) == k)
                li = i;
        if (li < 0)
            continue;
        const clnas_algo_record *found = clnas_algo_choices_find(&ex->choices, sig);
        clnas_algo_record r;
        if (!found)
            found = clnas_algo_choices_find(recorded, sig);
        if (!found) {
            clnas_algo_disk_load(ex, disk);
            found = clnas_algo_choices_find(&disk->set, sig);
        }
        if (!found) {
            st = measure(ex, cfg, k, li, pass, &p, sig, &r, err);
            if (st == CLNAS_OK) {
                disk->dirty = 1;
                st = clnas_algo_choices_put(&disk->set, &r, err);
            }
            found = &r;
        }
        if (st != CLNAS_OK)
            break;
        const clnas_algo_record chosen = *found; /* a copy: the put below may move the set found points into */
        if (!clnas_algo_choices_find(&ex->choices, sig))
            st = clnas_algo_choices_put(&ex->choices, &chosen, err);
        if (st == CLNAS_OK)
            st = apply(ex, k, pass, &p, kd, &chosen, err);
    }
    return st;
}
