/* clnas — memory admission of the DARTS search network and of the GDAS supernet. */
#include "darts_admit.h"

#include <math.h>
#include <stdio.h>

#include "chain_paths.h"
#include "device_memory.h"
#include "plan.h"
#include "supernet.h"

#define MIB 1048576.0

static int fits(double total, double largest, const clnas_device *dev)
{
    return clnas_device_memory_fits(&dev->info, total, largest);
}

/* DARTS: every arena of the search network. */
static clnas_status admit_darts(const clnas_net_config *net, const clnas_device *dev,
                                void (*line)(const char *, void *), void *user, clnas_error *err)
{
    clnas_plan *plan = NULL;
    clnas_status st = clnas_plan_compile(net, &plan, err);
    if (st != CLNAS_OK && net->darts_search && net->space == CLNAS_NET_CHAIN)
        return clnas_error_prefix(err, "the DARTS search network (chain space) of a %d-layer skeleton, stem width %d, "
                                  "batch %d cannot be compiled (use a smaller skeleton, stem or batch)",
                                  net->chain_genotype.nlayers, net->channels, net->batch);
    if (st != CLNAS_OK && net->darts_search) /* e.g. a tensor past 2^31 elements: still say what to shrink */
        return clnas_error_prefix(err, "the DARTS search network (DARTS space) of %d channels, %d layers, batch %d "
                                  "cannot be compiled (use fewer channels, layers or a smaller batch)", net->channels,
                                  net->layers, net->batch);
    if (st != CLNAS_OK)
        return st;
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
    char text[512], cells[64];
    const int chain = net->space == CLNAS_NET_CHAIN;
    const char *space = chain ? " (chain space)" : net->darts_search ? " (DARTS space)" : "";
    snprintf(text, sizeof text, "DARTS search network%s: %ld parameters; arenas %.1f MiB (weights, gradients, momenta, "
             "statistics %.1f MiB; activations %.1f MiB) on %s (%.0f MiB of memory)", space, nparam, total / MIB,
             weights / MIB, (total - weights) / MIB, dev->info.name, (double)dev->info.global_mem_bytes / MIB);
    if (line)
        line(text, user);
    if (fits(total, largest, dev))
        return CLNAS_OK;
    if (chain)
        snprintf(cells, sizeof cells, "fewer or narrower layers (strategy.skeleton)");
    else if (net->darts_search)
        snprintf(cells, sizeof cells, "fewer layers (proxy.layers %d)", net->layers);
    else
        snprintf(cells, sizeof cells, "fewer cells (proxy.cells %d)", net->cells);
    return clnas_error_set(err, CLNAS_ERR_NO_MEMORY,
                           "the DARTS search network%s needs %.1f MiB of device memory (largest buffer %.1f MiB) but %s "
                           "has %.0f MiB (largest buffer %.0f MiB): every edge computes all of its ops, so use fewer "
                           "channels (proxy.channels %d), %s or a smaller batch (proxy.batch %d)", space, total / MIB,
                           largest / MIB, dev->info.name, (double)dev->info.global_mem_bytes / MIB,
                           (double)dev->info.max_alloc_bytes / MIB, net->channels, cells, net->batch);
}

/* GDAS: the supernet's weights and the largest path's activations (every edge nor_conv_3x3). */
static clnas_status admit_gdas(const clnas_net_config *net, const clnas_device *dev,
                               void (*line)(const char *, void *), void *user, clnas_error *err)
{
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_supernet_layout l;
    clnas_status st = clnas_supernet_layout_build(net, &op_set, &l, err);
    if (st != CLNAS_OK)
        return st;
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
    if (net->space == CLNAS_NET_CHAIN) { /* per layer its separable 5x5 (the most intermediates), else its first op */
        uint16_t mask[CLNAS_CHAIN_MAX_LAYERS];
        if ((st = clnas_chain_path_masks(&net->chain_genotype, mask, err)) != CLNAS_OK)
            return st;
        for (int i = 0; i < net->chain_genotype.nlayers; i++) {
            int k = CLNAS_CHAIN_PATH_SEPCONV5X5;
            while (!(mask[i] >> k & 1u))
                k = k == CLNAS_CHAIN_PATH_SEPCONV5X5 ? 0 : k + 1;
            worst.gdas_ops[i] = (uint8_t)k;
        }
    }
    clnas_plan *plan = NULL;
    if ((st = clnas_plan_compile(&worst, &plan, err)) != CLNAS_OK)
        return st;
    double scratch = 0;
    static const clnas_arena per_path[] = {CLNAS_ARENA_ACT, CLNAS_ARENA_INPUT, CLNAS_ARENA_LABELS};
    for (int k = 0; k < 3; k++) {
        const double bytes = (double)plan->arena_elems[per_path[k]] * (double)es;
        scratch += bytes;
        largest = fmax(largest, bytes);
    }
    clnas_plan_free(plan);
    const double total = weights + scratch;
    char text[512];
    snprintf(text, sizeof text, "GDAS supernet: %ld parameters; weights, gradients, momenta, statistics %.1f MiB; a "
             "path's activations up to %.1f MiB on %s (%.0f MiB of memory)", nparam, weights / MIB, scratch / MIB,
             dev->info.name, (double)dev->info.global_mem_bytes / MIB);
    if (line)
        line(text, user);
    if (fits(total, largest, dev))
        return CLNAS_OK;
    return clnas_error_set(err, CLNAS_ERR_NO_MEMORY,
                           "the GDAS search network needs %.1f MiB of device memory (largest buffer %.1f MiB) but %s "
                           "has %.0f MiB (largest buffer %.0f MiB): use fewer channels (proxy.channels %d), %s or "
                           "a smaller batch (proxy.batch %d)", total / MIB, largest / MIB, dev->info.name,
                           (double)dev->info.global_mem_bytes / MIB, (double)dev->info.max_alloc_bytes / MIB,
                           net->channels, net->space == CLNAS_NET_CHAIN ? "a smaller skeleton (strategy.skeleton)"
                                                                        : "fewer cells (proxy.cells)", net->batch);
}

clnas_status clnas_darts_admit(const clnas_net_config *net, const clnas_device *dev,
                               void (*line)(const char *text, void *user), void *user, clnas_error *err)
{
    return net->gdas ? admit_gdas(net, dev, line, user, err) : admit_darts(net, dev, line, user, err);
}
