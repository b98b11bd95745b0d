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
            || !cJSON_AddItemToObject(o, "local", size_array(d->local, d->dims)))
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

/* Graph nodes for the buffers: b<tensor> for a tensor, a<arena> for a binding of a whole arena range (SGD). */
#define HOME_UNUSED (-2) /* not bound by the training step */
#define HOME_OUTSIDE (-1) /* read only: drawn outside the phase clusters */

static int is_tensor_arg(const clnas_kernel_desc *d, int a)
{
    return d->arg_kind[a] == CLNAS_ARG_TENSOR || d->arg_kind[a] == CLNAS_ARG_TENSOR_INT;
}

static int dot_node_id(const clnas_plan *plan, const clnas_plan_binding *b)
{
    if (b->tensor >= 0 && b->tensor < plan->nbuffers)
        return b->tensor;
    return plan->nbuffers + (int)b->arena;
}

static void dot_node_name(const clnas_plan *plan, int id, char *buf, size_t cap)
{
    if (id < plan->nbuffers)
        snprintf(buf, cap, "b%d", id);
    else
        snprintf(buf, cap, "a%d", id - plan->nbuffers);
}

static void dot_buffer_node(FILE *f, const clnas_plan *plan, int id, const size_t *arena_extent, const char *indent)
{
    if (id >= plan->nbuffers) {
        clnas_arena a = (clnas_arena)(id - plan->nbuffers);
        fprintf(f, "%sa%d [shape=ellipse, label=\"%s arena\\n[0, %zu)\", style=filled, fillcolor=lightyellow];\n",
                indent, (int)a, clnas_arena_name(a), arena_extent[a]);
        return;
    }
    const clnas_plan_buffer *buf = &plan->buffers[id];
    fprintf(f, "%sb%d [shape=ellipse, label=\"", indent, id);
    dot_text(f, buf->name);
    fprintf(f, "\\n%s %zu\"%s];\n", clnas_arena_name(buf->arena), buf->count,
            buf->arena == CLNAS_ARENA_ACT ? ", style=solid" : ", style=filled, fillcolor=lightyellow");
}

/* A buffer is drawn inside the cluster of the phase that first writes it: dot lays a cluster out as one block,
 * and a path that leaves a cluster and comes back into it would flatten the whole cluster into one rank. */
static clnas_status graph_dot(FILE *f, const clnas_plan *plan, clnas_error *err)
{
    int nids = plan->nbuffers + CLNAS_ARENA_COUNT;
    int *home = malloc((size_t)nids * sizeof *home);
    if (!home)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory writing graph.dot");
    size_t arena_extent[CLNAS_ARENA_COUNT] = {0};
    for (int id = 0; id < nids; id++)
        home[id] = HOME_UNUSED;
    for (int i = 0; i < plan->ntrain; i++) {
        const clnas_plan_launch *l = &plan->train[i];
        const clnas_kernel_desc *d = &plan->kernels[l->kernel].desc;
        for (int a = 0; a < d->nargs; a++) {
            if (!is_tensor_arg(d, a))
                continue;
            const clnas_plan_binding *b = &l->arg[a];
            int id = dot_node_id(plan, b);
            if (id >= plan->nbuffers && b->offset + b->count > arena_extent[b->arena])
                arena_extent[b->arena] = b->offset + b->count;
            if (clnas_plan_slot_access(d->arg_name[a]) != CLNAS_SLOT_READ && home[id] < 0)
                home[id] = (int)l->phase;
            else if (home[id] == HOME_UNUSED)
                home[id] = HOME_OUTSIDE;
        }
    }
    fprintf(f, "// clnas kernel graph of one training step: boxes are launches in order, ellipses the buffers\n"
               "// they read (buffer -> launch) and write (launch -> buffer); both ways: read and written.\n");
    fprintf(f, "digraph plan {\n    rankdir=TB;\n    node [fontname=\"Helvetica\", fontsize=10];\n"
               "    edge [fontname=\"Helvetica\", fontsize=8, arrowsize=0.6];\n");
    for (int id = 0; id < nids; id++)
        if (home[id] == HOME_OUTSIDE)
            dot_buffer_node(f, plan, id, arena_extent, "    ");
    for (int p = CLNAS_PHASE_FORWARD; p <= CLNAS_PHASE_UPDATE; p++) {
        fprintf(f, "    subgraph cluster_%s {\n        label=\"%s\";\n        style=rounded;\n", phase_names[p],
                phase_names[p]);
        for (int i = 0; i < plan->ntrain; i++) {
            const clnas_plan_launch *l = &plan->train[i];
            if ((int)l->phase != p)
                continue;
            fprintf(f, "        L%d [shape=box, style=filled, fillcolor=%s, label=\"#%d ", i,
                    p == 0 ? "lightblue" : p == 1 ? "mistyrose" : "palegreen", i);
            dot_text(f, l->label);
            fprintf(f, "\\n");
            dot_text(f, plan->kernels[l->kernel].desc.entry);
            fprintf(f, "\"];\n");
        }
        for (int id = 0; id < nids; id++)
            if (home[id] == p)
                dot_buffer_node(f, plan, id, arena_extent, "        ");
        fprintf(f, "    }\n");
    }
    for (int i = 0; i < plan->ntrain; i++) {
        const clnas_plan_launch *l = &plan->train[i];
        const clnas_kernel_desc *d = &plan->kernels[l->kernel].desc;
        for (int a = 0; a < d->nargs; a++) {
            if (!is_tensor_arg(d, a))
                continue;
            char node[24];
            dot_node_name(plan, dot_node_id(plan, &l->arg[a]), node, sizeof node);
            clnas_slot_access access = clnas_plan_slot_access(d->arg_name[a]);
            if (access == CLNAS_SLOT_READ)
                fprintf(f, "    %s -> L%d [label=\"%s\"];\n", node, i, d->arg_name[a]);
            else
                fprintf(f, "    L%d -> %s [label=\"%s\"%s];\n", i, node, d->arg_name[a],
                        access == CLNAS_SLOT_READ_WRITE ? ", dir=both" : "");
        }
    }
    fprintf(f, "}\n");
    free(home);
    return CLNAS_OK;
}

typedef enum dot_kind { DOT_CELL, DOT_GRAPH } dot_kind;

static clnas_status write_dot(const clnas_plan *plan, const char *dir, const char *name, dot_kind kind,
                              const char *arch, clnas_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory writing %s", name);
    clnas_status st = CLNAS_OK;
    if (kind == DOT_CELL)
        cell_dot(f, plan, arch);
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
        st = write_dot(plan, dir, "cell.dot", DOT_CELL, arch, err);
    if (st == CLNAS_OK)
        st = write_dot(plan, dir, "graph.dot", DOT_GRAPH, arch, err);
    return st;
}
