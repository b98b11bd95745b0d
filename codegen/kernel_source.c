/* clnas — kernel descriptors and the assembly of their canonical OpenCL C source from the embedded templates. */
#include "kernel_desc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct clnas_embedded_kernel {
    const char *name;
    const char *source;
};
extern const struct clnas_embedded_kernel clnas_embedded_kernels[];

const char *clnas_kernel_template(const char *name)
{
    for (const struct clnas_embedded_kernel *k = clnas_embedded_kernels; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k->source;
    return NULL;
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

static clnas_status define_text(clnas_kernel_desc *desc, const char *name, const char *value)
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
    return define_text(desc, name, text);
}

clnas_status clnas_kernel_desc_define_real(clnas_kernel_desc *desc, const char *name, double value)
{
    char text[40];
    /* %.17g round-trips a double; the kernel casts it to `real`. */
    snprintf(text, sizeof text, "((real)%.17g)", value);
    return define_text(desc, name, text);
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

int clnas_kernel_desc_find_arg(const clnas_kernel_desc *desc, const char *name)
{
    for (int i = 0; i < desc->nargs; i++)
        if (strcmp(desc->arg_name[i], name) == 0)
            return i;
    return -1;
}

clnas_status clnas_kernel_source(const clnas_kernel_desc *desc, int fp64, char **out, clnas_error *err)
{
    const char *common = clnas_kernel_template("common");
    const char *body = clnas_kernel_template(desc->template_name);
    if (!common || !body)
        return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "kernel template kernels/%s.cl is not embedded in this build",
                               body ? "common" : desc->template_name);
    size_t cap = strlen(common) + strlen(body) + 256 + (size_t)desc->ndefines * 80;
    char *src = malloc(cap);
    if (!src)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory assembling kernel %s", desc->entry);
    size_t len = (size_t)snprintf(src, cap, "/* clnas kernel %s from kernels/%s.cl */\n", desc->entry,
                                  desc->template_name);
    if (fp64)
        len += (size_t)snprintf(src + len, cap - len, "#define CLNAS_FP64 1\n");
    for (int i = 0; i < desc->ndefines; i++)
        len += (size_t)snprintf(src + len, cap - len, "#define %s %s\n", desc->defines[i].name,
                                desc->defines[i].value);
    snprintf(src + len, cap - len, "%s\n%s", common, body);
    *out = src;
    return CLNAS_OK;
}
