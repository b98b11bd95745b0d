/* clnas tests — the host side shared by the kernel rows: a case's buffers, its argument slots, launch and compare. */
#include "kcase_host.h"

#include <stdio.h>
#include <stdlib.h>

void kb_begin(kb_case *c, kh_ctx *k, int fp64)
{
    c->k = k;
    c->fp64 = fp64;
    c->tol = KH_TOL(fp64);
    c->n = 0;
}

void kb_release(kb_case *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->p[i]);
    c->n = 0;
}

double *kb_keep(kb_case *c, double *p)
{
    if (c->n == (int)(sizeof c->p / sizeof c->p[0]))
        abort(); /* a case keeps more buffers than the table holds: enlarge it */
    c->p[c->n++] = p;
    return p;
}

double *kb_zeros(kb_case *c, size_t n)
{
    return kb_keep(c, calloc(n, sizeof(double)));
}

void kb_as_device(const kb_case *c, double *v, size_t n)
{
    if (!c->fp64)
        for (size_t i = 0; i < n; i++)
            v[i] = (float)v[i];
}

double *kb_tensor(kb_case *c, size_t n, uint64_t seed, double lo, double hi)
{
    double *v = kb_keep(c, kh_random(n, seed, lo, hi));
    kb_as_device(c, v, n);
    return v;
}

double *kb_copy(kb_case *c, const double *src, size_t n)
{
    return kb_keep(c, kh_copy(src, n));
}

kh_arg kb_in(double *host, size_t n)
{
    kh_arg a = {host, n, 0, 0.0};
    return a;
}

kh_arg kb_out(double *host, size_t n, int accum)
{
    kh_arg a = {host, n, !accum, 0.0};
    return a;
}

int kb_launch(kb_case *c, clnas_status st, kh_arg *args)
{
    if (st != CLNAS_OK) {
        printf("  descriptor refused: %s\n", c->err.message);
        return 0;
    }
    return kh_run(c->k, &c->d, c->fp64, args) == 0;
}

int kb_compare(const kb_case *c, int ok, const kb_check *checks, int nchecks)
{
    if (!ok)
        return 0;
    for (int i = 0; i < nchecks; i++) /* every check prints its line, even after one fails */
        ok &= kh_close_enough(checks[i].what, checks[i].got, checks[i].ref, checks[i].count, c->tol);
    return ok;
}

int kb_finish(kb_case *c, clnas_status st, kh_arg *args, const kb_check *checks, int nchecks)
{
    int ok = kb_compare(c, kb_launch(c, st, args), checks, nchecks);
    kb_release(c);
    return ok;
}
