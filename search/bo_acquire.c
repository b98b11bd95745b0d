/* clnas — the acquisition step of Bayesian optimisation over NB201 cells: encode, list candidates, maximise EI. */
#include "bo_acquire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"

uint64_t clnas_bo_class(const clnas_genotype *g)
{
    uint64_t h = 0;
    clnas_genotype_canonical(g, NULL, 0, &h, NULL);
    return h;
}

int clnas_bo_class_in(const uint64_t *classes, int n, uint64_t h)
{
    for (int i = 0; i < n; i++)
        if (classes[i] == h)
            return 1;
    return 0;
}

void clnas_bo_encode(const clnas_genotype *g, double x[CLNAS_BO_DIM])
{
    int zero[CLNAS_NB201_NODES], live[CLNAS_NB201_EDGES];
    clnas_genotype_analyse(g, zero, live);
    memset(x, 0, CLNAS_BO_DIM * sizeof *x);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        const int effective = live[e] && !zero[clnas_nb201_edge_from[e]] ? g->ops[e] : CLNAS_OP_NONE;
        x[e * CLNAS_NB201_OPS + effective] = 1.0;
    }
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

typedef struct candidate_list {
    clnas_genotype *cell;
    uint64_t *class;
    int n;
    const uint64_t *exclude;
    int n_exclude;
} candidate_list;

/* Appends g unless its class is excluded or listed already. */
static void add_candidate(candidate_list *c, const clnas_genotype *g)
{
    const uint64_t h = clnas_bo_class(g);
    if (clnas_bo_class_in(c->exclude, c->n_exclude, h) || clnas_bo_class_in(c->class, c->n, h))
        return;
    c->cell[c->n] = *g;
    c->class[c->n] = h;
    c->n++;
}

static void list_candidates(candidate_list *c, const clnas_genotype *arch, const int *ranked, int n_ranked,
                            int parents, int candidates, clnas_rng *rng)
{
    for (int p = 0; p < parents && p < n_ranked; p++)
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            for (int op = 0; op < CLNAS_NB201_OPS; op++) {
                clnas_genotype g = arch[ranked[p]];
                if (g.ops[e] == op)
                    continue;
                g.ops[e] = (uint8_t)op;
                add_candidate(c, &g);
            }
    for (int k = 0; k < candidates; k++) {
        clnas_genotype g;
        clnas_genotype_sample(rng, &g);
        add_candidate(c, &g);
    }
}

/* The candidate of highest expected improvement under the fitted GP. */
static void maximise(const clnas_gp *gp, const candidate_list *c, double best, clnas_bo_pick *pick)
{
    double xq[CLNAS_BO_DIM];
    for (int k = 0; k < c->n; k++) {
        double mean, sd;
        clnas_bo_encode(&c->cell[k], xq);
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

clnas_status clnas_bo_acquire(const clnas_genotype *arch, const double *fitness, int n, const uint64_t *exclude,
                              int n_exclude, int parents, int candidates, clnas_rng *rng, clnas_bo_pick *pick,
                              clnas_error *err)
{
    static const double lengths[] = CLNAS_GP_LENGTHS, ratios[] = CLNAS_GP_NOISE_RATIOS;
    memset(pick, 0, sizeof *pick);
    pick->ei = pick->mean = pick->sd = NAN;
    const int room = parents * CLNAS_NB201_EDGES * (CLNAS_NB201_OPS - 1) + candidates + 1;
    int *ranked = malloc((size_t)(n ? n : 1) * sizeof *ranked);
    double *x = malloc((size_t)(n ? n : 1) * CLNAS_BO_DIM * sizeof *x), *y = malloc((size_t)(n ? n : 1) * sizeof *y);
    candidate_list c = {malloc((size_t)room * sizeof *c.cell), malloc((size_t)room * sizeof *c.class), 0, exclude,
                        n_exclude};
    clnas_status st = CLNAS_OK;
    if (!ranked || !x || !y || !c.cell || !c.class)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "bo: out of memory for %d observations", n);
    const int n_ranked = st == CLNAS_OK ? successes_by_fitness(fitness, n, ranked) : 0;
    if (n_ranked >= 2) {
        for (int k = 0, i = 0; k < n; k++) /* in observation order */
            if (!isnan(fitness[k])) {
                clnas_bo_encode(&arch[k], x + (size_t)i * CLNAS_BO_DIM);
                y[i++] = fitness[k];
            }
        clnas_gp gp;
        st = clnas_gp_fit(&gp, x, y, n_ranked, CLNAS_BO_DIM, lengths, 7, ratios, 5, err);
        if (st == CLNAS_OK) {
            list_candidates(&c, arch, ranked, n_ranked, parents, candidates, rng);
            maximise(&gp, &c, fitness[ranked[0]], pick);
            pick->length = gp.length;
            pick->noise_ratio = gp.noise_ratio;
            pick->log_marginal = gp.log_marginal;
            pick->points = gp.n;
        }
        clnas_gp_free(&gp);
    }
    free(ranked), free(x), free(y), free(c.cell), free(c.class);
    return st;
}
