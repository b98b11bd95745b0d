/* clnas — kernel descriptors and the assembly of their canonical OpenCL C source from the embedded templates. */
#include "kernel_desc.h"

#include "embedded.h"
#include "hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *clnas_kernel_template(const char *name)
{
    return clnas_embedded_find(clnas_embedded_kernels, name);
}

void clnas_kernel_desc_init(clnas_kernel_desc *desc, const char *template_name, const char *entry)
{
    memset(desc, 0, sizeof *desc);
    snprintf(desc->template_name, sizeof desc->template_name, "%s", template_name);
    snprintf(desc->entry, sizeof desc->entry, "%s", entry);
    desc->dims = 1;
    desc->global[0] = desc->global[1] = desc->global[2] = 1;
    desc->local[0] = desc->local[1] = desc->local[2] = 1;
}

clnas_status clnas_kernel_desc_define_text(clnas_kernel_desc *desc, const char *name, const char *value)
{
    if (desc->ndefines >= CLNAS_MAX_DEFINES)
        return CLNAS_ERR_INVALID_ARG;
    clnas_define *d = &desc->defines[desc->ndefines++];
    snprintf(d->name, sizeof d->name, "%s", name);
    snprintf(d->value, sizeof d->value, "%s", value);
    return CLNAS_OK;
}

clnas_status clnas_kernel_desc_define_int(clnas_kernel_desc *desc, const char *name, long value)
{
    char text[40];
    snprintf(text, sizeof text, "%ld", value);
    return clnas_kernel_desc_define_text(desc, name, text);
}

clnas_status clnas_kernel_desc_define_real(clnas_kernel_desc *desc, const char *name, double value)
{
    char text[40];
    /* %.17g round-trips a double; the kernel casts it to `real`. */
    snprintf(text, sizeof text, "((real)%.17g)", value);
    return clnas_kernel_desc_define_text(desc, name, text);
}

clnas_status clnas_kernel_desc_arg(clnas_kernel_desc *desc, clnas_arg_kind kind, const char *name)
{
    if (desc->nargs >= CLNAS_MAX_KERNEL_ARGS)
        return CLNAS_ERR_INVALID_ARG;
    desc->arg_kind[desc->nargs] = kind;
    snprintf(desc->arg_name[desc->nargs], sizeof desc->arg_name[0], "%s", name);
    desc->nargs++;
    return CLNAS_OK;
}

static size_t round_up(size_t n, size_t m)
{
    return (n + m - 1) / m * m;
}

void clnas_kernel_desc_geometry_1d(clnas_kernel_desc *desc, size_t work, size_t local)
{
    desc->dims = 1;
    desc->local[0] = local;
    desc->global[0] = round_up(work ? work : 1, local);
}

void clnas_kernel_desc_geometry_2d(clnas_kernel_desc *desc, size_t work0, size_t work1, size_t local0, size_t local1)
{
    desc->dims = 2;
    desc->local[0] = local0;
    desc->local[1] = local1;
    desc->global[0] = round_up(work0 ? work0 : 1, local0);
    desc->global[1] = round_up(work1 ? work1 : 1, local1);
}

void clnas_kernel_desc_local_mem(clnas_kernel_desc *desc, size_t elems, size_t fixed)
{
    desc->local_bytes[0] = elems * sizeof(float) + fixed;
    desc->local_bytes[1] = elems * sizeof(double) + fixed;
}

void clnas_kernel_desc_local_mem2(clnas_kernel_desc *desc, size_t elems_f32, size_t elems_f64)
{
    desc->local_bytes[0] = elems_f32 * sizeof(float);
    desc->local_bytes[1] = elems_f64 * sizeof(double);
}

int clnas_kernel_desc_find_arg(const clnas_kernel_desc *desc, const char *name)
{
    for (int i = 0; i < desc->nargs; i++)
        if (strcmp(desc->arg_name[i], name) == 0)
            return i;
    return -1;
}

long clnas_kernel_desc_define_value(const clnas_kernel_desc *desc, const char *name)
{
    for (int i = 0; i < desc->ndefines; i++)
        if (strcmp(desc->defines[i].name, name) == 0) {
            char *end;
            long v = strtol(desc->defines[i].value, &end, 10);
            return end != desc->defines[i].value && !*end ? v : -1;
        }
    return -1;
}

/* A growing string. */
typedef struct text {
    char *data;
    size_t len, cap;
} text;

static int text_append(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->data, cap);
        if (!p)
            return -1;
        t->data = p;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
    return 0;
}

/* Appends template `name`, replacing each line `#include "other.cl"` by that template's text (templates share
 * helpers this way; the OpenCL compiler never sees an include it would have to find on disk). */
static clnas_status append_template(text *t, const char *name, int depth, clnas_error *err)
{
    const char *src = clnas_kernel_template(name);
    if (!src)
        return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "kernel template kernels/%s.cl is not embedded in this build",
                               name);
    if (depth > 4)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "kernels/%s.cl: includes nest too deep", name);
    for (const char *line = src; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) + 1 : strlen(line);
        static const char directive[] = "#include \"";
        if (strncmp(line, directive, sizeof directive - 1) == 0) {
            const char *q = line + sizeof directive - 1, *close = memchr(q, '"', n - (sizeof directive - 1));
            char other[64];
            size_t len = close ? (size_t)(close - q) : 0;
            if (!close || len < 4 || len - 3 >= sizeof other || strncmp(close - 3, ".cl", 3) != 0)
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "kernels/%s.cl: bad include line", name);
            memcpy(other, q, len - 3);
            other[len - 3] = '\0';
            clnas_status st = append_template(t, other, depth + 1, err);
            if (st != CLNAS_OK)
                return st;
        } else if (text_append(t, line, n)) {
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory assembling kernel source");
        }
        line += n;
    }
    return CLNAS_OK;
}

clnas_status clnas_kernel_source(const clnas_kernel_desc *desc, int fp64, char **out, clnas_error *err)
{
    text t = {NULL, 0, 0};
    char line[160];
    int failed = 0;
    snprintf(line, sizeof line, "/* clnas kernel %s from kernels/%s.cl */\n", desc->entry, desc->template_name);
    failed |= text_append(&t, line, strlen(line));
    if (fp64)
        failed |= text_append(&t, "#define CLNAS_FP64 1\n", strlen("#define CLNAS_FP64 1\n"));
    for (int i = 0; i < desc->ndefines; i++) {
        snprintf(line, sizeof line, "#define %s %s\n", desc->defines[i].name, desc->defines[i].value);
        failed |= text_append(&t, line, strlen(line));
    }
    if (failed) {
        free(t.data);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory assembling kernel %s", desc->entry);
    }
    clnas_status st = append_template(&t, "common", 0, err);
    if (st == CLNAS_OK)
        st = text_append(&t, "\n", 1) ? clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory") : CLNAS_OK;
    if (st == CLNAS_OK)
        st = append_template(&t, desc->template_name, 0, err);
    if (st != CLNAS_OK) {
        free(t.data);
        return st;
    }
    *out = t.data;
    return CLNAS_OK;
}

clnas_status clnas_kernel_template_hash(const char *name, uint64_t *out, clnas_error *err)
{
    text t = {NULL, 0, 0};
    clnas_status st = append_template(&t, "common", 0, err);
    if (st == CLNAS_OK)
        st = append_template(&t, name, 0, err);
    if (st == CLNAS_OK)
        *out = clnas_fnv1a64(t.data, t.len, CLNAS_FNV1A64_INIT);
    free(t.data);
    return st;
}

clnas_status clnas_kernel_template_id(const char *name, char *out, size_t cap, clnas_error *err)
{
    uint64_t h = 0;
    clnas_status st = clnas_kernel_template_hash(name, &h, err);
    if (st == CLNAS_OK)
        snprintf(out, cap, "%s@%08x", name, (unsigned)(h & 0xffffffffu));
    return st;
}
