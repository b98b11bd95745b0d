/* clnas — supernet: one set of weight arenas on the device; each path is a stand-alone plan of its genotype
 * rebound onto them (no copies of weights) with its own executor, kept in a least-recently-used cache. */
#include "model_build.h"
#include "supernet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_check.h"
#include "device_memory.h"
#include "clnas/rng.h"
#include "clnas/safetensors.h"
#include "hash.h"
#include "chain_paths.h"
#include "path_plan.h"
#include "profile_query.h"

#define WEIGHT_ARENAS 4 /* PARAMS, GRADS, MOMENTUM, STATE */

typedef struct path_entry {
    clnas_genotype genotype;
    clnas_darts_genotype darts; /* the path of a DARTS-space supernet */
    uint8_t gdas_ops[CLNAS_NET_GDAS_DARTS_EDGES]; /* the path of GDAS' DARTS-space supernet */
    clnas_chain_genotype chain; /* the path of a chain supernet */
    clnas_model *model;
    uint64_t used; /* tick of the last request */
} path_entry;

struct clnas_supernet {
    clnas_device *dev;
    clnas_program_cache *cache;
    clnas_net_config net;
    clnas_edge_op_set op_set;
    clnas_supernet_layout layout;
    clnas_algo_choices recorded;
    clnas_shared_arenas arenas; /* weights, input, labels and the activation scratch every path shares */
    path_entry *paths;
    int npaths, max_paths;
    uint64_t tick;
    int compiled, reused;
};

static size_t elem_size(const clnas_supernet *sn)
{
    return sn->net.fp64 ? sizeof(double) : sizeof(float);
}

size_t clnas_supernet_weight_bytes(const clnas_supernet_layout *layout, int fp64)
{
    return (3 * layout->param_elems + layout->state_elems) * (fp64 ? sizeof(double) : sizeof(float));
}

const clnas_supernet_layout *clnas_supernet_get_layout(const clnas_supernet *sn)
{
    return &sn->layout;
}

const clnas_net_config *clnas_supernet_config(const clnas_supernet *sn)
{
    return &sn->net;
}

void clnas_supernet_path_stats(const clnas_supernet *sn, int *compiled, int *reused)
{
    *compiled = sn->compiled;
    *reused = sn->reused;
}

void clnas_supernet_free(clnas_supernet *sn)
{
    if (!sn)
        return;
    for (int i = 0; i < sn->npaths; i++)
        clnas_model_free(sn->paths[i].model);
    for (int a = 0; a < CLNAS_ARENA_COUNT; a++)
        if (sn->arenas.mem[a])
            clReleaseMemObject(sn->arenas.mem[a]);
    clnas_algo_choices_free(&sn->recorded);
    clnas_supernet_layout_free(&sn->layout);
    free(sn->paths);
    free(sn);
}

static clnas_status create_arena(clnas_supernet *sn, clnas_arena a, size_t bytes, clnas_error *err)
{
    cl_int rc;
    bytes = bytes ? bytes : 64;
    cl_mem m = clCreateBuffer(sn->dev->context, CL_MEM_READ_WRITE, bytes, NULL, &rc);
    char what[96];
    snprintf(what, sizeof what, "clCreateBuffer(supernet %s arena, %zu bytes)", clnas_arena_name(a), bytes);
    CLNAS_CL_CHECK(err, rc, what);
    cl_uchar zero = 0;
    rc = clEnqueueFillBuffer(sn->dev->queue, m, &zero, 1, 0, bytes, 0, NULL, NULL);
    if (rc != CL_SUCCESS) {
        clReleaseMemObject(m);
        return clnas_cl_error_set(rc, "clEnqueueFillBuffer", __FILE__, __LINE__, err);
    }
    if (sn->arenas.mem[a])
        clReleaseMemObject(sn->arenas.mem[a]);
    sn->arenas.mem[a] = m;
    sn->arenas.bytes[a] = bytes;
    return CLNAS_OK;
}

/* "N=5" (NB201's cells per stage), "layers=8" (DARTS' cells) or "7 layers" (a chain skeleton's), for messages. */
static void depth_text(const clnas_net_config *net, char *buf, size_t cap)
{
    if (net->space == CLNAS_NET_DARTS)
        snprintf(buf, cap, "layers=%d", net->layers);
    else if (net->space == CLNAS_NET_CHAIN)
        snprintf(buf, cap, "%d layers", net->chain_genotype.nlayers);
    else
        snprintf(buf, cap, "N=%d", net->cells);
}

static clnas_status check_fits(const clnas_supernet *sn, clnas_error *err)
{
    char depth[32];
    depth_text(&sn->net, depth, sizeof depth);
    const clnas_device_info *info = &sn->dev->info;
    size_t es = elem_size(sn);
    double total = (double)clnas_supernet_weight_bytes(&sn->layout, sn->net.fp64);
    double largest = (double)(sn->layout.param_elems > sn->layout.state_elems ? sn->layout.param_elems
                                                                              : sn->layout.state_elems) * (double)es;
    if (!clnas_device_memory_fits(info, total, largest))
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED,
                               "the supernet (C=%d, %s) needs %.1f MiB of weights (parameters, gradients, momenta, "
                               "running statistics; %.1f MiB in its largest buffer) but %s has %.1f MiB of memory "
                               "(%.1f MiB usable) and allows %.1f MiB in one buffer: use fewer channels or %s, or "
                               "a smaller batch", sn->net.channels, depth, total / 1048576.0,
                               largest / 1048576.0, info->name, (double)info->global_mem_bytes / 1048576.0,
                               CLNAS_DEVICE_MEMORY_SHARE * (double)info->global_mem_bytes / 1048576.0,
                               (double)info->max_alloc_bytes / 1048576.0,
                               sn->net.space == CLNAS_NET_DARTS   ? "layers (proxy.channels, proxy.layers)"
                               : sn->net.space == CLNAS_NET_CHAIN ? "a smaller skeleton (strategy.skeleton)"
                                                                  : "cells");
    return CLNAS_OK;
}

clnas_status clnas_supernet_new(clnas_device *dev, clnas_program_cache *cache, const clnas_net_config *net,
                                const clnas_edge_op_set *op_set, int max_paths, const clnas_algo_choices *recorded,
                                clnas_supernet **out, clnas_error *err)
{
    *out = NULL;
    if (max_paths < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "the supernet's path cache must hold at least 1 path");
    clnas_status st = clnas_net_config_check(net, err);
    if (st != CLNAS_OK)
        return st;
    clnas_supernet *sn = calloc(1, sizeof *sn);
    if (!sn)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    sn->dev = dev;
    sn->cache = cache;
    sn->net = *net;
    sn->op_set = *op_set;
    sn->max_paths = max_paths;
    clnas_algo_choices_init(&sn->recorded);
    sn->paths = calloc((size_t)max_paths, sizeof *sn->paths);
    if (!sn->paths)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (int i = 0; recorded && i < recorded->count && st == CLNAS_OK; i++)
        st = clnas_algo_choices_put(&sn->recorded, &recorded->rec[i], err);
    if (st == CLNAS_OK)
        st = clnas_supernet_layout_build(net, op_set, &sn->layout, err);
    if (st == CLNAS_OK)
        st = check_fits(sn, err);
    size_t es = elem_size(sn);
    for (int a = 0; a < WEIGHT_ARENAS && st == CLNAS_OK; a++)
        st = create_arena(sn, (clnas_arena)a,
                          (a == CLNAS_ARENA_STATE ? sn->layout.state_elems : sn->layout.param_elems) * es, err);
    if (st != CLNAS_OK) {
        clnas_supernet_free(sn);
        return st;
    }
    *out = sn;
    return CLNAS_OK;
}

/* Grows a shared per-path arena (activations, input, labels) to what `plan` needs, moving every cached path onto
 * the new buffer (the content is scratch: each path writes it before reading it). */
static clnas_status grow_scratch(clnas_supernet *sn, const clnas_plan *plan, clnas_error *err)
{
    static const clnas_arena scratch[] = {CLNAS_ARENA_ACT, CLNAS_ARENA_INPUT, CLNAS_ARENA_LABELS};
    clnas_status st = CLNAS_OK;
    for (int k = 0; k < 3 && st == CLNAS_OK; k++) {
        clnas_arena a = scratch[k];
        size_t elems = plan->arena_elems[a] ? plan->arena_elems[a] : 16;
        size_t bytes = elems * (a == CLNAS_ARENA_LABELS ? sizeof(cl_int) : elem_size(sn));
        if (bytes <= sn->arenas.bytes[a])
            continue;
        double total = (double)clnas_supernet_weight_bytes(&sn->layout, sn->net.fp64) + (double)bytes;
        char depth[32];
        depth_text(&sn->net, depth, sizeof depth);
        if (!clnas_device_memory_fits(&sn->dev->info, total, (double)bytes))
            return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED,
                                   "a path of the supernet (C=%d, %s, batch %d) needs a %.1f MiB %s arena besides "
                                   "%.1f MiB of weights, but %s has %.1f MiB of memory and allows %.1f MiB in one "
                                   "buffer: use a smaller batch, or fewer channels or %s",
                                   sn->net.channels, depth, sn->net.batch, (double)bytes / 1048576.0,
                                   clnas_arena_name(a),
                                   (double)clnas_supernet_weight_bytes(&sn->layout, sn->net.fp64) / 1048576.0,
                                   sn->dev->info.name, (double)sn->dev->info.global_mem_bytes / 1048576.0,
                                   (double)sn->dev->info.max_alloc_bytes / 1048576.0,
                                   sn->net.space == CLNAS_NET_DARTS   ? "layers"
                                   : sn->net.space == CLNAS_NET_CHAIN ? "a smaller skeleton"
                                                                      : "cells");
        st = create_arena(sn, a, bytes, err);
        for (int i = 0; i < sn->npaths && st == CLNAS_OK; i++) {
            clnas_executor *ex = clnas_model_executor(sn->paths[i].model);
            clReleaseMemObject(ex->arena[a]);
            ex->arena[a] = sn->arenas.mem[a];
            ex->arena_bytes[a] = sn->arenas.bytes[a];
            CLNAS_CL_CALL(err, clRetainMemObject(ex->arena[a]));
        }
    }
    return st;
}

/* cfg: the supernet's net with the path's genotype. */
static clnas_status compile_path(clnas_supernet *sn, const clnas_net_config *cfg, clnas_model **out,
                                 clnas_error *err)
{
    clnas_plan *plan = NULL;
    /* A path is admitted with the supernet's weights (grow_scratch), not alone as CLNAS_RECOMPUTE_AUTO would judge
     * it: the default keeps the convolution outputs here, and a memory budget is the supernet's. */
    clnas_net_config path = *cfg;
    if (path.recompute == CLNAS_RECOMPUTE_AUTO)
        path.recompute = 0;
    path.memory_budget = 0;
    clnas_status st = clnas_plan_compile_on(sn->dev, &path, &plan, err);
    if (st == CLNAS_OK)
        st = clnas_path_plan_bind(plan, &sn->layout, err);
    if (st == CLNAS_OK)
        st = grow_scratch(sn, plan, err);
    if (st != CLNAS_OK) {
        clnas_plan_free(plan);
        return st;
    }
    st = clnas_model_build_shared(sn->dev, sn->cache, plan, &sn->recorded, &sn->arenas, out, err);
    /* later paths reuse the choices this one made */
    const clnas_algo_choices *made = st == CLNAS_OK ? clnas_model_algo_choices(*out) : NULL;
    for (int i = 0; made && i < made->count && st == CLNAS_OK; i++)
        if (!clnas_algo_choices_find(&sn->recorded, made->rec[i].sig))
            st = clnas_algo_choices_put(&sn->recorded, &made->rec[i], err);
    if (st != CLNAS_OK) {
        clnas_model_free(*out);
        *out = NULL;
    }
    return st;
}

static int same_darts_cell(const clnas_darts_cell *a, const clnas_darts_cell *b)
{
    return memcmp(a->op, b->op, sizeof a->op) == 0 && memcmp(a->input, b->input, sizeof a->input) == 0 &&
           a->nconcat == b->nconcat && memcmp(a->concat, b->concat, a->nconcat) == 0;
}

static int same_path(const clnas_supernet *sn, const path_entry *p, const clnas_net_config *cfg)
{
    if (sn->net.darts_search) /* GDAS paths of the DARTS or the chain space */
        return memcmp(p->gdas_ops, cfg->gdas_ops, sizeof cfg->gdas_ops) == 0;
    if (sn->net.space == CLNAS_NET_CHAIN)
        return clnas_chain_genotype_equal(&p->chain, &cfg->chain_genotype);
    if (sn->net.space == CLNAS_NET_DARTS)
        return same_darts_cell(&p->darts.normal, &cfg->darts_genotype.normal) &&
               same_darts_cell(&p->darts.reduce, &cfg->darts_genotype.reduce);
    return memcmp(p->genotype.ops, cfg->genotype.ops, sizeof cfg->genotype.ops) == 0;
}

static void path_text(const clnas_net_config *cfg, char *buf, size_t cap)
{
    if (cfg->space == CLNAS_NET_DARTS && cfg->darts_search) { /* GDAS: the ops of the normal, then reduce edges */
        size_t n = 0;
        for (int e = 0; e < CLNAS_NET_GDAS_DARTS_EDGES && n + 3 < cap; e++)
            n += (size_t)snprintf(buf + n, cap - n, "%s%d", e == 0 ? "ops " : e == 14 ? " | " : ",", cfg->gdas_ops[e]);
        return;
    }
    if (cfg->space == CLNAS_NET_CHAIN && cfg->darts_search) { /* GDAS: the path op of each layer */
        size_t n = 0;
        for (int i = 0; i < cfg->chain_genotype.nlayers && n + 3 < cap; i++)
            n += (size_t)snprintf(buf + n, cap - n, "%s%d", i == 0 ? "layer ops " : ",", cfg->gdas_ops[i]);
        return;
    }
    if (cfg->space == CLNAS_NET_DARTS)
        clnas_darts_genotype_format(&cfg->darts_genotype, buf, cap, NULL);
    else if (cfg->space == CLNAS_NET_CHAIN)
        clnas_chain_genotype_format(&cfg->chain_genotype, buf, cap, NULL);
    else
        clnas_genotype_format(&cfg->genotype, buf, cap, NULL);
}

/* The cached path of cfg (the supernet's net with the path's genotype), compiled on a miss. */
static clnas_status path_of(clnas_supernet *sn, const clnas_net_config *cfg, clnas_model **out, clnas_error *err)
{
    sn->tick++;
    for (int i = 0; i < sn->npaths; i++)
        if (same_path(sn, &sn->paths[i], cfg)) {
            sn->paths[i].used = sn->tick;
            sn->reused++;
            *out = sn->paths[i].model;
            return CLNAS_OK;
        }
    clnas_model *m = NULL;
    clnas_status st = compile_path(sn, cfg, &m, err);
    if (st != CLNAS_OK) {
        char arch[CLNAS_CHAIN_GENOTYPE_STR_MAX]; /* the longest of the spaces' strings */
        path_text(cfg, arch, sizeof arch);
        return clnas_error_prefix(err, "supernet path %s", arch);
    }
    sn->compiled++;
    int slot = sn->npaths;
    if (sn->npaths == sn->max_paths) {
        slot = 0;
        for (int i = 1; i < sn->npaths; i++)
            if (sn->paths[i].used < sn->paths[slot].used)
                slot = i;
        clnas_model_free(sn->paths[slot].model);
    } else {
        sn->npaths++;
    }
    sn->paths[slot].genotype = cfg->genotype;
    sn->paths[slot].darts = cfg->darts_genotype;
    sn->paths[slot].chain = cfg->chain_genotype;
    memcpy(sn->paths[slot].gdas_ops, cfg->gdas_ops, sizeof cfg->gdas_ops);
    sn->paths[slot].model = m;
    sn->paths[slot].used = sn->tick;
    *out = m;
    return CLNAS_OK;
}

clnas_status clnas_supernet_path(clnas_supernet *sn, const clnas_genotype *g, clnas_model **out, clnas_error *err)
{
    *out = NULL;
    if (sn->net.space != CLNAS_NET_NB201)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: an NB201 path asked of a supernet of another "
                               "space (clnas_supernet_path_darts)");
    if (!clnas_edge_op_set_has(&sn->op_set, g)) {
        char arch[CLNAS_GENOTYPE_STR_MAX];
        clnas_genotype_format(g, arch, sizeof arch, NULL);
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "path %s uses an op its supernet edge does not hold", arch);
    }
    clnas_net_config cfg = sn->net;
    cfg.genotype = *g;
    return path_of(sn, &cfg, out, err);
}

int clnas_gdas_darts_ops_of(const clnas_darts_genotype *g, uint8_t *ops, char *why, size_t cap)
{
    if (!clnas_darts_supernet_holds(g, why, cap))
        return 0;
    memset(ops, CLNAS_DARTS_NONE, CLNAS_NET_GDAS_DARTS_EDGES);
    const clnas_darts_cell *cells[2] = {&g->normal, &g->reduce};
    for (int t = 0; t < 2; t++)
        for (int e = 0; e < CLNAS_DARTS_EDGES; e++) {
            const int k = e / 2;
            ops[t * CLNAS_NET_GDAS_DARTS_EDGES / 2 + k * (k + 3) / 2 + cells[t]->input[e]] = cells[t]->op[e];
        }
    return 1;
}

clnas_status clnas_supernet_path_darts(clnas_supernet *sn, const clnas_darts_genotype *g, clnas_model **out,
                                       clnas_error *err)
{
    *out = NULL;
    if (sn->net.space != CLNAS_NET_DARTS || (sn->net.darts_search && !sn->net.gdas))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: a DARTS-space path asked of a supernet of "
                               "another space or of DARTS' search network");
    char why[160];
    uint8_t ops[CLNAS_NET_GDAS_DARTS_EDGES];
    if (sn->net.darts_search && !clnas_gdas_darts_ops_of(g, ops, why, sizeof why)) {
        char arch[CLNAS_DARTS_GENOTYPE_STR_MAX];
        clnas_darts_genotype_format(g, arch, sizeof arch, NULL);
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "path %s is not a path of GDAS' DARTS-space supernet: %s",
                               arch, why);
    }
    if (sn->net.darts_search)
        return clnas_supernet_path_gdas(sn, ops, out, err);
    if (!clnas_darts_supernet_holds(g, why, sizeof why)) {
        char arch[CLNAS_DARTS_GENOTYPE_STR_MAX];
        clnas_darts_genotype_format(g, arch, sizeof arch, NULL);
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "path %s is not a path of the DARTS-space supernet: %s",
                               arch, why);
    }
    clnas_net_config cfg = sn->net;
    cfg.darts_genotype = *g;
    return path_of(sn, &cfg, out, err);
}

clnas_status clnas_supernet_path_chain(clnas_supernet *sn, const clnas_chain_genotype *g, clnas_model **out,
                                       clnas_error *err)
{
    *out = NULL;
    if (sn->net.space != CLNAS_NET_CHAIN)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: a chain path asked of a supernet of another "
                               "space");
    char why[200];
    if (!clnas_chain_is_path(&sn->net.chain_genotype, g, why, sizeof why)) {
        char arch[CLNAS_CHAIN_GENOTYPE_STR_MAX], skeleton[CLNAS_CHAIN_GENOTYPE_STR_MAX];
        if (clnas_chain_genotype_format(g, arch, sizeof arch, NULL) != CLNAS_OK)
            snprintf(arch, sizeof arch, "(not a valid chain genotype)");
        clnas_chain_genotype_format(&sn->net.chain_genotype, skeleton, sizeof skeleton, NULL);
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s is not a path of the chain supernet of skeleton %s: %s",
                               arch, skeleton, why);
    }
    if (sn->net.darts_search) { /* GDAS' chain supernet: the search network computing g's op per layer */
        uint8_t ops[CLNAS_NET_GDAS_DARTS_EDGES] = {0};
        for (int i = 0; i < g->nlayers; i++)
            ops[i] = (uint8_t)clnas_chain_path_op_of(&g->layer[i]);
        return clnas_supernet_path_gdas(sn, ops, out, err);
    }
    clnas_net_config cfg = sn->net;
    cfg.chain_genotype = *g;
    return path_of(sn, &cfg, out, err);
}

clnas_status clnas_supernet_path_gdas(clnas_supernet *sn, const uint8_t *ops, clnas_model **out, clnas_error *err)
{
    *out = NULL;
    if (!sn->net.darts_search || !sn->net.gdas)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: a GDAS path asked of another supernet");
    clnas_net_config cfg = sn->net;
    memcpy(cfg.gdas_ops, ops, sizeof cfg.gdas_ops);
    return path_of(sn, &cfg, out, err);
}

/* ---- host access ---- */

static clnas_status arena_io(clnas_supernet *sn, clnas_arena a, size_t offset, size_t count, double *host, int write,
                             clnas_error *err)
{
    size_t es = elem_size(sn);
    if ((offset + count) * es > sn->arenas.bytes[a])
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%zu elements at %zu overrun the supernet's %s arena",
                               count, offset, clnas_arena_name(a));
    void *tmp = sn->net.fp64 ? (void *)host : malloc((count ? count : 1) * sizeof(float));
    if (!tmp)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    if (write && !sn->net.fp64)
        for (size_t i = 0; i < count; i++)
            ((float *)tmp)[i] = (float)host[i];
    cl_int rc = write ? clEnqueueWriteBuffer(sn->dev->queue, sn->arenas.mem[a], CL_TRUE, offset * es, count * es, tmp,
                                             0, NULL, NULL)
                      : clEnqueueReadBuffer(sn->dev->queue, sn->arenas.mem[a], CL_TRUE, offset * es, count * es, tmp,
                                            0, NULL, NULL);
    if (rc == CL_SUCCESS && !write && !sn->net.fp64)
        for (size_t i = 0; i < count; i++)
            host[i] = ((float *)tmp)[i];
    if (!sn->net.fp64)
        free(tmp);
    if (rc != CL_SUCCESS)
        return clnas_cl_error_set(rc, write ? "clEnqueueWriteBuffer" : "clEnqueueReadBuffer", __FILE__, __LINE__, err);
    return CLNAS_OK;
}

clnas_status clnas_supernet_read_arena(clnas_supernet *sn, clnas_arena arena, double *out, clnas_error *err)
{
    if (arena > CLNAS_ARENA_STATE)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "the supernet's %s arena is per path",
                               clnas_arena_name(arena));
    return arena_io(sn, arena, 0, arena == CLNAS_ARENA_STATE ? sn->layout.state_elems : sn->layout.param_elems, out, 0,
                    err);
}

clnas_status clnas_supernet_write_arena(clnas_supernet *sn, clnas_arena arena, const double *in, clnas_error *err)
{
    if (arena > CLNAS_ARENA_STATE)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "the supernet's %s arena is per path",
                               clnas_arena_name(arena));
    return arena_io(sn, arena, 0, arena == CLNAS_ARENA_STATE ? sn->layout.state_elems : sn->layout.param_elems,
                    (double *)in, 1, err);
}

static const clnas_param_info *find(const clnas_supernet *sn, const char *name, size_t count, clnas_error *err)
{
    int i = clnas_supernet_layout_find(&sn->layout, name);
    if (i < 0) {
        clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "the supernet has no parameter '%s'", name);
        return NULL;
    }
    if (sn->layout.params[i].info.count != count) {
        clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "supernet parameter '%s' has %zu elements, not %zu", name,
                        sn->layout.params[i].info.count, count);
        return NULL;
    }
    return &sn->layout.params[i].info;
}

clnas_status clnas_supernet_get(clnas_supernet *sn, const char *name, double *out, size_t count, clnas_error *err)
{
    const clnas_param_info *p = find(sn, name, count, err);
    return p ? arena_io(sn, p->arena, p->offset, count, out, 0, err) : err->status;
}

clnas_status clnas_supernet_set(clnas_supernet *sn, const char *name, const double *in, size_t count,
                                clnas_error *err)
{
    const clnas_param_info *p = find(sn, name, count, err);
    return p ? arena_io(sn, p->arena, p->offset, count, (double *)in, 1, err) : err->status;
}

clnas_status clnas_supernet_init(clnas_supernet *sn, uint64_t seed, clnas_error *err)
{
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    double *host[2] = {calloc(sn->layout.param_elems + 1, sizeof(double)),
                       calloc(sn->layout.state_elems + 1, sizeof(double))};
    clnas_status st = host[0] && host[1] ? CLNAS_OK : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (int i = 0; i < sn->layout.nparams && st == CLNAS_OK; i++) {
        const clnas_param_info *p = &sn->layout.params[i].info;
        double *dst = host[p->arena == CLNAS_ARENA_STATE] + p->offset;
        double bound = p->fan_in > 0 ? 1.0 / sqrt((double)p->fan_in) : 0.0;
        for (size_t k = 0; k < p->count; k++)
            dst[k] = p->init == CLNAS_INIT_ONES    ? 1.0
                     : p->init == CLNAS_INIT_ZEROS ? 0.0
                                                   : bound * (2.0 * clnas_rng_uniform(&rng) - 1.0);
    }
    if (st == CLNAS_OK)
        st = arena_io(sn, CLNAS_ARENA_PARAMS, 0, sn->layout.param_elems, host[0], 1, err);
    if (st == CLNAS_OK)
        st = arena_io(sn, CLNAS_ARENA_STATE, 0, sn->layout.state_elems, host[1], 1, err);
    memset(host[0], 0, (sn->layout.param_elems + 1) * sizeof(double));
    if (st == CLNAS_OK)
        st = arena_io(sn, CLNAS_ARENA_MOMENTUM, 0, sn->layout.param_elems, host[0], 1, err);
    free(host[0]);
    free(host[1]);
    return st;
}

/* ---- checkpoints ---- */

clnas_status clnas_supernet_save(clnas_supernet *sn, const char *path, int with_momentum, long step,
                                 clnas_error *err)
{
    const clnas_supernet_layout *l = &sn->layout;
    int n = l->nparams * (with_momentum ? 2 : 1);
    clnas_tensor *t = calloc((size_t)n + 1, sizeof *t);
    char **names = calloc((size_t)n + 1, sizeof *names);
    double *arena[3] = {malloc((l->param_elems + 1) * sizeof(double)), malloc((l->state_elems + 1) * sizeof(double)),
                        malloc((l->param_elems + 1) * sizeof(double))};
    size_t es = elem_size(sn);
    clnas_status st = t && names && arena[0] && arena[1] && arena[2]
                          ? CLNAS_OK
                          : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    if (st == CLNAS_OK)
        st = clnas_supernet_read_arena(sn, CLNAS_ARENA_PARAMS, arena[0], err);
    if (st == CLNAS_OK)
        st = clnas_supernet_read_arena(sn, CLNAS_ARENA_STATE, arena[1], err);
    if (st == CLNAS_OK && with_momentum)
        st = clnas_supernet_read_arena(sn, CLNAS_ARENA_MOMENTUM, arena[2], err);
    int m = 0;
    for (int pass = 0; pass < (with_momentum ? 2 : 1) && st == CLNAS_OK; pass++)
        for (int i = 0; i < l->nparams && st == CLNAS_OK; i++) {
            const clnas_param_info *p = &l->params[i].info;
            if (pass && p->arena == CLNAS_ARENA_STATE)
                continue; /* running statistics have no momentum */
            names[m] = malloc(CLNAS_NAME_MAX + 16);
            t[m].data = malloc(p->count * es + 1);
            if (!names[m] || !t[m].data) {
                free(names[m]);
                free(t[m].data);
                st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
                break;
            }
            snprintf(names[m], CLNAS_NAME_MAX + 16, "%s%s", p->name, pass ? ":momentum" : "");
            const double *src = (pass ? arena[2] : arena[p->arena == CLNAS_ARENA_STATE]) + p->offset;
            for (size_t k = 0; k < p->count; k++) {
                if (sn->net.fp64)
                    ((double *)t[m].data)[k] = src[k];
                else
                    ((float *)t[m].data)[k] = (float)src[k];
            }
            t[m].name = names[m];
            t[m].dtype = sn->net.fp64 ? CLNAS_DTYPE_F64 : CLNAS_DTYPE_F32;
            t[m].ndim = p->ndim;
            for (int d = 0; d < p->ndim; d++)
                t[m].shape[d] = p->shape[d];
            t[m].nbytes = p->count * es;
            m++;
        }
    if (st == CLNAS_OK) {
        char channels[16], cells[16], step_text[24];
        snprintf(channels, sizeof channels, "%d", sn->net.channels);
        snprintf(cells, sizeof cells, "%d", sn->net.space == CLNAS_NET_DARTS   ? sn->net.layers
                                            : sn->net.space == CLNAS_NET_CHAIN ? sn->net.chain_genotype.nlayers
                                                                               : sn->net.cells);
        snprintf(step_text, sizeof step_text, "%ld", step);
        const char *meta[] = {"format", "clnas-supernet", "channels", channels,
                              sn->net.space == CLNAS_NET_NB201 ? "cells" : "layers", cells,
                              step >= 0 ? "step" : NULL, step_text, NULL};
        st = clnas_safetensors_write(path, t, m, meta, err);
    }
    for (int i = 0; i < m; i++) {
        free(t[i].data);
        free(names[i]);
    }
    free(names);
    free(t);
    for (int i = 0; i < 3; i++)
        free(arena[i]);
    return st;
}

const clnas_algo_choices *clnas_supernet_algo_choices(const clnas_supernet *sn)
{
    return &sn->recorded;
}

clnas_status clnas_supernet_load(clnas_supernet *sn, const char *path, long *step, clnas_error *err)
{
    const clnas_supernet_layout *l = &sn->layout;
    clnas_safetensors file;
    clnas_status st = clnas_safetensors_read(path, &file, err);
    if (st != CLNAS_OK)
        return st;
    double *arena[3] = {calloc(l->param_elems + 1, sizeof(double)), calloc(l->state_elems + 1, sizeof(double)),
                        calloc(l->param_elems + 1, sizeof(double))};
    if (!arena[0] || !arena[1] || !arena[2])
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    int expected = 0;
    for (int pass = 0; pass < 2 && st == CLNAS_OK; pass++)
        for (int i = 0; i < l->nparams && st == CLNAS_OK; i++) {
            const clnas_param_info *p = &l->params[i].info;
            if (pass && p->arena == CLNAS_ARENA_STATE)
                continue;
            char name[CLNAS_NAME_MAX + 16];
            snprintf(name, sizeof name, "%s%s", p->name, pass ? ":momentum" : "");
            const clnas_tensor *t = clnas_safetensors_find(&file, name);
            if (!t && pass)
                continue; /* weights without momenta: momenta start at zero */
            if (!t) {
                st = clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "%s: tensor '%s' is missing (this supernet needs it)",
                                     path, name);
                break;
            }
            expected++;
            int same = t->ndim == p->ndim;
            for (int d = 0; same && d < p->ndim; d++)
                same = t->shape[d] == p->shape[d];
            if (same) {
                st = clnas_tensor_to_double(t, (pass ? arena[2] : arena[p->arena == CLNAS_ARENA_STATE]) + p->offset,
                                            (int64_t)p->count, err);
            } else {
                char depth[32];
                depth_text(&sn->net, depth, sizeof depth);
                st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor '%s' has another shape than this supernet's "
                                     "(C=%d, %s)", path, name, sn->net.channels, depth);
            }
        }
    if (step) {
        const char *text = clnas_safetensors_metadata(&file, "step");
        char *end = NULL;
        *step = text ? strtol(text, &end, 10) : -1;
        if (st == CLNAS_OK && text && (end == text || *end || *step < 0))
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: metadata step \"%s\" is not a step count", path, text);
    }
    if (st == CLNAS_OK && expected != file.count)
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: %d tensors are not parameters of this supernet (another "
                             "size or op set?)", path, file.count - expected);
    if (st == CLNAS_OK)
        st = arena_io(sn, CLNAS_ARENA_PARAMS, 0, l->param_elems, arena[0], 1, err);
    if (st == CLNAS_OK)
        st = arena_io(sn, CLNAS_ARENA_STATE, 0, l->state_elems, arena[1], 1, err);
    if (st == CLNAS_OK)
        st = arena_io(sn, CLNAS_ARENA_MOMENTUM, 0, l->param_elems, arena[2], 1, err);
    for (int i = 0; i < 3; i++)
        free(arena[i]);
    clnas_safetensors_free(&file);
    return st;
}

/* ---- warm-up ---- */

/* Distinct items by (hash, bytes): kernel descriptors first, then program sources. */
typedef struct blob_set {
    uint64_t *hash;
    void **item;
    size_t *size;
    int n, cap;
} blob_set;

static void blob_set_free(blob_set *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->item[i]);
    free(s->item);
    free(s->hash);
    free(s->size);
}

/* 1 when added, 0 when present, -1 when out of memory. */
static int blob_set_add(blob_set *s, const void *item, size_t size)
{
    uint64_t h = clnas_fnv1a64(item, size, CLNAS_FNV1A64_INIT);
    for (int i = 0; i < s->n; i++)
        if (s->hash[i] == h && s->size[i] == size && memcmp(s->item[i], item, size) == 0)
            return 0;
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 256;
        uint64_t *hh = realloc(s->hash, (size_t)cap * sizeof *hh);
        if (hh)
            s->hash = hh;
        void **ii = realloc(s->item, (size_t)cap * sizeof *ii);
        if (ii)
            s->item = ii;
        size_t *ss = realloc(s->size, (size_t)cap * sizeof *ss);
        if (ss)
            s->size = ss;
        if (!hh || !ii || !ss)
            return -1;
        s->cap = cap;
    }
    if (!(s->item[s->n] = malloc(size)))
        return -1;
    memcpy(s->item[s->n], item, size);
    s->hash[s->n] = h;
    s->size[s->n++] = size;
    return 1;
}

clnas_status clnas_supernet_warm_up(clnas_supernet *sn, int *programs, clnas_error *err)
{
    /* descriptors of every path (sources are a function of the descriptor: generating them per path would cost
     * most of the time), then one source per distinct descriptor; a plan's program is the source of the first of
     * its kernels with that body, which is one of these */
    blob_set descs = {0}, sources = {0};
    *programs = 0;
    if (sn->net.space != CLNAS_NET_NB201)
        return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "warm-up: the supernet's paths cannot be enumerated on "
                               "space %s (it builds every path of NB201's 15,625); turn strategy.warm_up off",
                               sn->net.space == CLNAS_NET_DARTS ? "darts" : "chain");
    clnas_status st = CLNAS_OK;
    for (uint32_t index = 0; index < CLNAS_NB201_CELLS && st == CLNAS_OK; index++) {
        clnas_net_config cfg = sn->net;
        clnas_genotype_from_index(index, &cfg.genotype);
        if (!clnas_edge_op_set_has(&sn->op_set, &cfg.genotype))
            continue;
        clnas_plan *plan = NULL;
        st = clnas_plan_compile_descs_on(sn->dev, &cfg, &plan, err);
        if (st == CLNAS_OK)
            st = clnas_path_plan_bind(plan, &sn->layout, err);
        for (int i = 0; st == CLNAS_OK && i < plan->nkernels; i++)
            if (blob_set_add(&descs, &plan->kernels[i].desc, sizeof plan->kernels[i].desc) < 0)
                st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        clnas_plan_free(plan);
    }
    for (int i = 0; i < descs.n && st == CLNAS_OK; i++) {
        char *src = NULL;
        st = clnas_kernel_source(descs.item[i], sn->net.fp64, &src, err);
        if (st == CLNAS_OK && blob_set_add(&sources, src, strlen(src) + 1) < 0)
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        free(src);
    }
    for (int i = 0; i < sources.n && st == CLNAS_OK; i++) {
        cl_program prog;
        st = clnas_program_cache_get(sn->cache, sources.item[i], "", "supernet warm-up", &prog, err);
    }
    *programs = sources.n;
    blob_set_free(&descs);
    blob_set_free(&sources);
    return st;
}
