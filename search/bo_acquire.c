/* clnas — the acquisition step of Bayesian optimisation over a space's genotypes: encode, list candidates,
 * maximise EI. */
#include "bo_acquire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "space_nb201.h"

#define NB201_DIM (CLNAS_NB201_EDGES * CLNAS_NB201_OPS)

int clnas_bo_dim(const clnas_space_iface *space)
{
    if (space == &clnas_space_nb201)
        return NB201_DIM;
    int dim = 0;
    for (int i = 0; i < space->decisions; i++)
        dim += space->decision_options(i);
    return dim;
}

uint64_t clnas_bo_class(const clnas_space_iface *space, const clnas_space_genotype *g)
{
    uint64_t h = 0;
    space->canonical(g, NULL, 0, &h, NULL);
    return h;
}

int clnas_bo_class_in(const uint64_t *classes, int n, uint64_t h)
{
    for (int i = 0; i < n; i++)
        if (classes[i] == h)
            return 1;
    return 0;
}

void clnas_bo_encode(const clnas_space_iface *space, const clnas_space_genotype *sg, double *x)
{
    memset(x, 0, (size_t)clnas_bo_dim(space) * sizeof *x);
    if (space == &clnas_space_nb201) {
        const clnas_genotype cell = clnas_nb201_of(sg), *g = &cell;
        int zero[CLNAS_NB201_NODES], live[CLNAS_NB201_EDGES];
        clnas_genotype_analyse(g, zero, live);
        for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
            const int effective = live[e] && !zero[clnas_nb201_edge_from[e]] ? g->ops[e] : CLNAS_OP_NONE;
            x[e * CLNAS_NB201_OPS + effective] = 1.0;
        }
        return;
    }
    int choice[CLNAS_SPACE_DECISIONS_MAX];
    space->to_decisions(sg, choice);
    const double scale = sqrt((double)CLNAS_NB201_EDGES / space->decisions);
    for (int i = 0, off = 0; i < space->decisions; off += space->decision_options(i), i++)
        if (choice[i] >= 0)
            x[off + choice[i]] = scale;
}

/* Indices of the successful observations, best first (earliest on a tie): insertion sort, stable. */
static int successes_by_fitness(const double *fitness, int n_obs, int *order)
{
    int n = 0;
    for (int i = 0; i < n_obs; i++) {
        if (isnan(fitness[i]))
            continue;
        int j = n++;
        while (j > 0 && fitness[order[j - 1]] < fitness[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    return n;
}

/* The candidates so far, their classes, and an open-addressing set of those classes (thousands of chain
 * neighbours: a linear search would be quadratic). */
typedef struct candidate_list {
    clnas_space_genotype *cell;
    uint64_t *class;
    int n, cap;
    uint64_t *set; /* set_size slots, 0 empty (a class hash of 0 is kept in has_zero) */
    size_t set_size;
    int has_zero;
    const uint64_t *exclude;
    int n_exclude;
} candidate_list;

/* 1 when h was in the set; inserts it otherwise. */
static int set_check_insert(candidate_list *c, uint64_t h)
{
    if (h == 0) {
        const int was = c->has_zero;
        c->has_zero = 1;
        return was;
    }
    size_t i = (size_t)(h ^ (h >> 29)) & (c->set_size - 1);
    while (c->set[i]) {
        if (c->set[i] == h)
            return 1;
        i = (i + 1) & (c->set_size - 1);
    }
    c->set[i] = h;
    return 0;
}

/* Appends g unless its class is excluded or listed already, or the list is full. */
static void add_candidate(candidate_list *c, const clnas_space_iface *space, const clnas_space_genotype *g)
{
    const uint64_t h = clnas_bo_class(space, g);
    if (c->n == c->cap || clnas_bo_class_in(c->exclude, c->n_exclude, h) || set_check_insert(c, h))
        return;
    c->cell[c->n] = *g;
    c->class[c->n] = h;
    c->n++;
}

static clnas_status list_candidates(candidate_list *c, const clnas_space_iface *space,
                                    const clnas_space_genotype *arch, const int *ranked, int n_ranked, int parents,
                                    int candidates, clnas_rng *rng, clnas_error *err)
{
    for (int p = 0; p < parents && p < n_ranked; p++) {
        const clnas_space_genotype *g = &arch[ranked[p]];
        const int n = space->neighbours(g, NULL, 0);
        clnas_space_genotype *children = malloc((size_t)(n ? n : 1) * sizeof *children);
        if (!children)
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "bo: out of memory for %d neighbours", n);
        const int got = space->neighbours(g, children, n);
        for (int k = 0; k < got && k < n; k++)
            add_candidate(c, space, &children[k]);
        free(children);
    }
    for (int k = 0; k < candidates; k++) {
        clnas_space_genotype g;
        space->sample(space, rng, &g);
        add_candidate(c, space, &g);
    }
    return CLNAS_OK;
}

/* The candidate of highest expected improvement under the fitted GP. */
static void maximise(const clnas_space_iface *space, const clnas_gp *gp, const candidate_list *c, double best,
                     double *xq, clnas_bo_pick *pick)
{
    for (int k = 0; k < c->n; k++) {
        double mean, sd;
        clnas_bo_encode(space, &c->cell[k], xq);
        clnas_gp_predict(gp, xq, &mean, &sd);
        const double ei = clnas_gp_expected_improvement(mean, sd, best);
        if (!pick->picked || ei > pick->ei) {
            pick->picked = 1;
            pick->arch = c->cell[k];
            pick->ei = ei;
            pick->mean = mean;
            pick->sd = sd;
        }
    }
}

/* The number of neighbours of the `parents` best observations, the room their candidates need. */
static int neighbour_room(const clnas_space_iface *space, const clnas_space_genotype *arch, const int *ranked,
                          int n_ranked, int parents)
{
    int room = 0;
    for (int p = 0; p < parents && p < n_ranked; p++)
        room += space->neighbours(&arch[ranked[p]], NULL, 0);
    return room;
}

clnas_status clnas_bo_acquire(const clnas_space_iface *space, const clnas_space_genotype *arch, const double *fitness,
                              int n, const uint64_t *exclude, int n_exclude, int parents, int candidates,
                              clnas_rng *rng, clnas_bo_pick *pick, clnas_error *err)
{
    static const double lengths[] = CLNAS_GP_LENGTHS, ratios[] = CLNAS_GP_NOISE_RATIOS;
    space = clnas_space_or_nb201(space);
    memset(pick, 0, sizeof *pick);
    pick->ei = pick->mean = pick->sd = NAN;
    const int dim = clnas_bo_dim(space);
    int *ranked = malloc((size_t)(n ? n : 1) * sizeof *ranked);
    double *x = malloc((size_t)(n ? n : 1) * (size_t)dim * sizeof *x), *y = malloc((size_t)(n ? n : 1) * sizeof *y);
    double *xq = malloc((size_t)dim * sizeof *xq);
    clnas_status st = CLNAS_OK;
    if (!ranked || !x || !y || !xq)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "bo: out of memory for %d observations", n);
    const int n_ranked = st == CLNAS_OK ? successes_by_fitness(fitness, n, ranked) : 0;
    candidate_list c = {0};
    if (n_ranked >= 2) {
        c.cap = neighbour_room(space, arch, ranked, n_ranked, parents) + candidates + 1;
        c.set_size = 16;
        while (c.set_size < 2 * (size_t)c.cap)
            c.set_size *= 2;
        c.cell = malloc((size_t)c.cap * sizeof *c.cell);
        c.class = malloc((size_t)c.cap * sizeof *c.class);
        c.set = calloc(c.set_size, sizeof *c.set);
        c.exclude = exclude;
        c.n_exclude = n_exclude;
        if (!c.cell || !c.class || !c.set)
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "bo: out of memory for %d candidates", c.cap);
    }
    if (n_ranked >= 2 && st == CLNAS_OK) {
        for (int k = 0, i = 0; k < n; k++) /* in observation order */
            if (!isnan(fitness[k])) {
                clnas_bo_encode(space, &arch[k], x + (size_t)i * (size_t)dim);
                y[i++] = fitness[k];
            }
        clnas_gp gp;
        st = clnas_gp_fit(&gp, x, y, n_ranked, dim, lengths, 7, ratios, 5, err);
        if (st == CLNAS_OK)
            st = list_candidates(&c, space, arch, ranked, n_ranked, parents, candidates, rng, err);
        if (st == CLNAS_OK) {
            maximise(space, &gp, &c, fitness[ranked[0]], xq, pick);
            pick->length = gp.length;
            pick->noise_ratio = gp.noise_ratio;
            pick->log_marginal = gp.log_marginal;
            pick->points = gp.n;
        }
        clnas_gp_free(&gp);
    }
    free(ranked), free(x), free(y), free(xq), free(c.cell), free(c.class), free(c.set);
    return st;
}
