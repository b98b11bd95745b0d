/* clnas — the compile pipeline: build the graph, differentiate, fuse, plan memory, emit; once for the
 * training step and once for evaluation, over one parameter layout. */
#include "plan.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autodiff.h"
#include "bn_split.h"
#include "build_network.h"
#include "concat_slices.h"
#include "emit.h"
#include "flops.h"
#include "fuse.h"
#include "memplan.h"
#include "wgrad_split.h"
#include "op.h"
#include "plan_limits.h"

size_t clnas_plan_elem_size(const clnas_plan *plan)
{
    return plan->config.fp64 ? sizeof(double) : sizeof(float);
}

double clnas_plan_forward_flops(const clnas_plan *plan)
{
    return plan->forward_flops;
}

const char *clnas_arena_name(clnas_arena arena)
{
    static const char *const names[CLNAS_ARENA_COUNT] = {"params", "grads", "momentum", "state",
                                                         "activations", "input", "labels"};
    return arena >= 0 && arena < CLNAS_ARENA_COUNT ? names[arena] : "?";
}

int clnas_plan_find_param(const clnas_plan *plan, const char *name)
{
    for (int i = 0; i < plan->nparams; i++)
        if (strcmp(plan->params[i].name, name) == 0)
            return i;
    return -1;
}

void clnas_plan_free(clnas_plan *plan)
{
    if (!plan)
        return;
    for (int i = 0; i < plan->nprograms; i++)
        free(plan->program_sources[i]);
    free(plan->program_sources);
    free(plan->kernels);
    free(plan->train);
    free(plan->eval);
    free(plan->buffers);
    free(plan->eval_buffers);
    free(plan->params);
    free(plan);
}

static clnas_status collect_buffers(const clnas_graph *g, clnas_plan_buffer **out, int *nout, clnas_error *err)
{
    clnas_plan_buffer *buffers = calloc((size_t)g->ntensors + 1, sizeof *buffers);
    if (!buffers)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (int t = 0; t < g->ntensors; t++) {
        const clnas_graph_tensor *x = &g->tensors[t];
        clnas_plan_buffer *b = &buffers[t];
        memcpy(b->name, x->name, sizeof b->name);
        b->arena = x->arena;
        b->offset = x->offset;
        b->count = clnas_graph_span(g, t); /* a channel slice: from its first element to its last */
    }
    *out = buffers;
    *nout = g->ntensors;
    return CLNAS_OK;
}

static clnas_status compile_training(clnas_plan *plan, clnas_error *err)
{
    clnas_graph g;
    clnas_graph_init(&g);
    clnas_net_io io;
    int input_grad = -1;
    clnas_fuse_stats fs;
    clnas_status st = clnas_build_network(&plan->config, 1, &g, &io, err);
    g.recompute_macs = plan->recompute_macs;
    g.recompute_more = plan->recompute_more;
    g.recompute_nodes = plan->recompute_nodes;
    if (st == CLNAS_OK)
        st = clnas_op_check_shapes(&g, err);
    if (st == CLNAS_OK)
        st = clnas_autodiff(&g, &io, plan->config.want_input_grad, &input_grad, err);
    if (st == CLNAS_OK)
        clnas_recompute_stats_of(&g, &plan->recompute);
    if (st == CLNAS_OK)
        st = clnas_fuse(&g, &fs, err);
    int pinned[4] = {io.logits, io.loss, input_grad, io.logits_aux};
    clnas_concat_slice_stats cs = {0, 0, 0, 0, 0};
    if (st == CLNAS_OK && !plan->config.concat_copies)
        st = clnas_concat_slices(&g, pinned, 4, &cs, err);
    if (st == CLNAS_OK)
        st = clnas_recompute(&g, &plan->recompute.nodes, err);
    if (st == CLNAS_OK)
        st = clnas_wgrad_split(&g, &plan->profile, &plan->wgrad_splits, err);
    if (st == CLNAS_OK)
        st = clnas_bn_split(&g, &plan->profile, &plan->bn_splits, err);
    if (st == CLNAS_OK)
        st = clnas_memplan(&g, pinned, 4, plan->arena_elems, &plan->live_params, err);
    if (st == CLNAS_OK)
        st = clnas_emit(&g, plan->live_params, plan, &plan->train, &plan->ntrain, err);
    if (st == CLNAS_OK)
        st = collect_buffers(&g, &plan->buffers, &plan->nbuffers, err);
    if (st == CLNAS_OK) {
        plan->ops = fs.ops_before;
        plan->concat_slices = cs.slices;
        plan->concat_copies = cs.copies;
        plan->concat_removed = cs.removed;
        plan->concat_grad_slices = cs.grad_slices;
        plan->concat_grad_copies = cs.grad_copies;
        plan->logits_offset = g.tensors[io.logits].offset;
        plan->loss_offset = g.tensors[io.loss].offset;
        plan->has_input_grad = input_grad >= 0;
        plan->input_grad_offset = input_grad >= 0 ? g.tensors[input_grad].offset : 0;
        plan->has_logits_aux = io.logits_aux >= 0;
        plan->logits_aux_offset = io.logits_aux >= 0 ? g.tensors[io.logits_aux].offset : 0;
        if (io.ndrop_masks > 0) {
            plan->ndrop_masks = io.ndrop_masks;
            plan->drop_masks_offset = g.tensors[io.drop_masks].offset;
            plan->drop_mask_stride = io.ndrop_masks > 1 ? g.tensors[io.drop_masks + 1].offset -
                                                              g.tensors[io.drop_masks].offset : 0;
        }
        plan->params = malloc((size_t)g.nparams * sizeof *plan->params);
        if (!plan->params)
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        else
            memcpy(plan->params, g.params, (size_t)g.nparams * sizeof *plan->params);
        plan->nparams = g.nparams;
    }
    clnas_graph_free(&g);
    return st;
}

static clnas_status compile_eval(clnas_plan *plan, clnas_error *err)
{
    clnas_graph g;
    clnas_graph_init(&g);
    clnas_net_io io;
    clnas_fuse_stats fs;
    size_t arenas[CLNAS_ARENA_COUNT], live = 0;
    clnas_status st = clnas_build_network(&plan->config, 0, &g, &io, err);
    if (st == CLNAS_OK)
        st = clnas_op_check_shapes(&g, err);
    if (st == CLNAS_OK) {
        plan->forward_flops = clnas_graph_forward_flops(&g);
        st = clnas_fuse(&g, &fs, err);
    }
    clnas_concat_slice_stats cs;
    if (st == CLNAS_OK && !plan->config.concat_copies)
        st = clnas_concat_slices(&g, &io.logits, 1, &cs, err);
    if (st == CLNAS_OK)
        st = clnas_bn_split(&g, &plan->profile, NULL, err);
    if (st == CLNAS_OK)
        st = clnas_memplan(&g, &io.logits, 1, arenas, &live, err);
    if (st == CLNAS_OK && (live != plan->live_params || g.nparams != plan->nparams))
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: evaluation and training parameter layouts differ");
    if (st == CLNAS_OK)
        st = clnas_emit(&g, live, plan, &plan->eval, &plan->neval, err);
    if (st == CLNAS_OK)
        st = collect_buffers(&g, &plan->eval_buffers, &plan->neval_buffers, err);
    if (st == CLNAS_OK) {
        plan->eval_ops = fs.ops_before;
        plan->eval_logits_offset = g.tensors[io.logits].offset;
        if (arenas[CLNAS_ARENA_ACT] > plan->arena_elems[CLNAS_ARENA_ACT])
            plan->arena_elems[CLNAS_ARENA_ACT] = arenas[CLNAS_ARENA_ACT];
    }
    clnas_graph_free(&g);
    return st;
}

#define MIB (1024.0 * 1024.0)

void clnas_plan_device_bytes(const clnas_plan *plan, double *total, double *largest)
{
    const size_t es = clnas_plan_elem_size(plan);
    *total = *largest = 0;
    for (int a = 0; a < CLNAS_ARENA_COUNT; a++) {
        size_t elems = plan->arena_elems[a];
        /* the labels are cl_int */
        double bytes = (double)(a == CLNAS_ARENA_LABELS ? sizeof(int32_t) : es) * (double)(elems ? elems : 16);
        *total += bytes;
        *largest = bytes > *largest ? bytes : *largest;
    }
}

/* The plan of cfg recomputing the convolution outputs of at most macs multiply-adds per element and the first `more`
 * of the next level, and with nodes the BatchNorm outputs (codegen/recompute.h). */
static clnas_status compile_at(const clnas_net_config *cfg, const clnas_device_profile *profile, int descs_only,
                               int macs, int more, int nodes, clnas_plan **out, clnas_error *err)
{
    *out = NULL;
    clnas_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    plan->config = *cfg;
    plan->recompute_macs = macs;
    plan->recompute_more = more;
    plan->recompute_nodes = nodes;
    if (profile)
        plan->profile = *profile;
    else
        clnas_device_profile_default_cpu(&plan->profile);
    plan->descs_only = descs_only;
    clnas_status st = compile_training(plan, err);
    if (st == CLNAS_OK)
        st = compile_eval(plan, err);
    if (st == CLNAS_OK)
        st = clnas_plan_check_limits(plan, err);
    if (st != CLNAS_OK) {
        clnas_plan_free(plan);
        return st;
    }
    plan->config.recompute = plan->recompute.recomputed > 0 || plan->recompute.nodes > 0;
    *out = plan;
    return CLNAS_OK;
}

static int within_budget(const clnas_plan *plan)
{
    double total, largest;
    clnas_plan_device_bytes(plan, &total, &largest);
    return plan->config.memory_budget <= 0 || total <= plan->config.memory_budget;
}

/* Does plan fit the caller's test (the device's memory; none: it does)? */
static int fits_device(const clnas_plan *plan, clnas_plan_fits_fn fits, void *ctx)
{
    return !fits || fits(plan, ctx);
}

void clnas_net_config_sizes(const clnas_net_config *cfg, char *buf, size_t cap)
{
    if (cfg->space == CLNAS_NET_DARTS)
        snprintf(buf, cap, "C=%d, layers %d, batch %d", cfg->channels, cfg->layers, cfg->batch);
    else if (cfg->space == CLNAS_NET_CHAIN)
        snprintf(buf, cap, "C=%d, batch %d", cfg->channels, cfg->batch);
    else
        snprintf(buf, cap, "C=%d, N=%d, batch %d", cfg->channels, cfg->cells, cfg->batch);
}

/* CLNAS_ERR_UNSUPPORTED: plan (freed) exceeds its config's memory budget. */
static clnas_status over_budget(clnas_plan *plan, const clnas_net_config *cfg, clnas_error *err)
{
    double total, largest;
    clnas_plan_device_bytes(plan, &total, &largest);
    char sizes[96], budget[48];
    clnas_net_config_sizes(cfg, sizes, sizeof sizes);
    if (cfg->memory_budget < 0.1 * MIB) /* a budget that small reads as 0.0 MiB */
        snprintf(budget, sizeof budget, "%.0f bytes", cfg->memory_budget);
    else
        snprintf(budget, sizeof budget, "%.1f MiB", cfg->memory_budget / MIB);
    clnas_status st = clnas_error_set(
        err, CLNAS_ERR_UNSUPPORTED, "the network (%s) needs %.1f MiB of device memory %s, more than the memory budget "
        "of %s: %s", sizes, total / MIB,
        cfg->recompute == 0 ? "keeping its convolution outputs (recompute off)"
                            : "even recomputing its convolution outputs",
        budget,
        cfg->recompute == 0 ? "allow recomputation, raise the budget, or use a smaller batch, fewer channels or fewer "
                              "cells"
                            : "raise the budget, or use a smaller batch, fewer channels or fewer cells");
    clnas_plan_free(plan);
    return st;
}

static clnas_status compile(const clnas_net_config *cfg, const clnas_device_profile *profile, int descs_only,
                            clnas_plan_fits_fn fits, void *ctx, clnas_plan **out, clnas_error *err)
{
    *out = NULL;
    clnas_status st = clnas_net_config_check(cfg, err);
    clnas_plan *plan = NULL;
    if (st == CLNAS_OK)
        st = compile_at(cfg, profile, descs_only, cfg->recompute == 1 ? INT_MAX : 0, 0, cfg->recompute == 1, &plan,
                        err);
    if (st != CLNAS_OK)
        return st;
    if (cfg->recompute == CLNAS_RECOMPUTE_AUTO) {
        /* the fewest recomputed that fit, cheapest first: the BatchNorm outputs (a launch each from saved
         * statistics), then with them the convolution outputs' levels in turn, then all (where there were more
         * levels than the stats keep) */
        const clnas_recompute_stats levels = plan->recompute;
        int for_budget = 0, for_fits = 0, at = -2; /* the plan's level: -2 none, -1 the BatchNorm outputs */
        for (int l = -1; l <= levels.nlevels; l++) {
            const int over_budget = !within_budget(plan), over_fits = !fits_device(plan, fits, ctx);
            if ((!over_budget && !over_fits) ||
                (l == levels.nlevels && plan->recompute.recomputed == plan->recompute.candidates))
                break;
            for_budget |= over_budget;
            for_fits |= over_fits;
            clnas_plan_free(plan);
            const int macs = l < 0 ? 0 : l < levels.nlevels ? levels.levels[l] : INT_MAX;
            st = compile_at(cfg, profile, descs_only, macs, 0, 1, &plan, err);
            if (st != CLNAS_OK)
                return st;
            plan->recompute_for_budget = for_budget;
            plan->recompute_for_fits = for_fits;
            at = l;
        }
        /* a level that fits where the one below did not: the fewest of its candidates (in the forward's order) that
         * make the plan fit, by bisection (the memory plan shrinks with each one, near enough monotonically; only a
         * plan that fits is kept) */
        if (at >= 0 && at < levels.nlevels && within_budget(plan) && fits_device(plan, fits, ctx)) {
            const int below = at == 0 ? 0 : levels.levels[at - 1];
            for (int lo = 1, hi = levels.counts[at]; lo < hi;) {
                const int mid = lo + (hi - lo) / 2;
                clnas_plan *some = NULL;
                st = compile_at(cfg, profile, descs_only, below, mid, 1, &some, err);
                if (st != CLNAS_OK) {
                    clnas_plan_free(plan);
                    return st;
                }
                some->recompute_for_budget = for_budget;
                some->recompute_for_fits = for_fits;
                if (within_budget(some) && fits_device(some, fits, ctx)) {
                    clnas_plan_free(plan);
                    plan = some;
                    hi = mid;
                } else {
                    clnas_plan_free(some);
                    lo = mid + 1;
                }
            }
        }
    }
    if (!within_budget(plan))
        return over_budget(plan, cfg, err);
    *out = plan;
    return CLNAS_OK;
}

clnas_status clnas_plan_compile(const clnas_net_config *cfg, clnas_plan **out, clnas_error *err)
{
    return compile(cfg, NULL, 0, NULL, NULL, out, err);
}

clnas_status clnas_plan_compile_for(const clnas_net_config *cfg, const clnas_device_profile *profile,
                                    clnas_plan **out, clnas_error *err)
{
    return compile(cfg, profile, 0, NULL, NULL, out, err);
}

clnas_status clnas_plan_compile_fitting(const clnas_net_config *cfg, const clnas_device_profile *profile,
                                        clnas_plan_fits_fn fits, void *ctx, clnas_plan **out, clnas_error *err)
{
    return compile(cfg, profile, 0, fits, ctx, out, err);
}

clnas_status clnas_plan_compile_descs(const clnas_net_config *cfg, clnas_plan **out, clnas_error *err)
{
    return compile(cfg, NULL, 1, NULL, NULL, out, err);
}

clnas_status clnas_plan_compile_descs_for(const clnas_net_config *cfg, const clnas_device_profile *profile,
                                          clnas_plan **out, clnas_error *err)
{
    return compile(cfg, profile, 1, NULL, NULL, out, err);
}
