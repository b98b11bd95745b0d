/* clnas — alpha of the DARTS cell space: edge weights of the search network, their gradient, the derived genotype. */
#include "darts_space.h"

#include <stdio.h>
#include <string.h>

#include "build_darts_search.h"

#define EDGES CLNAS_DARTS_SEARCH_EDGES
#define ROWS CLNAS_DARTS_SPACE_ALPHA_EDGES
#define OPS CLNAS_DARTS_OPS

static clnas_status check_shape(const clnas_alpha *alpha, clnas_error *err)
{
    if (alpha->edges != ROWS || alpha->ops != OPS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "DARTS space: alpha must be %d edges (14 normal, 14 "
                               "reduce) x %d ops, got %d x %d", ROWS, OPS, alpha->edges, alpha->ops);
    return CLNAS_OK;
}

/* darts.<type>.<e>.<weight|weight2><suffix> of alpha row r. */
static void names(int r, const char *suffix, char *a, char *b, size_t cap)
{
    const char *type = r < EDGES ? "normal" : "reduce";
    snprintf(a, cap, "darts.%s.%d.weight%s", type, r % EDGES, suffix);
    snprintf(b, cap, "darts.%s.%d.weight2%s", type, r % EDGES, suffix);
}

clnas_status clnas_darts_space_set_edge_weights(clnas_model *model, const clnas_alpha *alpha, clnas_error *err)
{
    double probs[ROWS * OPS];
    clnas_status st = check_shape(alpha, err);
    if (st == CLNAS_OK)
        st = clnas_alpha_softmax(alpha, probs, err);
    for (int r = 0; r < ROWS && st == CLNAS_OK; r++) {
        char a[64], b[64];
        names(r, "", a, b, sizeof a);
        st = clnas_model_set(model, a, probs + r * OPS + 1, CLNAS_DARTS_SEARCH_W0, err);
        if (st == CLNAS_OK)
            st = clnas_model_set(model, b, probs + r * OPS + 1 + CLNAS_DARTS_SEARCH_W0, CLNAS_DARTS_SEARCH_W1, err);
    }
    return st;
}

clnas_status clnas_darts_space_alpha_gradient(clnas_model *model, const clnas_alpha *alpha, double *dalpha,
                                              clnas_error *err)
{
    double probs[ROWS * OPS], dprobs[ROWS * OPS];
    clnas_status st = check_shape(alpha, err);
    if (st == CLNAS_OK)
        st = clnas_alpha_softmax(alpha, probs, err);
    for (int r = 0; r < ROWS && st == CLNAS_OK; r++) {
        char a[64], b[64];
        names(r, "_grad", a, b, sizeof a);
        dprobs[r * OPS] = 0.0; /* none: its output is zero */
        st = clnas_model_get(model, a, dprobs + r * OPS + 1, CLNAS_DARTS_SEARCH_W0, err);
        if (st == CLNAS_OK)
            st = clnas_model_get(model, b, dprobs + r * OPS + 1 + CLNAS_DARTS_SEARCH_W0, CLNAS_DARTS_SEARCH_W1, err);
    }
    if (st == CLNAS_OK)
        st = clnas_alpha_softmax_backward(alpha, probs, dprobs, dalpha, err);
    return st;
}

/* The strongest op of a row but none (the first of equal weights, as DARTS' strict '>'). */
static int best_op(const double *w)
{
    int best = 1;
    for (int k = 2; k < OPS; k++)
        if (w[k] > w[best])
            best = k;
    return best;
}

/* One cell from its 14 rows of softmax weights. */
static void derive_cell(const double *probs, clnas_darts_cell *c)
{
    memset(c, 0, sizeof *c);
    int start = 0;
    for (int k = 0; k < CLNAS_DARTS_NODES; k++) {
        const int n = k + 2;
        int first = -1, second = -1;
        for (int j = 0; j < n; j++) { /* stable: a later edge displaces an earlier one only when strictly stronger */
            const double s = probs[(start + j) * OPS + best_op(probs + (start + j) * OPS)];
            if (first < 0 || s > probs[(start + first) * OPS + best_op(probs + (start + first) * OPS)]) {
                second = first;
                first = j;
            } else if (second < 0 || s > probs[(start + second) * OPS + best_op(probs + (start + second) * OPS)]) {
                second = j;
            }
        }
        const int pick[2] = {first, second};
        for (int i = 0; i < 2; i++) {
            c->op[2 * k + i] = (uint8_t)best_op(probs + (start + pick[i]) * OPS);
            c->input[2 * k + i] = (uint8_t)pick[i];
        }
        start += n;
    }
    c->nconcat = CLNAS_DARTS_NODES;
    for (int i = 0; i < CLNAS_DARTS_NODES; i++)
        c->concat[i] = (uint8_t)(2 + i);
}

clnas_status clnas_darts_space_derive(const clnas_alpha *alpha, clnas_darts_genotype *out, clnas_error *err)
{
    double probs[ROWS * OPS];
    clnas_status st = check_shape(alpha, err);
    if (st == CLNAS_OK)
        st = clnas_alpha_softmax(alpha, probs, err);
    if (st != CLNAS_OK)
        return st;
    derive_cell(probs, &out->normal);
    derive_cell(probs + EDGES * OPS, &out->reduce);
    return CLNAS_OK;
}

void clnas_darts_space_skip_stats(const clnas_alpha *alpha, const clnas_darts_genotype *g, double *share,
                                  double *mean_prob)
{
    double probs[ROWS * OPS];
    *share = *mean_prob = 0.0;
    if (check_shape(alpha, NULL) != CLNAS_OK || clnas_alpha_softmax(alpha, probs, NULL) != CLNAS_OK)
        return;
    int skips = 0;
    for (int e = 0; e < CLNAS_DARTS_EDGES; e++)
        skips += (g->normal.op[e] == CLNAS_DARTS_SKIP_CONNECT) + (g->reduce.op[e] == CLNAS_DARTS_SKIP_CONNECT);
    *share = skips / (2.0 * CLNAS_DARTS_EDGES);
    for (int r = 0; r < ROWS; r++)
        *mean_prob += probs[r * OPS + CLNAS_DARTS_SKIP_CONNECT] / ROWS;
}
