/* clnas — the registry of search spaces by name (nb201, the default, first). */
#include "space_iface.h"

#include <stdio.h>
#include <string.h>

/* A new space adds its clnas_space_iface here. */
static const clnas_space_iface *const spaces[] = {&clnas_space_nb201, &clnas_space_darts, &clnas_space_chain};
#define N_SPACES (sizeof spaces / sizeof spaces[0])

const clnas_space_iface *const *clnas_space_list(size_t *count)
{
    if (count)
        *count = N_SPACES;
    return spaces;
}

void clnas_space_names(char *buf, size_t cap)
{
    size_t n = 0;
    if (cap > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < N_SPACES && n < cap; i++) {
        const int w = snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", spaces[i]->name);
        if (w < 0)
            return;
        n += (size_t)w;
    }
}

clnas_status clnas_space_by_name(const char *name, const clnas_space_iface **out, clnas_error *err)
{
    if (!name || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_space_by_name: name and out must not be NULL");
    for (size_t i = 0; i < N_SPACES; i++)
        if (strcmp(spaces[i]->name, name) == 0) {
            *out = spaces[i];
            return CLNAS_OK;
        }
    char names[256];
    clnas_space_names(names, sizeof names);
    return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "unknown search space \"%.64s\" (known: %s)", name, names);
}

int clnas_space_genotype_equal(const clnas_space_genotype *a, const clnas_space_genotype *b)
{
    return memcmp(a->u.bytes, b->u.bytes, sizeof a->u.bytes) == 0;
}
