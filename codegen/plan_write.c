/* clnas — writing a compiled plan out for people: plan.json, every program's OpenCL C, cell and kernel graphs. */
#include "plan_write.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clnas/space.h"
#include "device_profile_json.h"
#include "file_io.h"

static const char *const phase_names[] = {"forward", "backward", "update"};

static const char *phase_name(clnas_phase phase)
{
    return phase >= CLNAS_PHASE_FORWARD && phase <= CLNAS_PHASE_UPDATE ? phase_names[phase] : "?";
}

clnas_slot_access clnas_plan_slot_access(const char *slot)
{
    static const char *const outputs[] = {"y",       "dx",   "dw",      "db",   "dgamma", "dbeta",
                                          "dlogits", "loss", "smean", "sinvstd"};
    static const char *const read_write[] = {"rmean", "rvar", "p", "v"};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
        if (strcmp(slot, outputs[i]) == 0)
            return CLNAS_SLOT_WRITE;
    for (size_t i = 0; i < sizeof read_write / sizeof read_write[0]; i++)
        if (strcmp(slot, read_write[i]) == 0)
            return CLNAS_SLOT_READ_WRITE;
    return CLNAS_SLOT_READ;
}

static const char *access_name(clnas_slot_access access)
{
    return access == CLNAS_SLOT_WRITE ? "write" : access == CLNAS_SLOT_READ_WRITE ? "read-write" : "read";
}

size_t clnas_plan_arena_bytes(const clnas_plan *plan, clnas_arena arena)
{
    if (arena < 0 || arena >= CLNAS_ARENA_COUNT)
        return 0;
    size_t elem = arena == CLNAS_ARENA_LABELS ? sizeof(int32_t) : clnas_plan_elem_size(plan);
    return plan->arena_elems[arena] * elem;
}

clnas_status clnas_plan_stats_get(const clnas_plan *plan, clnas_plan_stats *out, clnas_error *err)
{
    if (!plan || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "plan stats: plan and out must not be NULL");
    memset(out, 0, sizeof *out);
    out->ops = plan->ops;
    out->kernels = plan->nkernels;
    out->launches_per_step = plan->ntrain;
    out->programs = plan->nprograms;
    for (int a = 0; a < CLNAS_ARENA_COUNT; a++)
        out->arena_bytes += clnas_plan_arena_bytes(plan, (clnas_arena)a);
    return CLNAS_OK;
}

clnas_status clnas_plan_program_file(const clnas_plan *plan, int program, char *buf, size_t cap, clnas_error *err)
{
    if (!plan || !buf || program < 0 || program >= plan->nprograms)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "program file: program %d is not in the plan (0 to %d)",
                               program, plan ? plan->nprograms - 1 : -1);
    const char *entry = "program";
    for (int k = 0; k < plan->nkernels; k++)
        if (plan->kernels[k].program == program) {
            entry = plan->kernels[k].desc.entry;
            break;
        }
    int n = snprintf(buf, cap, "%s__%03d.cl", entry, program);
    if (n < 0 || (size_t)n >= cap)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "program file: a buffer of %zu bytes is too small", cap);
    /* entries are C identifiers; keep the name a plain file name whatever they hold */
    for (char *c = buf; *c; c++)
        if (*c == '/' || *c == '\\')
            *c = '_';
    return CLNAS_OK;
}

/* ---- files ---- */

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/%s", dir, name);
    return path;
}

static clnas_status make_dirs(const char *dir, clnas_error *err)
{
    if (!dir || !dir[0])
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "plan output directory: expected a path, got an empty one");
    clnas_status st = clnas_dirs_make(dir, err);
    struct stat info;
    if (st == CLNAS_OK && (stat(dir, &info) != 0 || !S_ISDIR(info.st_mode)))
        st = clnas_error_set(err, CLNAS_ERR_IO, "%s: expected a directory to write the plan into", dir);
    return st;
}

/* Writes dir/name atomically (core's temporary-file-and-rename writer). */
static clnas_status write_file(const char *dir, const char *name, const char *data, size_t len, clnas_error *err)
{
    char *path = join_path(dir, name);
    if (!path)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    clnas_status st = clnas_file_write_bytes_atomic(path, data, len, err);
    free(path);
    return st;
}

/* ---- plan.json ---- */

static cJSON *size_array(const size_t *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n && a; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

/* Integer defines become numbers; the others (reals such as "((real)1e-05)") stay the text the kernel sees. */
static cJSON *define_value(const char *text)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (text[0] && !*end && !errno && labs(v) < (1L << 52))
        return cJSON_CreateNumber((double)v);
    return cJSON_CreateString(text);
}

static int json_kernels(cJSON *root, const clnas_plan *plan)
{
    cJSON *kernels = cJSON_AddArrayToObject(root, "kernels");
    for (int k = 0; k < plan->nkernels && kernels; k++) {
        const clnas_kernel_desc *d = &plan->kernels[k].desc;
        char file[128];
        if (clnas_plan_program_file(plan, plan->kernels[k].program, file, sizeof file, NULL) != CLNAS_OK)
            return 0;
        cJSON *o = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(kernels, o))
            return 0;
        cJSON_AddNumberToObject(o, "index", k);
        cJSON_AddStringToObject(o, "entry", d->entry);
        cJSON_AddStringToObject(o, "template", d->template_name);
        cJSON_AddNumberToObject(o, "program", plan->kernels[k].program);
        cJSON_AddStringToObject(o, "program_file", file);
        cJSON *defines = cJSON_AddObjectToObject(o, "defines");
        for (int i = 0; i < d->ndefines; i++)
            if (!cJSON_AddItemToObject(defines, d->defines[i].name, define_value(d->defines[i].value)))
                return 0;
        if (!cJSON_AddItemToObject(o, "global", size_array(d->global, d->dims))
            || !cJSON_AddItemToObject(o, "local", size_array(d->local, d->dims))
            || !cJSON_AddNumberToObject(o, "local_bytes", (double)d->local_bytes[plan->config.fp64 ? 1 : 0]))
            return 0;
    }
    return kernels != NULL;
}

static const char *arg_type_name(clnas_arg_kind kind)
{
    switch (kind) {
    case CLNAS_ARG_TENSOR: return "tensor";
    case CLNAS_ARG_TENSOR_INT: return "int tensor";
    case CLNAS_ARG_REAL: return "real";
    case CLNAS_ARG_INT: return "int";
    }
    return "?";
}

/* buffers: the table the bindings' tensor indices refer to (the training step's or evaluation's). */
static int json_launches(cJSON *root, const char *key, const clnas_plan *plan, const clnas_plan_launch *launches,
                         int n, const clnas_plan_buffer *buffers, int nbuffers)
{
    cJSON *array = cJSON_AddArrayToObject(root, key);
    for (int i = 0; i < n && array; i++) {
        const clnas_plan_launch *l = &launches[i];
        if (l->kernel < 0 || l->kernel >= plan->nkernels)
            return 0;
        const clnas_kernel_desc *d = &plan->kernels[l->kernel].desc;
        cJSON *o = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(array, o))
            return 0;
        cJSON_AddNumberToObject(o, "index", i);
        cJSON_AddStringToObject(o, "phase", phase_name(l->phase));
        cJSON_AddStringToObject(o, "label", l->label);
        cJSON_AddStringToObject(o, "op", clnas_node_kind_name(l->kind));
        cJSON_AddNumberToObject(o, "kernel", l->kernel);
        cJSON_AddStringToObject(o, "entry", d->entry);
        if (!cJSON_AddItemToObject(o, "global", size_array(d->global, d->dims))
            || !cJSON_AddItemToObject(o, "local", size_array(d->local, d->dims)))
            return 0;
        cJSON *args = cJSON_AddArrayToObject(o, "args");
        for (int a = 0; a < d->nargs; a++) {
            const clnas_plan_binding *b = &l->arg[a];
            cJSON *arg = cJSON_CreateObject();
            if (!cJSON_AddItemToArray(args, arg))
                return 0;
            cJSON_AddStringToObject(arg, "slot", d->arg_name[a]);
            cJSON_AddStringToObject(arg, "type", arg_type_name(d->arg_kind[a]));
            if (d->arg_kind[a] == CLNAS_ARG_REAL || d->arg_kind[a] == CLNAS_ARG_INT) {
                cJSON_AddStringToObject(arg, "value", "set per launch");
                continue;
            }
            cJSON_AddStringToObject(arg, "access", access_name(clnas_plan_slot_access(d->arg_name[a])));
            cJSON_AddStringToObject(arg, "arena", clnas_arena_name(b->arena));
            cJSON_AddNumberToObject(arg, "offset_elements", (double)b->offset);
            cJSON_AddNumberToObject(arg, "elements", (double)b->count);
            if (b->bstride) { /* a channel slice of `buffer`: samples of per elements, batch_stride apart */
                cJSON_AddNumberToObject(arg, "slice_batch_stride", (double)b->bstride);
                cJSON_AddNumberToObject(arg, "slice_per_sample", (double)b->per);
            }
            if (b->tensor >= 0 && b->tensor < nbuffers)
                cJSON_AddStringToObject(arg, "buffer", buffers[b->tensor].name);
            else
                cJSON_AddNullToObject(arg, "buffer");
        }
    }
    return array != NULL;
}

static int json_tables(cJSON *root, const clnas_plan *plan)
{
    cJSON *buffers = cJSON_AddArrayToObject(root, "buffers");
    for (int i = 0; i < plan->nbuffers && buffers; i++) {
        const clnas_plan_buffer *b = &plan->buffers[i];
        cJSON *o = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(buffers, o))
            return 0;
        cJSON_AddStringToObject(o, "name", b->name);
        cJSON_AddStringToObject(o, "arena", clnas_arena_name(b->arena));
        cJSON_AddNumberToObject(o, "offset_elements", (double)b->offset);
        cJSON_AddNumberToObject(o, "elements", (double)b->count);
    }
    cJSON *params = cJSON_AddArrayToObject(root, "parameters");
    for (int i = 0; i < plan->nparams && params; i++) {
        const clnas_param_info *p = &plan->params[i];
        cJSON *o = cJSON_CreateObject();
        int shape[4];
        for (int k = 0; k < p->ndim && k < 4; k++)
            shape[k] = p->shape[k];
        if (!cJSON_AddItemToArray(params, o))
            return 0;
        cJSON_AddStringToObject(o, "name", p->name);
        if (!cJSON_AddItemToObject(o, "shape", cJSON_CreateIntArray(shape, p->ndim < 4 ? p->ndim : 4)))
            return 0;
        cJSON_AddStringToObject(o, "arena", clnas_arena_name(p->arena));
        cJSON_AddNumberToObject(o, "offset_elements", (double)p->offset);
        cJSON_AddNumberToObject(o, "elements", (double)p->count);
        cJSON_AddBoolToObject(o, "live", p->live != 0);
    }
    return buffers && params;
}

static clnas_status plan_json(const clnas_plan *plan, const char *arch, const clnas_plan_stats *stats,
                              char **out, clnas_error *err)
{
    const clnas_net_config *cfg = &plan->config;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "arch", arch);
    cJSON_AddNumberToObject(root, "channels", cfg->channels);
    cJSON_AddNumberToObject(root, "cells", cfg->cells);
    cJSON_AddNumberToObject(root, "batch", cfg->batch);
    int input[3] = {cfg->in_channels, cfg->height, cfg->width};
    int ok = cJSON_AddItemToObject(root, "input", cJSON_CreateIntArray(input, 3));
    cJSON_AddNumberToObject(root, "classes", cfg->classes);
    cJSON_AddStringToObject(root, "element_type", cfg->fp64 ? "float64" : "float32");
    ok = ok && cJSON_AddItemToObject(root, "device", clnas_device_profile_json(&plan->profile));
    /* units in the names: offsets and sizes of buffers count elements of element_type, arenas bytes */
    cJSON *arenas = cJSON_AddObjectToObject(root, "arena_bytes");
    for (int a = 0; a < CLNAS_ARENA_COUNT; a++)
        cJSON_AddNumberToObject(arenas, clnas_arena_name((clnas_arena)a),
                                (double)clnas_plan_arena_bytes(plan, (clnas_arena)a));
    cJSON_AddNumberToObject(root, "live_param_elements", (double)plan->live_params); /* what the optimizer updates */
    cJSON *outputs = cJSON_AddObjectToObject(root, "output_offsets_elements"); /* in the activation arena */
    cJSON_AddNumberToObject(outputs, "logits", (double)plan->logits_offset);
    cJSON_AddNumberToObject(outputs, "loss", (double)plan->loss_offset);
    cJSON_AddNumberToObject(outputs, "eval_logits", (double)plan->eval_logits_offset);
    if (plan->has_input_grad)
        cJSON_AddNumberToObject(outputs, "input_grad", (double)plan->input_grad_offset);
    ok = ok && json_kernels(root, plan);
    ok = ok && json_launches(root, "launches", plan, plan->train, plan->ntrain, plan->buffers, plan->nbuffers);
    ok = ok && json_launches(root, "eval_launches", plan, plan->eval, plan->neval, plan->eval_buffers, plan->neval_buffers);
    ok = ok && json_tables(root, plan);
    cJSON *s = cJSON_AddObjectToObject(root, "stats");
    cJSON_AddNumberToObject(s, "ops", stats->ops);
    cJSON_AddNumberToObject(s, "kernels", stats->kernels);
    cJSON_AddNumberToObject(s, "launches_per_step", stats->launches_per_step);
    cJSON_AddNumberToObject(s, "programs", stats->programs);
    ok = ok && cJSON_AddNumberToObject(s, "arena_bytes", (double)stats->arena_bytes) != NULL;
    cJSON *cat = cJSON_AddObjectToObject(s, "concat"); /* training graph: inputs in their slice, copied; launches gone */
    cJSON_AddNumberToObject(cat, "slices", plan->concat_slices);
    cJSON_AddNumberToObject(cat, "copies", plan->concat_copies);
    cJSON_AddNumberToObject(cat, "launches_removed", plan->concat_removed);
    cJSON_AddNumberToObject(cat, "grad_slices", plan->concat_grad_slices);
    ok = ok && cJSON_AddNumberToObject(cat, "grad_copies", plan->concat_grad_copies) != NULL;
    /* the convolution outputs BatchNorm's backward reads: how many, how many recomputed, and the bound on multiply-adds
     * per element that picks them (codegen/recompute.h; INT_MAX: all); the BatchNorm outputs recomputed */
    cJSON *rec = cJSON_AddObjectToObject(s, "recompute");
    cJSON_AddNumberToObject(rec, "candidates", plan->recompute.candidates);
    cJSON_AddNumberToObject(rec, "recomputed", plan->recompute.recomputed);
    cJSON_AddNumberToObject(rec, "nodes", plan->recompute.nodes);
    ok = ok && cJSON_AddNumberToObject(rec, "macs_at_most", plan->recompute.macs_max) != NULL;
    *out = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!*out)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory writing plan.json");
    return CLNAS_OK;
}

/* ---- Graphviz ---- */

/* A DOT string literal's body: quotes and backslashes escaped, newlines as \n. */
static void dot_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

static void cell_dot(FILE *f, const clnas_plan *plan, const char *arch)
{
    const clnas_genotype *g = &plan->config.genotype;
    int zero[CLNAS_NB201_NODES], live[CLNAS_NB201_EDGES];
    clnas_genotype_analyse(g, zero, live);
    fprintf(f, "// clnas cell: dashed grey edges cannot reach the output and generate no kernels;\n"
               "// a dashed node is identically zero.\n");
    fprintf(f, "digraph cell {\n    rankdir=LR;\n    labelloc=t;\n    label=\"");
    dot_text(f, arch);
    fprintf(f, "\";\n    node [shape=circle, fontname=\"Helvetica\"];\n    edge [fontname=\"Helvetica\"];\n");
    for (int j = 0; j < CLNAS_NB201_NODES; j++) {
        const char *role = j == 0 ? "\\ninput" : j == CLNAS_NB201_NODES - 1 ? "\\noutput" : "";
        fprintf(f, "    n%d [label=\"%d%s%s\"%s%s];\n", j, j, role, zero[j] ? "\\n(zero)" : "",
                j == CLNAS_NB201_NODES - 1 ? ", shape=doublecircle" : "",
                zero[j] ? ", style=dashed, color=grey50, fontcolor=grey50" : "");
    }
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        clnas_nb201_op op = (clnas_nb201_op)g->ops[e];
        if (op == CLNAS_OP_NONE)
            continue;
        int from = clnas_nb201_edge_from[e], to = clnas_nb201_edge_to[e];
        int conv = op == CLNAS_OP_NOR_CONV_1X1 || op == CLNAS_OP_NOR_CONV_3X3;
        fprintf(f, "    n%d -> n%d [label=\"%s%s\"%s];\n", from, to, clnas_nb201_op_name(op),
                conv && zero[from] && live[e] ? "\\n(BN shift: input is zero)" : "",
                live[e] ? "" : ", style=dashed, color=grey60, fontcolor=grey60");
    }
    fprintf(f, "}\n");
}

/* graph.dot: one box per launch of the training step, in clusters by phase and then by the cell or block it
 * belongs to; an arrow from a launch to a later one of the same phase that reads a buffer it wrote. Buffers are
 * not nodes (the buffer-level graph of the default network, 2,590 lines, did not lay out in Graphviz within
 * minutes): each box's tooltip lists its bindings, each arrow's the buffers it carries, and the legend counts
 * what is left out. Dot still lays the boxes out in their order (each chain top to bottom). */

static int is_tensor_arg(const clnas_kernel_desc *d, int a)
{
    return d->arg_kind[a] == CLNAS_ARG_TENSOR || d->arg_kind[a] == CLNAS_ARG_TENSOR_INT;
}

/* How launch descriptor d uses slot a, for the graph: a kernel built with ACCUM 1 adds into its main output (y or
 * dx) instead of overwriting it, so that slot reads what an earlier launch wrote. */
static clnas_slot_access graph_access(const clnas_kernel_desc *d, int a)
{
    clnas_slot_access access = clnas_plan_slot_access(d->arg_name[a]);
    if (access != CLNAS_SLOT_WRITE || (strcmp(d->arg_name[a], "y") != 0 && strcmp(d->arg_name[a], "dx") != 0))
        return access;
    for (int k = 0; k < d->ndefines; k++)
        if (strcmp(d->defines[k].name, "ACCUM") == 0 && strcmp(d->defines[k].value, "0") != 0)
            return CLNAS_SLOT_READ_WRITE;
    return access;
}

/* The group of a launch by its label: "cells.K" for a cell's launches, else the label up to its first '.' or ':'
 * ("stem", "head", "classifier", "loss", "sgd (all parameters)"). */
static void launch_group(const char *label, char *buf, size_t cap)
{
    size_t n = strcspn(label, ".:");
    if (strncmp(label, "cells.", 6) == 0)
        n = 6 + strcspn(label + 6, ".:");
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, label, n);
    buf[n] = '\0';
}

/* The buffer a binding names ("" for a binding of a whole arena range, which SGD uses). */
static const char *binding_name(const clnas_plan *plan, const clnas_plan_binding *b)
{
    return b->tensor >= 0 && b->tensor < plan->nbuffers ? plan->buffers[b->tensor].name : "";
}

static void dot_launch(FILE *f, const clnas_plan *plan, int i, const char *indent)
{
    const clnas_plan_launch *l = &plan->train[i];
    const clnas_kernel_desc *d = &plan->kernels[l->kernel].desc;
    static const char *const fill[] = {"lightblue", "mistyrose", "palegreen"};
    char file[128];
    if (clnas_plan_program_file(plan, plan->kernels[l->kernel].program, file, sizeof file, NULL) != CLNAS_OK)
        snprintf(file, sizeof file, "%s", d->entry);
    fprintf(f, "%sL%d [shape=box, style=filled, fillcolor=%s, URL=\"%s\", label=\"#%d ", indent, i,
            fill[l->phase <= CLNAS_PHASE_UPDATE ? l->phase : 0], file, i);
    dot_text(f, l->label);
    fprintf(f, "\\n%s\", tooltip=\"%s", d->entry, file);
    for (int a = 0; a < d->nargs; a++) {
        if (!is_tensor_arg(d, a))
            continue;
        const clnas_plan_binding *b = &l->arg[a];
        const char *name = binding_name(plan, b);
        clnas_slot_access access = graph_access(d, a);
        int adds = access != clnas_plan_slot_access(d->arg_name[a]);
        fprintf(f, "\\n%s %s: ", adds ? "add to" : access_name(access), d->arg_name[a]);
        dot_text(f, *name ? name : clnas_arena_name(b->arena));
        fprintf(f, " (%s, %zu)", clnas_arena_name(b->arena), b->count);
    }
    fprintf(f, "\"];\n");
}

/* The clusters: each phase, inside it each group of launches in the order of their first launch. */
static void dot_clusters(FILE *f, const clnas_plan *plan)
{
    for (int p = CLNAS_PHASE_FORWARD; p <= CLNAS_PHASE_UPDATE; p++) {
        fprintf(f, "    subgraph cluster_%s {\n        label=\"%s\";\n        style=rounded;\n        fontsize=14;\n",
                phase_names[p], phase_names[p]);
        for (int i = 0; i < plan->ntrain; i++) {
            char group[CLNAS_NAME_MAX], other[CLNAS_NAME_MAX];
            if ((int)plan->train[i].phase != p)
                continue;
            launch_group(plan->train[i].label, group, sizeof group);
            int first = 1; /* is i the group's first launch in this phase? */
            for (int j = 0; j < i && first; j++) {
                launch_group(plan->train[j].label, other, sizeof other);
                first = !((int)plan->train[j].phase == p && strcmp(group, other) == 0);
            }
            if (!first)
                continue;
            fprintf(f, "        subgraph cluster_%s_%d {\n            label=\"", phase_names[p], i);
            dot_text(f, group);
            fprintf(f, "\";\n            style=dashed;\n");
            for (int j = i; j < plan->ntrain; j++) {
                launch_group(plan->train[j].label, other, sizeof other);
                if ((int)plan->train[j].phase == p && strcmp(group, other) == 0)
                    dot_launch(f, plan, j, "            ");
            }
            fprintf(f, "        }\n");
        }
        fprintf(f, "    }\n");
    }
}

/* The arrows: writer -> reader within a phase, one per pair, its tooltip naming the buffers. Counts the bindings
 * not drawn as arrows: parameters, their gradients, optimizer and BatchNorm state, and buffers read in a later
 * phase than the one that wrote them (the forward activations the backward pass reads). */
static clnas_status dot_arrows(FILE *f, const clnas_plan *plan, int *cross_phase, clnas_error *err)
{
    int *writer = malloc((size_t)(plan->nbuffers ? plan->nbuffers : 1) * sizeof *writer);
    if (!writer)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory writing graph.dot");
    for (int b = 0; b < plan->nbuffers; b++)
        writer[b] = -1;
    *cross_phase = 0;
    for (int i = 0; i < plan->ntrain; i++) {
        const clnas_plan_launch *l = &plan->train[i];
        const clnas_kernel_desc *d = &plan->kernels[l->kernel].desc;
        int from[CLNAS_MAX_KERNEL_ARGS], nfrom = 0;
        for (int a = 0; a < d->nargs; a++) {
            int t = l->arg[a].tensor;
            if (!is_tensor_arg(d, a) || t < 0 || t >= plan->nbuffers || writer[t] < 0 ||
                graph_access(d, a) == CLNAS_SLOT_WRITE || writer[t] == i)
                continue;
            if (plan->train[writer[t]].phase != l->phase) {
                ++*cross_phase;
                continue;
            }
            int seen = 0;
            for (int k = 0; k < nfrom && !seen; k++)
                seen = from[k] == writer[t];
            if (!seen)
                from[nfrom++] = writer[t];
        }
        for (int k = 0; k < nfrom; k++) {
            fprintf(f, "    L%d -> L%d [tooltip=\"", from[k], i);
            for (int a = 0, sep = 0; a < d->nargs; a++) {
                int t = l->arg[a].tensor;
                if (is_tensor_arg(d, a) && t >= 0 && t < plan->nbuffers && writer[t] == from[k]) {
                    fprintf(f, "%s", sep++ ? ", " : "");
                    dot_text(f, plan->buffers[t].name);
                }
            }
            fprintf(f, "\"];\n");
        }
        for (int a = 0; a < d->nargs; a++) {
            int t = l->arg[a].tensor;
            if (is_tensor_arg(d, a) && t >= 0 && t < plan->nbuffers && graph_access(d, a) != CLNAS_SLOT_READ)
                writer[t] = i;
        }
    }
    free(writer);
    return CLNAS_OK;
}

static void dot_legend(FILE *f, const clnas_plan *plan, int cross_phase)
{
    int count[CLNAS_ARENA_COUNT] = {0};
    for (int b = 0; b < plan->nbuffers; b++)
        if (plan->buffers[b].arena >= 0 && plan->buffers[b].arena < CLNAS_ARENA_COUNT)
            count[plan->buffers[b].arena]++;
    fprintf(f, "    legend [shape=note, fontsize=11, label=\"one training step: %d launches in order (#), by phase "
               "and cell\\l"
               "arrow: the later launch reads a buffer the earlier one wrote in the same phase\\l"
               "hover a box for its buffers, an arrow for what it carries; click a box for its .cl file\\l"
               "not drawn: %d parameter tensors (params), %d gradients (grads), %d BatchNorm running statistics "
               "(state), momentum\\l"
               "and %d reads of a buffer written in an earlier phase (the forward activations backward reads)\\l"
               "plan.json has every binding\\l\"];\n",
            plan->ntrain, count[CLNAS_ARENA_PARAMS], count[CLNAS_ARENA_GRADS], count[CLNAS_ARENA_STATE],
            cross_phase);
}

static clnas_status graph_dot(FILE *f, const clnas_plan *plan, clnas_error *err)
{
    fprintf(f, "// clnas kernel graph of one training step (dot -Tsvg graph.dot > graph.svg): boxes are launches in\n"
               "// order, clustered by phase and cell; an arrow joins a launch to a later one of its phase that reads\n"
               "// what it wrote. Buffers are in the tooltips; plan.json has every binding.\n");
    fprintf(f, "digraph plan {\n    rankdir=TB;\n    newrank=true;\n    node [fontname=\"Helvetica\", fontsize=10];\n"
               "    edge [arrowsize=0.6];\n");
    dot_clusters(f, plan);
    int cross_phase = 0;
    clnas_status st = dot_arrows(f, plan, &cross_phase, err);
    if (st == CLNAS_OK)
        dot_legend(f, plan, cross_phase);
    fprintf(f, "}\n");
    return st;
}

/* kernels.tsv: which launches use each .cl file, so a reader goes from a file to its uses (and back) in one
 * look. One row per program: file, its kernel entries, how many launches of the training step and of evaluation
 * run it, and the training launches as "#index label" (the numbers of graph.dot and plan.json's launches). */
static void kernels_tsv(FILE *f, const clnas_plan *plan)
{
    fprintf(f, "file\tkernels\ttrain_launches\teval_launches\tused_by\n");
    for (int p = 0; p < plan->nprograms; p++) {
        char file[128];
        if (clnas_plan_program_file(plan, p, file, sizeof file, NULL) != CLNAS_OK)
            continue;
        fprintf(f, "%s\t", file);
        for (int k = 0, sep = 0; k < plan->nkernels; k++)
            if (plan->kernels[k].program == p)
                fprintf(f, "%s%s", sep++ ? "," : "", plan->kernels[k].desc.entry);
        int ntrain = 0, neval = 0;
        for (int i = 0; i < plan->ntrain; i++)
            ntrain += plan->kernels[plan->train[i].kernel].program == p;
        for (int i = 0; i < plan->neval; i++)
            neval += plan->kernels[plan->eval[i].kernel].program == p;
        fprintf(f, "\t%d\t%d\t", ntrain, neval);
        for (int i = 0, sep = 0; i < plan->ntrain; i++)
            if (plan->kernels[plan->train[i].kernel].program == p)
                fprintf(f, "%s#%d %s", sep++ ? ", " : "", i, plan->train[i].label);
        fprintf(f, "\n");
    }
}

typedef enum text_kind { TEXT_CELL_DOT, TEXT_GRAPH_DOT, TEXT_KERNELS_TSV } text_kind;

static clnas_status write_text(const clnas_plan *plan, const char *dir, const char *name, text_kind kind,
                               const char *arch, clnas_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory writing %s", name);
    clnas_status st = CLNAS_OK;
    if (kind == TEXT_CELL_DOT)
        cell_dot(f, plan, arch);
    else if (kind == TEXT_KERNELS_TSV)
        kernels_tsv(f, plan);
    else
        st = graph_dot(f, plan, err);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        st = st != CLNAS_OK ? st : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory writing %s", name);
    if (st == CLNAS_OK)
        st = write_file(dir, name, text, len, err);
    free(text);
    return st;
}

/* The launches refer only to kernels, buffers and arenas that exist. */
static clnas_status check_plan(const clnas_plan *plan, clnas_error *err)
{
    for (int k = 0; k < plan->nkernels; k++)
        if (plan->kernels[k].program < 0 || plan->kernels[k].program >= plan->nprograms)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "plan: kernel %d names program %d of %d", k,
                                   plan->kernels[k].program, plan->nprograms);
    for (int i = 0; i < plan->ntrain + plan->neval; i++) {
        const clnas_plan_launch *l = i < plan->ntrain ? &plan->train[i] : &plan->eval[i - plan->ntrain];
        if (l->kernel < 0 || l->kernel >= plan->nkernels)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "plan: launch '%s' names kernel %d of %d", l->label,
                                   l->kernel, plan->nkernels);
        const clnas_kernel_desc *d = &plan->kernels[l->kernel].desc;
        for (int a = 0; a < d->nargs; a++)
            if (l->arg[a].arena < 0 || l->arg[a].arena >= CLNAS_ARENA_COUNT)
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "plan: launch '%s' slot %s names arena %d",
                                       l->label, d->arg_name[a], (int)l->arg[a].arena);
    }
    return CLNAS_OK;
}

clnas_status clnas_plan_write_dir(const clnas_plan *plan, const char *dir, clnas_error *err)
{
    if (!plan || !dir)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "plan write: plan and dir must not be NULL");
    char arch[CLNAS_GENOTYPE_STR_MAX];
    clnas_plan_stats stats;
    clnas_status st = check_plan(plan, err);
    if (st == CLNAS_OK)
        st = clnas_genotype_format(&plan->config.genotype, arch, sizeof arch, err);
    if (st == CLNAS_OK)
        st = clnas_plan_stats_get(plan, &stats, err);
    if (st == CLNAS_OK)
        st = make_dirs(dir, err);
    for (int p = 0; p < plan->nprograms && st == CLNAS_OK; p++) {
        char file[128];
        st = clnas_plan_program_file(plan, p, file, sizeof file, err);
        if (st == CLNAS_OK)
            st = write_file(dir, file, plan->program_sources[p], strlen(plan->program_sources[p]), err);
    }
    if (st == CLNAS_OK) {
        char *json = NULL;
        st = plan_json(plan, arch, &stats, &json, err);
        if (st == CLNAS_OK)
            st = write_file(dir, "plan.json", json, strlen(json), err);
        cJSON_free(json);
    }
    if (st == CLNAS_OK)
        st = write_text(plan, dir, "cell.dot", TEXT_CELL_DOT, arch, err);
    if (st == CLNAS_OK)
        st = write_text(plan, dir, "graph.dot", TEXT_GRAPH_DOT, arch, err);
    if (st == CLNAS_OK)
        st = write_text(plan, dir, "kernels.tsv", TEXT_KERNELS_TSV, arch, err);
    return st;
}
