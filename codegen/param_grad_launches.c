/* clnas — the backward launches that compute only trained parameters' gradients (a weight gradient of a convolution
 * or of the classifier): DARTS' and GDAS' architecture steps read gradients of the STATE arena and the input
 * gradient, never a parameter's, so their backward leaves these out (about a quarter of a backward on PoCL). */
#include "param_grad_launches.h"

static int writes_only_grads(const clnas_plan_launch *l, const clnas_plan_kernel *k)
{
    int writes = 0;
    for (int a = 0; a < k->desc.nargs; a++) {
        const clnas_plan_binding *b = &l->arg[a];
        if (!b->writes)
            continue;
        if (b->arena != CLNAS_ARENA_GRADS)
            return 0;
        writes++;
    }
    return writes > 0;
}

/* Whether launch r reads a GRADS range that launch w writes. */
static int reads_written(const clnas_plan_launch *r, const clnas_plan_kernel *rk, const clnas_plan_launch *w,
                         const clnas_plan_kernel *wk)
{
    for (int a = 0; a < rk->desc.nargs; a++) {
        const clnas_plan_binding *in = &r->arg[a];
        if (in->arena != CLNAS_ARENA_GRADS || in->count == 0)
            continue;
        for (int b = 0; b < wk->desc.nargs; b++) {
            const clnas_plan_binding *out = &w->arg[b];
            if (!out->writes || out->arena != CLNAS_ARENA_GRADS)
                continue;
            if (in->offset < out->offset + out->count && out->offset < in->offset + in->count)
                return 1;
        }
    }
    return 0;
}

/* Whether launch i is a weight gradient split over pixels (codegen/wgrad_split.h): its partial sums, in the
 * activation arena, are read by the split_sum launched right after it and by nothing else, so the two go together. */
static int split_parts(const clnas_plan *plan, int i)
{
    return i + 1 < plan->ntrain && plan->train[i].kind == CLNAS_NODE_CONV_BWD_FILTER &&
           plan->train[i + 1].kind == CLNAS_NODE_SPLIT_SUM;
}

int clnas_plan_param_grad_launches(const clnas_plan *plan, unsigned char *skip)
{
    for (int i = 0; i < plan->ntrain; i++) {
        const clnas_plan_launch *l = &plan->train[i];
        skip[i] = l->phase == CLNAS_PHASE_BACKWARD && writes_only_grads(l, &plan->kernels[l->kernel]);
    }
    for (int i = 0; i < plan->ntrain; i++)
        if (split_parts(plan, i) && skip[i + 1])
            skip[i] = 1;
    /* A skipped launch's output must not feed a kept backward launch (none does in the networks built today: a
     * parameter's gradient is read by the update only); keeping one can expose another, so until nothing changes. */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int r = 0; r < plan->ntrain; r++) {
            const clnas_plan_launch *kept = &plan->train[r];
            if (skip[r] || kept->phase != CLNAS_PHASE_BACKWARD)
                continue;
            for (int w = 0; w < r; w++)
                if (skip[w] && reads_written(kept, &plan->kernels[kept->kernel], &plan->train[w],
                                             &plan->kernels[plan->train[w].kernel])) {
                    skip[w] = 0;
                    changed = 1;
                }
        }
    }
    for (int i = 0; i < plan->ntrain; i++)
        if (split_parts(plan, i) && !skip[i + 1])
            skip[i] = 0;
    int n = 0;
    for (int i = 0; i < plan->ntrain; i++)
        n += skip[i];
    return n;
}
