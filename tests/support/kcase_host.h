/* clnas tests — the host side shared by the kernel rows: a case's buffers, its argument slots, launch and compare. */
#ifndef CLNAS_KCASE_HOST_H
#define CLNAS_KCASE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "kernel_cases.h"

/* One run of a kernel row: the device, the precision, the descriptor and the host buffers, freed together. */
typedef struct kb_case {
    kh_ctx *k;
    int fp64;
    double tol; /* KH_TOL(fp64) unless the row sets its own */
    clnas_kernel_desc d;
    clnas_error err;
    double *p[40];
    int n;
} kb_case;

/* An output and its reference, compared after a launch that went well; `what` names it in the printed line. */
typedef struct kb_check {
    const char *what;
    const double *got, *ref;
    size_t count;
} kb_check;

void kb_begin(kb_case *c, kh_ctx *k, int fp64);
void kb_release(kb_case *c);

/* Keeps p to be freed by kb_release (aborts when the table is full: enlarge it). */
double *kb_keep(kb_case *c, double *p);
double *kb_zeros(kb_case *c, size_t n);
/* Values as the device holds them: rounded to float in float32 runs, so the reference sees the same inputs. */
void kb_as_device(const kb_case *c, double *v, size_t n);
/* n uniform values in [lo, hi) from seed, as the device holds them. */
double *kb_tensor(kb_case *c, size_t n, uint64_t seed, double lo, double hi);
double *kb_copy(kb_case *c, const double *src, size_t n);

/* An input, or a tensor updated in place: uploaded, and read back after the launch like every tensor slot. */
kh_arg kb_in(double *host, size_t n);
/* An output: poisoned when the kernel overwrites it, its random start uploaded when it accumulates. */
kh_arg kb_out(double *host, size_t n, int accum);

/* Runs c->d with args when st (the status that filled c->d) is CLNAS_OK; prints a refusal. Returns 1 on success. */
int kb_launch(kb_case *c, clnas_status st, kh_arg *args);
/* ok and, when ok, every check within c->tol (each prints its line). */
int kb_compare(const kb_case *c, int ok, const kb_check *checks, int nchecks);
/* The common row: launch, compare (the reference already computed), release. Returns 1 when all passed. */
int kb_finish(kb_case *c, clnas_status st, kh_arg *args, const kb_check *checks, int nchecks);

#endif
