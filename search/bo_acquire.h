/* clnas — Bayesian optimisation's acquisition: the architecture encoding, candidates, the expected-improvement pick. */
#ifndef CLNAS_BO_ACQUIRE_H
#define CLNAS_BO_ACQUIRE_H

#include <stdint.h>

#include "clnas/rng.h"
#include "clnas/space.h"
#include "clnas/status.h"
#include "space_iface.h"

/* The encoding's length for the space: 30 on NB201, the sum of the decisions' option counts elsewhere. */
int clnas_bo_dim(const clnas_space_iface *space);

/* The encoding of g (clnas_bo_dim(space) numbers). NB201: for each edge e, a one-hot over its 5 edge ops of its
 * effective op, which is its op when the edge can affect the cell output (clnas_genotype_analyse: edge_live, and
 * its tail is not a zero node) and none otherwise; so cells that differ only in dead edges look the same to the
 * model. Other spaces: a one-hot per decision of space->to_decisions (all zero for a decision g does not depend
 * on), scaled by sqrt(6 / decisions) so that distances span NB201's range and the length grid fits every space. */
void clnas_bo_encode(const clnas_space_iface *space, const clnas_space_genotype *g, double *x);

/* The canonical hash of g's class (space->canonical). */
uint64_t clnas_bo_class(const clnas_space_iface *space, const clnas_space_genotype *g);
int clnas_bo_class_in(const uint64_t *classes, int n, uint64_t h);

typedef struct clnas_bo_pick {
    int picked;                /* 0: fewer than two successful observations, or no candidate left */
    clnas_space_genotype arch; /* the pick */
    double ei, mean, sd;       /* its expected improvement and the posterior there */
    double length, noise_ratio, log_marginal; /* the fitted hyper-parameters (gp.h) */
    int points;                               /* observations fitted */
} clnas_bo_pick;

/* Fits a Gaussian process (gp.h: squared-exponential kernel over clnas_bo_encode, length and noise ratio chosen on
 * the grid CLNAS_GP_LENGTHS x CLNAS_GP_NOISE_RATIOS by marginal likelihood) to the successful observations
 * (arch[i], fitness[i]; NAN is skipped) and picks the candidate of highest expected improvement over the best
 * observed fitness (the first on a tie). The candidates, in order: space->neighbours of each of the `parents` best
 * observations (highest fitness first, the earliest on a tie; on NB201 every one-edge mutation, edge 0..5, then op
 * 0..4), then `candidates` draws of space->sample from rng; a candidate whose class is in
 * exclude[0 .. n_exclude-1], or is the class of one earlier in the list, is dropped. O(n^3) for n observations
 * (35 Cholesky factorisations), plus O(n dim) per candidate. */
clnas_status clnas_bo_acquire(const clnas_space_iface *space, const clnas_space_genotype *arch, const double *fitness,
                              int n, const uint64_t *exclude, int n_exclude, int parents, int candidates,
                              clnas_rng *rng, clnas_bo_pick *pick, clnas_error *err);

#endif
