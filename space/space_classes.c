/* clnas — the canonical classes of an enumerable space, each by its smallest index (space_iface.h). */
#include <stdlib.h>

#include "space_iface.h"

typedef struct indexed_hash {
    uint64_t hash, index;
} indexed_hash;

static int by_hash_then_index(const void *a, const void *b)
{
    const indexed_hash *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int by_value(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int64_t clnas_space_class_representatives(const clnas_space_iface *space,
                                          int (*keep)(const clnas_space_genotype *g, const void *ctx),
                                          const void *ctx, uint64_t *index_out)
{
    if (!space->from_index || space->size == 0)
        return -1;
    indexed_hash *cells = malloc(space->size * sizeof *cells);
    if (!cells)
        return -1;
    size_t count = 0;
    for (uint64_t i = 0; i < space->size; i++) {
        clnas_space_genotype g;
        space->from_index(i, &g);
        if (keep && !keep(&g, ctx))
            continue;
        cells[count].index = i;
        if (space->canonical(&g, NULL, 0, &cells[count].hash, NULL) == CLNAS_OK)
            count++;
    }
    qsort(cells, count, sizeof *cells, by_hash_then_index);
    int64_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (i == 0 || cells[i].hash != cells[i - 1].hash)
            index_out[n++] = cells[i].index;
    free(cells);
    qsort(index_out, (size_t)n, sizeof *index_out, by_value);
    return n;
}
