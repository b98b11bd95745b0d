/* clnas — memory planning: fixed layouts for parameters and their companions, first-fit by lifetime for
 * activations (largest first), all in element offsets; a channel slice lies inside its parent. */
#include "memplan.h"

#include <stdlib.h>

static size_t align_up(size_t n)
{
    return (n + CLNAS_ARENA_ALIGN - 1) / CLNAS_ARENA_ALIGN * CLNAS_ARENA_ALIGN;
}

static void layout_params(clnas_graph *g, size_t arena_elems[CLNAS_ARENA_COUNT], size_t *live_params)
{
    size_t off[2] = {0, 0}; /* PARAMS, STATE */
    for (int pass = 0; pass < 2; pass++) /* live trained parameters first, then the rest */
        for (int i = 0; i < g->nparams; i++) {
            clnas_param_info *p = &g->params[i];
            int state = p->arena == CLNAS_ARENA_STATE;
            if (state ? pass == 1 : p->live != !pass)
                continue;
            p->offset = off[state];
            off[state] = align_up(off[state] + p->count);
            if (!state && pass == 0)
                *live_params = off[0];
        }
    arena_elems[CLNAS_ARENA_PARAMS] = arena_elems[CLNAS_ARENA_GRADS] = arena_elems[CLNAS_ARENA_MOMENTUM] = off[0];
    arena_elems[CLNAS_ARENA_STATE] = off[1];
    for (int t = 0; t < g->ntensors; t++)
        if (g->tensors[t].param >= 0)
            g->tensors[t].offset = g->params[g->tensors[t].param].offset;
}

static void touch(clnas_graph *g, int t, int when)
{
    int s = clnas_graph_root(g, t); /* a channel slice keeps the tensor it lies in alive */
    clnas_graph_tensor *r = &g->tensors[s];
    if (r->first < 0 || when < r->first)
        r->first = when;
    if (when > r->last)
        r->last = when;
}


typedef struct sort_item {
    int tensor;
    size_t count;
} sort_item;

static int cmp_items(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->tensor - y->tensor; /* deterministic */
}

clnas_status clnas_memplan(clnas_graph *g, const int *pinned, int npinned, size_t arena_elems[CLNAS_ARENA_COUNT],
                           size_t *live_params, clnas_error *err)
{
    for (int a = 0; a < CLNAS_ARENA_COUNT; a++)
        arena_elems[a] = 0;
    *live_params = 0;
    layout_params(g, arena_elems, live_params);

    for (int t = 0; t < g->ntensors; t++)
        g->tensors[t].first = g->tensors[t].last = -1;
    for (int i = 0; i < g->norder; i++) {
        const clnas_graph_node *n = &g->nodes[g->order[i]];
        for (int k = 0; k < n->nin; k++)
            touch(g, n->in[k], i);
        for (int k = 0; k < n->nout; k++)
            touch(g, n->out[k], i);
    }
    for (int i = 0; i < npinned; i++)
        if (pinned[i] >= 0) {
            touch(g, pinned[i], 0);
            touch(g, pinned[i], g->norder);
        }

    sort_item *items = malloc(((size_t)g->ntensors + 1) * sizeof *items);
    if (!items)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory in the memory planner");
    int nitems = 0;
    for (int t = 0; t < g->ntensors; t++) {
        clnas_graph_tensor *x = &g->tensors[t];
        if (x->alias < 0 && x->first >= 0) {
            if (x->arena == CLNAS_ARENA_ACT)
                items[nitems++] = (sort_item){t, x->count};
            else if (x->arena == CLNAS_ARENA_LABELS)
                arena_elems[x->arena] = align_up(x->count);
        }
        /* the images, then any drop-path masks, one after another in creation order */
        if (x->alias < 0 && x->arena == CLNAS_ARENA_INPUT) {
            x->offset = arena_elems[CLNAS_ARENA_INPUT];
            arena_elems[CLNAS_ARENA_INPUT] += align_up(x->count);
        }
    }
    qsort(items, (size_t)nitems, sizeof *items, cmp_items);
    /* first fit: place each tensor at the lowest offset clear of every placed tensor whose lifetime overlaps */
    size_t top = 0;
    for (int i = 0; i < nitems; i++) {
        clnas_graph_tensor *x = &g->tensors[items[i].tensor];
        size_t off = 0, size = align_up(x->count);
        for (int moved = 1; moved;) {
            moved = 0;
            for (int j = 0; j < i; j++) {
                clnas_graph_tensor *y = &g->tensors[items[j].tensor];
                int overlap_time = x->first <= y->last && y->first <= x->last;
                int overlap_space = off < y->offset + align_up(y->count) && y->offset < off + size;
                if (overlap_time && overlap_space) {
                    off = y->offset + align_up(y->count);
                    moved = 1;
                }
            }
        }
        x->offset = off;
        if (off + size > top)
            top = off + size;
    }
    free(items);
    arena_elems[CLNAS_ARENA_ACT] = top;
    /* a channel slice starts at its first channel in its parent (one level: concat_slices makes no slice of one) */
    for (int t = 0; t < g->ntensors; t++) {
        clnas_graph_tensor *x = &g->tensors[t];
        if (x->alias < 0 && x->view_of >= 0)
            x->offset = g->tensors[clnas_graph_storage(g, x->view_of)].offset +
                        (size_t)x->view_c0 * (x->count / (size_t)x->shape[0] / (size_t)x->shape[1]);
    }
    /* aliases share their storage's offset */
    for (int t = 0; t < g->ntensors; t++) {
        int s = clnas_graph_storage(g, t);
        if (s != t)
            g->tensors[t].offset = g->tensors[s].offset;
    }
    return CLNAS_OK;
}
