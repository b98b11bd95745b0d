/* clnas — emission: lowers each launch of a fused, planned graph (through its op table row) to a kernel descriptor
 * with its buffer bindings, and collects the distinct kernels and OpenCL programs of the plan. */
#include "emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"

const clnas_graph_tensor *clnas_lower_tensor(const clnas_lowering *l, int t)
{
    return &l->g->tensors[t];
}

clnas_status clnas_lower_bind(clnas_lowering *l, const char *slot, int t)
{
    int a = clnas_kernel_desc_find_arg(&l->desc, slot);
    if (a < 0)
        return clnas_error_set(l->err, CLNAS_ERR_INVALID_ARG, "internal: kernel %s has no slot '%s' (%s)",
                               l->desc.entry, slot, l->launch->label);
    int s = clnas_graph_root(l->g, t);
    clnas_plan_binding *b = &l->launch->arg[a];
    b->arena = clnas_lower_tensor(l, s)->arena;
    b->offset = clnas_lower_tensor(l, t)->offset;
    b->count = clnas_graph_span(l->g, t);
    b->tensor = s;
    /* a channel slice: the kernel addresses sample n at n * <SLOT>_BSTRIDE, one sample being <SLOT>_PER elements
     * (only the slots codegen/concat_slices.c lets a slice into read these) */
    size_t per, stride = clnas_graph_slice_stride(l->g, t, &per);
    b->bstride = stride;
    b->per = stride ? per : 0;
    if (stride) {
        char name[24];
        int bad = 0;
        for (int i = 0; i < 2; i++) {
            snprintf(name, sizeof name, "%s_%s", slot, i ? "PER" : "BSTRIDE");
            for (char *c = name; *c && *c != '_'; c++)
                *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
            bad |= clnas_kernel_desc_define_int(&l->desc, name, (long)(i ? per : stride)) != CLNAS_OK;
        }
        if (bad)
            return clnas_error_set(l->err, CLNAS_ERR_INVALID_ARG, "internal: kernel %s: no room for the slice "
                                   "defines of slot '%s' (%s)", l->desc.entry, slot, l->launch->label);
    }
    return CLNAS_OK;
}

/* Which bindings are the node's outputs (after fusion's aliases: an output shares its storage), and which of those
 * add into what is there: the memory checks tell reads from writes by this, whatever a slot is called. */
static void mark_writes(const clnas_graph *g, const clnas_graph_node *n, clnas_plan_launch *launch)
{
    for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++)
        for (int k = 0; k < n->nout && launch->arg[a].tensor >= 0; k++)
            if (clnas_graph_root(g, n->out[k]) == launch->arg[a].tensor &&
                launch->arg[a].offset == g->tensors[n->out[k]].offset &&
                launch->arg[a].count == clnas_graph_span(g, n->out[k]))
                launch->arg[a].writes = n->accum[k] ? 2 : 1;
}

/* The op's kernel with its bindings, then its GEMM alternative (if it has one). */
static clnas_status lower_node(clnas_lowering *l, const clnas_graph_node *n)
{
    const clnas_op_def *def = clnas_op_def_of(n->kind);
    if (!def->lower)
        return clnas_error_set(l->err, CLNAS_ERR_UNSUPPORTED, "internal: no kernel for node %s (%s) after fusion",
                               n->label, clnas_node_kind_name(n->kind));
    CLNAS_TRY(def->lower(l, n));
    return def->gemm ? def->gemm(l, n, &l->launch->gemm) : CLNAS_OK;
}

static int same_desc(const clnas_kernel_desc *a, const clnas_kernel_desc *b)
{
    if (strcmp(a->template_name, b->template_name) || strcmp(a->entry, b->entry) || a->ndefines != b->ndefines ||
        a->dims != b->dims || a->nargs != b->nargs)
        return 0;
    for (int i = 0; i < a->ndefines; i++)
        if (strcmp(a->defines[i].name, b->defines[i].name) || strcmp(a->defines[i].value, b->defines[i].value))
            return 0;
    for (int i = 0; i < 3; i++)
        if (a->global[i] != b->global[i] || a->local[i] != b->local[i])
            return 0;
    return 1;
}

clnas_status clnas_emit_add_kernel(clnas_plan *plan, const clnas_kernel_desc *desc, int *index, clnas_error *err)
{
    for (int i = 0; i < plan->nkernels; i++)
        if (same_desc(&plan->kernels[i].desc, desc)) {
            *index = i;
            return CLNAS_OK;
        }
    int program = -1;
    char *src = NULL;
    clnas_status st = plan->descs_only ? CLNAS_OK : clnas_kernel_source(desc, plan->config.fp64, &src, err);
    if (st != CLNAS_OK)
        return st;
    /* kernels whose source differs only in the entry point share a program: compare without the banner */
    const char *body = src ? strchr(src, '\n') : NULL;
    for (int i = 0; src && i < plan->nprograms && program < 0; i++) {
        const char *other = strchr(plan->program_sources[i], '\n');
        if (strcmp(body, other) == 0)
            program = i;
    }
    if (src && program < 0) {
        char **p = realloc(plan->program_sources, (size_t)(plan->nprograms + 1) * sizeof *p);
        if (!p) {
            free(src);
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        }
        plan->program_sources = p;
        p[plan->nprograms] = src;
        program = plan->nprograms++;
    } else {
        free(src);
    }
    clnas_plan_kernel *k = realloc(plan->kernels, (size_t)(plan->nkernels + 1) * sizeof *k);
    if (!k)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    plan->kernels = k;
    k[plan->nkernels].desc = *desc;
    k[plan->nkernels].program = program;
    *index = plan->nkernels++;
    return CLNAS_OK;
}

clnas_status clnas_emit(const clnas_graph *g, size_t live_params, clnas_plan *plan, clnas_plan_launch **out,
                        int *nout, clnas_error *err)
{
    clnas_plan_launch *launches = calloc((size_t)g->norder + 1, sizeof *launches);
    if (!launches)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory emitting kernels");
    for (int i = 0; i < g->norder; i++) {
        const clnas_graph_node *n = &g->nodes[g->order[i]];
        clnas_plan_launch *launch = &launches[i];
        memcpy(launch->label, n->label, sizeof launch->label);
        launch->phase = n->phase;
        launch->kind = n->kind;
        for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++)
            launch->arg[a].tensor = -1;
        clnas_lowering l;
        memset(&l, 0, sizeof l);
        l.g = g;
        l.cfg = &plan->config;
        l.profile = &plan->profile;
        l.launch = launch;
        l.live_params = live_params;
        l.err = err;
        clnas_status st = lower_node(&l, n);
        mark_writes(g, n, launch);
        if (st == CLNAS_OK)
            st = clnas_emit_add_kernel(plan, &l.desc, &launch->kernel, err);
        if (st != CLNAS_OK) {
            free(launches);
            return st;
        }
    }
    /* the source banner names the first entry; kernels sharing a program keep the program's banner */
    *out = launches;
    *nout = g->norder;
    return CLNAS_OK;
}
