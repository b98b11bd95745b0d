/* clnas — files embedded into the library at build time (cmake/embed_files.cmake). */
#ifndef CLNAS_EMBEDDED_H
#define CLNAS_EMBEDDED_H

#include <stddef.h>

struct clnas_embedded_file {
    const char *name; /* file name without its extension */
    const char *text;
};

extern const struct clnas_embedded_file clnas_embedded_kernels[]; /* every kernels/NAME.cl */
extern const struct clnas_embedded_file clnas_embedded_configs[]; /* every configs/NAME.json */
extern const struct clnas_embedded_file clnas_embedded_pytorch[]; /* every share/clnas/NAME.py */

/* The text of `name` in a table, or NULL. */
const char *clnas_embedded_find(const struct clnas_embedded_file *table, const char *name);

#endif
