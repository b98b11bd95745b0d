/* clnas — path binding: offsets of a stand-alone plan's parameter bindings mapped, by parameter name, to the
 * supernet layout, and the optimizer split into one launch per supernet module. */
#include "path_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "op_eltwise.h"
#include "op_grad_clip.h"
#include "op_sgd.h"

typedef struct binder {
    clnas_plan *plan;
    const clnas_supernet_layout *layout;
    int *map;             /* plan parameter -> layout parameter */
    size_t *old_offset;   /* plan parameter -> its stand-alone offset */
    clnas_error *err;
} binder;

static int is_param_arena(clnas_arena a)
{
    return a == CLNAS_ARENA_PARAMS || a == CLNAS_ARENA_GRADS || a == CLNAS_ARENA_MOMENTUM || a == CLNAS_ARENA_STATE;
}

/* The supernet offset of [offset, offset + count) of a parameter arena; -1 when no one parameter holds it. */
static int remap(const binder *b, clnas_arena arena, size_t offset, size_t count, size_t *out)
{
    clnas_arena owner = arena == CLNAS_ARENA_STATE ? CLNAS_ARENA_STATE : CLNAS_ARENA_PARAMS;
    for (int i = 0; i < b->plan->nparams; i++) {
        const clnas_param_info *p = &b->plan->params[i];
        size_t start = b->old_offset[i];
        if (p->arena == owner && offset >= start && offset + count <= start + p->count) {
            *out = b->layout->params[b->map[i]].info.offset + (offset - start);
            return 0;
        }
    }
    return -1;
}

static clnas_status rebind_launches(binder *b, clnas_plan_launch *launches, int n)
{
    for (int i = 0; i < n; i++) {
        clnas_plan_launch *l = &launches[i];
        if (l->kind == CLNAS_NODE_SGD_ARENA || l->kind == CLNAS_NODE_GRAD_CLIP)
            continue;
        const clnas_kernel_desc *d = &b->plan->kernels[l->kernel].desc;
        for (int a = 0; a < d->nargs; a++) {
            clnas_plan_binding *x = &l->arg[a];
            if (d->arg_kind[a] != CLNAS_ARG_TENSOR || !is_param_arena(x->arena))
                continue;
            if (remap(b, x->arena, x->offset, x->count, &x->offset))
                return clnas_error_set(b->err, CLNAS_ERR_INVALID_ARG,
                                       "internal: %s binds %s[%zu, +%zu), which is no one parameter", l->label,
                                       clnas_arena_name(x->arena), x->offset, x->count);
        }
    }
    return CLNAS_OK;
}

static void rebind_buffers(binder *b, clnas_plan_buffer *buffers, int n)
{
    for (int i = 0; i < n; i++)
        if (is_param_arena(buffers[i].arena))
            (void)remap(b, buffers[i].arena, buffers[i].offset, buffers[i].count, &buffers[i].offset);
}

/* Gradient clipping of a path: the path's gradients lie scattered over the supernet's arena, among stale ones of
 * other paths. The backward pass starts by zeroing the whole gradient arena, and the clip then takes the global
 * norm over all of it: the path's norm (the other gradients are zero), with one program for every path. */
static clnas_status clip_whole_arena(binder *b)
{
    clnas_plan *plan = b->plan;
    int clip = -1, first_backward = -1;
    for (int i = 0; i < plan->ntrain; i++) {
        if (plan->train[i].kind == CLNAS_NODE_GRAD_CLIP)
            clip = i;
        if (first_backward < 0 && plan->train[i].phase == CLNAS_PHASE_BACKWARD)
            first_backward = i;
    }
    if (clip < 0)
        return CLNAS_OK;
    if (first_backward < 0)
        return clnas_error_set(b->err, CLNAS_ERR_INVALID_ARG, "internal: a plan with grad_clip has no backward pass");
    const size_t count = b->layout->param_elems;
    clnas_grad_clip_params cp = {(long)count, plan->config.grad_clip};
    clnas_eltwise_params fp = {0};
    fp.count = (long)count;
    clnas_kernel_desc cd, fd;
    int ck = -1, fk = -1;
    clnas_status st = clnas_op_grad_clip_desc(&cp, &cd, b->err);
    if (st == CLNAS_OK)
        st = clnas_emit_add_kernel(plan, &cd, &ck, b->err);
    if (st == CLNAS_OK)
        st = clnas_op_fill_desc(&fp, &fd, b->err);
    if (st == CLNAS_OK)
        st = clnas_emit_add_kernel(plan, &fd, &fk, b->err);
    if (st != CLNAS_OK)
        return st;
    clnas_plan_launch *train = malloc((size_t)(plan->ntrain + 1) * sizeof *train);
    if (!train)
        return clnas_error_set(b->err, CLNAS_ERR_NO_MEMORY, "out of memory");
    clnas_plan_launch *zero = &train[first_backward];
    memcpy(train, plan->train, (size_t)first_backward * sizeof *train);
    memcpy(train + first_backward + 1, plan->train + first_backward,
           (size_t)(plan->ntrain - first_backward) * sizeof *train);
    memset(zero, 0, sizeof *zero);
    zero->kernel = fk;
    zero->phase = CLNAS_PHASE_BACKWARD;
    zero->kind = CLNAS_NODE_FILL_ZERO;
    snprintf(zero->label, sizeof zero->label, "grads:zero (the supernet's, for grad_clip)");
    clnas_plan_launch *c = &train[clip + (clip >= first_backward)];
    c->kernel = ck;
    for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++)
        zero->arg[a].tensor = c->arg[a].tensor = -1;
    int ya = clnas_kernel_desc_find_arg(&fd, "y"), ga = clnas_kernel_desc_find_arg(&cd, "g");
    if (ya < 0 || ga < 0) {
        free(train);
        return clnas_error_set(b->err, CLNAS_ERR_INVALID_ARG, "internal: fill or grad_clip kernel without its slot");
    }
    zero->arg[ya] = (clnas_plan_binding){CLNAS_ARENA_GRADS, 0, count, -1, 1, 0, 0};
    c->arg[ga] = (clnas_plan_binding){CLNAS_ARENA_GRADS, 0, count, -1, 2, 0, 0};
    free(plan->train);
    plan->train = train;
    plan->ntrain++;
    return CLNAS_OK;
}

/* The optimizer launches: one per supernet module with a live parameter of the path, in module order. */
static clnas_status split_optimizer(binder *b)
{
    clnas_plan *plan = b->plan;
    int at = -1;
    for (int i = 0; i < plan->ntrain; i++)
        if (plan->train[i].kind == CLNAS_NODE_SGD_ARENA)
            at = i;
    if (at < 0)
        return CLNAS_OK;
    int nmod = 1;
    for (int i = 0; i < b->layout->nparams; i++)
        if (b->layout->params[i].module >= nmod)
            nmod = b->layout->params[i].module + 1;
    size_t *lo = malloc((size_t)nmod * sizeof *lo), *hi = calloc((size_t)nmod, sizeof *hi);
    clnas_status st = lo && hi ? CLNAS_OK : clnas_error_set(b->err, CLNAS_ERR_NO_MEMORY, "out of memory");
    int nseg = 0;
    for (int m = 0; lo && m < nmod; m++)
        lo[m] = (size_t)-1;
    for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
        const clnas_supernet_param *sp = &b->layout->params[b->map[i]];
        if (plan->params[i].arena != CLNAS_ARENA_PARAMS || !plan->params[i].live)
            continue;
        if (sp->module >= nmod)
            st = clnas_error_set(b->err, CLNAS_ERR_INVALID_ARG, "internal: supernet module %d out of range", sp->module);
        else {
            nseg += lo[sp->module] == (size_t)-1;
            if (sp->info.offset < lo[sp->module])
                lo[sp->module] = sp->info.offset;
            if (sp->info.offset + sp->info.count > hi[sp->module])
                hi[sp->module] = sp->info.offset + sp->info.count;
        }
    }
    if (st == CLNAS_OK && lo[0] != (size_t)-1) { /* module 0 with its padding: the same count for every path */
        lo[0] = 0;
        hi[0] = b->layout->fixed_elems;
    }
    clnas_plan_launch *train = st == CLNAS_OK ? malloc((size_t)(plan->ntrain + nseg) * sizeof *train) : NULL;
    if (st == CLNAS_OK && !train)
        st = clnas_error_set(b->err, CLNAS_ERR_NO_MEMORY, "out of memory");
    int n = 0;
    for (int i = 0; i < plan->ntrain && st == CLNAS_OK; i++) {
        if (i != at) {
            train[n++] = plan->train[i];
            continue;
        }
        for (int m = 0; m < nmod && st == CLNAS_OK; m++) {
            if (lo[m] == (size_t)-1)
                continue;
            clnas_plan_launch *l = &train[n++];
            *l = plan->train[at];
            snprintf(l->label, sizeof l->label, "sgd:module%d", m);
            clnas_sgd_params p = {0};
            p.count = (long)(hi[m] - lo[m]);
            p.momentum = plan->config.sgd_momentum;
            p.weight_decay = plan->config.weight_decay;
            p.nesterov = plan->config.nesterov;
            clnas_kernel_desc d;
            st = clnas_op_sgd_desc(&p, &d, b->err);
            if (st == CLNAS_OK)
                st = clnas_emit_add_kernel(plan, &d, &l->kernel, b->err);
            for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++)
                l->arg[a].tensor = -1;
            static const char *const slots[] = {"p", "g", "v"};
            static const clnas_arena arenas[] = {CLNAS_ARENA_PARAMS, CLNAS_ARENA_GRADS, CLNAS_ARENA_MOMENTUM};
            for (int s = 0; s < 3 && st == CLNAS_OK; s++) {
                int a = clnas_kernel_desc_find_arg(&d, slots[s]);
                if (a < 0)
                    st = clnas_error_set(b->err, CLNAS_ERR_INVALID_ARG, "internal: sgd kernel has no slot %s", slots[s]);
                else
                    l->arg[a] = (clnas_plan_binding){arenas[s], lo[m], hi[m] - lo[m], -1, s == 1 ? 0 : 2, 0, 0};
            }
        }
    }
    if (st == CLNAS_OK) {
        free(plan->train);
        plan->train = train;
        plan->ntrain = n;
    } else {
        free(train);
    }
    free(lo);
    free(hi);
    return st;
}

clnas_status clnas_path_plan_bind(clnas_plan *plan, const clnas_supernet_layout *layout, clnas_error *err)
{
    binder b = {plan, layout, malloc(((size_t)plan->nparams + 1) * sizeof(int)),
                malloc(((size_t)plan->nparams + 1) * sizeof(size_t)), err};
    clnas_status st = b.map && b.old_offset ? CLNAS_OK : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
        char name[CLNAS_NAME_MAX];
        const clnas_param_info *p = &plan->params[i];
        st = clnas_supernet_path_param_name(&plan->config, p->name, name, sizeof name, err);
        int j = st == CLNAS_OK ? clnas_supernet_layout_find(layout, name) : -1;
        if (st == CLNAS_OK && j < 0) {
            char arch[CLNAS_CHAIN_GENOTYPE_STR_MAX]; /* the longest of the spaces' strings */
            if (plan->config.space == CLNAS_NET_DARTS)
                clnas_darts_genotype_format(&plan->config.darts_genotype, arch, sizeof arch, NULL);
            else if (plan->config.space == CLNAS_NET_CHAIN)
                clnas_chain_genotype_format(&plan->config.chain_genotype, arch, sizeof arch, NULL);
            else
                clnas_genotype_format(&plan->config.genotype, arch, sizeof arch, NULL);
            st = clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "the supernet has no parameter '%s' (path %s: an op its "
                                 "edges do not hold, or another network size)", name, arch);
        } else if (st == CLNAS_OK && (layout->params[j].info.count != p->count ||
                                      layout->params[j].info.arena != p->arena)) {
            st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "supernet parameter '%s' has %zu elements, the path's %zu",
                                 name, layout->params[j].info.count, p->count);
        }
        if (st == CLNAS_OK) {
            b.map[i] = j;
            b.old_offset[i] = p->offset;
        }
    }
    if (st == CLNAS_OK)
        st = rebind_launches(&b, plan->train, plan->ntrain);
    if (st == CLNAS_OK)
        st = rebind_launches(&b, plan->eval, plan->neval);
    if (st == CLNAS_OK) {
        rebind_buffers(&b, plan->buffers, plan->nbuffers);
        rebind_buffers(&b, plan->eval_buffers, plan->neval_buffers);
        st = split_optimizer(&b);
    }
    if (st == CLNAS_OK)
        st = clip_whole_arena(&b);
    if (st == CLNAS_OK) {
        for (int i = 0; i < plan->nparams; i++)
            plan->params[i].offset = layout->params[b.map[i]].info.offset;
        plan->arena_elems[CLNAS_ARENA_PARAMS] = plan->arena_elems[CLNAS_ARENA_GRADS] =
            plan->arena_elems[CLNAS_ARENA_MOMENTUM] = layout->param_elems;
        plan->arena_elems[CLNAS_ARENA_STATE] = layout->state_elems;
    }
    free(b.map);
    free(b.old_offset);
    return st;
}
