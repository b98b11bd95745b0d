/* clnas — chain-structured genotypes: op names, field ranges and the shape rule of every join. */
#include "clnas/chain_genotype.h"

#include <string.h>

const int clnas_chain_filters[CLNAS_CHAIN_FILTER_CHOICES] = {16, 32, 64, 128};

const char *clnas_chain_op_name(clnas_chain_op op)
{
    static const char *const names[CLNAS_CHAIN_OPS] = {"conv", "sepconv", "maxpool3x3", "avgpool3x3", "identity"};
    return (unsigned)op < CLNAS_CHAIN_OPS ? names[op] : "unknown";
}

static int filters_ok(int f)
{
    for (int i = 0; i < CLNAS_CHAIN_FILTER_CHOICES; i++)
        if (clnas_chain_filters[i] == f)
            return 1;
    return 0;
}

/* The op's own fields: kernel size and filters of the convolutions, none for the rest; identity unstrided. */
static clnas_status check_op(const clnas_chain_layer *l, int i, clnas_error *err)
{
    const int k = l->ksize;
    if (l->op >= CLNAS_CHAIN_OPS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: op %d is not one of the %d ops",
                               i, l->op, CLNAS_CHAIN_OPS);
    if (l->stride != 1 && l->stride != 2)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: stride %d, expected 1 or 2", i,
                               l->stride);
    if (l->op == CLNAS_CHAIN_CONV && !(k == 1 || k == 3 || k == 5 || k == 7))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: conv kernel %d, expected 1, 3, 5 "
                               "or 7", i, k);
    if (l->op == CLNAS_CHAIN_SEPCONV && !(k == 3 || k == 5))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: sepconv kernel %d, expected 3 or "
                               "5", i, k);
    const int conv = l->op == CLNAS_CHAIN_CONV || l->op == CLNAS_CHAIN_SEPCONV;
    if (conv && !filters_ok(l->filters))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: %d filters, expected 16, 32, 64 "
                               "or 128", i, l->filters);
    if (!conv && (k || l->filters))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: %s has no kernel size or "
                               "filters", i, clnas_chain_op_name((clnas_chain_op)l->op));
    if (l->op == CLNAS_CHAIN_IDENTITY && l->stride != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: identity cannot be strided", i);
    return CLNAS_OK;
}

/* The input shape of layer i (1-based) from the earlier outputs' shapes, or an error naming the misfit. */
static clnas_status join_shape(const clnas_chain_layer *l, int i, const clnas_chain_shape *shapes,
                               clnas_chain_shape *in, clnas_error *err)
{
    if (l->join > CLNAS_CHAIN_CAT || l->nskips > CLNAS_CHAIN_MAX_SKIPS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: join %d with %d skips, expected "
                               "sum or cat with at most %d", i, l->join, l->nskips, CLNAS_CHAIN_MAX_SKIPS);
    *in = shapes[i - 1];
    for (int s = 0; s < l->nskips; s++) {
        const int j = l->skip[s];
        if (j > i - 2)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: skip from output %d, expected "
                                   "an earlier output 0..%d (the previous one is always read)", i, j, i - 2);
        for (int t = 0; t < s; t++)
            if (l->skip[t] == j)
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: output %d listed twice",
                                       i, j);
        const clnas_chain_shape *x = &shapes[j];
        if (x->level != in->level)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: output %d has another "
                                   "spatial size (%d stride-2 layers before it, %d before output %d)", i, j, x->level,
                                   in->level, i - 1);
        if (l->join == CLNAS_CHAIN_CAT) {
            in->c_stem += x->c_stem;
            in->c_fixed += x->c_fixed;
        } else if (x->c_stem != shapes[i - 1].c_stem || x->c_fixed != shapes[i - 1].c_fixed) {
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype layer %d: output %d has other channels "
                                   "than output %d, so it cannot be summed (use cat)", i, j, i - 1);
        }
    }
    return CLNAS_OK;
}

clnas_status clnas_chain_genotype_validate(const clnas_chain_genotype *g, clnas_chain_shape *shapes,
                                           clnas_error *err)
{
    if (!g)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype: g must not be NULL");
    if (g->nlayers < 1 || g->nlayers > CLNAS_CHAIN_MAX_LAYERS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype: %d layers, expected 1..%d", g->nlayers,
                               CLNAS_CHAIN_MAX_LAYERS);
    clnas_chain_shape s[CLNAS_CHAIN_MAX_LAYERS + 1];
    s[0] = (clnas_chain_shape){1, 0, 0};
    for (int i = 1; i <= g->nlayers; i++) {
        const clnas_chain_layer *l = &g->layer[i - 1];
        clnas_chain_shape in;
        clnas_status st = check_op(l, i, err);
        if (st == CLNAS_OK)
            st = join_shape(l, i, s, &in, err);
        if (st != CLNAS_OK)
            return st;
        s[i] = in;
        s[i].level += l->stride == 2;
        if (l->op == CLNAS_CHAIN_CONV || l->op == CLNAS_CHAIN_SEPCONV) {
            s[i].c_stem = 0;
            s[i].c_fixed = l->filters;
        }
    }
    if (shapes)
        memcpy(shapes, s, sizeof(clnas_chain_shape) * (size_t)(g->nlayers + 1));
    return CLNAS_OK;
}

int clnas_chain_genotype_equal(const clnas_chain_genotype *a, const clnas_chain_genotype *b)
{
    if (a->nlayers != b->nlayers)
        return 0;
    for (int i = 0; i < a->nlayers; i++) {
        const clnas_chain_layer *x = &a->layer[i], *y = &b->layer[i];
        if (x->op != y->op || x->ksize != y->ksize || x->filters != y->filters || x->stride != y->stride ||
            x->nskips != y->nskips || (x->nskips && x->join != y->join) ||
            memcmp(x->skip, y->skip, x->nskips) != 0)
            return 0;
    }
    return 1;
}
