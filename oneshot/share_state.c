/* clnas — a data-parallel run's start state from process 0 to every process, in one broadcast of doubles. */
#include "share_state.h"

#include <stdlib.h>
#include <string.h>

static const clnas_arena shared_arenas[] = {CLNAS_ARENA_PARAMS, CLNAS_ARENA_MOMENTUM, CLNAS_ARENA_STATE};
#define ALPHA_CELLS (CLNAS_ARCH_MAX_EDGES * CLNAS_ARCH_MAX_OPS)
#define ALPHA_VALUES (3 * ALPHA_CELLS + 3) /* alpha, m, v, then the step count, edges and ops */

static void alpha_pack(const clnas_alpha *a, double *v, int out)
{
    clnas_alpha *w = (clnas_alpha *)a; /* written only when unpacking (out == 0) */
    double *mats[3] = {&w->alpha[0][0], &w->adam_m[0][0], &w->adam_v[0][0]};
    for (int m = 0; m < 3; m++)
        for (int i = 0; i < ALPHA_CELLS; i++) {
            if (out)
                v[m * ALPHA_CELLS + i] = mats[m][i];
            else
                mats[m][i] = v[m * ALPHA_CELLS + i];
        }
    if (out) {
        v[3 * ALPHA_CELLS] = (double)a->adam_step;
        v[3 * ALPHA_CELLS + 1] = a->edges;
        v[3 * ALPHA_CELLS + 2] = a->ops;
    } else {
        w->adam_step = (long)v[3 * ALPHA_CELLS];
        w->edges = (int)v[3 * ALPHA_CELLS + 1];
        w->ops = (int)v[3 * ALPHA_CELLS + 2];
    }
}

clnas_status clnas_share_state(const clnas_grad_shares *sh, const clnas_darts_net *net, clnas_alpha *alpha,
                               long *done, clnas_error *err)
{
    if (!clnas_grad_shares_on(sh) || !sh->broadcast)
        return CLNAS_OK;
    size_t n = 1, at[3];
    for (int a = 0; a < 3; a++) {
        at[a] = n;
        n += clnas_darts_net_arena_elems(net, shared_arenas[a]);
    }
    const size_t alpha_at = n;
    n += alpha ? ALPHA_VALUES : 0;
    double *v = calloc(n, sizeof *v);
    if (!v)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for the start state (%zu values)", n);
    const int root = sh->index == 0;
    clnas_status st = CLNAS_OK;
    if (root) {
        v[0] = (double)*done;
        for (int a = 0; a < 3 && st == CLNAS_OK; a++)
            st = clnas_darts_net_arena_read(net, shared_arenas[a], v + at[a], err);
        if (alpha)
            alpha_pack(alpha, v + alpha_at, 1);
    }
    /* a root that failed above leaves; the caller's link tells the others (grad_shares.h: fails on every process) */
    if (st == CLNAS_OK)
        st = sh->broadcast(sh->user, v, n, err);
    if (!root && st == CLNAS_OK) {
        *done = (long)v[0];
        for (int a = 0; a < 3 && st == CLNAS_OK; a++)
            st = clnas_darts_net_arena_write(net, shared_arenas[a], v + at[a], err);
        if (alpha)
            alpha_pack(alpha, v + alpha_at, 0);
    }
    free(v);
    return st;
}
