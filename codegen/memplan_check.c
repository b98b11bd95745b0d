/* clnas — checking the activation arena of a compiled plan: lifetimes, overlaps and reads after an overwrite. */
#include "memplan_check.h"

#include <stdlib.h>

#include "memplan.h"

typedef struct life {
    int first, last;
    size_t offset, count;
} life;

/* Lifetimes of the activation tensors bound in launches, indexed by buffer (first -1: never bound). */
static life *lifetimes(const clnas_plan_launch *launches, int n, int nbuffers)
{
    life *lv = malloc(((size_t)nbuffers + 1) * sizeof *lv);
    for (int t = 0; lv && t < nbuffers; t++)
        lv[t] = (life){-1, -1, 0, 0};
    for (int i = 0; lv && i < n; i++)
        for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++) {
            const clnas_plan_binding *b = &launches[i].arg[a];
            if (b->tensor < 0 || b->tensor >= nbuffers || b->arena != CLNAS_ARENA_ACT)
                continue;
            life *x = &lv[b->tensor];
            if (x->first < 0) {
                x->first = i;
                x->offset = b->offset;
            }
            x->last = i;
            if (b->offset < x->offset) { /* a channel slice bound before its parent's start */
                x->count += x->offset - b->offset;
                x->offset = b->offset;
            }
            if (b->offset + b->count > x->offset + x->count)
                x->count = b->offset + b->count - x->offset;
        }
    return lv;
}

static int nbuffers_of(const clnas_plan *plan, const clnas_plan_launch *launches)
{
    return launches == plan->eval ? plan->neval_buffers : plan->nbuffers;
}

static const clnas_plan_buffer *buffers_of(const clnas_plan *plan, const clnas_plan_launch *launches)
{
    return launches == plan->eval ? plan->eval_buffers : plan->buffers;
}

size_t clnas_plan_live_peak(const clnas_plan *plan, const clnas_plan_launch *launches, int n)
{
    int nb = nbuffers_of(plan, launches);
    life *lv = lifetimes(launches, n, nb);
    size_t peak = 0;
    for (int i = 0; lv && i < n; i++) {
        size_t live = 0;
        for (int t = 0; t < nb; t++)
            if (lv[t].first >= 0 && lv[t].first <= i && i <= lv[t].last)
                live += (lv[t].count + CLNAS_ARENA_ALIGN - 1) / CLNAS_ARENA_ALIGN * CLNAS_ARENA_ALIGN;
        peak = live > peak ? live : peak;
    }
    free(lv);
    return peak;
}

static clnas_status check_overlaps(const clnas_plan *plan, const clnas_plan_launch *launches, const life *lv, int nb,
                                   clnas_error *err)
{
    const clnas_plan_buffer *buf = buffers_of(plan, launches);
    for (int s = 0; s < nb; s++)
        for (int t = s + 1; t < nb && lv[s].first >= 0; t++) {
            const life *x = &lv[s], *y = &lv[t];
            if (y->first < 0 || x->first > y->last || y->first > x->last)
                continue;
            if (x->offset < y->offset + y->count && y->offset < x->offset + x->count)
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "memory plan: %s [%zu, +%zu) live at launches "
                                       "%d-%d and %s [%zu, +%zu) live at %d-%d share activation memory",
                                       buf[s].name, x->offset, x->count, x->first, x->last, buf[t].name, y->offset,
                                       y->count, y->first, y->last);
        }
    return CLNAS_OK;
}

/* Does every element of [offset, offset + count) hold tensor t? */
static int holds(const int *owner, size_t offset, size_t count, int t)
{
    for (size_t e = offset; e < offset + count; e++)
        if (owner[e] != t)
            return 0;
    return 1;
}

/* Is element e (inside the binding's span) one of its elements: a channel slice skips its parent's other channels. */
static int bound_element(const clnas_plan_binding *b, size_t e)
{
    return !b->bstride || (e - b->offset) % b->bstride < b->per;
}

/* holds() over the elements of a binding. */
static int binding_holds(const int *owner, const clnas_plan_binding *b)
{
    for (size_t e = b->offset; e < b->offset + b->count; e++)
        if (bound_element(b, e) && owner[e] != b->tensor)
            return 0;
    return 1;
}

static clnas_status check_reads(const clnas_plan *plan, const clnas_plan_launch *launches, int n, int *owner,
                                clnas_error *err)
{
    const clnas_plan_buffer *buf = buffers_of(plan, launches);
    for (int i = 0; i < n; i++) {
        const clnas_plan_launch *l = &launches[i];
        for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++) {
            const clnas_plan_binding *b = &l->arg[a];
            if (b->tensor >= 0 && b->arena == CLNAS_ARENA_ACT && b->writes != 1 && !binding_holds(owner, b))
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "memory plan: launch %d (%s) reads %s [%zu, "
                                       "+%zu), which another tensor overwrote or nothing wrote", i, l->label,
                                       buf[b->tensor].name, b->offset, b->count);
        }
        for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++) {
            const clnas_plan_binding *b = &l->arg[a];
            for (size_t e = b->offset; b->tensor >= 0 && b->arena == CLNAS_ARENA_ACT && b->writes &&
                                       e < b->offset + b->count; e++)
                if (bound_element(b, e))
                    owner[e] = b->tensor;
        }
    }
    return CLNAS_OK;
}

/* The outputs the host reads after the step still hold the tensor bound there (live, at that offset). */
static clnas_status check_kept(const clnas_plan *plan, const clnas_plan_launch *launches, const life *lv, int nb,
                               const int *owner, const long *keep, int nkeep, clnas_error *err)
{
    const clnas_plan_buffer *buf = buffers_of(plan, launches);
    for (int k = 0; k < nkeep; k++) {
        int found = keep[k] < 0;
        for (int t = 0; t < nb && !found; t++)
            if (lv[t].first >= 0 && lv[t].offset == (size_t)keep[k]) {
                found = 1;
                if (!holds(owner, lv[t].offset, lv[t].count, t))
                    return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "memory plan: output %s [%zu, +%zu) is "
                                           "overwritten before the host reads it", buf[t].name, lv[t].offset,
                                           lv[t].count);
            }
        if (!found)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "memory plan: no tensor at output offset %ld",
                                   keep[k]);
    }
    return CLNAS_OK;
}

clnas_status clnas_plan_check_memory(const clnas_plan *plan, const clnas_plan_launch *launches, int n,
                                     const long *keep, int nkeep, clnas_error *err)
{
    int nb = nbuffers_of(plan, launches);
    size_t elems = plan->arena_elems[CLNAS_ARENA_ACT];
    life *lv = lifetimes(launches, n, nb);
    int *owner = malloc((elems + 1) * sizeof *owner);
    clnas_status st = lv && owner ? CLNAS_OK : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (int t = 0; st == CLNAS_OK && t < nb; t++)
        if (lv[t].first >= 0 && lv[t].offset + lv[t].count > elems)
            st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "memory plan: %s [%zu, +%zu) ends past the activation "
                                 "arena's %zu elements", buffers_of(plan, launches)[t].name, lv[t].offset,
                                 lv[t].count, elems);
    for (size_t e = 0; st == CLNAS_OK && e < elems; e++)
        owner[e] = -1;
    if (st == CLNAS_OK)
        st = check_overlaps(plan, launches, lv, nb, err);
    if (st == CLNAS_OK)
        st = check_reads(plan, launches, n, owner, err);
    if (st == CLNAS_OK)
        st = check_kept(plan, launches, lv, nb, owner, keep, nkeep, err);
    free(lv);
    free(owner);
    return st;
}
