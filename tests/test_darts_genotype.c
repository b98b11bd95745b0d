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
    clnas_darts_genotype g = parse_ok("Genotype(" V2_NORMAL ", range(3, 6), " V2_REDUCE ", [5, 0, 2])");
    assert_int_equal(g.normal.nconcat, 3);
    assert_int_equal(g.reduce.nconcat, 3);
    assert_int_equal(g.reduce.concat[0], 5);
    assert_int_equal(g.reduce.concat[1], 0);
    char text[CLNAS_DARTS_GENOTYPE_STR_MAX];
    format_ok(&g, text);
    assert_non_null(strstr(text, "normal_concat=[3, 4, 5], reduce="));
    assert_non_null(strstr(text, "reduce_concat=[5, 0, 2])"));
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
    g.reduce.op[0] = CLNAS_DARTS_OPS;
    assert_int_equal(clnas_darts_genotype_format(&g, text, sizeof text, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "reduce: edge 0: op 8"));
    g = parse_ok("DARTS_V2");
    assert_int_equal(clnas_darts_genotype_format(&g, text, 20, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "the buffer has 20"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_round_trip),
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_format_refuses_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
