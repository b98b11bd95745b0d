/* clnas — the DARTS cell space: op names, the published genotypes by name, validation. */
#include "clnas/darts_genotype.h"
#include "darts_names.h"

#include <string.h>

static const char *const op_names[CLNAS_DARTS_OPS] = {
    "none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
    "dil_conv_5x5",
};

const char *clnas_darts_op_name(clnas_darts_op op)
{
    if ((unsigned)op >= CLNAS_DARTS_OPS)
        return "unknown";
    return op_names[op];
}

clnas_status clnas_darts_op_parse(const char *name, size_t len, clnas_darts_op *out)
{
    for (int op = 0; op < CLNAS_DARTS_OPS; op++)
        if (strlen(op_names[op]) == len && memcmp(name, op_names[op], len) == 0) {
            *out = (clnas_darts_op)op;
            return CLNAS_OK;
        }
    return CLNAS_ERR_NOT_FOUND;
}

/* A cell written as DARTS' genotypes.py does: (op, input) per edge, concat 2..5. */
typedef struct named_edge {
    uint8_t op; /* a clnas_darts_op */
    uint8_t input;
} named_edge;

typedef struct named_genotype {
    const char *name;
    named_edge normal[CLNAS_DARTS_EDGES], reduce[CLNAS_DARTS_EDGES];
} named_genotype;

enum { NONE_, MAXP, AVGP, SKIP, SEP3, SEP5, DIL3, DIL5 };

/* Exactly ../shared/reference/darts/darts_ref.py (DARTS' cnn/genotypes.py, PC-DARTS' PC_DARTS_cifar). */
static const named_genotype named[] = {
    {"DARTS_V1",
     {{SEP3, 1}, {SEP3, 0}, {SKIP, 0}, {SEP3, 1}, {SKIP, 0}, {SEP3, 1}, {SEP3, 0}, {SKIP, 2}},
     {{MAXP, 0}, {MAXP, 1}, {SKIP, 2}, {MAXP, 0}, {MAXP, 0}, {SKIP, 2}, {SKIP, 2}, {AVGP, 0}}},
    {"DARTS_V2",
     {{SEP3, 0}, {SEP3, 1}, {SEP3, 0}, {SEP3, 1}, {SEP3, 1}, {SKIP, 0}, {SKIP, 0}, {DIL3, 2}},
     {{MAXP, 0}, {MAXP, 1}, {SKIP, 2}, {MAXP, 1}, {MAXP, 0}, {SKIP, 2}, {SKIP, 2}, {MAXP, 1}}},
    {"PC_DARTS",
     {{SEP3, 1}, {SKIP, 0}, {SEP3, 0}, {DIL3, 1}, {SEP5, 0}, {SEP3, 1}, {AVGP, 0}, {DIL3, 1}},
     {{SEP5, 1}, {MAXP, 0}, {SEP5, 1}, {SEP5, 2}, {SEP3, 0}, {SEP3, 3}, {SEP3, 1}, {SEP3, 2}}},
    {"ALL_OPS",
     {{SEP5, 0}, {DIL5, 1}, {NONE_, 0}, {AVGP, 2}, {MAXP, 1}, {SKIP, 3}, {DIL3, 4}, {SEP3, 0}},
     {{SKIP, 0}, {NONE_, 1}, {SEP5, 0}, {DIL5, 1}, {AVGP, 1}, {DIL3, 0}, {SEP3, 1}, {MAXP, 0}}},
};

/* darts_ref.py's NAMED_GENOTYPES also has these two aliases. */
static const struct {
    const char *alias, *name;
} aliases[] = {{"DARTS", "DARTS_V2"}, {"PC_DARTS_cifar", "PC_DARTS"}};

static void fill_cell(const named_edge *edges, clnas_darts_cell *cell)
{
    memset(cell, 0, sizeof *cell);
    for (int e = 0; e < CLNAS_DARTS_EDGES; e++) {
        cell->op[e] = edges[e].op;
        cell->input[e] = edges[e].input;
    }
    for (int k = 0; k < CLNAS_DARTS_NODES; k++)
        cell->concat[k] = (uint8_t)(2 + k);
    cell->nconcat = CLNAS_DARTS_NODES;
}

int clnas_darts_genotype_lookup(const char *name, size_t len, clnas_darts_genotype *out)
{
    for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++)
        if (strlen(aliases[a].alias) == len && memcmp(name, aliases[a].alias, len) == 0) {
            name = aliases[a].name;
            len = strlen(name);
        }
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strlen(named[i].name) == len && memcmp(name, named[i].name, len) == 0) {
            if (out) {
                memset(out, 0, sizeof *out);
                fill_cell(named[i].normal, &out->normal);
                fill_cell(named[i].reduce, &out->reduce);
            }
            return 1;
        }
    return 0;
}

clnas_status clnas_darts_genotype_named(const char *name, clnas_darts_genotype *out, clnas_error *err)
{
    if (!name || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_darts_genotype_named: name and out must not be NULL");
    if (clnas_darts_genotype_lookup(name, strlen(name), out))
        return CLNAS_OK;
    return clnas_error_set(err, CLNAS_ERR_NOT_FOUND, "no published DARTS genotype named \"%.64s\" (known: "
                           CLNAS_DARTS_NAMED_LIST ")", name);
}

static clnas_status check_cell(const clnas_darts_cell *c, const char *what, int reduce, clnas_error *err)
{
    for (int e = 0; e < CLNAS_DARTS_EDGES; e++) {
        if (c->op[e] >= CLNAS_DARTS_OPS)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: edge %d: op %u is not one of 0..%d", what, e,
                                   (unsigned)c->op[e], CLNAS_DARTS_OPS - 1);
        if (c->input[e] >= 2 + e / 2)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                   "%s: edge %d of node %d reads state %u; node %d may read states 0..%d", what, e,
                                   e / 2, (unsigned)c->input[e], e / 2, 1 + e / 2);
    }
    if (c->nconcat < 1 || c->nconcat > CLNAS_DARTS_STATES)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s_concat: %u states; expected 1..%d", what,
                               (unsigned)c->nconcat, CLNAS_DARTS_STATES);
    unsigned seen = 0;
    for (int i = 0; i < c->nconcat; i++) {
        if (c->concat[i] >= CLNAS_DARTS_STATES)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s_concat: state %u; expected one of 0..%d", what,
                                   (unsigned)c->concat[i], CLNAS_DARTS_STATES - 1);
        if (reduce && c->concat[i] < 2)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s_concat: state %u is a cell input, which a reduction "
                                   "cell does not downsample (its nodes are half its size); expected states 2..5", what,
                                   (unsigned)c->concat[i]);
        if (seen & (1u << c->concat[i]))
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s_concat: state %u twice", what,
                                   (unsigned)c->concat[i]);
        seen |= 1u << c->concat[i];
    }
    return CLNAS_OK;
}

clnas_status clnas_darts_genotype_validate(const clnas_darts_genotype *g, clnas_error *err)
{
    if (!g)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_darts_genotype_validate: g must not be NULL");
    clnas_status st = check_cell(&g->normal, "normal", 0, err);
    return st != CLNAS_OK ? st : check_cell(&g->reduce, "reduce", 1, err);
}

int clnas_darts_genotype_equal(const clnas_darts_genotype *a, const clnas_darts_genotype *b)
{
    const clnas_darts_cell *ca[2] = {&a->normal, &a->reduce}, *cb[2] = {&b->normal, &b->reduce};
    for (int c = 0; c < 2; c++) {
        if (memcmp(ca[c]->op, cb[c]->op, CLNAS_DARTS_EDGES) != 0
            || memcmp(ca[c]->input, cb[c]->input, CLNAS_DARTS_EDGES) != 0 || ca[c]->nconcat != cb[c]->nconcat
            || memcmp(ca[c]->concat, cb[c]->concat, ca[c]->nconcat) != 0)
            return 0;
    }
    return 1;
}
