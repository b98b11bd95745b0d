/* clnas — the description of one kernel launch: template, baked-in #defines, geometry and argument slots. */
#ifndef CLNAS_KERNEL_DESC_H
#define CLNAS_KERNEL_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "clnas/status.h"

#define CLNAS_MAX_DEFINES 32
#define CLNAS_MAX_KERNEL_ARGS 16

typedef struct clnas_define {
    char name[24];
    char value[40];
} clnas_define;

/* Every tensor slot is passed to the kernel as two arguments: the buffer and an element offset into it
 * (`__global real *x_buf, const uint x_off`), so one program serves a tensor wherever the arena holds it. */
typedef enum clnas_arg_kind {
    CLNAS_ARG_TENSOR,     /* real tensor */
    CLNAS_ARG_TENSOR_INT, /* int tensor (labels) */
    CLNAS_ARG_REAL,       /* real scalar set per launch (learning rate) */
    CLNAS_ARG_INT         /* int scalar set per launch */
} clnas_arg_kind;

typedef struct clnas_kernel_desc {
    char template_name[32]; /* kernels/<template_name>.cl */
    char entry[48];         /* the __kernel function to launch */
    clnas_define defines[CLNAS_MAX_DEFINES];
    int ndefines;
    int dims;
    size_t global[3];
    size_t local[3];
    int nargs;
    clnas_arg_kind arg_kind[CLNAS_MAX_KERNEL_ARGS];
    char arg_name[CLNAS_MAX_KERNEL_ARGS][16];
    size_t local_bytes[2]; /* bytes of its __local arrays in float32 [0] and float64 [1] (device limits) */
} clnas_kernel_desc;

/* Starts a descriptor: template file, entry point, no defines, no args. */
void clnas_kernel_desc_init(clnas_kernel_desc *desc, const char *template_name, const char *entry);
/* Appends an integer / literal #define; returns CLNAS_ERR_INVALID_ARG when the table is full. */
clnas_status clnas_kernel_desc_define_int(clnas_kernel_desc *desc, const char *name, long value);
clnas_status clnas_kernel_desc_define_text(clnas_kernel_desc *desc, const char *name, const char *value);
clnas_status clnas_kernel_desc_define_real(clnas_kernel_desc *desc, const char *name, double value);
/* Appends an argument slot of the given kind. */
clnas_status clnas_kernel_desc_arg(clnas_kernel_desc *desc, clnas_arg_kind kind, const char *name);
/* Sets a 1-D geometry: `work` work-items rounded up to a multiple of `local`. */
void clnas_kernel_desc_geometry_1d(clnas_kernel_desc *desc, size_t work, size_t local);
void clnas_kernel_desc_geometry_2d(clnas_kernel_desc *desc, size_t work0, size_t work1, size_t local0, size_t local1);
/* Records the kernel's __local arrays: `elems` elements of `real` plus `fixed` bytes. */
void clnas_kernel_desc_local_mem(clnas_kernel_desc *desc, size_t elems, size_t fixed);
/* Records them with element counts that differ between float32 and float64 (tiles sized to a byte budget). */
void clnas_kernel_desc_local_mem2(clnas_kernel_desc *desc, size_t elems_f32, size_t elems_f64);
/* Index of the argument slot named `name`, or -1. */
int clnas_kernel_desc_find_arg(const clnas_kernel_desc *desc, const char *name);
/* The value of #define `name` when it is a whole decimal integer, else (no such define, or another value) -1. */
long clnas_kernel_desc_define_value(const clnas_kernel_desc *desc, const char *name);

/* Assembles the OpenCL C source of a descriptor: a banner, the element type (fp64 = 1 for double), the
 * #defines, kernels/common.cl and kernels/<template>.cl, with each `#include "other.cl"` line of a template
 * replaced by that template. Canonical: the same descriptor always gives the same
 * bytes, so equal kernels share a program. *out is malloc'ed; the caller frees it. */
clnas_status clnas_kernel_source(const clnas_kernel_desc *desc, int fp64, char **out, clnas_error *err);

/* The embedded text of kernels/<name>.cl, or NULL. */
const char *clnas_kernel_template(const char *name);

/* A hash of what template `name` compiles to besides its #defines: kernels/common.cl and the template with its
 * includes. Keys that outlive a build (the tuner's choices) carry it, so an edited kernel is measured again. */
clnas_status clnas_kernel_template_hash(const char *name, uint64_t *out, clnas_error *err);
/* "<name>@<the hash's low 32 bits in hex>" into out (cap bytes): how such keys name a template. */
#define CLNAS_KERNEL_TEMPLATE_ID_MAX 96
clnas_status clnas_kernel_template_id(const char *name, char *out, size_t cap, clnas_error *err);

#endif
