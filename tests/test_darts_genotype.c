/* clnas — tests of the DARTS cell space: genotype strings, published genotypes, sampling, mutation, canonical form. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "clnas/darts_genotype.h"

/* darts_ref.genotype_str(g) of ../shared/reference/darts/darts_ref.py (Python's repr of DARTS' namedtuple). */
static const struct {
    const char *name, *repr;
} published[] = {
    {"DARTS_V1",
     "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), ('sep_conv_3x3', 1), "
     "('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], normal_concat=[2, 3, 4, "
     "5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), "
     "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, "
     "5])"},
    {"DARTS_V2",
     "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
     "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, "
     "5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
     "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, "
     "5])"},
    {"PC_DARTS",
     "Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 0), ('dil_conv_3x3', 1), "
     "('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 0), ('dil_conv_3x3', 1)], normal_concat=[2, 3, 4, "
     "5], reduce=[('sep_conv_5x5', 1), ('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), "
     "('sep_conv_3x3', 0), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2)], reduce_concat=[2, 3, 4, "
     "5])"},
    {"ALL_OPS",
     "Genotype(normal=[('sep_conv_5x5', 0), ('dil_conv_5x5', 1), ('none', 0), ('avg_pool_3x3', 2), "
     "('max_pool_3x3', 1), ('skip_connect', 3), ('dil_conv_3x3', 4), ('sep_conv_3x3', 0)], normal_concat=[2, 3, 4, "
     "5], reduce=[('skip_connect', 0), ('none', 1), ('sep_conv_5x5', 0), ('dil_conv_5x5', 1), ('avg_pool_3x3', 1), "
     "('dil_conv_3x3', 0), ('sep_conv_3x3', 1), ('max_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])"},
};
#define N_PUBLISHED (sizeof published / sizeof published[0])

#define V2_NORMAL "[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), " \
                  "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)]"
#define V2_REDUCE "[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), " \
                  "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)]"

static clnas_darts_genotype parse_ok(const char *text)
{
    clnas_darts_genotype g;
    clnas_error err = {0};
    if (clnas_darts_genotype_parse(text, &g, &err) != CLNAS_OK)
        fail_msg("parse failed on %s: %s", text, err.message);
    return g;
}

static void format_ok(const clnas_darts_genotype *g, char *buf)
{
    clnas_error err = {0};
    if (clnas_darts_genotype_format(g, buf, CLNAS_DARTS_GENOTYPE_STR_MAX, &err) != CLNAS_OK)
        fail_msg("format failed: %s", err.message);
}

static void test_published_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_PUBLISHED; i++) {
        clnas_darts_genotype named, parsed, again;
        clnas_error err = {0};
        char text[CLNAS_DARTS_GENOTYPE_STR_MAX];
        assert_int_equal(clnas_darts_genotype_named(published[i].name, &named, &err), CLNAS_OK);
        format_ok(&named, text);
        assert_string_equal(text, published[i].repr);
        parsed = parse_ok(published[i].repr);
        assert_true(clnas_darts_genotype_equal(&parsed, &named));
        again = parse_ok(published[i].name); /* the bare name parses too */
        assert_true(clnas_darts_genotype_equal(&again, &named));
    }
    clnas_darts_genotype a, b;
    clnas_error err = {0};
    assert_int_equal(clnas_darts_genotype_named("DARTS", &a, &err), CLNAS_OK);
    assert_int_equal(clnas_darts_genotype_named("DARTS_V2", &b, &err), CLNAS_OK);
    assert_true(clnas_darts_genotype_equal(&a, &b));
    assert_int_equal(clnas_darts_genotype_named("PC_DARTS_cifar", &a, &err), CLNAS_OK);
    assert_int_equal(clnas_darts_genotype_named("PC_DARTS", &b, &err), CLNAS_OK);
    assert_true(clnas_darts_genotype_equal(&a, &b));
    assert_int_equal(clnas_darts_genotype_named("DARTS_V3", &a, &err), CLNAS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "DARTS_V3"));
    assert_non_null(strstr(err.message, "DARTS_V1, DARTS_V2, DARTS, PC_DARTS, PC_DARTS_cifar, ALL_OPS"));
}

/* Every accepted spelling of DARTS_V2: keywords in any order, positional, range(), prefix, blanks, quotes, tuples. */
static void test_parse_forms(void **state)
{
    (void)state;
    const char *forms[] = {
        "Genotype(normal=" V2_NORMAL ", normal_concat=range(2, 6), reduce=" V2_REDUCE ", reduce_concat=range(2, 6))",
        "Genotype(" V2_NORMAL ", [2, 3, 4, 5], " V2_REDUCE ", range(2,6))",
        "Genotype(" V2_NORMAL ", [2, 3, 4, 5], reduce_concat=[2, 3, 4, 5], reduce=" V2_REDUCE ",)",
        "genotypes.Genotype(reduce=" V2_REDUCE ", reduce_concat=(2, 3, 4, 5,), normal_concat=range(2, 6, 1), "
        "normal=" V2_NORMAL ")",
        "  genotypes . Genotype (\n normal = " V2_NORMAL " ,\tnormal_concat = [ 2 , 3 , 4 , 5 ] , reduce = " V2_REDUCE
        " , reduce_concat = range ( 2 , 6 ) ) \n",
        "Genotype(normal=[(\"sep_conv_3x3\", 0), ('sep_conv_3x3', 1,), ['sep_conv_3x3', 0], ('sep_conv_3x3', 1), "
        "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2),], normal_concat=[2, 3, 4, "
        "5], reduce=(('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
        "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)), reduce_concat=[2, 3, 4, "
        "5])",
        " DARTS_V2 ",
        "genotypes.DARTS",
    };
    clnas_darts_genotype v2;
    clnas_error err = {0};
    assert_int_equal(clnas_darts_genotype_named("DARTS_V2", &v2, &err), CLNAS_OK);
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        clnas_darts_genotype g = parse_ok(forms[i]);
        if (!clnas_darts_genotype_equal(&g, &v2))
            fail_msg("form %zu parsed to another genotype: %s", i, forms[i]);
    }
    /* A concat other than 2..5 is kept in its order and printed as a list. */
    clnas_darts_genotype g = parse_ok("Genotype(" V2_NORMAL ", [5, 0, 2], " V2_REDUCE ", range(3, 6))");
    assert_int_equal(g.normal.nconcat, 3);
    assert_int_equal(g.reduce.nconcat, 3);
    assert_int_equal(g.normal.concat[0], 5);
    assert_int_equal(g.normal.concat[1], 0);
    char text[CLNAS_DARTS_GENOTYPE_STR_MAX];
    format_ok(&g, text);
    assert_non_null(strstr(text, "normal_concat=[5, 0, 2], reduce="));
    assert_non_null(strstr(text, "reduce_concat=[3, 4, 5])"));
    clnas_darts_genotype back = parse_ok(text);
    assert_true(clnas_darts_genotype_equal(&back, &g));
}

/* Each kind of bad string, with the position and the expectation its message gives. */
static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *message;
    } bad[] = {
        {"", "genotype position 0: expected Genotype(...) or a published genotype's name (DARTS_V1, DARTS_V2, DARTS, "
             "PC_DARTS, PC_DARTS_cifar, ALL_OPS), got end of string"},
        {"DARTS_V3", "genotype position 0: expected Genotype(...) or a published genotype's name"},
        {"genotypes DARTS", "genotype position 10: expected '.' after genotypes, got DARTS"},
        {"Genotype[", "genotype position 8: expected '(' after Genotype, got '['"},
        {"Genotype(normal=[('sep_conv_9x9', 0)", "genotype position 19: expected an op name ('none', "
                                                 "'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', "
                                                 "'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'), got sep_conv_9x9"},
        {"Genotype(normal=[(sep_conv_3x3, 0)", "genotype position 18: expected a quoted op name ('none', "},
        {"Genotype(normal=[('sep_conv_3x3' 0)", "genotype position 33: expected ',' and the state the edge reads, "
                                                "got 0"},
        {"Genotype(normal=[('skip_connect', 0), ('skip_connect', 1), ('skip_connect', 0), ('skip_connect', 4)",
         "genotype position 97: normal: edge 3 of node 1 reads state 4; node 1 may read states 0..2"},
        {"Genotype(reduce=[('skip_connect', 2)", "genotype position 34: reduce: edge 0 of node 0 reads state 2; node "
                                                 "0 may read states 0..1"},
        {"Genotype(normal=[('skip_connect', -1)", "genotype position 34: expected a state index (node 0 may read "
                                                  "states 0..1), got '-'"},
        {"Genotype(normal=[('skip_connect', 0)]", "genotype position 36: expected ',' and the next edge, got ']'"},
        {"Genotype(normal=[('skip_connect', 0),]", "genotype position 37: expected edge 1 of normal (a cell has 8 "
                                                   "edges, 2 for each of its 4 nodes), got ']'"},
        {"Genotype(normal=" V2_NORMAL ", normal_concat=[2, 6]", "genotype position 204: normal_concat: state 6; "
                                                               "expected a state 0..5"},
        {"Genotype(" V2_NORMAL ", [0, 1], " V2_REDUCE ", [2, 1]", "genotype position 361: reduce_concat: state 1; "
                                                            "expected a state 2..5 (states 0 and 1, the cell's "
                                                            "inputs, are not downsampled by a reduction cell)"},
        {"Genotype(normal=" V2_NORMAL ", normal_concat=[2, 2]", "genotype position 204: normal_concat: state 2 twice"},
        {"Genotype(normal=" V2_NORMAL ", normal_concat=[]", "genotype position 201: expected a state 0..5 in "
                                                           "normal_concat, got ']'"},
        {"Genotype(normal=" V2_NORMAL ", normal_concat=range(6, 2)", "genotype position 200: normal_concat: "
                                                                    "range(6, 2) is empty"},
        {"Genotype(normal=" V2_NORMAL ", normal_concat=range(2, 6, 0)",
         "genotype position 212: normal_concat: range() step must not be zero"},
        {"Genotype(normal=" V2_NORMAL ", normal_concat=2", "genotype position 200: expected normal_concat as a list "
                                                          "of states [2, 3, 4, 5] or range(2, 6), got 2"},
        {"Genotype(normal=" V2_NORMAL ", normal=", "genotype position 186: field normal given twice"},
        {"Genotype(normal=" V2_NORMAL ", concat=[2]", "genotype position 186: expected a field name (normal, "
                                                     "normal_concat, reduce, reduce_concat), got concat"},
        {"Genotype(normal=" V2_NORMAL ", [2]", "genotype position 186: expected a keyword field (name=value): "
                                              "positional fields come first, got '['"},
        {"Genotype(normal=" V2_NORMAL ")", "genotype position 184: expected field normal_concat (Genotype needs "
                                          "normal, normal_concat, reduce, reduce_concat), got ')'"},
        {"Genotype(" V2_NORMAL ", [2], " V2_REDUCE ", [2], [3])", "genotype position 359: expected ')' (Genotype has "
                                                                 "4 fields"},
        {"Genotype(" V2_NORMAL ", [2], " V2_REDUCE ", [2]) x", "genotype position 359: expected end of string after "
                                                              "the genotype, got x"},
        {"Genotype(normal=[('none', 0), ('none', 1), ('none', 0), ('none', 1), ('none', 0), ('none', 1), ('none', 0), "
         "('none', 1), ('none', 0)]", "genotype position 121: expected ']' after normal's 8 edges (a cell has 4 nodes "
                                      "of 2 edges), got '('"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clnas_darts_genotype g;
        clnas_error err = {0};
        if (clnas_darts_genotype_parse(bad[i].text, &g, &err) != CLNAS_ERR_PARSE)
            fail_msg("bad string %zu parsed: %s", i, bad[i].text);
        if (!strstr(err.message, bad[i].message))
            fail_msg("bad string %zu: %s\n  message: %s\n  expected: %s", i, bad[i].text, err.message, bad[i].message);
    }
}

static void test_format_refuses_invalid(void **state)
{
    (void)state;
    clnas_darts_genotype g = parse_ok("DARTS_V2");
    char text[CLNAS_DARTS_GENOTYPE_STR_MAX];
    clnas_error err = {0};
    g.normal.input[3] = 4;
    assert_int_equal(clnas_darts_genotype_format(&g, text, sizeof text, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "normal: edge 3 of node 1 reads state 4; node 1 may read states 0..2"));
    g = parse_ok("DARTS_V2");
    g.reduce.concat[3] = 1;
    assert_int_equal(clnas_darts_genotype_format(&g, text, sizeof text, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "reduce_concat: state 1 is a cell input"));
    g = parse_ok("DARTS_V2");
    g.reduce.op[0] = CLNAS_DARTS_OPS;
    assert_int_equal(clnas_darts_genotype_format(&g, text, sizeof text, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "reduce: edge 0: op 8"));
    g = parse_ok("DARTS_V2");
    assert_int_equal(clnas_darts_genotype_format(&g, text, 20, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "the buffer has 20"));
}

/* Chi-square critical values at p = 0.001 (fixed seeds: a failure means the code changed). */
#define CHI2_P001_DF4 18.467
#define CHI2_P001_DF6 22.458

static double chi_square(const unsigned *counts, int bins, double expected)
{
    double chi2 = 0.0;
    for (int i = 0; i < bins; i++)
        chi2 += ((double)counts[i] - expected) * ((double)counts[i] - expected) / expected;
    return chi2;
}

static void assert_derived_cell(const clnas_darts_cell *c)
{
    for (int k = 0; k < CLNAS_DARTS_NODES; k++) {
        assert_int_not_equal(c->input[2 * k], c->input[2 * k + 1]);
        assert_int_not_equal(c->op[2 * k], CLNAS_DARTS_NONE);
        assert_int_not_equal(c->op[2 * k + 1], CLNAS_DARTS_NONE);
    }
    assert_int_equal(c->nconcat, 4);
    for (int k = 0; k < 4; k++)
        assert_int_equal(c->concat[k], 2 + k);
}

/* Sampled genotypes are valid derived ones, round-trip through their string, and are uniform per draw. */
static void test_sample(void **state)
{
    (void)state;
    enum { N = 14000 };
    unsigned ops[7] = {0}, node3_first[5] = {0}, node1_pairs[6] = {0};
    clnas_rng rng;
    clnas_rng_seed(&rng, 13);
    for (int i = 0; i < N; i++) {
        clnas_darts_genotype g;
        clnas_error err = {0};
        clnas_darts_genotype_sample(&rng, &g);
        assert_int_equal(clnas_darts_genotype_validate(&g, &err), CLNAS_OK);
        assert_derived_cell(&g.normal);
        assert_derived_cell(&g.reduce);
        ops[g.reduce.op[5] - 1]++;
        node3_first[g.normal.input[6]]++;
        /* node 1's ordered pairs of distinct states among 0..2 */
        node1_pairs[g.normal.input[2] * 2 + (g.normal.input[3] > g.normal.input[2] ? g.normal.input[3] - 1
                                                                                    : g.normal.input[3])]++;
        if (i < 200) {
            char text[CLNAS_DARTS_GENOTYPE_STR_MAX];
            format_ok(&g, text);
            clnas_darts_genotype back = parse_ok(text);
            assert_true(clnas_darts_genotype_equal(&back, &g));
        }
    }
    assert_true(chi_square(ops, 7, N / 7.0) < CHI2_P001_DF6);
    assert_true(chi_square(node3_first, 5, N / 5.0) < CHI2_P001_DF4);
    assert_true(chi_square(node1_pairs, 6, N / 6.0) < 20.515);
    /* The same seed gives the same genotypes. */
    clnas_rng a, b;
    clnas_rng_seed(&a, 7);
    clnas_rng_seed(&b, 7);
    clnas_darts_genotype ga, gb;
    clnas_darts_genotype_sample(&a, &ga);
    clnas_darts_genotype_sample(&b, &gb);
    assert_true(clnas_darts_genotype_equal(&ga, &gb));
}

/* How parent and child differ: the number of changed (cell, edge, field) entries; *which: 0 op, 1 input. */
static int differences(const clnas_darts_genotype *p, const clnas_darts_genotype *c, int *which, int *cell)
{
    const clnas_darts_cell *pc[2] = {&p->normal, &p->reduce}, *cc[2] = {&c->normal, &c->reduce};
    int n = 0;
    for (int k = 0; k < 2; k++) {
        for (int e = 0; e < CLNAS_DARTS_EDGES; e++) {
            if (pc[k]->op[e] != cc[k]->op[e])
                n++, *which = 0, *cell = k;
            if (pc[k]->input[e] != cc[k]->input[e])
                n++, *which = 1, *cell = k;
        }
        if (pc[k]->nconcat != cc[k]->nconcat || memcmp(pc[k]->concat, cc[k]->concat, pc[k]->nconcat) != 0)
            n += 100;
    }
    return n;
}

/* A mutation changes one op or one input of one edge, keeps a derived genotype derived, and reaches both kinds
 * in both cells about equally often. */
static void test_mutate(void **state)
{
    (void)state;
    enum { N = 8000 };
    unsigned kinds[4] = {0};
    clnas_rng rng;
    clnas_rng_seed(&rng, 21);
    clnas_darts_genotype g = parse_ok("DARTS_V2");
    for (int i = 0; i < N; i++) {
        clnas_darts_genotype child;
        clnas_error err = {0};
        clnas_darts_genotype_mutate(&g, &rng, &child);
        int which = -1, cell = -1;
        assert_int_equal(differences(&g, &child, &which, &cell), 1);
        kinds[cell * 2 + which]++;
        assert_int_equal(clnas_darts_genotype_validate(&child, &err), CLNAS_OK);
        assert_derived_cell(&child.normal);
        assert_derived_cell(&child.reduce);
        g = child;
    }
    assert_true(chi_square(kinds, 4, N / 4.0) < 16.266); /* df 3 */
    /* none is replaced by a real op, and node 0's duplicate inputs can be split. */
    clnas_darts_genotype all = parse_ok("ALL_OPS"), child;
    all.normal.input[1] = 0;
    for (int i = 0; i < 200; i++) {
        clnas_darts_genotype_mutate(&all, &rng, &child);
        int which = -1, cell = -1;
        assert_int_equal(differences(&all, &child, &which, &cell), 1);
        if (cell == 0 && which == 0 && child.normal.op[2] != all.normal.op[2])
            assert_int_not_equal(child.normal.op[2], CLNAS_DARTS_NONE);
        if (cell == 0 && which == 1 && child.normal.input[0] != 0)
            assert_int_equal(child.normal.input[0], 1);
    }
}

static uint64_t hash_of(const clnas_darts_genotype *g)
{
    uint64_t h = 0;
    clnas_error err = {0};
    if (clnas_darts_genotype_canonical(g, NULL, NULL, 0, &h, &err) != CLNAS_OK)
        fail_msg("canonical failed: %s", err.message);
    return h;
}

static uint64_t hash_of_text(const char *text)
{
    clnas_darts_genotype g = parse_ok(text);
    return hash_of(&g);
}

#define CELL_A "[('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('max_pool_3x3', 1), " \
               "('skip_connect', 2), ('avg_pool_3x3', 3), ('sep_conv_3x3', 4), ('dil_conv_5x5', 0)]"

/* Pairs that compute the same function hash equal; pairs that do not hash differently. */
static void test_canonical_pairs(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        int same;
    } pairs[] = {
        /* the two edges of a node swapped */
        {"Genotype(" CELL_A ", [2, 3, 4, 5], " CELL_A ", [2, 3, 4, 5])",
         "Genotype([('sep_conv_5x5', 1), ('sep_conv_3x3', 0), ('max_pool_3x3', 1), ('dil_conv_3x3', 0), "
         "('avg_pool_3x3', 3), ('skip_connect', 2), ('dil_conv_5x5', 0), ('sep_conv_3x3', 4)], [2, 3, 4, 5], "
         CELL_A ", [2, 3, 4, 5])", 1},
        /* nodes 0 and 1 (states 2 and 3) relabelled: both read only the inputs; the concat is the full set */
        {"Genotype(" CELL_A ", [2, 3, 4, 5], " CELL_A ", [2, 3, 4, 5])",
         "Genotype([('dil_conv_3x3', 0), ('max_pool_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_5x5', 1), "
         "('skip_connect', 3), ('avg_pool_3x3', 2), ('sep_conv_3x3', 4), ('dil_conv_5x5', 0)], [2, 3, 4, 5], "
         CELL_A ", [2, 3, 4, 5])", 1},
        /* the concat's order */
        {"Genotype(" CELL_A ", [2, 3, 4, 5], " CELL_A ", [2, 3, 4, 5])",
         "Genotype(" CELL_A ", [5, 3, 2, 4], " CELL_A ", range(2, 6))", 1},
        /* independent nodes 2 and 3 (states 4, 5) relabelled, the concat {2, 4} mapped with them to {2, 5} */
        {"Genotype([('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('max_pool_3x3', 1), "
         "('skip_connect', 2), ('avg_pool_3x3', 3), ('sep_conv_3x3', 2), ('dil_conv_5x5', 0)], [2, 4], "
         CELL_A ", [2, 3, 4, 5])",
         "Genotype([('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('max_pool_3x3', 1), "
         "('sep_conv_3x3', 2), ('dil_conv_5x5', 0), ('skip_connect', 2), ('avg_pool_3x3', 3)], [2, 5], "
         CELL_A ", [2, 3, 4, 5])", 1},
        /* the state a none edge reads */
        {"ALL_OPS", "Genotype(normal=[('sep_conv_5x5', 0), ('dil_conv_5x5', 1), ('none', 1), ('avg_pool_3x3', 2), "
         "('max_pool_3x3', 1), ('skip_connect', 3), ('dil_conv_3x3', 4), ('sep_conv_3x3', 0)], normal_concat=[2, 3, "
         "4, 5], reduce=[('skip_connect', 0), ('none', 1), ('sep_conv_5x5', 0), ('dil_conv_5x5', 1), ('avg_pool_3x3', "
         "1), ('dil_conv_3x3', 0), ('sep_conv_3x3', 1), ('max_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])", 1},
        /* different ops on one edge */
        {"Genotype(" CELL_A ", [2, 3, 4, 5], " CELL_A ", [2, 3, 4, 5])",
         "Genotype([('sep_conv_5x5', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('max_pool_3x3', 1), "
         "('skip_connect', 2), ('avg_pool_3x3', 3), ('sep_conv_3x3', 4), ('dil_conv_5x5', 0)], [2, 3, 4, 5], "
         CELL_A ", [2, 3, 4, 5])", 0},
        /* skip_connect and max_pool_3x3 swapped between nodes that are not interchangeable */
        {"DARTS_V2", "Genotype(normal=" V2_NORMAL ", normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
         "('max_pool_3x3', 1), ('max_pool_3x3', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), "
         "('skip_connect', 2), ('skip_connect', 1)], reduce_concat=[2, 3, 4, 5])", 0},
        /* one edge reading another state */
        {"Genotype(" CELL_A ", [2, 3, 4, 5], " CELL_A ", [2, 3, 4, 5])",
         "Genotype([('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('max_pool_3x3', 1), "
         "('skip_connect', 2), ('avg_pool_3x3', 3), ('sep_conv_3x3', 3), ('dil_conv_5x5', 0)], [2, 3, 4, 5], "
         CELL_A ", [2, 3, 4, 5])", 0},
        /* the two cell inputs exchanged (they come from different cells) */
        {"Genotype(" CELL_A ", [2, 3, 4, 5], " CELL_A ", [2, 3, 4, 5])",
         "Genotype([('sep_conv_3x3', 1), ('sep_conv_5x5', 0), ('dil_conv_3x3', 1), ('max_pool_3x3', 0), "
         "('skip_connect', 2), ('avg_pool_3x3', 3), ('sep_conv_3x3', 4), ('dil_conv_5x5', 1)], [2, 3, 4, 5], "
         CELL_A ", [2, 3, 4, 5])", 0},
        /* normal and reduction cells exchanged */
        {"DARTS_V2", "Genotype(" V2_REDUCE ", [2, 3, 4, 5], " V2_NORMAL ", [2, 3, 4, 5])", 0},
        /* nodes 0 and 1 relabelled but the concat {2} not mapped with them: node 0 vs node 1 in the output */
        {"Genotype(" CELL_A ", [2, 4, 5], " CELL_A ", [2, 3, 4, 5])",
         "Genotype([('dil_conv_3x3', 0), ('max_pool_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_5x5', 1), "
         "('skip_connect', 3), ('avg_pool_3x3', 2), ('sep_conv_3x3', 4), ('dil_conv_5x5', 0)], [2, 4, 5], "
         CELL_A ", [2, 3, 4, 5])", 0},
        /* a dead node's op (node 2 is neither in the concat nor read) still counts */
        {"Genotype([('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('max_pool_3x3', 1), "
         "('skip_connect', 2), ('avg_pool_3x3', 3), ('sep_conv_3x3', 2), ('dil_conv_5x5', 0)], [2, 3, 5], "
         CELL_A ", [2, 3, 4, 5])",
         "Genotype([('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('max_pool_3x3', 1), "
         "('sep_conv_5x5', 2), ('avg_pool_3x3', 3), ('sep_conv_3x3', 2), ('dil_conv_5x5', 0)], [2, 3, 5], "
         CELL_A ", [2, 3, 4, 5])", 0},
        /* a none edge against a real op on the same state */
        {"ALL_OPS", "Genotype(normal=[('sep_conv_5x5', 0), ('dil_conv_5x5', 1), ('skip_connect', 0), "
         "('avg_pool_3x3', 2), ('max_pool_3x3', 1), ('skip_connect', 3), ('dil_conv_3x3', 4), ('sep_conv_3x3', 0)], "
         "normal_concat=[2, 3, 4, 5], reduce=[('skip_connect', 0), ('none', 1), ('sep_conv_5x5', 0), "
         "('dil_conv_5x5', 1), ('avg_pool_3x3', 1), ('dil_conv_3x3', 0), ('sep_conv_3x3', 1), ('max_pool_3x3', 0)], "
         "reduce_concat=[2, 3, 4, 5])", 0},
        /* a concat with one state fewer */
        {"DARTS_V2", "Genotype(" V2_NORMAL ", [2, 3, 4], " V2_REDUCE ", [2, 3, 4, 5])", 0},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const int same = hash_of_text(pairs[i].a) == hash_of_text(pairs[i].b);
        if (same != pairs[i].same)
            fail_msg("pair %zu: hashes %s, expected %s", i, same ? "equal" : "differ",
                     pairs[i].same ? "equal" : "differ");
    }
}

/* A random isomorphic copy: each node's edges in a random order, a random admissible relabelling of the nodes
 * (the concat mapped alike), the concat shuffled, none edges reading a random admissible state. */
static void scramble_cell(const clnas_darts_cell *c, clnas_rng *rng, clnas_darts_cell *out)
{
    int perm[CLNAS_DARTS_NODES];
    for (;;) {
        for (int k = 0; k < CLNAS_DARTS_NODES; k++)
            perm[k] = k;
        for (int k = CLNAS_DARTS_NODES - 1; k > 0; k--) {
            const int j = (int)clnas_rng_below(rng, (uint32_t)k + 1), t = perm[k];
            perm[k] = perm[j];
            perm[j] = t;
        }
        int ok = 1;
        for (int e = 0; e < CLNAS_DARTS_EDGES; e++)
            if (c->op[e] != CLNAS_DARTS_NONE && c->input[e] >= 2 && perm[c->input[e] - 2] >= perm[e / 2])
                ok = 0;
        if (ok)
            break;
    }
    *out = *c;
    for (int k = 0; k < CLNAS_DARTS_NODES; k++) {
        const int flip = (int)clnas_rng_below(rng, 2);
        for (int i = 0; i < 2; i++) {
            const int from = 2 * k + (i ^ flip), to = 2 * perm[k] + i;
            const int s = c->input[from];
            out->op[to] = c->op[from];
            out->input[to] = (uint8_t)(s >= 2 ? 2 + perm[s - 2] : s);
            if (c->op[from] == CLNAS_DARTS_NONE)
                out->input[to] = (uint8_t)clnas_rng_below(rng, 2 + (uint32_t)perm[k]);
        }
    }
    for (int i = 0; i < c->nconcat; i++)
        out->concat[i] = (uint8_t)(c->concat[i] >= 2 ? 2 + perm[c->concat[i] - 2] : c->concat[i]);
    for (int i = c->nconcat - 1; i > 0; i--) {
        const int j = (int)clnas_rng_below(rng, (uint32_t)i + 1);
        const uint8_t t = out->concat[i];
        out->concat[i] = out->concat[j];
        out->concat[j] = t;
    }
}

/* Random isomorphic copies hash equal; the canonical form is a fixed point and its string parses to it; the
 * published genotypes and a thousand samples have distinct hashes unless their canonical forms are equal. */
static void test_canonical_random(void **state)
{
    (void)state;
    clnas_rng rng;
    clnas_rng_seed(&rng, 5);
    for (int i = 0; i < 2000; i++) {
        clnas_darts_genotype g, copy, canon, again;
        clnas_error err = {0};
        char text[CLNAS_DARTS_GENOTYPE_STR_MAX];
        uint64_t h;
        clnas_darts_genotype_sample(&rng, &g);
        if (i % 2) { /* some none edges and partial concats too */
            g.normal.op[clnas_rng_below(&rng, 8)] = CLNAS_DARTS_NONE;
            g.reduce.nconcat = 2;
            g.reduce.concat[0] = 5;
            g.reduce.concat[1] = (uint8_t)(2 + clnas_rng_below(&rng, 3));
            g.normal.nconcat = 3;
            g.normal.concat[0] = 4;
            g.normal.concat[1] = (uint8_t)clnas_rng_below(&rng, 2);
            g.normal.concat[2] = 3;
        }
        scramble_cell(&g.normal, &rng, &copy.normal);
        scramble_cell(&g.reduce, &rng, &copy.reduce);
        assert_int_equal(clnas_darts_genotype_canonical(&g, &canon, text, sizeof text, &h, &err), CLNAS_OK);
        assert_int_equal(hash_of(&copy), h);
        assert_int_equal(clnas_darts_genotype_canonical(&canon, &again, NULL, 0, NULL, &err), CLNAS_OK);
        assert_true(clnas_darts_genotype_equal(&canon, &again));
        again = parse_ok(text);
        assert_true(clnas_darts_genotype_equal(&canon, &again));
    }
    uint64_t hashes[N_PUBLISHED];
    for (size_t i = 0; i < N_PUBLISHED; i++) {
        hashes[i] = hash_of_text(published[i].name);
        for (size_t j = 0; j < i; j++)
            assert_int_not_equal(hashes[i], hashes[j]);
    }
    clnas_darts_genotype bad = parse_ok("DARTS_V2");
    bad.normal.concat[1] = 2;
    clnas_error err = {0};
    assert_int_equal(clnas_darts_genotype_canonical(&bad, NULL, NULL, 0, NULL, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "normal_concat: state 2 twice"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_round_trip),
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_format_refuses_invalid),
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_mutate),
        cmocka_unit_test(test_canonical_pairs),
        cmocka_unit_test(test_canonical_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
